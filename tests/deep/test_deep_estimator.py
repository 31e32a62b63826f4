"""The Models contract for every deep estimator, determinism, training-loop identities."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from deep_helpers import feature_dim, make_frames, make_labelled

from benchmark.models import MODELS as REGISTRY
from benchmark.models import make_model, run_options
from deep import MODELS
from deep.estimator import DeepClassifier
from deep.layers import trainable_param_count

FAST = {"profile": "ci", "max_epochs": 1}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_estimator_contract(name):
    dim = feature_dim(name)
    X, y = make_labelled(24, dim, seed=1, classes=("sad", "ang", "neu"))
    est = make_model(name, seed=0, **FAST)
    assert isinstance(est, DeepClassifier) and est.get_params()["model"] == name
    assert est.fit(X, y) is est
    assert list(est.classes_) == sorted(set(y))
    X_test = make_frames(5, dim, seed=9, lo=10, hi=70)
    pred = est.predict(X_test)
    assert pred.shape == (5,) and set(pred) <= set(est.classes_)
    proba = est.predict_proba(X_test)
    assert proba.shape == (5, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(est.classes_[proba.argmax(1)], pred)
    info = est.fit_info_
    for key in ("params", "epochs", "best_epoch", "n_params", "device", "history", "train_s"):
        assert key in info
    assert info["params"]["model"] == name and info["device"] == "cpu"
    assert info["n_params"] == trainable_param_count(est.network_)
    assert 1 <= info["best_epoch"] <= info["epochs"] == len(info["history"])
    assert info["n_val"] > 0 and info["validation"].startswith("carved")
    json.dumps(info)  # records must serialise


def test_registry_table_meta():
    expected = {"dilated_cnn_bilstm": "mfcc13_frames", "emotech_cnn_bilstm": "mfcc13_frames",
                "cnn": "mfcc13_frames", "lstm": "mfcc13_frames", "bilstm": "mfcc13_frames",
                "emoaugnet": "zcr_rms_mfcc_frames", "dycnn_bilstm_attn": "logmel_frames",
                "cnn_bilstm": "mfcc_mel_zcr_rms", "cnn_lstm_attn": "mel_mfcc_prosody",
                "ssl_head": "logmel64_frames"}  # the SUPERB head for SSL frames, no paper's
    assert {n: meta["default_features"] for n, (_, meta) in MODELS.items()} == expected
    for name, (target, meta) in MODELS.items():
        assert target == "deep.estimator:DeepClassifier"
        assert meta["family"] == "deep" and meta["input"] == "frames"
        assert bool(meta["paper"]) == (name != "ssl_head"), name
        assert meta["init"] == {"model": name}
        assert run_options(name) == ("profile", "threads", "spec_augment", "device", "n_sources")
        assert REGISTRY.meta(name)["network"] == meta["network"]


def test_make_model_refuses_to_override_the_rows_model_name():
    with pytest.raises(ValueError, match="fixed by the registry entry"):
        make_model("lstm", seed=0, model="bilstm")


def test_import_deep_does_not_import_torch():
    code = "import sys, deep; assert deep.MODELS; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["dilated_cnn_bilstm", "cnn_lstm_attn"])
def test_same_seed_same_predictions_on_cpu(name):
    dim = feature_dim(name)
    X, y = make_labelled(24, dim, seed=2)
    X_test = make_frames(6, dim, seed=5)

    def run(seed: int) -> np.ndarray:
        return make_model(name, seed=seed, profile="ci", max_epochs=2).fit(X, y).predict_proba(
            X_test)

    first = run(0)
    np.testing.assert_array_equal(first, run(0))
    assert not np.array_equal(first, run(1))


def test_given_validation_split_is_used_and_early_stopping_restores_the_best_epoch():
    X, y = make_labelled(20, 13, seed=3)
    Xv, yv = make_labelled(6, 13, seed=4)
    # lr 0: nothing changes after epoch 1, so patience 2 stops at epoch 3 with best epoch 1
    est = DeepClassifier(model="lstm", profile="ci", lr=0.0, max_epochs=10, patience=2)
    est.fit(X, y, X_val=Xv, y_val=yv)
    info = est.fit_info_
    assert info["validation"] == "given" and info["n_val"] == 6 and info["n_train"] == 20
    assert info["monitor"] == "val_loss" and "val_loss" in info["history"][0]
    assert info["epochs"] == 3 and info["best_epoch"] == 1 and info["stopped_early"]
    assert info["stop_reason"] == "patience" and not info["budget_bound"]


def test_max_steps_caps_optimiser_steps():
    X, y = make_labelled(32, 13, seed=3)
    est = DeepClassifier(model="lstm", profile="ci", batch_size=4, max_epochs=5, max_steps=3)
    info = est.fit(X, y).fit_info_
    assert info["steps"] == 3 and info["stop_reason"] == "step_cap" and info["max_steps"] == 3


def test_spec_augment_callable_is_applied_to_training_frames_only():
    calls: list[tuple[int, int]] = []

    def spec_augment(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        calls.append(frames.shape)
        out = frames.copy()
        out[: max(1, frames.shape[0] // 4)] = 0.0
        return out

    X, y = make_labelled(20, 13, seed=6)
    est = DeepClassifier(model="bilstm", profile="ci", max_epochs=2, spec_augment=spec_augment,
                         refit_full=False)  # a refit would augment its items again
    est.fit(X, y)
    n_train = est.fit_info_["n_train"]
    assert len(calls) == 2 * n_train  # every training item, every epoch; never validation
    assert est.fit_info_["params"]["spec_augment"].endswith("spec_augment")
    est.predict(X)
    assert len(calls) == 2 * n_train


def test_class_weights_and_paper_recipe_are_recorded():
    X, y = make_labelled(20, 64, seed=7)
    est = DeepClassifier(model="dycnn_bilstm_attn", profile="ci", max_epochs=1,
                         class_weight=True)
    params = est.fit(X, y).fit_info_["params"]
    assert params["optimiser"] == "rmsprop" and params["lr"] == 1e-2  # paper 002
    assert params["class_weight"] is True and params["profile"] == "ci"
    assert params["dynamic"] is True and params["attention"] is True


def test_variants_switch_the_architecture():
    X, y = make_labelled(16, 64, seed=8)
    base = DeepClassifier(model="dycnn_bilstm_attn", profile="ci", max_epochs=1).fit(X, y)
    static = DeepClassifier(model="dycnn_bilstm_attn", profile="ci", max_epochs=1,
                            dynamic=False, attention=False).fit(X, y)
    assert static.network_.dynamic_convs() == [] and static.network_.pooling is None
    assert len(base.network_.dynamic_convs()) == 2
    assert static.fit_info_["n_params"] < base.fit_info_["n_params"]


def test_sklearn_clone_and_params_round_trip():
    from sklearn.base import clone

    est = DeepClassifier(model="lstm", seed=3, profile="ci", lr=0.01)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin is not est
    assert twin.set_params(seed=4).seed == 4


@pytest.mark.parametrize("kwargs, X, y, match", [
    ({"model": "lstm", "nonsense": 1}, None, None, "unknown parameter"),
    ({"model": "nope"}, None, None, "unknown deep model"),
    ({"model": "lstm", "profile": "huge"}, None, None, "unknown profile"),
    ({"model": "emotech_cnn_bilstm", "dilation": 2}, None, None, "fixed by the model name"),
    ({"model": "lstm"}, np.zeros((4, 13)), ["a", "b"] * 2, "functionals"),
    ({"model": "lstm"}, "frames", ["a"] * 4, "two classes"),
    ({"model": "lstm"}, "frames", ["a", "b"], "items"),
])
def test_bad_input_raises_clear_errors(kwargs, X, y, match):
    if X is None:
        X, y = make_labelled(8, 13, seed=0)
    elif isinstance(X, str):
        X = make_frames(4, 13, seed=0)
    with pytest.raises(ValueError, match=match):
        DeepClassifier(**{"profile": "ci", **kwargs}).fit(X, y)


def test_predict_before_fit_and_wrong_dimension():
    est = DeepClassifier(model="lstm", profile="ci", max_epochs=1)
    with pytest.raises(RuntimeError, match="not fitted"):
        est.predict(make_frames(2, 13, seed=0))
    X, y = make_labelled(12, 13, seed=0)
    est.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(make_frames(2, 14, seed=0))


def test_profiles_resolve_the_paper_recipes_and_budgets():
    spec = DeepClassifier(model="dycnn_bilstm_attn", profile="paper")._resolve()
    assert (spec.settings.optimiser, spec.settings.lr, spec.settings.batch_size,
            spec.settings.max_steps) == ("rmsprop", 1e-2, 200, 1000)
    spec = DeepClassifier(model="cnn_bilstm", profile="paper")._resolve()
    assert (spec.settings.max_epochs, spec.settings.batch_size, spec.config.n_frames) == (
        150, 32, 350)
    spec = DeepClassifier(model="emoaugnet", profile="default", n_frames=30)._resolve()
    assert spec.config.n_frames == 30 and spec.config.layout == "channels"  # override wins
    assert spec.settings.frame_pool == 1 and spec.settings.max_epochs == 15


def test_model_name_is_required():
    with pytest.raises(ValueError, match="needs model="):
        DeepClassifier(profile="ci").fit(*make_labelled(8, 13, seed=0))
