"""GMM and HMM specifics: recorded fallbacks, train-only frame statistics, priors."""

from __future__ import annotations

import numpy as np
import pytest
from baseline_data import make_data

import baselines.hmm as hmm_module
from baselines._likelihood import posterior
from baselines.gmm import GMMModel
from baselines.hmm import HMMModel


def test_posterior_is_stable_for_huge_loglik():
    p = posterior(np.array([[-1e5, -1e5 - 1.0]]), np.zeros(2))
    np.testing.assert_allclose(p, [[1 / (1 + np.exp(-1)), 1 - 1 / (1 + np.exp(-1))]])


def test_gmm_caps_components_and_says_so():
    X, y = make_data("functionals", 12, 0)  # 4 items per class
    est = GMMModel(seed=0, n_components=6).fit(X, y)
    assert sum("n_components 6 -> 4" in w for w in est.fit_info_["warnings"]) == 3


def test_gmm_empirical_priors_shift_decisions():
    X, y = make_data("functionals", 60, 0, sep=0.5)
    keep = (y != "happy") | (np.arange(len(y)) % 5 == 0)  # 'happy' becomes rare
    X, y = X[keep], y[keep]
    Xt, _ = make_data("functionals", 300, 3, sep=0.5)
    ml = GMMModel(seed=0, n_components=1, covariance_type="diag").fit(X, y).predict(Xt)
    bayes = GMMModel(seed=0, n_components=1, covariance_type="diag", priors="empirical").fit(X, y).predict(Xt)
    assert (bayes == "happy").sum() < (ml == "happy").sum()


def test_hmm_degenerate_fit_falls_back_loudly(monkeypatch):
    real = hmm_module._degenerate
    monkeypatch.setattr(hmm_module, "_degenerate",
                        lambda m: "forced for the test" if m.n_components > 2 else real(m))
    X, y = make_data("frames", 30, 0)
    est = HMMModel(seed=0, n_states=3).fit(X, y)
    assert all(m.n_components == 2 for m in est.model_.models_)
    notes = [w for w in est.fit_info_["warnings"] if "degenerate" in w]
    assert len(notes) == 3 and "forced for the test" in notes[0]


def test_hmm_raises_when_every_state_count_fails(monkeypatch):
    monkeypatch.setattr(hmm_module, "_degenerate", lambda m: "always")
    X, y = make_data("frames", 30, 0)
    with pytest.raises(RuntimeError, match="degenerate"):
        HMMModel(seed=0, n_states=2).fit(X, y)


def test_hmm_frame_stats_come_from_the_training_side_only():
    X, y = make_data("frames", 30, 0)
    X_val, y_val = make_data("frames", 15, 1)
    X_test, _ = make_data("frames", 15, 2)
    est = HMMModel(seed=0, frame_step=2, n_states=2).fit(X, y, X_val=X_val, y_val=y_val)
    side = np.concatenate([x[::2] for x in [*X, *X_val]]).astype(np.float64)
    np.testing.assert_allclose(est.model_.mean_, side.mean(axis=0))
    est.predict([x + 50 for x in X_test])  # scoring far-off test frames changes nothing learned
    np.testing.assert_allclose(est.model_.mean_, side.mean(axis=0))


def test_hmm_records_hmmlearn_log_warnings():
    X, y = make_data("frames", 9, 0)  # ~10 frames per class after frame_step=4: too few
    est = HMMModel(seed=0, n_states=5, frame_step=4).fit(X, y)
    notes = [w for w in est.fit_info_["warnings"] if "hmmlearn:" in w]
    assert len(notes) == 3 and notes[0].startswith("class 'angry': hmmlearn: Fitting a model")
