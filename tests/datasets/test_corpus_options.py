"""Loader options through the common ``load_corpus(name, root, **options)`` path (what
``--corpus-option KEY=VALUE`` feeds), and the named label sets of the papers."""

from __future__ import annotations

import pytest

from benchmark.datasets import CORPORA, load_corpus
from benchmark.datasets.base import CorpusError
from benchmark.datasets.labels import CORE_EMOTIONS, LABEL_SETS
from benchmark.datasets.options import label_set_applies, label_sets_of, parse_option_pairs

RAVDESS_ALL = [f"Actor_01/03-01-0{e}-01-01-01-01.wav" for e in range(1, 9)]


@pytest.fixture
def csv_dir(tmp_path, wavs):
    wavs.tree(tmp_path, ["audio/a.wav", "audio/b.wav"])
    (tmp_path / "manifest.csv").write_text("path,label,speaker,notes\naudio/a.wav,angry,s1,x\n"
                                           "audio/b.wav,grumpy,s2,y\n")
    return tmp_path


def test_csv_options_arrive_as_strings_from_the_cli(csv_dir):
    with pytest.raises(CorpusError, match="unknown column"):
        load_corpus("csv", csv_dir, keep_unknown_labels="true")
    c = load_corpus("csv", csv_dir, **parse_option_pairs(["keep_unknown_labels=true",
                                                           "ignore_extra_columns=yes"]))
    assert sorted(c.manifest["label"]) == ["anger", "grumpy"]
    with pytest.raises(CorpusError, match="label.*no harmonised"):
        load_corpus("csv", csv_dir, keep_unknown_labels="false", ignore_extra_columns="1")


def test_unknown_option_suggests_the_close_one(csv_dir):
    with pytest.raises(CorpusError, match=r"csv: unknown option 'keep_unknwon_labels'.*did you mean "
                                          r"'keep_unknown_labels'.*accepts: .*ignore_extra_columns"):
        load_corpus("csv", csv_dir, keep_unknwon_labels=True)


@pytest.mark.parametrize("value", ["maybe", "2", ""])
def test_bad_boolean_value_is_a_clear_error(csv_dir, value):
    with pytest.raises(CorpusError, match=f"csv: option keep_unknown_labels expects true/false, got {value!r}"):
        load_corpus("csv", csv_dir, keep_unknown_labels=value)


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_loader_rejects_unknown_options_before_touching_disk(name, tmp_path):
    with pytest.raises(CorpusError, match=f"{name}: unknown option 'bogus'.*accepts: "):
        load_corpus(name, tmp_path / "nowhere", bogus="1")


def test_typed_options_are_converted_or_refused(tmp_path):
    with pytest.raises(CorpusError, match="synthetic: option seed expects an integer, got 'zero'"):
        load_corpus("synthetic", None, seed="zero")
    with pytest.raises(CorpusError, match="option probe expects true/false"):
        load_corpus("emodb", tmp_path, probe="perhaps")


