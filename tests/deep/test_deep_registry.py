"""One name table: a deep model is its network module plus one registry row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from deep_helpers import make_frames, make_labelled

import deep
from benchmark.models import build_registry, make_model, run_options
from deep.spec import Recipe, deep_model

REPO = Path(__file__).resolve().parents[2]


def test_a_toy_model_needs_one_registry_row(monkeypatch):
    # The whole registration of a new deep model (its network lives in tests/deep/toy_net.py):
    monkeypatch.setitem(deep.MODELS, *deep_model("toy_gru", "toy_net:ToyGru", paper=None, features="mfcc13_frames", recipe=Recipe("adam", 1e-2, max_epochs=4, batch_size=8), description="toy GRU"))  # noqa: E501
    registry = build_registry(deep.MODELS)  # what `import benchmark.models` builds
    assert run_options("toy_gru", registry) == ("profile", "threads", "spec_augment", "device", "n_sources")
    X, y = make_labelled(24, 13, seed=0)
    est = make_model("toy_gru", seed=0, registry=registry, profile="ci", hidden=6)
    est.fit(X, y)
    pred = est.predict(make_frames(5, 13, seed=1))
    assert pred.shape == (5,) and set(pred) <= {"ang", "neu"}
    info = est.fit_info_
    assert info["params"]["model"] == "toy_gru" and info["params"]["hidden"] == 6
    assert info["n_params"] == 3 * 6 * (13 + 6 + 2) + 6 * 2 + 2  # GRU + linear
    assert info["stop_reason"] in ("patience", "epoch_cap") and info["paper"] is None
    twin = make_model("toy_gru", seed=0, registry=registry, profile="ci", hidden=6).fit(X, y)
    np.testing.assert_array_equal(twin.predict_proba(X), est.predict_proba(X))


def test_listing_models_imports_neither_torch_nor_xgboost():
    code = ("import sys; from benchmark.cli import main; rc = main(['list', 'models']); "
            "heavy = [m for m in ('torch', 'xgboost') if m in sys.modules]; "
            "assert rc in (0, None) and not heavy, heavy")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for name in deep.MODELS:
        assert name in out.stdout


def test_profile_names_are_torch_free():
    code = ("import sys; from deep.profiles import PROFILE_NAMES; "
            "assert 'torch' not in sys.modules; print(','.join(PROFILE_NAMES))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ci,default,converged,converged_refit,paper"
