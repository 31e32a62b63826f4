"""Toy plugins for the plugin tests: a module on sys.path that no distribution installed (so its
provenance is its source hash), with one correct classifier, four broken ones, one that raises
in fit, and two feature functions. Nothing here imports serbench."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class Centroid(ClassifierMixin, BaseEstimator):
    """Nearest class mean with softmax probabilities (correct)."""

    def __init__(self, temperature: float = 1.0):
        self.temperature = temperature

    def fit(self, X, y):
        X, y = np.asarray(X, float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.means_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict_proba(self, X):
        d2 = ((np.asarray(X, float)[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        logits = -d2 / self.temperature
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class WrongShape(Centroid):
    def predict_proba(self, X):
        return super().predict_proba(X)[:, :-1]


class NotSummingToOne(Centroid):
    def predict_proba(self, X):
        return super().predict_proba(X) * 0.9


class NonDeterministic(Centroid):
    """Ignores any seed: a fresh OS-seeded generator jitters the means on every fit."""

    def fit(self, X, y):
        super().fit(X, y)
        self.means_ = self.means_ + np.random.default_rng().normal(scale=2.0, size=self.means_.shape)
        return self


class MutatesParams(Centroid):
    def fit(self, X, y):
        self.temperature = self.temperature * 2  # learned state written into a parameter
        return super().fit(X, y)


class RaisesInFit(Centroid):
    def fit(self, X, y):
        raise RuntimeError("toy plugin refuses to fit")


class NotAClassifier:
    def fit(self, X, y):
        return self


def energy_stats(y, sr, scale=1.0):
    """Mean and standard deviation of the absolute signal, times ``scale`` (functionals)."""
    a = np.abs(np.asarray(y, dtype=np.float64)) * scale
    return np.array([a.mean(), a.std()], dtype=np.float32)


def energy_frames(y, sr):
    """Absolute amplitude of 10 ms frames (frames x 1)."""
    hop = max(1, sr // 100)
    n = max(1, len(y) // hop)
    return np.abs(np.asarray(y[: n * hop], dtype=np.float32)).reshape(n, hop).mean(axis=1, keepdims=True)


class FramesCentroid(Centroid):
    """Reads frames (a list of (T, d) arrays): the mean frame, then the nearest class mean."""

    serbench_input = "frames"

    def fit(self, X, y):
        return super().fit(np.stack([np.asarray(x).mean(axis=0) for x in X]), y)

    def predict_proba(self, X):
        return super().predict_proba(np.stack([np.asarray(x).mean(axis=0) for x in X]))


def cube(y, sr):
    """Wrong: a 3-D array is neither functionals nor frames."""
    return np.zeros((2, 2, 2), dtype=np.float32)


not_a_function = 42
