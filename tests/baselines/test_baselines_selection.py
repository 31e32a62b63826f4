"""Hyper-parameter selection: on val when given, inner CV otherwise; pins and grid overrides;
the scaler is fitted on the training items only."""

from __future__ import annotations

import math
import warnings

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


def test_selection_uses_the_whole_training_side_and_refits_on_it():
    X, y, spots = _knn_world()
    # the planted spots, labelled 'b' again in the validation items, make k=1 the best choice
    X_val = np.vstack([spots + 1e-3, spots - 1e-3])
    y_val = np.array(["b"] * 6)
    groups = np.array([f"s{i % 4}" for i in range(len(y))])
    est = KNNModel(seed=0, grid={"n_neighbors": [15, 1], "weights": ["uniform"]}).fit(
        X, y, groups=groups, X_val=X_val, y_val=y_val, groups_val=np.array(["s4"] * 6))
    sel = est.fit_info_["selection"]
    assert sel["method"] == "inner_cv" and sel["scheme"] == "LeaveOneGroupOut" and sel["n_groups"] == 5
    scores = [c["score"] for c in sel["candidates"]]
    assert sel["best"] == sel["candidates"][int(np.argmax(scores))]["params"]
    # the best mean replaces the default only past the margin (k=1 wins on one group only)
    kept = sel["best"] if sel["replaced_default"] else sel["candidates"][0]["params"]
    assert est.fit_info_["params"]["n_neighbors"] == kept["n_neighbors"]
    # refit on train + val: the final model holds every item of the training side
    assert est.model_.named_steps["clf"].n_samples_fit_ == len(X) + len(X_val)


def test_inner_cv_without_groups_is_stratified_and_ties_go_to_grid_order():
    X, y = make_data("functionals", 60, 0, sep=8.0)
    est = TreeModel(seed=0, grid={"max_depth": [None, 5, 10], "min_samples_leaf": [1]}).fit(X, y)
    sel = est.fit_info_["selection"]
    assert sel["method"] == "inner_cv" and sel["scheme"] == "StratifiedKFold(5)"
    scores = [c["score"] for c in sel["candidates"]]
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
    assert sel["chosen"] == sel["candidates"][int(np.argmax(scores))]["params"]


def test_explicit_value_and_grid_false_skip_selection():
    X, y = make_data("functionals", 60, 0)
    pinned = KNNModel(seed=0, n_neighbors=3, weights="uniform").fit(X, y)
    assert pinned.fit_info_["selection"]["method"] == "none"
    assert pinned.fit_info_["params"]["n_neighbors"] == 3
    defaults = SVMModel(seed=0, grid=False).fit(X, y)
    assert defaults.fit_info_["selection"]["method"] == "none"
    assert defaults.fit_info_["params"]["C"] == SVMModel.GRID["C"][0] == 1.0
    assert defaults.fit_info_["params"]["kernel"] == "rbf"  # scikit-learn's defaults first
    assert defaults.fit_info_["params"]["gamma"] == pytest.approx(1.0 / X.shape[1])


def test_grid_override_and_linear_kernel_drops_gamma():
    X, y = make_data("functionals", 60, 0)
    est = SVMModel(seed=0, kernel="linear", grid={"C": [0.5, 2.0]}).fit(X, y)
    cands = [c["params"] for c in est.fit_info_["selection"]["candidates"]]
    assert cands == [{"kernel": "linear", "C": 0.5}, {"kernel": "linear", "C": 2.0}]
    assert "gamma" not in est.fit_info_["params"]
    with pytest.raises(ValueError, match="unknown parameters"):
        SVMModel(grid={"degree": [2]}).fit(X, y)
    with pytest.raises(ValueError, match="kernel"):
        SVMModel(kernel="poly").fit(X, y)


def test_scaler_is_fitted_on_the_training_side_only():
    X, y = make_data("functionals", 60, 0)
    X_val, y_val = make_data("functionals", 30, 1)
    X_test, _ = make_data("functionals", 30, 2)
    est = SVMModel(seed=0, grid=False).fit(X, y, X_val=X_val + 1.0, y_val=y_val)
    side = np.vstack([X, X_val + 1.0])
    np.testing.assert_allclose(est.model_.named_steps["scale"].mean_, side.mean(axis=0))
    est.predict(X_test + 100.0)
    np.testing.assert_allclose(est.model_.named_steps["scale"].mean_, side.mean(axis=0))


