"""Disjointness checks for folds: :func:`check_fold` raises :class:`LeakageError` when a fold
breaks what its protocol promises (ids, speakers, sentences); :func:`leak_report` counts how
much a fold leaks (source recordings, speakers, sentences of test items also in training).

Speakers are keyed by ``(corpus, speaker)``, so equal ids in two corpora are two people.
:mod:`benchmark.audit` goes further for any split (content hashes, near-identical recordings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from benchmark.folds import SOURCE_COLUMN, Fold, LeakageError, ProtocolError


def manifest_column(m: pd.DataFrame, name: str) -> list[Any]:
    """A manifest column as plain Python values (pandas "string" -> str, NA -> None)."""
    col = m[name]
    missing = col.isna().tolist()
    return [None if na else str(v) for v, na in zip(col.tolist(), missing, strict=True)]


def check_coverage(folds: Sequence[Fold], ids: Sequence[str], protocol: str) -> None:
    """Every utterance in exactly one test fold (protocols that say ``covers_all``)."""
    seen = Counter(i for f in folds for i in f.test)
    missing = [i for i in ids if i not in seen]
    repeated = [i for i, n in seen.items() if n > 1]
    if missing or repeated:
        raise RuntimeError(
            f"{protocol}: test folds must cover every utterance once; {len(missing)} missing "
            f"(e.g. {missing[:3]}), {len(repeated)} repeated (e.g. {repeated[:3]})"
        )


def _speaker_keys(m: pd.DataFrame) -> dict[str, tuple[str | None, str | None]]:
    """utt_id -> (corpus, speaker); equal speaker ids in two corpora are different people."""
    ids = manifest_column(m, "utt_id")
    corpora = manifest_column(m, "corpus") if "corpus" in m.columns else [None] * len(ids)
    speakers = manifest_column(m, "speaker") if "speaker" in m.columns else [None] * len(ids)
    return dict(zip(ids, zip(corpora, speakers, strict=True), strict=True))


def _fmt_speaker(key: tuple[str | None, str | None]) -> str:
    corpus, spk = key
    name = spk if spk is not None else "<unknown speaker>"
    return f"{corpus}:{name}" if corpus is not None else str(name)


@dataclass
class ManifestLookup:
    """Per-manifest lookups for checking many folds without rebuilding them each time."""

    ids: set[str]
    speaker: dict[str, tuple[str | None, str | None]]
    text: dict[str, str | None] | None

    @classmethod
    def of(cls, manifest: pd.DataFrame) -> ManifestLookup:
        ids = manifest_column(manifest, "utt_id")
        text = (dict(zip(ids, manifest_column(manifest, "text_id"), strict=True))
                if "text_id" in manifest.columns else None)
        return cls(set(ids), _speaker_keys(manifest), text)


def check_fold(fold: Fold, manifest: pd.DataFrame, *, sentences: bool = False) -> None:
    """Raise :class:`LeakageError` if the fold breaks the disjointness it promises.

    Always: no id repeated, train/val/test id sets pairwise disjoint. If
    ``fold.speaker_independent``: speaker sets pairwise disjoint (rows with unknown speaker
    count as one unknown speaker per corpus, so they may sit on one side only), except
    train/val when ``fold.info["val_speaker_disjoint"]`` is False (an opt-in). If
    ``sentences`` or ``fold.sentence_independent``: no test text_id is spoken in train or val
    (train and val may share sentences; only the test sentences are held out).
    Ids missing from the manifest raise :class:`ProtocolError`.
    """
    check_fold_with(fold, ManifestLookup.of(manifest), sentences=sentences)


def check_fold_with(fold: Fold, look: ManifestLookup, *, sentences: bool = False) -> None:
    """:func:`check_fold` with the manifest's lookups built once (for many folds)."""
    sides = {"train": fold.train, "val": fold.val, "test": fold.test}
    for name, ids in sides.items():
        dup = [i for i, n in Counter(ids).items() if n > 1]
        if dup:
            raise LeakageError(f"fold {fold.index}: {len(dup)} utt_ids repeated in {name}, e.g. {dup[:3]}")
    pairs = (("train", "val"), ("train", "test"), ("val", "test"))
    for a, b in pairs:
        both = sorted(set(sides[a]) & set(sides[b]))
        if both:
            raise LeakageError(f"fold {fold.index}: {len(both)} utt_ids in both {a} and {b}, e.g. {both[:3]}")
    absent = [i for ids in sides.values() for i in ids if i not in look.ids]
    if absent:
        raise ProtocolError(f"fold {fold.index}: {len(absent)} utt_ids not in the manifest, e.g. {absent[:3]}")
    if fold.speaker_independent:
        spk = {name: {look.speaker[i] for i in ids} for name, ids in sides.items()}
        # An opted-in speaker-dependent val (speaker_loso val_by_speaker=False) may share
        # speakers with train; test must still be disjoint from both.
        val_free = fold.info.get("val_speaker_disjoint", True) is False
        for a, b in pairs:
            if val_free and (a, b) == ("train", "val"):
                continue
            both = sorted(spk[a] & spk[b], key=_fmt_speaker)
            if both:
                names = ", ".join(_fmt_speaker(k) for k in both[:10])
                raise LeakageError(
                    f"fold {fold.index} promises speaker independence but speaker(s) {names} "
                    f"appear in both {a} and {b}"
                )
    if sentences or fold.sentence_independent:
        if look.text is None:
            raise ProtocolError(f"fold {fold.index}: sentence check needs a text_id column")
        text_of = look.text
        test_texts = {text_of[i] for i in fold.test}
        if None in test_texts:
            raise LeakageError(f"fold {fold.index}: test rows without text_id; sentence independence unverifiable")
        for name in ("train", "val"):
            both = sorted(test_texts & {text_of[i] for i in sides[name]})
            if both:
                raise LeakageError(
                    f"fold {fold.index} promises sentence independence but text_id(s) "
                    f"{both[:10]} appear in both {name} and test"
                )


