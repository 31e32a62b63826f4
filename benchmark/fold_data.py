"""One job's training, validation and test arrays.

Everything that turns a fold of utterance ids into model input lives here, in this order:
feature table -> training augmentation (copies of training utterances only, through the
train-only guard of :mod:`benchmark.augment`; or the leaky pool under the leaky protocol) ->
items that lack features dropped -> labels, groups -> named preprocessing steps
(``speaker_norm``) -> stacking in the form the model reads (a matrix of functionals, or a list
of (T, D) frame arrays; a model that reads frames given functionals gets one-frame sequences).

Groups are what the model's inner selection must keep together: the speaker (or session,
under ``session_loso``) of every item under a speaker-independent protocol, the source
utterance under a random one, so an augmented copy never sits apart from its original.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchmark.jobs import Job

#: table loader: (corpus spec, manifest, feature, sr) -> FeatureTable
TableLoader = Callable[[str, pd.DataFrame, str, int], Any]


class PreprocessingRefused(ValueError):
    """A preprocessing step cannot be applied to this fold (recorded as a skipped job)."""


@dataclass
class FoldData:
    """Model input of one job, with the ids and groups behind every row."""

    kind: str
    """"functionals" or "frames" (the feature table's kind)."""
    train_ids: list[str]
    val_ids: list[str]
    test_ids: list[str]
    X_train: Any
    y_train: np.ndarray
    g_train: np.ndarray
    X_val: Any
    y_val: np.ndarray | None
    g_val: np.ndarray | None
    X_test: Any
    y_test: np.ndarray
    test_speakers: list[str]
    test_sessions: list[Any]
    group_unit: str
    feature_s: float
    preprocessing: list[str]
    n_train_sources: int = 0
    """Distinct source utterances behind ``train_ids`` (fewer than the items when
    augmentation added copies)."""


def _lookup(manifest: pd.DataFrame, column: str) -> dict[str, Any]:
    if column not in manifest.columns:
        return {}
    values = manifest[column].astype("string")
    return {u: (None if pd.isna(v) else str(v))
            for u, v in zip(manifest["utt_id"].astype(str), values, strict=True)}


def _stack(values: Mapping[str, np.ndarray], ids: list[str], kind: str, model_input: str) -> Any:
    if kind == "functionals":
        matrix = np.stack([values[i] for i in ids]).astype(np.float32)
        # a frame model reads each vector as a one-frame sequence whose channels are the
        # functionals (paper 000 fed its averaged 141-d vector to its network this way)
        return [row[None, :] for row in matrix] if model_input == "frames" else matrix
    return [values[i] for i in ids]


@dataclass
class _Items:
    """A job's feature values (originals and copies) and where each copy came from."""

    table: Any
    values: dict[str, np.ndarray]
    source: dict[str, str]
    """augmented item id -> the utterance it was made from"""
    extra_train: list[str]
    """training copies added by train-only augmentation"""
    seconds: float


def _load_items(job: Job, base: pd.DataFrame, load_table: TableLoader, cache: Any, leaky: bool) -> _Items:
    """The feature table, then the leaky pool's or the training augmentation's copies."""
    from benchmark.augment import augment_training, leaky_pool
    from benchmark.transforms import AUGMENTATIONS

    t0 = time.perf_counter()
    table = load_table(job.corpus, base, job.features, job.sr)
    items = _Items(table, dict(table.values), {}, [], 0.0)
    aug_meta = AUGMENTATIONS.meta(job.augmentation) if job.augmentation != "none" else {}
    if leaky:
        pool = leaky_pool(base, job.features, job.augmentation, seed=job.seed, cache=cache, jobs=1,
                          progress=False)
        items.values.update(pool.values)
        items.source.update(pool.source)
    elif job.augmentation != "none" and not aug_meta.get("spectrogram_only"):
        aug = augment_training(job.fold, base, job.features, job.augmentation, seed=job.seed,
                               cache=cache, jobs=1, progress=False)
        items.values.update(aug.values)
        items.source.update(aug.source)
        items.extra_train = sorted(aug.values)
    items.seconds = time.perf_counter() - t0
    return items


def _speaker_norm(job: Job, items: _Items, sides: list[list[str]], speaker_of: Mapping[str, Any],
                  label_of: Mapping[str, Any], origin: Callable[[str], str]) -> str:
    """Per-speaker z-scoring of every side (transductive for validation and test speakers);
    raises :class:`PreprocessingRefused` when speakers do not cover the classes."""
    if items.table.kind != "functionals":
        raise ValueError("speaker_norm applies to functionals only")
    from benchmark.datasets.dependence import speaker_norm_refusal
    from benchmark.speaker_norm import normalise

    values = items.values
    why = speaker_norm_refusal([speaker_of[origin(i)] for i in job.fold.train if i in values],
                               [label_of[i] for i in job.fold.train if i in values])
    if why is not None:
        raise PreprocessingRefused(why)
    spk = {i: speaker_of[origin(i)] for i in values if origin(i) in speaker_of}
    items.values = normalise(values, sides, spk)
    return ("speaker_norm (per-speaker z-score; validation and test speakers by their "
            "own unlabelled features: transductive)")


def build_fold_data(job: Job, manifests: Mapping[str, pd.DataFrame], load_table: TableLoader,
                    cache: Any, *, model_input: str, unit: str, leaky: bool,
                    excluded: Iterable[str] = ()) -> FoldData:
    """The arrays of ``job`` (see the module docstring). ``excluded`` utterances (their
    features failed for some system of this corpus) are dropped from every side."""
    base = manifests[job.corpus]
    manifest = manifests[job.fold_key] if leaky else base
    items = _load_items(job, base, load_table, cache, leaky)
    drop = set(excluded)
    label_of = _lookup(manifest, "label")
    speaker_of = _lookup(manifest, "speaker")
    session_of = _lookup(manifest, "session")

    def origin(i: str) -> str:
        return i if i in label_of else items.source[i]

    def usable(ids: Iterable[str]) -> list[str]:
        return [i for i in ids if i in items.values and origin(i) not in drop
                and (i not in items.source or items.source[i] not in drop)]

    train_ids = usable(job.fold.train) + usable(items.extra_train)
    val_ids, test_ids = usable(job.fold.val), usable(job.fold.test)
    if not train_ids or not test_ids:
        raise RuntimeError(f"empty train or test set after feature extraction ({len(train_ids)}/{len(test_ids)})")

    def group(i: str) -> str:
        u = origin(i)
        if unit == "speaker":
            return str(speaker_of.get(u))
        if unit == "session":
            return str(session_of.get(u))
        # random protocol: the leaky pool's copies are rows of their own; elsewhere a copy
        # belongs with its source utterance
        return u if not leaky else i

    labels = {side: np.array([label_of[origin(i)] for i in ids])
              for side, ids in (("train", train_ids), ("val", val_ids), ("test", test_ids))}
    steps = ([_speaker_norm(job, items, [train_ids, val_ids, test_ids], speaker_of, label_of, origin)]
             if "speaker_norm" in job.preprocessing else [])
    kind, values = items.table.kind, items.values
    return FoldData(
        kind=kind, train_ids=train_ids, val_ids=val_ids, test_ids=test_ids,
        X_train=_stack(values, train_ids, kind, model_input), y_train=labels["train"],
        g_train=np.array([group(i) for i in train_ids]),
        X_val=_stack(values, val_ids, kind, model_input) if val_ids else None,
        y_val=labels["val"] if val_ids else None,
        g_val=np.array([group(i) for i in val_ids]) if val_ids else None,
        X_test=_stack(values, test_ids, kind, model_input), y_test=labels["test"],
        test_speakers=[speaker_of.get(i) for i in test_ids],
        test_sessions=[session_of.get(i) for i in test_ids],
        group_unit=unit if unit != "fold" else "utterance", feature_s=items.seconds, preprocessing=steps,
        n_train_sources=len({origin(i) for i in train_ids}),
    )
