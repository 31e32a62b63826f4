"""The extractor object every feature family returns, and the frame-statistics helpers.

An :class:`Extractor` is a named, parameterised function ``(y, sr) -> array`` that checks its
own output: functionals are 1-D float32 of length ``dim``, frames are ``(T, dim)`` float32, and
both must be finite. Families (``librosa_feats``, ``opensmile_feats``, ``paper_feats``) build
extractors with :func:`make_extractor`; nothing else constructs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("functionals", "frames")

#: Statistics taken over frames for every "*_stats" extractor, in column order.
STAT_NAMES: tuple[str, ...] = ("mean", "std", "min", "max", "p10", "p50", "p90", "slope")


class FeatureError(ValueError):
    """An extractor produced unusable output (wrong shape, NaN/inf) or got unusable input."""


@dataclass(frozen=True)
class Extractor:
    """A feature extractor: ``extractor(y, sr)`` returns float32 functionals or frames.

    ``params`` are everything that changes the output (they enter the cache key, library
    versions included); ``column_names`` has one name per output dimension.
    """

    name: str
    kind: str
    dim: int
    params: Mapping[str, Any]
    column_names: list[str]
    fn: Callable[..., np.ndarray] = field(repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        if len(self.column_names) != self.dim:
            raise ValueError(f"{self.name}: {len(self.column_names)} column names for dim {self.dim}")
        if len(set(self.column_names)) != self.dim:
            raise ValueError(f"{self.name}: duplicate column names")

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or y.size == 0:
            raise FeatureError(f"{self.name}: expected a non-empty 1-D waveform, got shape {y.shape}")
        if not np.isfinite(y).all():
            raise FeatureError(f"{self.name}: waveform contains NaN or inf")
        out = np.asarray(self.fn(y.astype(np.float32, copy=False), int(sr), **self.params))
        want = "(dim,)" if self.kind == "functionals" else "(T, dim)"
        ok = out.shape == (self.dim,) if self.kind == "functionals" else (
            out.ndim == 2 and out.shape[1] == self.dim and out.shape[0] > 0)
        if not ok:
            raise FeatureError(f"{self.name}: output shape {out.shape}, expected {want} with dim={self.dim}")
        out = out.astype(np.float32, copy=False)
        if not np.isfinite(out).all():
            bad = np.argwhere(~np.isfinite(out.reshape(-1, self.dim)))[:, 1]
            cols = sorted({self.column_names[i] for i in bad})[:5]
            raise FeatureError(f"{self.name}: non-finite values in {cols}")
        return out


def make_extractor(name: str, kind: str, column_names: Sequence[str], fn: Callable[..., np.ndarray],
                   **params: Any) -> Extractor:
    """Build an :class:`Extractor`; ``fn(y, sr, **params)`` does the work."""
    cols = list(column_names)
    return Extractor(name=name, kind=kind, dim=len(cols), params=dict(params), column_names=cols, fn=fn)


def stat_columns(rows: Sequence[str]) -> list[str]:
    """Column names for :func:`frame_stats` over ``rows``: ``mfcc3_mean``, ``mfcc3_std``, ..."""
    return [f"{row}_{stat}" for row in rows for stat in STAT_NAMES]


def frame_stats(x: np.ndarray, hop_s: float) -> np.ndarray:
    """Functionals over frames of ``x`` (rows = descriptors, columns = frames).

    Per row: mean, std, min, max, 10/50/90th percentiles and the least-squares slope over
    time in units per second (per second, not per frame, so it does not depend on the hop).
    A single frame has slope 0. Output order matches :func:`stat_columns`.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] == 0:
        raise FeatureError(f"frame_stats needs (rows, frames>0), got {x.shape}")
    pct = np.percentile(x, [10, 50, 90], axis=1)
    t = np.arange(x.shape[1]) * hop_s
    tc = t - t.mean()
    denom = float(np.dot(tc, tc))
    slope = (x - x.mean(axis=1, keepdims=True)) @ tc / denom if denom > 0 else np.zeros(x.shape[0])
    stats = np.stack([x.mean(axis=1), x.std(axis=1), x.min(axis=1), x.max(axis=1),
                      pct[0], pct[1], pct[2], slope], axis=1)
    return stats.reshape(-1).astype(np.float32)
