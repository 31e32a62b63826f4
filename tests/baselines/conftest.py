"""Fixtures for the baseline tests: every registered model name, and its tiny data."""

from __future__ import annotations

import pytest
from baseline_data import make_data

from baselines import MODELS


@pytest.fixture(params=sorted(MODELS))
def name(request) -> str:
    return request.param


@pytest.fixture
def data(name):
    kind = MODELS[name][1]["input"]
    return {split: make_data(kind, n, seed) for split, n, seed in
            (("train", 60, 0), ("val", 30, 1), ("test", 30, 2))}
