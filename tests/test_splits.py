"""Protocols: disjointness, coverage, determinism, validation hygiene, leakage accounting.

Manifests are small synthetic DataFrames with the manifest columns (paths are fake). The
checks here recompute disjointness from the manifest directly rather than trusting
``check_fold``, which gets its own doctored-fold tests.
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.datasets.base import MANIFEST_COLUMNS, STRING_COLUMNS
from benchmark.registry import RegistryError
from benchmark.splits import (
    PROTOCOLS,
    Fold,
    LeakageError,
    ProtocolError,
    check_fold,
    leak_report,
    load_folds,
    make_folds,
    save_folds,
)

LABELS = ("anger", "happiness", "neutral", "sadness")


def make_manifest(
    n_speakers: int = 6,
    labels: tuple[str, ...] = LABELS,
    per_label: int | list[int] = 2,
    *,
    n_texts: int = 4,
    genders: list[str | None] | None = None,
    sessions: list[str | None] | None = None,
    corpus: str = "synth",
    texts_per_speaker_offset: bool = True,
) -> pd.DataFrame:
    """Speakers x labels x repetitions; ``per_label`` may differ per speaker."""
    counts = per_label if isinstance(per_label, list) else [per_label] * n_speakers
    rows = []
    for s in range(n_speakers):
        spk = f"s{s:02d}"
        g = genders[s] if genders is not None else ("female" if s % 2 == 0 else "male")
        for lab in labels:
            for r in range(counts[s]):
                text = (r + (s if texts_per_speaker_offset else 0)) % n_texts
                rows.append({
                    "utt_id": f"{corpus}_{spk}_{lab}_{r}",
                    "path": f"/fake/{corpus}/{spk}/{lab}_{r}.wav",
                    "corpus": corpus,
                    "label": lab,
                    "raw_label": lab,
                    "speaker": spk,
                    "gender": g,
                    "session": sessions[s] if sessions is not None else None,
                    "text_id": f"t{text}",
                    "duration_s": 1.0,
                })
    df = pd.DataFrame(rows)[list(MANIFEST_COLUMNS)]
    for col in STRING_COLUMNS:
        df[col] = df[col].astype("string")
    return df


def with_copies(m: pd.DataFrame, n_copies: int = 2) -> pd.DataFrame:
    """The papers' pool: originals plus augmented copies as extra rows."""
    orig = m.assign(source_utt_id=m["utt_id"])
    copies = [
        m.assign(source_utt_id=m["utt_id"], utt_id=m["utt_id"] + f"~noise~{k}") for k in range(n_copies)
    ]
    return pd.concat([orig, *copies], ignore_index=True)


def speakers_of(m: pd.DataFrame, ids) -> set[str]:
    return set(m.set_index("utt_id").loc[list(ids), "speaker"])


def assert_basic(folds: list[Fold], m: pd.DataFrame, *, covers_all: bool, speaker_independent: bool) -> None:
    all_ids = set(m["utt_id"])
    for f in folds:
        tr, va, te = set(f.train), set(f.val), set(f.test)
        assert tr and va and te, f"fold {f.index} has an empty side"
        assert len(tr) == len(f.train) and len(va) == len(f.val) and len(te) == len(f.test)
        assert not (tr & va) and not (tr & te) and not (va & te)
        assert tr | va | te <= all_ids
        assert f.speaker_independent == speaker_independent
        if speaker_independent:
            s_tr, s_va, s_te = speakers_of(m, tr), speakers_of(m, va), speakers_of(m, te)
            assert not (s_tr & s_va) and not (s_tr & s_te) and not (s_va & s_te)
    if covers_all:
        seen = Counter(i for f in folds for i in f.test)
        assert set(seen) == all_ids and set(seen.values()) == {1}


# ---------------------------------------------------------------------------- registry / API


def test_every_protocol_has_meta() -> None:
    for name in PROTOCOLS.names():
        meta = PROTOCOLS.meta(name)
        assert meta["description"] and isinstance(meta["speaker_independent"], bool)
        assert meta["leaky"] is (name == "leaky_augment_then_split")


