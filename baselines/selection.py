"""Inner cross-validation of the classical baselines: which split scheme runs, and the facts
about a selection that the record keeps (scheme, every candidate's score, grid edges).

The scheme depends only on the groups the caller passes for the whole training side of a fold
(training + validation items):

- groups are speakers (or sessions) under a speaker-independent protocol: leave-one-group-out
  when there are at most ``LOGO_MAX_GROUPS`` groups (EmoDB has 9 training speakers per LOSO
  fold), ``StratifiedGroupKFold(INNER_K)`` otherwise, so one speaker never sits on both sides
  of an inner split;
- under a random protocol the caller passes the source utterance of each item as its group,
  so augmented copies stay with their original; with no copies every group is one item and the
  scheme is a plain ``StratifiedKFold(INNER_K)``;
- ``groups=None`` means no grouping at all (``StratifiedKFold``).

Everything is scikit-learn's splitters, seeded by the model's seed.

Which candidate wins (:func:`margin_choice`): the library default (first in every grid) is kept
unless the best-scoring candidate beats it by more than one standard error of their paired
per-fold difference over the inner folds (a paired form of the one-standard-error rule). With
a handful of training speakers the inner folds are a handful of speakers, and a mean ahead by
less than the folds' own spread is as likely noise as signal: the rule refuses to trade the
default for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold, StratifiedKFold

#: at most this many groups: leave one group out; more: grouped k-fold.
LOGO_MAX_GROUPS = 12
#: folds of the grouped or stratified k-fold schemes.
INNER_K = 5
#: probability calibration needs fewer folds than selection (one temperature is fitted).
CALIBRATION_K = 5

Split = tuple[np.ndarray, np.ndarray]


#: the name of the selection rule, recorded with every inner-CV selection.
MARGIN_RULE = "paired_1se"


@dataclass(frozen=True)
class MarginChoice:
    """The outcome of :func:`margin_choice` and the figures behind it, for the record."""

    chosen: int
    """Index of the candidate kept (0, the default, unless the best one cleared the margin)."""
    best: int
    """Index of the best mean score (ties -> grid order)."""
    default_score: float | None
    """The default's mean inner-fold score (None: not scored on any fold)."""
    best_score: float
    difference: float | None
    """Mean paired difference best - default over the folds where both were scored."""
    margin: float | None
    """One standard error of that difference (None when it cannot be formed)."""
    n_paired: int
    """Folds where both were scored."""

    def describe(self) -> dict[str, Any]:
        return {"rule": MARGIN_RULE, "default_score": self.default_score,
                "best_score": self.best_score, "difference": self.difference,
                "margin": self.margin, "n_paired": self.n_paired,
                "replaced_default": self.chosen != 0}


def margin_choice(fold_scores: np.ndarray, tie_tol: float = 1e-9) -> MarginChoice:
    """The candidate to keep from ``fold_scores`` (inner folds x candidates, NaN = not scored;
    column 0 is the default): the best mean replaces the default only when its paired mean
    difference exceeds one standard error, ``std(d, ddof=1) / sqrt(n)`` over the ``n`` folds
    where both were scored. With fewer than two such folds no error can be formed and the
    default stays; a default scored on no fold at all cannot be kept on evidence and the best
    mean is taken. ``tie_tol`` absorbs summation-order noise in equal scores."""
    scores = np.asarray(fold_scores, dtype=float)
    if scores.ndim != 2 or scores.shape[1] == 0:
        raise ValueError(f"fold_scores must be folds x candidates, got shape {scores.shape}")
    scored = ~np.isnan(scores).all(axis=0)
    if not scored.any():
        raise ValueError("no candidate was scored on any fold")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns, handled by `scored`
        means = np.where(scored, np.nanmean(scores, axis=0), -np.inf)
    best = int(np.flatnonzero(means >= means.max() - tie_tol)[0])
    best_score = float(means[best])
    if not scored[0]:
        return MarginChoice(best, best, None, best_score, None, None, 0)
    default_score = float(means[0])
    if best == 0:
        return MarginChoice(0, 0, default_score, best_score, 0.0, 0.0, int((~np.isnan(scores[:, 0])).sum()))
    both = ~np.isnan(scores[:, 0]) & ~np.isnan(scores[:, best])
    d = scores[both, best] - scores[both, 0]
    if len(d) < 2:
        return MarginChoice(0, best, default_score, best_score,
                            float(d.mean()) if len(d) else None, None, len(d))
    diff, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))
    chosen = best if diff > se + tie_tol else 0
    return MarginChoice(chosen, best, default_score, best_score, diff, se, len(d))


@dataclass(frozen=True)
class InnerCV:
    """The inner splits of one fit and how they were made."""

    splits: list[Split]
    scheme: str
    """e.g. ``LeaveOneGroupOut``, ``StratifiedGroupKFold(5)``, ``StratifiedKFold(5)``."""
    n_groups: int | None
    """Distinct groups on the training side (None when ungrouped)."""
    reason: str = ""
    """Why there are no splits (too few groups or items), else empty."""

    def describe(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "n_splits": len(self.splits), "n_groups": self.n_groups}


def _grouped(groups: np.ndarray | None, n: int) -> bool:
    return groups is not None and len(np.unique(groups)) < n


def inner_cv(yi: np.ndarray, groups: Sequence[Any] | None, seed: int, *,
             max_splits: int | None = None) -> InnerCV:
    """Inner splits over the whole training side (see the module docstring for the rule).

    ``max_splits`` caps the number of folds (calibration); a leave-one-group-out scheme with
    more groups than that becomes a grouped k-fold.
    """
    n = len(yi)
    g = None if groups is None else np.asarray(groups).astype(str)
    if g is not None and len(g) != n:
        raise ValueError(f"groups has {len(g)} entries for {n} training items")
    k_cap = INNER_K if max_splits is None else min(INNER_K, max_splits)
    if not _grouped(g, n):
        k = min(k_cap, int(np.bincount(yi).min()))
        if k < 2:
            return InnerCV([], "none", None, "a class has fewer than 2 training items")
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        return InnerCV(list(cv.split(np.zeros(n), yi)), f"StratifiedKFold({k})", None)
    n_groups = len(np.unique(g))
    if n_groups < 2:
        return InnerCV([], "none", n_groups, "the training side holds a single group")
    cap = LOGO_MAX_GROUPS if max_splits is None else min(LOGO_MAX_GROUPS, max_splits)
    if n_groups <= cap:
        splits = list(LeaveOneGroupOut().split(np.zeros(n), yi, g))
        return InnerCV(splits, "LeaveOneGroupOut", n_groups)
    k = min(k_cap, n_groups)
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # "The least populated class has only m members": expected when groups are utterances
        # of a rare class; the folds stay grouped, only their stratification is approximate.
        warnings.simplefilter("ignore", UserWarning)
        splits = list(cv.split(np.zeros(n), yi, g))
    return InnerCV(splits, f"StratifiedGroupKFold({k})", n_groups)


def on_edge(grid: dict[str, tuple[Any, ...]], chosen: dict[str, Any]) -> list[str]:
    """Grid axes (with >= 3 ordered numeric values) whose chosen value is the smallest or the
    largest tried: the optimum may lie outside the grid."""
    edges = []
    for name, values in grid.items():
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numeric) < 3 or len(numeric) != len(values):
            continue
        value = chosen.get(name)
        if value in (min(numeric), max(numeric)):
            edges.append(name)
    return edges