def test_inner_folds_never_put_one_speaker_on_both_sides():
    from baselines.selection import LOGO_MAX_GROUPS, inner_cv

    rng = np.random.default_rng(0)
    for n_speakers in (3, 9, LOGO_MAX_GROUPS, LOGO_MAX_GROUPS + 1, 30):
        speakers = rng.integers(0, n_speakers, size=400).astype(str)
        yi = rng.integers(0, 4, size=400)
        for cap in (None, 3):
            cv = inner_cv(yi, speakers, seed=1, max_splits=cap)
            assert cv.splits and cv.n_groups == len(set(speakers))
            seen_test: list[str] = []
            for tr, te in cv.splits:
                assert not set(speakers[tr]) & set(speakers[te])
                seen_test += sorted(set(speakers[te]))
            # each speaker is held out exactly once
            assert sorted(seen_test) == sorted(set(speakers))
            logo = len(set(speakers)) <= (cap or LOGO_MAX_GROUPS)
            assert cv.scheme == ("LeaveOneGroupOut" if logo else f"StratifiedGroupKFold({cap or 5})")


def test_every_model_selects_on_speaker_disjoint_inner_folds(monkeypatch):
    """Whatever the model, the inner folds it scores candidates on are speaker-disjoint."""
    from baseline_data import model_class

    import baselines.base as base
    import baselines.iterative as iterative
    from baselines import MODELS

    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    real = base.inner_cv

    def spy(yi, groups, seed, *, max_splits=None):
        cv = real(yi, groups, seed, max_splits=max_splits)
        seen.extend((np.asarray(groups), tr, te) for tr, te in cv.splits)
        return cv

    monkeypatch.setattr(base, "inner_cv", spy)
    monkeypatch.setattr(iterative, "inner_cv", spy)
    for name, (_target, meta) in MODELS.items():
        if name == "dummy":
            continue
        X, y = make_data(meta["input"], 48, 0)
        speakers = np.array([f"spk{i % 4}" for i in range(len(y))])
        seen.clear()
        model_class(name)(seed=0).fit(X, y, groups=speakers)
        assert seen, f"{name} ran no inner CV"
        for groups, tr, te in seen:
            assert not set(groups[tr]) & set(groups[te]), name


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


def test_depth_cut_reads_the_node_each_item_reaches_at_that_depth():
    from sklearn.tree import DecisionTreeClassifier

    from baselines.tree import depth_predictions

    X, y = make_data("functionals", 300, 0, sep=1.0)
    Xt, _ = make_data("functionals", 200, 1, sep=1.0)
    yi = np.searchsorted(np.unique(y), y)
    full = DecisionTreeClassifier(random_state=0, min_samples_leaf=2).fit(X, yi)
    t = full.tree_

    def walk(x, depth):  # an independent reading: follow the splits for `depth` steps
        node = 0
        for _ in range(depth):
            if t.children_left[node] < 0:
                break
            node = t.children_left[node] if x[t.feature[node]] <= t.threshold[node] else t.children_right[node]
        return int(np.argmax(t.value[node, 0]))

    depths = [0, 1, 2, 5, 8]
    for depth, cut in zip(depths, depth_predictions(full, Xt, depths), strict=True):
        np.testing.assert_array_equal(cut, [walk(x, depth) for x in Xt])
    np.testing.assert_array_equal(depth_predictions(full, Xt, [None])[0], full.predict(Xt))
    # the shallow cuts coincide with trees grown to that depth (no equal-split ties up there)
    for depth in (1, 2, 3):
        ref = DecisionTreeClassifier(random_state=0, min_samples_leaf=2, max_depth=depth).fit(X, yi)
        np.testing.assert_array_equal(depth_predictions(full, Xt, [depth])[0], ref.predict(Xt))


def test_linear_kernel_stops_at_c_10_unless_asked_and_edges_are_judged_per_kernel():
    from baselines.svm import LINEAR_C_MAX

    default = SVMModel()._candidates()
    linear_c = sorted(c["C"] for c in default if c["kernel"] == "linear")
    rbf_c = sorted({c["C"] for c in default if c["kernel"] == "rbf"})
    assert max(linear_c) == LINEAR_C_MAX and max(rbf_c) == 1000.0
    asked = SVMModel(grid={"kernel": ("linear",), "C": (1.0, 1000.0)})._candidates()
    assert [c["C"] for c in asked] == [1.0, 1000.0]

    X, y = make_data("functionals", 60, seed=0, sep=1.0)
    model = SVMModel(kernel="linear").fit(X, y)
    sel = model.fit_info_["selection"]
    assert ("C" in sel["on_edge"]) == (sel["chosen"]["C"] in (min(linear_c), LINEAR_C_MAX))


