"""Split audit on fixture corpora: imported CSV, EmoBox and serbench folds; exact counts."""

from __future__ import annotations

import pytest

from benchmark.audit.leaks import audit_folds, collect_facts
from benchmark.cli import main
from benchmark.datasets import load_corpus
from benchmark.fold_import import FoldImportError, file_stem, import_folds
from benchmark.splits import make_folds, save_folds
from tests.audit.fixtures import make_corpus, stems, write_csv_split, write_emobox


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("clean"), seed=1)


@pytest.fixture(scope="module")
def dups(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("dups"), seed=2, duplicates=True)


def _audit(manifest_csv, folds_path):
    m = load_corpus("csv", manifest_csv).manifest
    imp = import_folds(folds_path, m)
    return imp, audit_folds(imp.folds, m, collect_facts(m))


def test_csv_split_with_speaker_overlap(clean, tmp_path):
    # every speaker on both sides: takes 0-1 test, 2-3 train (fold 0), and the reverse (fold 1)
    rows = [(stem, f, "test" if (int(text[1]) < 2) == (f == 0) else "train")
            for stem, _spk, text in stems(clean) for f in (0, 1)]
    imp, audit = _audit(clean, write_csv_split(tmp_path / "overlap.csv", rows))
    assert (imp.n_entries, imp.n_matched, imp.n_unmatched) == (96, 96, 0)
    assert [f.speakers_shared for f in audit.folds] == [4, 4]
    assert [f.test_speaker_seen for f in audit.folds] == [24, 24]
    assert [f.texts_shared for f in audit.folds] == [0, 0]
    assert [f.identical for f in audit.folds] == [0, 0] and [f.near_identical for f in audit.folds] == [0, 0]
    assert audit.leaky and not audit.speaker_independent
    assert audit.verdict().startswith("LEAKY: speakers on both sides in 2 of 2 folds")
    assert audit.protocol_info()["speaker_independent"] is False


def test_renamed_duplicate_across_train_and_test(dups, tmp_path):
    # speaker-disjoint by name ({s1,s2} vs {s3,s4}), but s1's take is also filed under s3 (a
    # byte copy) and s2's under s4 (re-encoded at another gain, DC and bit depth)
    rows = [(stem, f, "test" if (spk in ("s1", "s2")) == (f == 0) else "train")
            for stem, spk, _t in stems(dups) for f in (0, 1)]
    imp, audit = _audit(dups, write_csv_split(tmp_path / "dups.csv", rows))
    assert [f.speakers_shared for f in audit.folds] == [0, 0]
    assert [f.identical for f in audit.folds] == [1, 1]
    assert [f.near_identical for f in audit.folds] == [1, 1]
    assert [f.texts_shared for f in audit.folds] == [4, 4]
    assert audit.speaker_independent and audit.leaky
    assert "identical recordings on both sides: 2 test utterance(s) in 2 of 2 folds" in audit.verdict()
    assert "near-identical recordings on both sides: 2 test utterance(s)" in audit.verdict()


def test_emobox_folder_matched_by_file_name(clean, tmp_path):
    names = stems(clean)
    by = {s: [n for n, spk, _ in names if spk == s] for s in ("s1", "s2", "s3", "s4")}
    folds = [(by["s1"] + by["s2"], by["s3"] + by["s4"] + ["not_in_corpus"]),
             (by["s3"] + by["s4"], by["s1"] + by["s2"])]
    imp, audit = _audit(clean, write_emobox(tmp_path, "fixture", folds))
    assert imp.fmt == "emobox"
    assert (imp.n_entries, imp.n_matched, imp.n_unmatched, imp.n_ambiguous) == (97, 96, 1, 0)
    assert [r["utt_id"] for r in imp.skipped] == ["downloads/fixture/wav/not_in_corpus.wav"]
    assert [len(f.test) for f in imp.folds] == [24, 24] and all(not f.val for f in imp.folds)
    assert all(f.speaker_independent for f in imp.folds)
    assert audit.verdict().startswith("speaker-independent")
    assert [f.texts_shared for f in audit.folds] == [4, 4]


def test_serbench_folds_round_trip_and_catch_a_mislabelled_copy(dups, tmp_path):
    m = load_corpus("csv", dups).manifest
    folds = make_folds("speaker_loso", m, 0)
    path = save_folds(tmp_path / "folds" / "x.json", folds, {"protocol": "speaker_loso"})
    imp = import_folds(path, m)
    assert [f.hash for f in imp.folds] == [f.hash for f in folds]
    audit = audit_folds(imp.folds, m, collect_facts(m))
    # by its speaker labels the split is clean; by content, s1's copy filed under s3 and s2's
    # under s4 put a test recording in training in each of the four folds
    assert audit.speaker_independent
    assert sorted((f.identical, f.near_identical) for f in audit.folds) == [(0, 1), (0, 1), (1, 0), (1, 0)]
    assert audit.leaky


def test_import_below_95_percent_is_refused(clean, tmp_path):
    names = [n for n, _, _ in stems(clean)]
    rows = [(n, 0, "train") for n in names[:40]] + [(f"other_{i}", 0, "test") for i in range(8)]
    path = write_csv_split(tmp_path / "bad.csv", rows)
    with pytest.raises(FoldImportError, match=r"matched 40 of 48 entries \(83.3 %"):
        import_folds(path, load_corpus("csv", clean).manifest)
    assert main(["audit-split", "--corpus", "csv", "--data-root", str(clean), "--folds", str(path)]) == 2


def test_file_stem_ignores_folders_and_extension():
    assert file_stem("downloads/emodb/wav/03a01Fa.wav") == "03a01Fa"
    assert file_stem(r"C:\data\x\03a01Fa.WAV") == "03a01Fa"
    assert file_stem("03a01Fa") == "03a01Fa"


def test_cli_strict_exit_status(clean, dups, tmp_path, capsys):
    args = ["audit-split", "--corpus", "csv", "--data-root", str(clean), "--protocol", "speaker_loso",
            "--no-shortcuts", "--strict"]
    assert main(args) == 0
    assert "verdict: speaker-independent" in capsys.readouterr().out
    args[4] = str(dups)
    assert main(args) == 1
    assert "verdict: LEAKY" in capsys.readouterr().out


def test_run_folds_replaces_the_protocols_or_joins_named_ones(tmp_path):
    from pathlib import Path

    from benchmark.config import RunOptions, load_suite
    from benchmark.plan import RunError, expand_combos

    suite = load_suite(Path(__file__).with_name("fixture_suite.toml"))
    opts = RunOptions(out=tmp_path, folds=tmp_path / "split.csv")
    assert {c.protocol for c in expand_combos(suite, opts)} == {"imported"}
    both = RunOptions(out=tmp_path, folds=tmp_path / "split.csv", protocols=("speaker_loso", "imported"))
    assert {c.protocol for c in expand_combos(suite, both)} == {"speaker_loso", "imported"}
    with pytest.raises(RunError, match="name it in --protocols"):
        expand_combos(suite, RunOptions(out=tmp_path, folds=tmp_path / "split.csv", protocols=("speaker_loso",)))


def test_cli_names_the_recordings_found_on_both_sides(dups, capsys):
    assert main(["audit-split", "--corpus", "csv", "--data-root", str(dups), "--protocol", "speaker_loso",
                 "--no-shortcuts"]) == 0
    out = capsys.readouterr().out
    assert "test s1_anger_0 is identical to training dup_exact" in out
    assert "test dup_near is near-identical to training s2_anger_0" in out
