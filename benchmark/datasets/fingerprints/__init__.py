"""Golden fingerprints of the real corpora: utterance, speaker and per-label counts.

``<key>.json`` holds the counts the corpus's documentation states (``source`` says where they
come from); ``compare`` lists every difference between a loaded corpus and its fingerprint, so
a partial download, a different release or a loader regression is noticed rather than
benchmarked. Durations are not fingerprinted: public copies differ in rate and trimming (the
shared EmoDB copy is cut to 2 s).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmark.datasets.base import Corpus

FOLDER = Path(__file__).resolve().parent


def fingerprint(corpus: Corpus) -> dict[str, Any]:
    """Counts that identify a corpus release: utterances, speakers, utterances per label."""
    m = corpus.manifest
    return {
        "n_utterances": int(len(m)),
        "n_speakers": int(m["speaker"].nunique()),
        "labels": {str(k): int(v) for k, v in sorted(m["label"].value_counts().items())},
    }


def expected(key: str) -> dict[str, Any] | None:
    """The stored fingerprint ``key`` (a corpus name, or e.g. ``iemocap4``), or None."""
    path = FOLDER / f"{key}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def compare(corpus: Corpus, key: str | None = None) -> list[str]:
    """Human-readable differences from the stored fingerprint ([] when it matches).

    Raises KeyError when no fingerprint is stored under ``key`` (default: the corpus name).
    """
    key = key or corpus.name
    gold = expected(key)
    if gold is None:
        raise KeyError(f"no stored fingerprint {key!r} in {FOLDER}")
    got = fingerprint(corpus)
    diffs = [f"{k}: expected {gold[k]}, found {got[k]}"
             for k in ("n_utterances", "n_speakers") if gold[k] != got[k]]
    for label in sorted(set(gold["labels"]) | set(got["labels"])):
        want, have = gold["labels"].get(label, 0), got["labels"].get(label, 0)
        if want != have:
            diffs.append(f"label {label}: expected {want}, found {have}")
    return diffs
