"""Scores for one fold, summaries over folds, and paired significance tests.

One class-set rule for every macro metric
-----------------------------------------
UA, macro precision and macro F1 all average over the classes PRESENT IN ``y_true`` (the
classes with at least one test item), never over the ``classes`` list and never over the
classes that were only predicted:

- A class with no test item has no defined recall, and its precision and F1 say nothing
  about this test set; averaging it in would make a score depend on which classes a test
  speaker happens to lack (a perfect classifier on EmoDB speaker 08, who has no disgust
  recording, would get UA 100 but macro precision 85.7 under "every class" averaging).
- A prediction of an absent class is still an error: it is a missed item of its true class,
  so it lowers that class's recall (hence UA and macro F1) and WA. It is a false positive of
  no present class, so it leaves the present classes' precision unchanged; the absent class's
  own precision (0) is not averaged. Every error is thus counted once, against the class
  that was really spoken, whatever wrong label it received.
- A present class that is never predicted has undefined precision; it counts as 0
  (``zero_division=0``), as its recall does.

Definitions (all values are plain Python numbers, ready for a JSON record):
- ``wa``: weighted accuracy = plain accuracy (correct / all).
- ``ua``: unweighted average recall over the present classes, computed with
  ``sklearn.metrics.balanced_accuracy_score`` (which uses exactly this class set).
- ``macro_f1``: mean F1 over the present classes (``f1_score(labels=present)``).
- macro precision: mean precision over the present classes; not a record field, computed
  from ``per_class`` by :func:`macro_average` (the same rule, for reports).
- ``weighted_f1``: F1 weighted by support, so absent classes weigh nothing (same rule).
- ``per_class``: precision, recall, F1 and support for every class in ``classes``;
  undefined ratios are 0 (``zero_division=0``). ``macro_average(per_class, m)`` recovers the
  macro scores from it (classes with support > 0).
- ``confusion``: rows = true, columns = predicted, both in ``classes`` order.
- ``roc_auc``: one-vs-rest AUC averaged over the present classes, when ``proba`` (columns in
  ``classes`` order) is given and ``y_true`` has at least 2 classes; else ``None``.

Summaries and tests over folds (see each function): the Student-t summary ``summarise``; the
corrected resampled t interval of Nadeau & Bengio (2003) ``corrected_resampled_t``, which
does not pretend that cross-validation folds are independent; Holm's step-down correction
``holm``; the paired sign-flip permutation test ``paired_permutation_test`` (scipy); and the
exact McNemar test ``mcnemar_exact``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

#: The one class-set rule, in words (reports quote it in captions).
CLASS_SET_RULE = (
    "macro metrics (UA, macro precision, macro F1) average over the classes present in each "
    "test set's y_true; a prediction of an absent class counts as an error of the true class"
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
    labels = [c for c, p in zip(cls, present, strict=True) if p]
    with warnings.catch_warnings():
        # sklearn warns when y_pred holds a class absent from y_true (the rule above leaves
        # it out of the average, which is what it then does) and when only one label occurs
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="A single label was found")
        ua = balanced_accuracy_score(yt, yp)
    result: dict[str, Any] = {
        "wa": float(accuracy_score(yt, yp)),
        "ua": float(ua),
        "macro_f1": float(f1_score(yt, yp, labels=labels, average="macro", zero_division=0)),
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


def macro_average(per_class: Mapping[str, Mapping[str, Any]], metric: str) -> float | None:
    """Mean of ``per_class[c][metric]`` over the classes with support > 0 (the module's rule).

    ``macro_average(m["per_class"], "recall") == m["ua"]`` and ``"f1"`` gives ``macro_f1``;
    ``"precision"`` gives macro precision, which records do not store. None when a class
    lacks ``support`` or ``metric`` (records older than this rule), or no class is present.
    """
    vals = []
    for scores in per_class.values():
        if not isinstance(scores, Mapping) or scores.get("support") is None or scores.get(metric) is None:
            return None
        if int(scores["support"]) > 0:
            vals.append(float(scores[metric]))
    return float(np.mean(vals)) if vals else None


def ua_from_confusion(confusion: Sequence[Sequence[float]] | np.ndarray) -> float:
    """UA of a confusion matrix (rows true, columns predicted; e.g. per-fold matrices summed,
    which pools their test utterances): ``balanced_accuracy_score`` weighted by the counts,
    so the same class-set rule (rows with no item are left out) holds."""
    cm = np.asarray(confusion, dtype=float)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion must be a square matrix, got shape {cm.shape}")
    if (cm < 0).any() or cm.sum() <= 0:
        raise ValueError("confusion must hold non-negative counts, not all zero")
    true_i, pred_i = np.nonzero(cm)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="A single label was found")
        return float(balanced_accuracy_score(true_i, pred_i, sample_weight=cm[true_i, pred_i]))


def _finite(values: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise ValueError(f"{what} needs at least one value")
    if not np.isfinite(x).all():
        raise ValueError(f"{what} got NaN or infinite values")
    return x


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def summarise(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Mean, sample std (ddof=1) and a Student-t confidence interval of the mean.

    This treats the values as independent; for cross-validation folds use
    :func:`corrected_resampled_t`. With one value the std and interval are NaN (undefined),
    not 0. The interval keys are named ``ci95_*`` for the record schema; ``confidence`` says
    which level they hold.
    """
    x = _finite(values, "summarise")
    _check_confidence(confidence)
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


def corrected_resampled_t(
    values: Sequence[float] | np.ndarray, test_train_ratio: float, confidence: float = 0.95
) -> dict[str, float]:
    """Corrected resampled t interval of the mean of k fold scores (Nadeau & Bengio 2003).

    Folds share most of their training data, so their scores are positively correlated and
    the plain ``s**2 / k`` underestimates the variance of the mean. The correction replaces it
    with ``s**2 * (1/k + n_test/n_train)``; the half-width is ``t_{k-1} * sqrt(that)``.
    ``test_train_ratio`` is n_test / n_train of one fold (for k-fold CV about 1/(k-1)). With
    r repetitions of k-fold on re-drawn folds, pass all r*k values: that is the corrected
    repeated k-fold t of Bouckaert & Frank (2004). Same keys as :func:`summarise`, plus
    ``test_train_ratio``; NaN spread with one value.
    """
    x = _finite(values, "corrected_resampled_t")
    _check_confidence(confidence)
    if not (math.isfinite(test_train_ratio) and test_train_ratio >= 0):
        raise ValueError(f"test_train_ratio must be finite and >= 0, got {test_train_ratio}")
    k = int(x.size)
    mean = float(x.mean())
    if k < 2:
        std = low = high = math.nan
    else:
        std = float(x.std(ddof=1))
        half = float(stats.t.ppf(0.5 + confidence / 2, df=k - 1)) * math.sqrt(
            (1.0 / k + test_train_ratio) * std**2
        )
        low, high = mean - half, mean + half
    return {"mean": mean, "std": std, "ci95_low": low, "ci95_high": high, "n": k,
            "confidence": confidence, "test_train_ratio": float(test_train_ratio)}


def holm(pvalues: Sequence[float] | np.ndarray) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error), in the input order.

    Sorted ascending p_(1) <= ... <= p_(m): adjusted p_(i) = max_{j <= i} min(1, (m-j+1) p_(j)).
    Rejecting where the adjusted p < alpha is Holm's procedure at level alpha.
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    if p.size == 0:
        return []
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError(f"p-values must lie in [0, 1], got {p.tolist()}")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.maximum.accumulate(scaled)
    out = np.empty(m)
    out[order] = adjusted
    return [float(v) for v in out]


