"""Common estimator checks run over every registered classical model."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
from baseline_data import LABELS, make_data, model_class
from sklearn.base import clone

from baselines import MODELS
from baselines.base import ClassicalModel, unweighted_accuracy


def test_registry_meta_is_complete(name):
    target, meta = MODELS[name]
    assert set(meta) >= {"family", "input", "default_features", "description", "paper"}
    assert meta["family"] == "classical"
    cls = model_class(name)
    assert issubclass(cls, ClassicalModel)
    assert meta["input"] == cls.INPUT


def test_fit_predict_contract(name, data):
    X, y = data["train"]
    est = model_class(name)(seed=0)
    assert est.fit(X, y, X_val=data["val"][0], y_val=data["val"][1]) is est
    assert est.classes_.tolist() == sorted(LABELS)
    Xt, _ = data["test"]
    pred = est.predict(Xt)
    assert pred.shape == (len(Xt),)
    assert set(pred.tolist()) <= set(est.classes_.tolist())
    proba = est.predict_proba(Xt)
    assert proba.shape == (len(Xt), len(est.classes_))
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    # probabilities and decisions agree (every model here decides by argmax of its scores)
    assert (est.classes_[proba.argmax(axis=1)] == pred).all()
    info = est.fit_info_
    assert {"params", "selection", "warnings", "n_train", "n_val_merged", "validation"} <= set(info)
    # the validation items join the training side (selection by inner CV, refit on all)
    assert info["n_train"] == len(X) + len(data["val"][0])
    assert info["n_val_merged"] == len(data["val"][0])
    json.dumps(info)  # goes into records as-is


def test_deterministic_with_seed(name, data):
    X, y = data["train"]
    Xt, _ = data["test"]
    a = model_class(name)(seed=3).fit(X, y)
    b = model_class(name)(seed=3).fit(X, y)
    assert (a.predict(Xt) == b.predict(Xt)).all()
    np.testing.assert_allclose(a.predict_proba(Xt), b.predict_proba(Xt))
    assert a.fit_info_ == b.fit_info_


def test_beats_dummy_on_separable_data(name, data):
    if name == "dummy":
        pytest.skip("dummy is the floor it is compared with")
    X, y = data["train"]
    Xt, yt = data["test"]
    majority = np.unique(y, return_counts=True)[0][0]  # balanced: the first label, as dummy picks
    floor = unweighted_accuracy(yt, np.full(len(yt), majority))
    ua = unweighted_accuracy(yt, model_class(name)(seed=0).fit(X, y).predict(Xt))
    assert floor == pytest.approx(1 / 3)
    # blobs 4 sd apart
    assert ua >= 0.7 > floor


def test_init_stores_params_only(name):
    cls = model_class(name)
    est = cls(seed=7)
    params = est.get_params()
    assert params["seed"] == 7
    assert not [k for k in vars(est) if k.endswith("_")]  # nothing learned before fit
    assert clone(est).get_params() == params
    sig = inspect.signature(cls.__init__)
    assert all(p.kind is p.KEYWORD_ONLY for n, p in sig.parameters.items() if n != "self")


def test_fit_signature_has_no_place_for_test_data(name):
    sig = inspect.signature(model_class(name).fit)
    assert list(sig.parameters) == ["self", "X", "y", "groups", "X_val", "y_val", "groups_val"]


def test_unfitted_and_bad_input_raise(name, data):
    est = model_class(name)(seed=0)
    X, y = data["train"]
    with pytest.raises(RuntimeError, match="not fitted"):
        est.predict(X)
    with pytest.raises(ValueError, match="labels"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="both X_val and y_val"):
        est.fit(X, y, X_val=data["val"][0])
    with pytest.raises(ValueError, match="groups and groups_val together"):
        est.fit(X, y, groups=np.zeros(len(y)), X_val=data["val"][0], y_val=data["val"][1])
    with pytest.raises(ValueError, match="groups must be 1-D"):
        est.fit(X, y, groups=np.zeros(len(y) + 1))
    kind = MODELS[name][1]["input"]
    if kind == "frames":
        broken = [x.copy() for x in X]
        broken[0][0, 0] = np.nan
        other_dim = [np.zeros((5, 7), np.float32)]
    else:
        broken = X.copy()
        broken[0, 0] = np.nan
        other_dim = np.zeros((2, X.shape[1] + 1))
    with pytest.raises(ValueError, match="NaN"):
        est.fit(broken, y)
    est.fit(X, y, X_val=data["val"][0], y_val=data["val"][1])
    with pytest.raises(ValueError, match="fitted on"):
        est.predict(other_dim)


def test_string_labels_required(name):
    X, y = make_data(MODELS[name][1]["input"], 30, 0)
    with pytest.raises(ValueError, match="strings"):
        model_class(name)(seed=0).fit(X, np.arange(len(y)) % 3)
