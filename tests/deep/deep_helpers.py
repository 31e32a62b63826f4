"""Tiny seeded frame data for the deep-model tests (imported by the test modules)."""

from __future__ import annotations

import numpy as np

# Feature dimension of each model's default feature set (benchmark/features/__init__.py).
FEATURE_DIMS = {"emoaugnet": 22, "dycnn_bilstm_attn": 64, "cnn_bilstm": 143, "cnn_lstm_attn": 80}


def feature_dim(model: str) -> int:
    return FEATURE_DIMS.get(model, 13)


def make_frames(n: int, dim: int, seed: int, lo: int = 30, hi: int = 60) -> list[np.ndarray]:
    """n random (T, dim) float32 arrays with T in [lo, hi)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((int(t), dim)).astype(np.float32)
            for t in rng.integers(lo, hi, n)]


def make_labelled(n: int, dim: int, seed: int, classes=("ang", "neu"), shift: float = 1.5):
    """Frames whose mean depends on the class (learnable), labels alternating."""
    frames = make_frames(n, dim, seed)
    labels = np.array([classes[i % len(classes)] for i in range(n)])
    for f, lab in zip(frames, labels, strict=True):
        f += shift * (1 if lab == classes[0] else -1)
    return frames, labels
