"""Hyper-parameter selection: on val when given, inner CV otherwise; pins and grid overrides;
the scaler is fitted on the training items only."""

from __future__ import annotations

import numpy as np
import pytest
from baseline_data import make_data

from baselines.knn import KNNModel
from baselines.svm import SVMModel
from baselines.tree import TreeModel


def _knn_world():
    """Two clusters; three 'b' items planted inside cluster 'a' at known spots."""
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, size=(40, 2))
    b = rng.normal(6.0, 1.0, size=(40, 2))
    spots = np.array([[0.0, 0.0], [0.5, -0.5], [-0.5, 0.5]])
    X = np.vstack([a, b, spots])
    y = np.array(["a"] * 40 + ["b"] * 43)
    return X, y, spots


@pytest.mark.parametrize("val_label, expected_k", [("b", 1), ("a", 15)])
def test_selection_follows_the_validation_set(val_label, expected_k):
    X, y, spots = _knn_world()
    # val: the planted spots labelled val_label, plus clean items of both clusters
    X_val = np.vstack([spots + 1e-3, [[0.0, 2.5], [6.0, 6.0]]])
    y_val = np.array([val_label] * 3 + ["a", "b"])
    est = KNNModel(seed=0, grid={"n_neighbors": [1, 15]}).fit(X, y, X_val=X_val, y_val=y_val)
    sel = est.fit_info_["selection"]
    assert sel["method"] == "val"
    assert est.fit_info_["params"]["n_neighbors"] == expected_k == sel["chosen"]["n_neighbors"]
    scores = [c["score"] for c in sel["candidates"]]
    assert max(scores) == scores[[c["params"]["n_neighbors"] for c in sel["candidates"]].index(expected_k)]


def test_inner_cv_without_val_and_ties_go_to_grid_order():
    X, y = make_data("functionals", 60, 0, sep=8.0)
    est = TreeModel(seed=0).fit(X, y)
    sel = est.fit_info_["selection"]
    assert sel["method"] == "inner_cv3" and est.fit_info_["n_val"] == 0
    scores = [c["score"] for c in sel["candidates"]]
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
    assert sel["chosen"] == sel["candidates"][int(np.argmax(scores))]["params"]


def test_explicit_value_and_grid_false_skip_selection():
    X, y = make_data("functionals", 60, 0)
    pinned = KNNModel(seed=0, n_neighbors=3).fit(X, y)
    assert pinned.fit_info_["selection"]["method"] == "none"
    assert pinned.fit_info_["params"]["n_neighbors"] == 3
    defaults = SVMModel(seed=0, grid=False).fit(X, y)
    assert defaults.fit_info_["selection"]["method"] == "none"
    assert defaults.fit_info_["params"]["C"] == SVMModel.GRID["C"][0]
    assert defaults.fit_info_["params"]["gamma"] == pytest.approx(1.0 / X.shape[1])


def test_grid_override_and_linear_kernel_drops_gamma():
    X, y = make_data("functionals", 60, 0)
    est = SVMModel(seed=0, kernel="linear", grid={"C": [0.5, 2.0]}).fit(X, y)
    cands = [c["params"] for c in est.fit_info_["selection"]["candidates"]]
    assert cands == [{"C": 0.5}, {"C": 2.0}]
    assert "gamma" not in est.fit_info_["params"]
    with pytest.raises(ValueError, match="unknown parameters"):
        SVMModel(grid={"degree": [2]}).fit(X, y)
    with pytest.raises(ValueError, match="kernel"):
        SVMModel(kernel="poly").fit(X, y)


def test_scaler_is_fitted_on_train_only():
    X, y = make_data("functionals", 60, 0)
    X_val, y_val = make_data("functionals", 30, 1)
    est = SVMModel(seed=0).fit(X, y, X_val=X_val + 100.0, y_val=y_val)
    np.testing.assert_allclose(est.model_.named_steps["scale"].mean_, X.mean(axis=0))


def test_first_best_ignores_float_noise_in_ties():
    from baselines.base import first_best

    # the same UA reached by two summation orders must not let the later candidate win
    assert first_best([0.7619047619047619, 0.761904761904762, 0.5]) == 0
    assert first_best([0.5, 0.6, 0.6 + 1e-6]) == 2
    assert first_best([0.2, 0.9, 0.9]) == 1


def test_kernel_svc_matches_libsvm_native_kernel():
    from sklearn.svm import SVC

    from baselines.svm import KernelSVC

    X, y = make_data("functionals", 80, 0)
    X_test, _ = make_data("functionals", 40, 1)
    yi = np.searchsorted(np.unique(y), y)
    for kernel in ("rbf", "linear"):
        ours = KernelSVC(C=2.0, kernel=kernel, gamma=0.05).fit(X, yi)
        ref = SVC(C=2.0, kernel=kernel, gamma=0.05).fit(X, yi)
        np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
        np.testing.assert_allclose(ours.decision_function(X_test), ref.decision_function(X_test),
                                   rtol=1e-6, atol=1e-6)
