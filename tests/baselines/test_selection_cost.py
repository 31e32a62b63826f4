"""``benchmarks/selection_cost.py`` runs on tiny folds: both modes time the same SVM job, the
model's HALVING setting is restored, and the report compares the chosen configurations."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
from baseline_data import make_data

REPO = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("selection_cost", REPO / "benchmarks" / "selection_cost.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_selection_cost_times_both_modes_and_compares_their_choices():
    from baselines.svm import SVMModel

    mod = _script()
    X, y = make_data("functionals", 150, 0, sep=1.5)
    g = np.array([f"spk{i % 10}" for i in range(len(y))])
    test = g == "spk9"
    val = g == "spk8"
    train = ~test & ~val
    folds = [([X[train], X[val], X[test]], [y[train], y[val], y[test]], [g[train], g[val], g[test]])]
    passes = [mod.run_pass(mode, folds) for mode in mod.MODES]
    assert SVMModel.HALVING is True  # restored after the exhaustive pass
    for p in passes:
        assert len(p.chosen) == len(p.ua) == 1 and p.tuned_s > 0 and p.plain_s > 0
        assert 0 < p.select_s < p.tuned_s
    text = mod.report(passes)
    assert "same configuration chosen in" in text and "| fast |" in text and "| exhaustive |" in text
