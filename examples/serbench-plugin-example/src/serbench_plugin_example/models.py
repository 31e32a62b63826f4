"""A classifier in plain scikit-learn form, with the class attributes serbench reads."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GroupKFold


class ShrunkCentroid(ClassifierMixin, BaseEstimator):
    """Nearest shrunken centroid on standardised functionals; shrinkage by grouped inner CV."""

    serbench_input = "functionals"  # one vector per utterance (the default)
    serbench_wants_groups = True  # fit(X, y, groups=training speakers)

    def __init__(self, shrinkages: tuple[float, ...] = (0.0, 0.5, 1.0), temperature: float = 1.0):
        self.shrinkages = shrinkages
        self.temperature = temperature

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> ShrunkCentroid:
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        candidates = list(self.shrinkages)
        if groups is not None and len(set(groups)) >= 3 and len(candidates) > 1:
            # choose on held-out speakers only: the test fold never enters this
            scores = [np.mean([self._fit(X[tr], y[tr], s)._accuracy(X[va], y[va])
                               for tr, va in GroupKFold(3).split(X, y, groups)]) for s in candidates]
            self.shrinkage_ = candidates[int(np.argmax(scores))]
        else:
            self.shrinkage_ = candidates[0]
        return self._fit(X, y, self.shrinkage_)

    def _fit(self, X: np.ndarray, y: np.ndarray, shrinkage: float) -> ShrunkCentroid:
        self.classes_ = np.unique(y)
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-8
        Z = (X - self.mean_) / self.scale_
        centroids = np.stack([Z[y == c].mean(axis=0) for c in self.classes_])
        shrunk = np.sign(centroids) * np.maximum(np.abs(centroids) - shrinkage, 0.0)
        self.centroids_ = shrunk
        return self

    def _accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(X) == y))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        Z = (np.asarray(X, dtype=float) - self.mean_) / self.scale_
        d2 = ((Z[:, None, :] - self.centroids_[None]) ** 2).mean(axis=2)
        logits = -d2 / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
