"""Frame data for the deep models: input checks, per-feature standardisation (train statistics
only), length policy (fixed length or padded batches with lengths), and the validation carve
from train (grouped by speaker when groups are given, stratified by class otherwise).

The length policy itself (zero-pad at the end / centre-crop) is the features area's:
``benchmark.features.frames``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from benchmark.features.frames import fix_length, pad_batch


def check_frames(X: object, name: str = "X") -> list[np.ndarray]:
    """Validate a list of (T_i, D) arrays with one D and finite values; returns float32 copies."""
    if isinstance(X, np.ndarray) and X.ndim == 2:
        raise ValueError(f"{name}: deep models need frame sequences (a list of (T, D) arrays), "
                         "got a 2-D functionals matrix; use a *_frames feature set")
    if isinstance(X, np.ndarray) and X.ndim == 3:
        X = list(X)
    if not isinstance(X, Sequence) or len(X) == 0:
        raise ValueError(f"{name}: expected a non-empty list of (T, D) arrays")
    out = [np.asarray(f, dtype=np.float32) for f in X]
    dims = {f.shape[1] if f.ndim == 2 else -1 for f in out}
    if -1 in dims:
        raise ValueError(f"{name}: every item must be a 2-D (T, D) array")
    if len(dims) != 1:
        raise ValueError(f"{name}: items have different feature dimensions {sorted(dims)}")
    for i, f in enumerate(out):
        if f.shape[0] == 0:
            raise ValueError(f"{name}[{i}] has no frames")
        if not np.isfinite(f).all():
            raise ValueError(f"{name}[{i}] contains NaN or inf")
    return out


@dataclass(frozen=True)
class Standardiser:
    """Per-feature mean/std computed over all frames of the training utterances."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, frames: Sequence[np.ndarray], eps: float = 1e-8) -> Standardiser:
        # per-item float64 sums: no (all frames x D) copy, which is large for 143-D stacks
        count = sum(f.shape[0] for f in frames)
        mean = sum(f.sum(axis=0, dtype=np.float64) for f in frames) / count
        var = sum(((f - mean) ** 2).sum(axis=0) for f in frames) / count
        std = np.sqrt(var)
        return cls(mean.astype(np.float32),
                   np.where(std < eps, 1.0, std).astype(np.float32))  # constant feature -> 0

    def transform(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [((f - self.mean) / self.std).astype(np.float32) for f in frames]


def pool_frames(frames: Sequence[np.ndarray], factor: int) -> list[np.ndarray]:
    """Average non-overlapping blocks of ``factor`` frames (a coarser hop: factor x hop); the
    last partial block is averaged over what it has. factor 1 returns the input."""
    if factor < 1:
        raise ValueError(f"frame_pool must be >= 1, got {factor}")
    if factor == 1:
        return list(frames)
    out = []
    for f in frames:
        starts = np.arange(0, f.shape[0], factor)
        out.append((np.add.reduceat(f, starts, axis=0)
                    / np.diff(np.append(starts, f.shape[0]))[:, None]).astype(np.float32))
    return out


def batch_arrays(frames: Sequence[np.ndarray], n_frames: int | None,
                 max_frames: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Stack standardised frames into (N, T, D) plus valid lengths.

    Fixed-length models get exactly ``n_frames`` (zero = the training mean after
    standardisation); variable-length ones are centre-cropped to ``max_frames`` (cost cap) and
    padded to the longest item of the batch.
    """
    if n_frames is not None:
        lengths = np.array([min(f.shape[0], n_frames) for f in frames], dtype=np.int64)
        return np.stack([fix_length(f, n_frames) for f in frames]), lengths
    if max_frames is not None:
        frames = [fix_length(f, max_frames) if f.shape[0] > max_frames else f for f in frames]
    return pad_batch(list(frames))


def stratified_carve(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val) with ~fraction of each class in val (at least one per class that
    has two or more items; singletons stay in train)."""
    if not 0 < fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    val: list[int] = []
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        if idx.size < 2:
            continue
        take = min(idx.size - 1, max(1, round(fraction * idx.size)))
        val.extend(rng.choice(idx, size=take, replace=False).tolist())
    val_idx = np.sort(np.array(val, dtype=np.int64))
    train_idx = np.setdiff1d(np.arange(len(y)), val_idx)
    return train_idx, val_idx


def grouped_carve(y: np.ndarray, groups: np.ndarray, fraction: float,
                  seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Indices (train, val) with whole groups (speakers) in val, about ``fraction`` of them,
    class proportions kept as far as the groups allow, plus a description of the scheme.

    One fold of scikit-learn's ``StratifiedGroupKFold`` with k = round(1 / fraction) folds
    (at most one per group, at least 2). With fewer than two groups no grouped split exists:
    the item-stratified carve is used and the description says so.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {fraction}")
    groups = np.asarray(groups)
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        tr, va = stratified_carve(y, fraction, seed)
        return tr, va, (f"carved {fraction:.0%} stratified from train (seed {seed}; one group "
                        "only, so not grouped)")
    k = max(2, min(round(1 / fraction), n_groups))
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "the least populated class has only n members"
        warnings.simplefilter("ignore", UserWarning)
        train_idx, val_idx = next(splitter.split(np.zeros(len(y)), y, groups))
    n_val_groups = len(np.unique(groups[val_idx]))
    return (np.sort(train_idx), np.sort(val_idx),
            f"carved {n_val_groups} of {n_groups} groups (1/{k}) from train, grouped and "
            f"stratified (StratifiedGroupKFold, seed {seed})")