def test_unknown_protocol_suggests_close_name() -> None:
    with pytest.raises(RegistryError, match="did you mean 'speaker_loso'"):
        make_folds("speaker_losso", make_manifest(), 0)


def test_unknown_option_is_an_error() -> None:
    with pytest.raises(ProtocolError, match="unknown option"):
        make_folds("random_kfold5", make_manifest(), 0, n_splits=3)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seed_is_an_error(seed) -> None:
    with pytest.raises(ProtocolError, match="seed"):
        make_folds("random_kfold5", make_manifest(), seed)


# ---------------------------------------------------------------------------- property tests

manifest_params = st.fixed_dictionaries({
    "n_speakers": st.integers(5, 9),
    "n_labels": st.integers(2, 4),
    "per_label": st.lists(st.integers(1, 3), min_size=9, max_size=9),
    "genders": st.lists(st.sampled_from(["female", "male", None]), min_size=9, max_size=9),
    "seed": st.integers(0, 2**32 - 1),
})


def _from_params(p: dict) -> pd.DataFrame:
    n = p["n_speakers"]
    return make_manifest(n, LABELS[: p["n_labels"]], p["per_label"][:n], genders=p["genders"][:n])


@pytest.mark.parametrize("protocol", ["random_kfold5", "speaker_kfold5", "speaker_loso"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=manifest_params)
def test_folds_are_disjoint_cover_and_are_deterministic(protocol: str, p: dict) -> None:
    m = _from_params(p)
    folds = make_folds(protocol, m, p["seed"])
    speaker_independent = PROTOCOLS.meta(protocol)["speaker_independent"]
    assert_basic(folds, m, covers_all=True, speaker_independent=speaker_independent)
    # Every utterance is used in every fold (no sentence filter here).
    for f in folds:
        assert len(f.train) + len(f.val) + len(f.test) == len(m)
    n_expected = m["speaker"].nunique() if protocol == "speaker_loso" else 5
    assert [f.index for f in folds] == list(range(n_expected))
    again = make_folds(protocol, m, p["seed"])
    assert [f.hash for f in again] == [f.hash for f in folds]
    shuffled = m.sample(frac=1.0, random_state=p["seed"] % 1000).reset_index(drop=True)
    assert [f.hash for f in make_folds(protocol, shuffled, p["seed"])] == [f.hash for f in folds]


@settings(max_examples=15, deadline=None)
@given(p=manifest_params)
def test_random_kfold5_is_stratified(p: dict) -> None:
    m = _from_params(p)
    label = dict(zip(m["utt_id"], m["label"], strict=True))
    totals = Counter(m["label"])
    for f in make_folds("random_kfold5", m, p["seed"]):
        per_fold = Counter(label[i] for i in f.test)
        for lab, n in totals.items():
            assert abs(per_fold[lab] - n / 5) <= 1
        # val is ~10 % of the training side and never takes a class's last training example
        n_side = len(f.train) + len(f.val)
        assert abs(len(f.val) - 0.1 * n_side) <= len(totals)
        assert {label[i] for i in f.train} == set(totals)


@settings(max_examples=15, deadline=None)
@given(p=manifest_params)
def test_speaker_kfold5_groups_are_balanced_per_gender(p: dict) -> None:
    m = _from_params(p)
    spk_gender = dict(zip(m["speaker"], m["gender"].astype(object).where(m["gender"].notna(), "?"), strict=True))
    spk_count = Counter(m["speaker"])
    folds = make_folds("speaker_kfold5", m, p["seed"])
    for g in set(spk_gender.values()):
        loads = [sum(spk_count[s] for s in speakers_of(m, f.test) if spk_gender[s] == g) for f in folds]
        biggest = max(spk_count[s] for s in spk_count if spk_gender[s] == g)
        # greedy list scheduling bound: spread <= largest speaker of that gender
        assert max(loads) - min(loads) <= biggest


def test_speaker_loso_val_is_a_gender_pair() -> None:
    m = make_manifest(6)
    for f in make_folds("speaker_loso", m, 3):
        val_spk = speakers_of(m, f.val)
        assert len(val_spk) == 2
        genders = set(m.loc[m["speaker"].isin(val_spk), "gender"])
        assert genders == {"female", "male"}
        assert f.info["val_speakers"] == sorted(val_spk)


def test_speaker_loso_with_three_speakers_uses_one_val_speaker() -> None:
    m = make_manifest(3)
    folds = make_folds("speaker_loso", m, 0)
    assert all(len(speakers_of(m, f.val)) == 1 for f in folds)
    with pytest.raises(ProtocolError, match="at least 3 speakers"):
        make_folds("speaker_loso", make_manifest(2), 0)


def test_speaker_loso_two_speakers_needs_explicit_speaker_dependent_val() -> None:
    m = make_manifest(2, per_label=5)  # TESS-like
    with pytest.raises(ProtocolError, match="val_by_speaker=False"):
        make_folds("speaker_loso", m, 0)
    folds = make_folds("speaker_loso", m, 0, val_by_speaker=False)
    assert len(folds) == 2
    for f in folds:
        assert not f.info["val_speaker_disjoint"]
        assert speakers_of(m, f.val) == speakers_of(m, f.train) != speakers_of(m, f.test)
        assert len(f.val) == 2 and len(f.test) == 20  # val = 10 % of the 20 training utterances
        # without the opt-in flag the same ids break the speaker promise
        with pytest.raises(LeakageError, match="both train and val"):
            check_fold(Fold(f.index, f.train, f.val, f.test, True), m)
    assert all(f.info["val_speaker_disjoint"] for f in make_folds("speaker_loso", make_manifest(4), 0))


def test_seed_changes_folds() -> None:
    m = make_manifest(8)
    for protocol in ("random_kfold5", "speaker_kfold5"):
        hashes = {tuple(f.hash for f in make_folds(protocol, m, s)) for s in range(4)}
        assert len(hashes) > 1


def test_speaker_kfold5_needs_five_speakers() -> None:
    with pytest.raises(ProtocolError, match="at least 5 speakers"):
        make_folds("speaker_kfold5", make_manifest(4), 0)


def test_speaker_protocol_needs_every_speaker() -> None:
    m = make_manifest(6)
    m.loc[3, "speaker"] = pd.NA
    with pytest.raises(ProtocolError, match="1 of .* rows have no speaker"):
        make_folds("speaker_kfold5", m, 0)


def test_random_holdout_is_80_10_10() -> None:
    m = make_manifest(10, per_label=5)  # 200 utterances
    (f,) = make_folds("random_holdout_80_10_10", m, 0)
    assert_basic([f], m, covers_all=False, speaker_independent=False)
    assert (len(f.train), len(f.val), len(f.test)) == (160, 20, 20)
    label = dict(zip(m["utt_id"], m["label"], strict=True))
    assert Counter(label[i] for i in f.test) == Counter(dict.fromkeys(LABELS, 5))


# ---------------------------------------------------------------------------- sentences


def test_sentence_independent_drops_test_sentences_from_train_and_val() -> None:
    m = make_manifest(10, per_label=2, n_texts=10)  # speaker s says texts s, s+1 (mod 10)
    for protocol in ("speaker_kfold5", "speaker_loso"):
        folds = make_folds(protocol, m, 0, sentence_independent=True)
        assert_basic(folds, m, covers_all=True, speaker_independent=True)
        text = dict(zip(m["utt_id"], m["text_id"], strict=True))
        for f in folds:
            assert f.sentence_independent
            test_texts = {text[i] for i in f.test}
            assert not test_texts & {text[i] for i in f.train + f.val}
            assert f.info["dropped_for_sentences"] == len(m) - len(f.train) - len(f.val) - len(f.test) > 0
            check_fold(f, m, sentences=True)
        # without the option the same sentences do leak, so the check has something to catch
        plain = make_folds(protocol, m, 0)
        with pytest.raises(LeakageError, match="text_id"):
            for f in plain:
                check_fold(f, m, sentences=True)


def test_sentence_independent_fails_clearly_when_all_speakers_share_sentences() -> None:
    m = make_manifest(6, n_texts=2, texts_per_speaker_offset=False)  # EmoDB-like
    with pytest.raises(ProtocolError, match="sentence_independent=True leaves the training side empty"):
        make_folds("speaker_loso", m, 0, sentence_independent=True)


# ---------------------------------------------------------------------------- sessions


def test_session_loso_holds_out_each_session() -> None:
    sessions = [f"Ses0{i // 2 + 1}" for i in range(10)]  # IEMOCAP-like: 5 sessions x (F, M)
    m = make_manifest(10, sessions=sessions)
    folds = make_folds("session_loso", m, 1)
    assert len(folds) == 5
    assert_basic(folds, m, covers_all=True, speaker_independent=True)
    session = dict(zip(m["utt_id"], m["session"], strict=True))
    for f in folds:
        assert {session[i] for i in f.test} == {f.info["test_session"]}
        assert f.info["test_session"] not in {session[i] for i in f.train + f.val}
        assert set(m.loc[m["speaker"].isin(speakers_of(m, f.val)), "gender"]) == {"female", "male"}


def test_session_loso_needs_sessions() -> None:
    with pytest.raises(ProtocolError, match="have no session"):
        make_folds("session_loso", make_manifest(6), 0)


def test_session_loso_rejects_speaker_in_two_sessions() -> None:
    m = make_manifest(4, sessions=["A", "A", "B", "B"])
    m.loc[m.index[0], "session"] = "B"
    with pytest.raises(ProtocolError, match="several sessions"):
        make_folds("session_loso", m, 0)


# ---------------------------------------------------------------------------- cross corpus


def _two_corpora() -> pd.DataFrame:
    a = make_manifest(6, ("anger", "boredom", "happiness", "neutral"), corpus="emodb")
    b = make_manifest(4, ("anger", "happiness", "neutral", "surprise"), corpus="ravdess")
    c = make_manifest(2, ("anger",), corpus="other")
    return pd.concat([a, b, c], ignore_index=True)  # same speaker ids s00.. in every corpus


def test_cross_corpus_uses_shared_labels_and_reports_exclusions() -> None:
    m = _two_corpora()
    (f,) = make_folds("cross_corpus", m, 0, train_corpus="emodb", test_corpus="ravdess")
    shared = {"anger", "happiness", "neutral"}
    assert f.info["shared_labels"] == sorted(shared)
    corpus = dict(zip(m["utt_id"], m["corpus"], strict=True))
    label = dict(zip(m["utt_id"], m["label"], strict=True))
    assert {corpus[i] for i in f.train + f.val} == {"emodb"}
    assert {corpus[i] for i in f.test} == {"ravdess"}
    assert {label[i] for i in f.train + f.val + f.test} == shared
    expected_test = m[(m["corpus"] == "ravdess") & m["label"].isin(shared)]
    assert set(f.test) == set(expected_test["utt_id"])
    n_unshared = int(((m["corpus"] == "emodb") & (m["label"] == "boredom")).sum()
                     + ((m["corpus"] == "ravdess") & (m["label"] == "surprise")).sum())
    assert f.info["n_excluded"] == n_unshared > 0
    assert f.info["n_ignored_other_corpora"] == int((m["corpus"] == "other").sum())
    # speaker ids repeat across corpora but are different people: train/val disjoint within emodb
    assert not speakers_of(m, f.train) & speakers_of(m, f.val)
    assert f.speaker_independent
    check_fold(f, m)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"train_corpus": "emodb"}, "both required"),
        ({"train_corpus": "emodb", "test_corpus": "emodb"}, "both 'emodb'"),
        ({"train_corpus": "emodb", "test_corpus": "savee"}, "not in the manifest"),
    ],
)
def test_cross_corpus_option_errors(options: dict, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        make_folds("cross_corpus", _two_corpora(), 0, **options)


# ---------------------------------------------------------------------------- leakage


def test_leaky_protocol_really_leaks_and_clean_ones_do_not() -> None:
    m = make_manifest(6)
    pool = with_copies(m)
    leaky = make_folds("leaky_augment_then_split", pool, 0)
    assert_basic(leaky, pool, covers_all=True, speaker_independent=False)
    assert PROTOCOLS.meta("leaky_augment_then_split")["leaky"] is True
    for f in leaky:
        rep = leak_report(f, pool)
        assert rep["test_source_in_train"] > 0 and rep["test_speaker_in_train"] > 0
        assert 0 < rep["test_source_leak_frac"] <= 1
    for protocol in ("speaker_kfold5", "speaker_loso"):
        for f in make_folds(protocol, m, 0):
            rep = leak_report(f, m)
            assert rep["test_source_in_train"] == rep["test_speaker_in_train"] == 0
            assert rep["val_speaker_in_train"] == 0
    for f in make_folds("random_kfold5", m, 0):
        rep = leak_report(f, m)
        assert rep["test_source_in_train"] == 0  # no copies: each test item is its own source
        assert rep["test_speaker_in_train"] > 0  # the known weakness of speaker-dependent splits


def test_clean_protocols_refuse_augmented_copies() -> None:
    pool = with_copies(make_manifest(6))
    for protocol in ("random_kfold5", "speaker_kfold5"):
        with pytest.raises(ProtocolError, match="augmented copies"):
            make_folds(protocol, pool, 0)


def test_leaky_protocol_needs_source_column() -> None:
    with pytest.raises(ProtocolError, match="source_utt_id"):
        make_folds("leaky_augment_then_split", make_manifest(6), 0)


def test_check_fold_raises_on_doctored_folds() -> None:
    m = make_manifest(6)
    f = make_folds("speaker_kfold5", m, 0)[0]
    moved = f.test[0]
    with pytest.raises(LeakageError, match="in both train and test"):
        check_fold(Fold(0, f.train + (moved,), f.val, f.test, True), m)
    # swap one utterance of a test speaker into train: ids disjoint, speakers not
    spk = m.set_index("utt_id").loc[moved, "speaker"]
    doctored = Fold(0, f.train + (moved,), f.val, tuple(i for i in f.test if i != moved), True)
    with pytest.raises(LeakageError, match=f"speaker\\(s\\) synth:{spk} appear in both train and test"):
        check_fold(doctored, m)
    # the same fold is fine when it does not promise speaker independence
    check_fold(Fold(0, doctored.train, doctored.val, doctored.test, False), m)
    with pytest.raises(ProtocolError, match="not in the manifest"):
        check_fold(Fold(0, ("ghost",), f.val, f.test, True), m)


# ---------------------------------------------------------------------------- Fold record


def test_fold_hash_ignores_order_and_tracks_membership() -> None:
    a = Fold(0, ("b", "a"), ("c",), ("d",), True)
    b = Fold(0, ("a", "b"), ("c",), ("d",), True)
    c = Fold(0, ("a",), ("b", "c"), ("d",), True)
    assert a.hash == b.hash and a == b and a.train == ("a", "b")
    assert c.hash != a.hash
    with pytest.raises(ValueError, match="does not match"):
        Fold(0, ("a",), (), ("d",), True, hash=a.hash)


def test_save_and_load_folds_round_trip(tmp_path) -> None:
    m = _two_corpora()
    folds = make_folds("speaker_kfold5", m[m["corpus"] == "emodb"], 2)
    path = save_folds(tmp_path / "run" / "folds.json", folds, {"protocol": "speaker_kfold5", "seed": 2})
    loaded, meta = load_folds(path)
    assert loaded == folds and [f.info for f in loaded] == [f.info for f in folds]
    assert meta == {"protocol": "speaker_kfold5", "seed": 2}
    doc = json.loads(path.read_text())
    doc["folds"][0]["test"].append(doc["folds"][0]["train"].pop())
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="edited or corrupted"):
        load_folds(path)