def test_parse_option_pairs():
    assert parse_option_pairs(["a=1", "b = x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(CorpusError, match="KEY=VALUE"):
        parse_option_pairs(["novalue"])
    with pytest.raises(CorpusError, match="twice"):
        parse_option_pairs(["a=1", "a=2"])


# --------------------------------------------------------------------------- label sets


def test_ravdess_label_sets(tmp_path, wavs):
    wavs.tree(tmp_path, RAVDESS_ALL)
    c8 = load_corpus("ravdess", tmp_path)
    assert c8.label_set == "ravdess8" and len(c8.labels) == 8 and "calm" in c8.labels
    c7 = load_corpus("ravdess", tmp_path, label_set="ravdess7")
    assert c7.label_set == "ravdess7"
    assert c7.labels == sorted(CORE_EMOTIONS)  # paper 001: neutral surprise disgust fear sad happy angry
    assert [p.reason for p in c7.problems] == ["label excluded from ravdess7: calm"]
    with pytest.raises(CorpusError, match=r"ravdess: unknown label_set 'ravdess9'; known: ravdess7, ravdess8"):
        load_corpus("ravdess", tmp_path, label_set="ravdess9")


def test_crema_d_six_classes_by_name(tmp_path, wavs):
    wavs.tree(tmp_path, [f"AudioWAV/1001_DFA_{e}_XX.wav" for e in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")])
    c = load_corpus("crema_d", tmp_path, label_set="crema_d6")
    assert len(c.labels) == 6 and c.label_set == "crema_d6"
    with pytest.raises(CorpusError, match="known: crema_d6"):
        load_corpus("crema_d", tmp_path, label_set="iemocap4")


def _iemocap_tree(root, wavs, codes):
    ses = root / "Session1"
    notes = ses / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt"
    notes.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for k, code in enumerate(codes):
        utt = f"Ses01F_impro01_{'FM'[k % 2]}{k:03d}"
        lines.append(f"[{k}.0 - {k}.5]\t{utt}\t{code}\t[2.5, 2.5, 2.5]")
        wavs.write(ses / "sentences" / "wav" / "Ses01F_impro01" / f"{utt}.wav")
    notes.write_text("\n".join(lines) + "\n")
    return root


IEMOCAP_CODES_ALL = ["ang", "hap", "exc", "sad", "neu", "fru", "fea", "sur", "dis", "oth", "xxx"]


@pytest.mark.parametrize(("label_set", "expected"), [
    ("iemocap4", ["anger", "happiness", "neutral", "sadness"]),
    ("iemocap7", sorted(CORE_EMOTIONS)),  # paper 001: no exc merge, no fru/oth
    ("iemocap9", sorted([*CORE_EMOTIONS, "excitement", "frustration"])),  # paper 004: all but oth
    ("iemocap10", sorted([*CORE_EMOTIONS, "excitement", "frustration", "other"])),
])
def test_iemocap_label_sets(tmp_path, wavs, label_set, expected):
    root = _iemocap_tree(tmp_path, wavs, IEMOCAP_CODES_ALL)
    c = load_corpus("iemocap", root, label_set=label_set)
    assert c.labels == expected and c.label_set == label_set
    assert len(c.manifest) + len(c.problems) == len(IEMOCAP_CODES_ALL)
    assert all(p.reason.startswith(f"label excluded from {label_set}") for p in c.problems)


def test_unknown_iemocap_set_lists_the_known_ones(tmp_path):
    with pytest.raises(CorpusError, match="known: iemocap10, iemocap4, iemocap7, iemocap9"):
        load_corpus("iemocap", tmp_path, label_set="iemocap6")


@pytest.mark.parametrize("name", ["tess", "savee", "emodb", "casia", "csv"])
def test_single_set_corpora_refuse_named_sets_with_the_list(name, tmp_path):
    with pytest.raises(CorpusError, match=f"{name}: has a single label set.*crema_d6.*ravdess7"):
        load_corpus(name, tmp_path, label_set="ravdess7")


@pytest.fixture
def paper003_root(tmp_path, wavs):
    wavs.tree(tmp_path / "ravdess", RAVDESS_ALL)
    wavs.tree(tmp_path / "tess", [f"OAF_{e}/OAF_back_{e}.wav" for e in
                                  ("angry", "disgust", "fear", "happy", "neutral", "ps", "sad")])
    wavs.tree(tmp_path / "crema_d", [f"AudioWAV/1001_DFA_{e}_XX.wav" for e in
                                     ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")])
    wavs.tree(tmp_path / "savee", [f"DC_{e}01.wav" for e in ("a", "d", "f", "h", "n", "sa", "su")])
    return tmp_path


def test_paper003_fusion_seven_classes_without_calm(paper003_root):
    spec = "fusion:ravdess+tess+crema_d+savee"
    full = load_corpus(spec, paper003_root)
    assert "calm" in full.labels
    c = load_corpus(spec, paper003_root, label_set="core7")
    assert c.labels == sorted(CORE_EMOTIONS) and c.label_set == "core7"
    assert len(c.manifest) == 8 + 7 + 6 + 7 - 1
    [calm] = c.problems
    assert calm.utt_id == "ravdess:03-01-02-01-01-01-01" and "calm" in calm.reason


def test_fusion_member_options_through_dotted_keys(paper003_root):
    c = load_corpus("fusion:ravdess+savee", paper003_root, **{"ravdess.label_set": "ravdess7"})
    assert "calm" not in c.labels
    with pytest.raises(CorpusError, match="ravdess: unknown option 'lable_set'.*did you mean 'label_set'"):
        load_corpus("fusion:ravdess+savee", paper003_root, **{"ravdess.lable_set": "ravdess7"})
    with pytest.raises(CorpusError, match="'tess' is not a member"):
        load_corpus("fusion:ravdess+savee", paper003_root, **{"tess.probe": "false"})
    c = load_corpus("fusion:ravdess+savee", paper003_root, labels="anger,neutral")
    assert c.labels == ["anger", "neutral"]


def test_fusion_unknown_label_set_lists_what_exists(paper003_root):
    with pytest.raises(CorpusError, match=r"fusion: unknown label_set 'core9'.*core7.*ravdess7"):
        load_corpus("fusion:ravdess+savee", paper003_root, label_set="core9")


def test_label_set_helpers():
    assert label_sets_of("iemocap") == ["iemocap10", "iemocap4", "iemocap7", "iemocap9"]
    assert label_sets_of("emodb") == []
    assert label_set_applies("iemocap", "iemocap4") and not label_set_applies("ravdess", "iemocap4")
    assert label_set_applies("fusion:ravdess+iemocap", "iemocap4")
    assert label_set_applies("fusion:ravdess+tess+crema_d+savee", "core7")
    assert not label_set_applies("fusion:emodb+savee", "iemocap4")
    assert set(LABEL_SETS) == {"iemocap", "ravdess", "crema_d"}
