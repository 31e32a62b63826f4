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
