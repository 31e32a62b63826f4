"""Scores for one fold, summaries over folds, and paired significance tests.

Definitions (all values are plain Python numbers, ready for a JSON record):
- ``wa``: weighted accuracy = plain accuracy (correct / all).
- ``ua``: unweighted average recall = mean recall over the classes PRESENT IN ``y_true``.
  This equals ``sklearn.metrics.balanced_accuracy_score`` and macro recall over the true
  classes. A class that never occurs in ``y_true`` has no defined recall, so it is left out
  rather than counted as 0 (which would make UA depend on the ``classes`` list); wrong
  predictions of such a class still lower the recall of the true classes.
- ``macro_f1``: mean F1 over classes occurring in ``y_true`` or ``y_pred`` (sklearn's default
  for ``average="macro"``). A class predicted but never true scores F1 = 0; a class in neither
  is left out. ``weighted_f1`` weights F1 by support, so absent classes weigh nothing.
- ``per_class``: precision, recall, F1 and support for every class in ``classes``;
  undefined ratios are 0 (``zero_division=0``).
- ``confusion``: rows = true, columns = predicted, both in ``classes`` order.
- ``roc_auc``: one-vs-rest AUC averaged over the classes present in ``y_true``, when
  ``proba`` (columns in ``classes`` order) is given and ``y_true`` has at least 2 classes;
  else ``None``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)


def _labels(values: Sequence[Any] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return np.array([str(v) for v in arr], dtype=object)


def classification_metrics(
    y_true: Sequence[Any] | np.ndarray,
    y_pred: Sequence[Any] | np.ndarray,
    classes: Sequence[Any],
    proba: np.ndarray | None = None,
) -> dict[str, Any]:
    """WA, UA, macro/weighted F1, per-class scores, confusion matrix and ROC AUC (see module doc).

    Labels are compared as strings. A label in ``y_true`` or ``y_pred`` that is not in
    ``classes`` is a ValueError (pass the union of model and test classes when they differ).
    """
    yt, yp = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    cls = [str(c) for c in classes]
    if len(yt) != len(yp):
        raise ValueError(f"y_true has {len(yt)} items, y_pred {len(yp)}")
    if len(yt) == 0:
        raise ValueError("no items to score")
    if len(set(cls)) != len(cls) or not cls:
        raise ValueError(f"classes must be non-empty and unique, got {cls}")
    unknown = sorted((set(yt) | set(yp)) - set(cls))
    if unknown:
        raise ValueError(f"labels {unknown} are not in classes {cls}")

    cm = confusion_matrix(yt, yp, labels=cls)
    prec, rec, f1, support = precision_recall_fscore_support(
        yt, yp, labels=cls, zero_division=0
    )
    present = support > 0
    in_use = present | (cm.sum(axis=0) > 0)  # classes in y_true or y_pred
    result: dict[str, Any] = {
        "wa": float(np.trace(cm) / cm.sum()),
        "ua": float(rec[present].mean()),
        "macro_f1": float(f1[in_use].mean()),
        "weighted_f1": float(f1_score(yt, yp, labels=cls, average="weighted", zero_division=0)),
        "roc_auc": _roc_auc(yt, cls, present, proba),
        "per_class": {
            c: {
                "precision": float(prec[j]),
                "recall": float(rec[j]),
                "f1": float(f1[j]),
                "support": int(support[j]),
            }
            for j, c in enumerate(cls)
        },
        "confusion": cm.astype(int).tolist(),
    }
    return result


def _roc_auc(
    yt: np.ndarray, cls: list[str], present: np.ndarray, proba: np.ndarray | None
) -> float | None:
    if proba is None:
        return None
    p = np.asarray(proba, dtype=float)
    if p.shape != (len(yt), len(cls)):
        raise ValueError(f"proba must have shape {(len(yt), len(cls))} (items x classes), got {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("proba contains NaN or infinite values")
    if present.sum() < 2:
        return None  # one true class: AUC is undefined
    aucs = [roc_auc_score(yt == c, p[:, j]) for j, c in enumerate(cls) if present[j]]
    return float(np.mean(aucs))


def summarise(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Mean, sample std (ddof=1) and a Student-t confidence interval of the mean.

    With one value the std and interval are NaN (undefined), not 0. The interval keys are
    named ``ci95_*`` for the record schema; ``confidence`` says which level they hold.
    """
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("summarise needs at least one value")
    if not np.isfinite(x).all():
        raise ValueError("summarise got NaN or infinite values")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n = int(x.size)
    mean = float(x.mean())
    if n < 2:
        std = low = high = math.nan
    else:
        std = float(x.std(ddof=1))
        half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * std / math.sqrt(n)
        low, high = mean - half, mean + half
    return {"mean": mean, "std": std, "ci95_low": low, "ci95_high": high, "n": n,
            "confidence": confidence}


def mcnemar_exact(
    y_true: Sequence[Any] | np.ndarray,
    pred_a: Sequence[Any] | np.ndarray,
    pred_b: Sequence[Any] | np.ndarray,
) -> float:
    """Two-sided exact McNemar p-value: binomial test (p=0.5) on the discordant pairs.

    Discordant = exactly one of the two systems is right. With none, p = 1.
    """
    yt, a, b = (_labels(v, n) for v, n in ((y_true, "y_true"), (pred_a, "pred_a"), (pred_b, "pred_b")))
    if not len(yt) == len(a) == len(b):
        raise ValueError(f"lengths differ: y_true {len(yt)}, pred_a {len(a)}, pred_b {len(b)}")
    ok_a, ok_b = a == yt, b == yt
    only_a = int(np.sum(ok_a & ~ok_b))
    only_b = int(np.sum(~ok_a & ok_b))
    n = only_a + only_b
    if n == 0:
        return 1.0
    return float(min(1.0, 2.0 * stats.binom.cdf(min(only_a, only_b), n, 0.5)))


def paired_permutation_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    n_resamples: int = 10000,
    seed: int = 0,
) -> float:
    """Two-sided sign-flip test of mean(a - b) == 0 over paired scores (e.g. per fold).

    Exact over all 2**n sign patterns when 2**n <= ``n_resamples``; otherwise Monte Carlo
    with ``n_resamples`` random patterns and the (count + 1) / (n_resamples + 1) estimate,
    which never returns 0. All-zero differences give p = 1.
    """
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"paired scores differ in length: {x.size} vs {y.size}")
    if x.size == 0:
        raise ValueError("paired_permutation_test needs at least one pair")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("paired scores contain NaN or infinite values")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    d = x - y
    observed = abs(d.mean())
    if observed == 0 and not d.any():
        return 1.0
    # Float sums of the same values in another order may differ in the last bits.
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    n = d.size
    if 2**n <= n_resamples:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        stats_null = np.abs(signs @ d) / n
        return float(np.mean(stats_null >= observed - tol))
    rng = np.random.default_rng(seed)
    signs = rng.choice((1.0, -1.0), size=(n_resamples, n))
    stats_null = np.abs(signs @ d) / n
    return float((np.sum(stats_null >= observed - tol) + 1) / (n_resamples + 1))


__all__ = ["classification_metrics", "mcnemar_exact", "paired_permutation_test", "summarise"]
