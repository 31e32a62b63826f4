"""Stored corpus fingerprints: internally consistent, and checked against loaded corpora."""

from __future__ import annotations

import pytest

from benchmark.datasets import emodb
from benchmark.datasets.fingerprints import FOLDER, compare, expected, fingerprint
from benchmark.datasets.labels import HARMONISED

KEYS = sorted(p.stem for p in FOLDER.glob("*.json"))


def test_every_registered_real_corpus_has_a_fingerprint():
    assert {"emodb", "ravdess", "crema_d", "tess", "savee", "casia", "iemocap10", "iemocap4"} <= set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_stored_fingerprint_is_consistent(key):
    gold = expected(key)
    assert gold["source"]
    assert sum(gold["labels"].values()) == gold["n_utterances"]
    assert set(gold["labels"]) <= set(HARMONISED)


def test_partial_corpus_differences_are_listed(tmp_path, wavs):
    wavs.tree(tmp_path, ["wav/03a01Wa.wav", "wav/08a01Wa.wav", "wav/09a01Na.wav"])
    c = emodb.load(tmp_path)
    assert fingerprint(c) == {"n_utterances": 3, "n_speakers": 3, "labels": {"anger": 2, "neutral": 1}}
    diffs = compare(c)
    assert diffs[:2] == ["n_utterances: expected 535, found 3", "n_speakers: expected 10, found 3"]
    assert "label boredom: expected 81, found 0" in diffs
    with pytest.raises(KeyError, match="no stored fingerprint"):
        compare(c, "nope")


@pytest.mark.shared_data
def test_real_emodb_matches_fingerprint(emodb_root):
    assert compare(emodb.load(emodb_root)) == []