def mcnemar_exact(
    y_true: Sequence[Any] | np.ndarray,
    pred_a: Sequence[Any] | np.ndarray,
    pred_b: Sequence[Any] | np.ndarray,
) -> float:
    """Two-sided exact McNemar p-value: binomial test (p=0.5) on the discordant pairs.

    Discordant = exactly one of the two systems is right. With none, p = 1. It treats
    utterances as independent, which they are not when several come from one speaker: the
    reports test over speakers instead and keep this for utterance-level questions only.
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
    return float(stats.binomtest(min(only_a, only_b), n, 0.5).pvalue)


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x - y, axis=axis)


def paired_permutation_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    n_resamples: int = 10000,
    seed: int = 0,
) -> float:
    """Two-sided sign-flip test of mean(a - b) == 0 over paired scores (one pair per unit).

    ``scipy.stats.permutation_test`` with ``permutation_type="samples"``: exact over all
    2**n sign patterns when 2**n <= ``n_resamples``, otherwise Monte Carlo with
    ``n_resamples`` random patterns and scipy's (count + 1) / (n_resamples + 1) estimate,
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
    if not (x - y).any():
        return 1.0
    res = stats.permutation_test(
        (x, y), _mean_difference, permutation_type="samples", vectorized=True,
        n_resamples=n_resamples, alternative="two-sided", rng=np.random.default_rng(seed),
    )
    return float(min(1.0, res.pvalue))


__all__ = [
    "CLASS_SET_RULE", "classification_metrics", "corrected_resampled_t", "holm", "macro_average",
    "mcnemar_exact", "paired_permutation_test", "summarise", "ua_from_confusion",
]
