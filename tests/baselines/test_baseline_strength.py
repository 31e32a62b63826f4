"""Tuned classical models are never weaker than the library defaults of the same estimators on
the same folds (by more than the noise of one fold): ``benchmarks/baseline_strength.py``."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_emodb() -> Path:
    base = os.environ.get("SERBENCH_SHARED_DATA")
    return (Path(base) if base else REPO.parent / "shared" / "data") / "emodb"


def _strength():
    spec = importlib.util.spec_from_file_location("baseline_strength", REPO / "benchmarks" / "baseline_strength.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _check(rows) -> None:
    weak = [(r.model, r.features, sum(r.tuned) / len(r.tuned), sum(r.default) / len(r.default), r.noise)
            for r in rows if not r.ok]
    assert not weak, f"tuned below default - noise of one fold: {weak}"


def test_noise_rule_flags_a_weak_model():
    mod = _strength()
    weak = mod.Row("svm", "f", tuned=[0.50, 0.52], default=[0.70, 0.70], n_test=[100, 100],
                   tuned_s=0, default_s=0)
    assert weak.noise == pytest.approx((0.7 * 0.3 / 100) ** 0.5)
    assert not weak.ok
    close = mod.Row("svm", "f", tuned=[0.68, 0.69], default=[0.70, 0.70], n_test=[100, 100],
                    tuned_s=0, default_s=0)
    assert close.ok


@pytest.mark.slow
def test_tuned_at_least_default_on_synthetic(cache_root, monkeypatch):
    monkeypatch.setenv("SERBENCH_CACHE", str(cache_root))
    _check(_strength().compare("synthetic", ["egemaps_v02"], _strength().MODELS, data_root=None,
                               max_folds=2, progress=False))


@pytest.mark.slow
@pytest.mark.shared_data
def test_tuned_at_least_default_on_emodb(cache_root, monkeypatch):
    root = shared_emodb()
    if not root.exists():
        pytest.skip(f"real EmoDB not found at {root} (../shared/data/emodb)")
    monkeypatch.setenv("SERBENCH_CACHE", str(cache_root))
    _check(_strength().compare("emodb", ["egemaps_v02"], _strength().MODELS, data_root=str(root),
                               progress=False))
