"""Metrics: identities with scikit-learn/scipy, edge cases, and small hand-computed cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from benchmark.metrics import (
    classification_metrics,
    corrected_resampled_t,
    holm,
    macro_average,
    mcnemar_exact,
    paired_permutation_test,
    summarise,
)

CLASSES = ["anger", "happiness", "neutral", "sadness"]


@settings(max_examples=40, deadline=None)
@given(
    y_true=st.lists(st.sampled_from(CLASSES), min_size=1, max_size=40),
    data=st.data(),
)
def test_ua_is_balanced_accuracy_and_macro_recall(y_true: list[str], data) -> None:
    y_pred = data.draw(st.lists(st.sampled_from(CLASSES), min_size=len(y_true), max_size=len(y_true)))
    r = classification_metrics(y_true, y_pred, CLASSES)
    present = sorted(set(y_true))
    with warnings.catch_warnings():  # sklearn warns when y_pred has classes absent from y_true
        warnings.simplefilter("ignore", UserWarning)
        bal = balanced_accuracy_score(y_true, y_pred)
    macro_recall = recall_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
    assert r["ua"] == pytest.approx(macro_recall) == pytest.approx(bal)
    assert r["ua"] == pytest.approx(np.mean([r["per_class"][c]["recall"] for c in present]))
    assert r["wa"] == pytest.approx(np.mean(np.array(y_true) == np.array(y_pred)))
    # one class set for every macro metric: the classes present in y_true
    assert r["macro_f1"] == pytest.approx(
        f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0))
    assert r["macro_f1"] == pytest.approx(macro_average(r["per_class"], "f1"))
    assert macro_average(r["per_class"], "recall") == pytest.approx(r["ua"])
    assert macro_average(r["per_class"], "precision") == pytest.approx(
        precision_score(y_true, y_pred, labels=present, average="macro", zero_division=0))
    assert r["weighted_f1"] == pytest.approx(f1_score(y_true, y_pred, average="weighted", zero_division=0))
    assert np.sum(r["confusion"]) == len(y_true)
    assert [sum(row) for row in r["confusion"]] == [r["per_class"][c]["support"] for c in CLASSES]


def test_ua_equals_balanced_accuracy_when_a_predicted_class_is_absent() -> None:
    y_true = ["anger", "anger", "neutral", "neutral"]
    y_pred = ["anger", "sadness", "neutral", "anger"]
    r = classification_metrics(y_true, y_pred, CLASSES)
    with pytest.warns(UserWarning, match="not in y_true"):
        bal = balanced_accuracy_score(y_true, y_pred)
    assert r["ua"] == pytest.approx(bal) == pytest.approx((0.5 + 0.5) / 2)
    assert r["per_class"]["sadness"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # sadness is predicted but never true: left out of every macro average (its wrong
    # prediction already lowered anger's recall); happiness is in neither
    pc = r["per_class"]
    assert r["macro_f1"] == pytest.approx((pc["anger"]["f1"] + pc["neutral"]["f1"]) / 2)
    # anger: P = 1/2 (one of two "anger" predictions right), neutral: P = 1
    assert macro_average(pc, "precision") == pytest.approx((1 / 2 + 1) / 2)


def test_perfect_classifier_on_a_speaker_lacking_a_class() -> None:
    # EmoDB speaker 08 has no disgust recording: a perfect classifier must score 100 on
    # every macro metric (averaging over all 7 classes gave macro precision 6/7 = 85.7)
    emodb = ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"]
    y = [c for c in emodb if c != "disgust" for _ in range(3)]
    r = classification_metrics(y, y, emodb)
    assert r["ua"] == r["macro_f1"] == 1.0
    assert macro_average(r["per_class"], "precision") == 1.0
    assert r["per_class"]["disgust"]["support"] == 0


def test_macro_average_hand_computed_with_absent_class() -> None:
    # a: 2 of 3 right, one predicted as the absent class c; b: both right, one extra "b"
    y_true = ["a", "a", "a", "b", "b"]
    y_pred = ["a", "a", "c", "b", "b"]
    r = classification_metrics(y_true, y_pred, ["a", "b", "c"])
    assert r["ua"] == pytest.approx((2 / 3 + 1) / 2)
    # precision a = 2/2, b = 2/2: the wrong "c" is no present class's false positive
    assert macro_average(r["per_class"], "precision") == pytest.approx(1.0)
    assert r["macro_f1"] == pytest.approx((0.8 + 1.0) / 2)  # F1 a = 2 * 1 * 2/3 / (5/3)
    assert macro_average({"a": {"recall": 1.0}}, "recall") is None  # no support: old record


def test_perfect_predictions_score_one_everywhere() -> None:
    y = ["anger", "happiness", "neutral", "sadness"] * 3
    proba = np.eye(4)[[CLASSES.index(c) for c in y]]
    r = classification_metrics(y, y, CLASSES, proba=proba)
    for key in ("wa", "ua", "macro_f1", "weighted_f1", "roc_auc"):
        assert r[key] == 1.0
    for c in CLASSES:
        assert r["per_class"][c] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}
    assert r["confusion"] == (3 * np.eye(4, dtype=int)).tolist()


def test_constant_prediction_gives_chance_ua() -> None:
    y_true = ["anger"] * 10 + ["happiness"] * 3 + ["neutral"] * 5 + ["sadness"] * 2
    r = classification_metrics(y_true, ["anger"] * len(y_true), CLASSES)
    assert r["ua"] == pytest.approx(1 / len(CLASSES))
    assert r["wa"] == pytest.approx(10 / 20)  # WA rewards the majority class, UA does not


def test_hand_computed_case() -> None:
    y_true = ["a", "a", "a", "b", "b", "c"]
    y_pred = ["a", "a", "b", "b", "c", "c"]
    r = classification_metrics(y_true, y_pred, ["a", "b", "c"])
    assert r["confusion"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert r["wa"] == pytest.approx(4 / 6)
    assert r["ua"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    f1 = {"a": 0.8, "b": 0.5, "c": 2 / 3}  # a: P=1 R=2/3; b: P=1/2 R=1/2; c: P=1/2 R=1
    assert r["macro_f1"] == pytest.approx(sum(f1.values()) / 3)
    assert r["weighted_f1"] == pytest.approx((3 * 0.8 + 2 * 0.5 + 1 * 2 / 3) / 6)
    assert r["per_class"]["c"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert r["roc_auc"] is None


def test_roc_auc_matches_sklearn_ovr_macro() -> None:
    rng = np.random.default_rng(0)
    y = rng.choice(CLASSES, size=60)
    proba = rng.dirichlet(np.ones(4), size=60)
    r = classification_metrics(y, y, CLASSES, proba=proba)
    expected = roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=CLASSES)
    assert r["roc_auc"] == pytest.approx(expected)


def test_roc_auc_with_absent_class_and_single_class() -> None:
    y = ["anger", "neutral", "anger", "neutral"]
    proba = np.array([[0.9, 0.0, 0.1, 0.0], [0.2, 0.1, 0.7, 0.0], [0.6, 0.2, 0.2, 0.0], [0.3, 0.3, 0.4, 0.0]])
    r = classification_metrics(y, y, CLASSES, proba=proba)
    assert r["roc_auc"] == pytest.approx(1.0)  # only anger and neutral are scored
    one = classification_metrics(["anger"] * 4, ["anger"] * 4, CLASSES, proba=proba)
    assert one["roc_auc"] is None


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(ValueError, match="not in classes"):
        classification_metrics(["anger", "joy"], ["anger", "anger"], CLASSES)
    with pytest.raises(ValueError, match="items"):
        classification_metrics(["anger"], ["anger", "anger"], CLASSES)
    with pytest.raises(ValueError, match="shape"):
        classification_metrics(["anger"], ["anger"], CLASSES, proba=np.ones((1, 3)))


def test_summarise_matches_student_t() -> None:
    x = [0.61, 0.58, 0.66, 0.70, 0.55]
    s = summarise(x)
    lo, hi = stats.t.interval(0.95, df=4, loc=np.mean(x), scale=stats.sem(x))
    assert s["n"] == 5 and s["mean"] == pytest.approx(np.mean(x))
    assert s["std"] == pytest.approx(np.std(x, ddof=1))
    assert (s["ci95_low"], s["ci95_high"]) == pytest.approx((lo, hi))
    wider = summarise(x, confidence=0.99)
    assert wider["ci95_low"] < s["ci95_low"] and wider["confidence"] == 0.99
    single = summarise([0.5])
    assert single["mean"] == 0.5 and math.isnan(single["std"]) and math.isnan(single["ci95_low"])
    with pytest.raises(ValueError):
        summarise([])


def test_corrected_resampled_t_by_hand() -> None:
    x = [0.60, 0.64, 0.58, 0.66, 0.62]  # mean 0.62, s**2 = 0.001 (deviations -2, 2, -4, 4, 0)
    s = corrected_resampled_t(x, test_train_ratio=0.25)  # 5-fold CV: n_test/n_train = 1/4
    t = stats.t.ppf(0.975, df=4)  # 2.7764
    half = t * math.sqrt((1 / 5 + 0.25) * 0.001)  # = 2.7764 * 0.021213 = 0.058898
    assert s["mean"] == pytest.approx(0.62) and s["std"] == pytest.approx(math.sqrt(0.001))
    assert s["ci95_high"] - s["mean"] == pytest.approx(half) == pytest.approx(0.058898, abs=1e-6)
    plain = summarise(x)
    # wider than the plain t interval by sqrt((1/k + r) / (1/k)) = sqrt(2.25) = 1.5
    assert (s["ci95_high"] - s["mean"]) / (plain["ci95_high"] - plain["mean"]) == pytest.approx(1.5)
    assert corrected_resampled_t(x, 0.0)["ci95_low"] == pytest.approx(plain["ci95_low"])
    assert math.isnan(corrected_resampled_t([0.5], 0.25)["ci95_low"])
    with pytest.raises(ValueError):
        corrected_resampled_t(x, -1.0)


def test_holm_on_a_known_p_vector() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.04]) == [0.04] and holm([]) == []
    with pytest.raises(ValueError):
        holm([0.1, 1.5])


def test_mcnemar() -> None:
    y = ["a"] * 10
    a = ["a"] * 10
    b = ["a"] * 4 + ["b"] * 6  # a right / b wrong on 6 items, never the reverse
    assert mcnemar_exact(y, a, a) == 1.0
    assert mcnemar_exact(y, a, b) == pytest.approx(2 * 0.5**6)
    assert mcnemar_exact(y, a, b) == mcnemar_exact(y, b, a)
    rng = np.random.default_rng(1)
    yt = rng.choice(["a", "b", "c"], 50)
    pa, pb = rng.choice(["a", "b", "c"], 50), rng.choice(["a", "b", "c"], 50)
    ok_a, ok_b = pa == yt, pb == yt
    n01, n10 = int(np.sum(ok_a & ~ok_b)), int(np.sum(~ok_a & ok_b))
    expected = stats.binomtest(n01, n01 + n10, 0.5).pvalue
    assert mcnemar_exact(yt, pa, pb) == pytest.approx(expected)
    assert mcnemar_exact(yt, pa, pb) == mcnemar_exact(yt, pb, pa)


def test_permutation_test() -> None:
    rng = np.random.default_rng(0)
    a = 0.7 + 0.01 * rng.standard_normal(10)
    b = a - 0.1 - 0.01 * rng.random(10)  # a consistently better by ~0.1 on every fold
    assert paired_permutation_test(a, b) == pytest.approx(2 / 2**10)  # exact: only +-all flips
    assert paired_permutation_test(a, b) == paired_permutation_test(b, a)
    assert paired_permutation_test(a, a) == 1.0
    # Monte Carlo branch (2**20 > 10000): small but never zero
    a20 = 0.7 + 0.01 * rng.standard_normal(20)
    p = paired_permutation_test(a20, a20 - 0.05, n_resamples=2000, seed=1)
    assert 1 / 2001 <= p < 0.01
    # exact branch agrees with scipy's sign-flip permutation test
    x, y = rng.random(8), rng.random(8)
    ref = stats.permutation_test(
        (x, y), lambda u, v: np.mean(u - v), permutation_type="samples", n_resamples=np.inf
    ).pvalue
    assert paired_permutation_test(x, y) == pytest.approx(ref)