def leak_report(fold: Fold, manifest: pd.DataFrame) -> dict[str, Any]:
    """Count test (and val) items whose source recording, speaker or sentence is also in train.

    The source of a row is its ``source_utt_id`` when the manifest has that column (augmented
    copies), else the row itself. Rows with unknown speaker or text are not counted as leaks;
    their numbers are reported as ``test_speaker_unknown`` / ``test_text_unknown``.
    """
    ids = manifest_column(manifest, "utt_id")
    src_col = manifest_column(manifest, SOURCE_COLUMN) if SOURCE_COLUMN in manifest.columns else ids
    source = {i: (s if s is not None else i) for i, s in zip(ids, src_col, strict=True)}
    speaker = _speaker_keys(manifest)
    texts = manifest_column(manifest, "text_id") if "text_id" in manifest.columns else [None] * len(ids)
    text = dict(zip(ids, texts, strict=True))
    train_src = {source[i] for i in fold.train}
    train_spk = {speaker[i] for i in fold.train if speaker[i][1] is not None}
    train_txt = {text[i] for i in fold.train if text[i] is not None}

    def count(side: Sequence[str]) -> dict[str, int]:
        return {
            "source": sum(source[i] in train_src for i in side),
            "speaker": sum(speaker[i] in train_spk for i in side),
            "text": sum(text[i] in train_txt for i in side),
            "speaker_unknown": sum(speaker[i][1] is None for i in side),
            "text_unknown": sum(text[i] is None for i in side),
        }

    t, v = count(fold.test), count(fold.val)
    n_test = len(fold.test)
    return {
        "fold": fold.index,
        "n_test": n_test,
        "test_source_in_train": t["source"],
        "test_speaker_in_train": t["speaker"],
        "test_text_in_train": t["text"],
        "test_speaker_unknown": t["speaker_unknown"],
        "test_text_unknown": t["text_unknown"],
        "test_source_leak_frac": t["source"] / n_test if n_test else 0.0,
        "test_speaker_leak_frac": t["speaker"] / n_test if n_test else 0.0,
        "n_val": len(fold.val),
        "val_source_in_train": v["source"],
        "val_speaker_in_train": v["speaker"],
    }
