"""Seeded tiny data helpers for the baseline tests: well-separated Gaussian blobs (functionals) and
short random frame sequences with class-dependent means (frames)."""

from __future__ import annotations

import importlib

import numpy as np

from baselines import MODELS

LABELS = np.array(["angry", "happy", "neutral"])


def model_class(name: str) -> type:
    module, _, attr = MODELS[name][0].partition(":")
    return getattr(importlib.import_module(module), attr)


def make_data(kind: str, n: int, seed: int, sep: float = 4.0):
    """``n`` items of 3 balanced classes; returns (X, y)."""
    rng = np.random.default_rng(seed)
    yi = np.arange(n) % len(LABELS)
    rng.shuffle(yi)
    if kind == "frames":
        centres = np.eye(3, 4) * sep
        X = [(rng.normal(size=(int(rng.integers(8, 16)), 4)) + centres[k]).astype(np.float32) for k in yi]
    else:
        centres = np.eye(3, 6) * sep
        X = rng.normal(size=(n, 6)) + centres[yi]
    return X, LABELS[yi]