# --- the margin rule: the default is replaced only by a winner clear of the folds' noise -------
def test_margin_rule_rejects_a_noisy_winner():
    from baselines.selection import margin_choice

    # the case: 3 inner folds of one speaker each, the best ahead by 0.003 on a
    # fold-to-fold spread of ~0.1
    scores = np.array([[0.18, 0.30, 0.10],
                       [0.38, 0.27, 0.20],
                       [0.283, 0.282, 0.15]])
    choice = margin_choice(scores)
    assert choice.best == 1 and choice.chosen == 0 and not choice.describe()["replaced_default"]
    assert choice.difference == pytest.approx(scores[:, 1].mean() - scores[:, 0].mean())
    assert choice.margin > choice.difference > 0
    # a lead on one fold only is no evidence either: mean difference = its standard error
    one_fold = np.array([[0.5, 0.9], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    assert margin_choice(one_fold).chosen == 0


def test_margin_rule_takes_a_clear_winner_and_keeps_ties_with_the_default():
    from baselines.selection import margin_choice

    scores = np.array([[0.40, 0.55, 0.60], [0.50, 0.62, 0.68], [0.45, 0.60, 0.63]])
    choice = margin_choice(scores)
    assert choice.chosen == choice.best == 2 and choice.difference > choice.margin
    assert choice.default_score == pytest.approx(0.45) and choice.best_score == pytest.approx(0.6366, abs=1e-3)
    # a constant lead has no spread at all and is taken; an exact tie is not
    assert margin_choice(np.array([[0.5, 0.6], [0.4, 0.5]])).chosen == 1
    assert margin_choice(np.array([[0.5, 0.5], [0.4, 0.4]])).chosen == 0
    # unscored folds (NaN) are left out of the pairing; a default scored nowhere cannot stay
    assert margin_choice(np.array([[np.nan, 0.6], [np.nan, 0.5]])).chosen == 1
    paired = margin_choice(np.array([[0.4, 0.6], [np.nan, 0.2], [0.3, 0.5]]))
    assert paired.n_paired == 2 and paired.chosen == 1


def test_every_inner_cv_selection_records_the_rule_the_margin_and_both_scores():
    from baselines.tree import TreeModel
    from baselines.xgb import XGBModel

    X, y = make_data("functionals", 90, 0, sep=6.0)
    speakers = np.array([f"spk{i % 5}" for i in range(len(y))])
    # depth 1 can tell only two of three classes apart: deeper trees win on every fold
    tree = TreeModel(seed=0, grid={"max_depth": [1, None], "min_samples_leaf": [1]}).fit(
        X, y, groups=speakers)
    sel = tree.fit_info_["selection"]
    assert sel["rule"] == "paired_1se" and sel["replaced_default"]
    assert sel["chosen"] == sel["best"] == {"max_depth": None, "min_samples_leaf": 1}
    assert sel["difference"] > sel["margin"] >= 0
    assert sel["default_score"] == pytest.approx(sel["candidates"][0]["score"])
    assert sel["best_score"] == pytest.approx(sel["candidates"][1]["score"])
    # iterative models (budget early-stopped per configuration) follow the same rule
    xgb = XGBModel(seed=0).fit(X, y, groups=speakers)
    xsel = xgb.fit_info_["selection"]
    assert xsel["rule"] == "paired_1se"
    kept = xsel["best"] if xsel["replaced_default"] else xsel["candidates"][0]["params"]
    assert xsel["chosen"] == kept


def test_inner_ua_equals_balanced_accuracy():
    from sklearn.metrics import balanced_accuracy_score

    from baselines.base import inner_ua

    rng = np.random.default_rng(0)
    for _ in range(50):
        y_true = rng.integers(0, 5, size=int(rng.integers(5, 40)))
        y_pred = rng.integers(0, 6, size=len(y_true))  # may predict a class absent from y_true
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # predicted classes absent from y_true
            expected = balanced_accuracy_score(y_true, y_pred)
        assert inner_ua(y_true, y_pred) == pytest.approx(expected, abs=1e-12)


def test_successive_halving_keeps_the_default_and_only_finalists_can_win():
    from baselines.base import halving_rounds

    assert [len(r) for r in halving_rounds(9)] == [3, 3, 3]
    assert [len(r) for r in halving_rounds(5)] == [3, 2] and len(halving_rounds(3)) == 1
    X, y = make_data("functionals", 180, 0, sep=1.5)
    speakers = np.array([f"spk{i % 9}" for i in range(len(y))])
    sel = SVMModel(seed=0).fit(X, y, groups=speakers).fit_info_["selection"]
    assert sel["scheme"] == "LeaveOneGroupOut" and sel["halving"]["folds_per_round"] == [3, 3, 3]
    finalists = sel["halving"]["finalists"]
    n_cands = len(sel["candidates"])
    assert sel["candidates"][0]["params"] in finalists  # the default always runs to the end
    third = math.ceil(n_cands / 3)  # after round 1; after round 2 a third of that
    assert len(finalists) <= 1 + math.ceil(third / 3)
    assert sel["chosen"] in finalists and sel["best"] in finalists
    by_params = {str(c["params"]): c for c in sel["candidates"]}
    assert all(by_params[str(f)]["n_folds"] == 9 for f in finalists)
    assert min(c["n_folds"] for c in sel["candidates"]) == 3
    # without halving every candidate runs on every fold; here the choice is the same
    full = SVMModel(seed=0)
    full.HALVING = False
    fsel = full.fit(X, y, groups=speakers).fit_info_["selection"]
    assert "halving" not in fsel and {c["n_folds"] for c in fsel["candidates"]} == {9}
    assert fsel["chosen"] == sel["chosen"]
