"""``knn``: k-nearest neighbours (Euclidean) on standardised utterance functionals.

Grid (first value = scikit-learn's default): k in {5, 1, 3, 7, 11, 15, 21} and uniform or
distance weighting. During selection one neighbour query with the largest k per inner fold
serves every candidate (the k nearest are a prefix of the k_max nearest; ties among equal
distances are ordered as scikit-learn orders them, so the votes are the same).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from baselines._pipeline import scaled
from baselines.base import ClassicalModel


def _vote(neighbour_labels: np.ndarray, dist: np.ndarray, n_classes: int, weights: str) -> np.ndarray:
    """Class with the largest (weighted) vote per row; ties -> the smallest class index, as
    scikit-learn's argmax over class columns does."""
    if weights == "uniform":
        w = np.ones_like(dist)
    else:
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        zero = ~np.isfinite(w)
        # an exact match gets all the weight (scikit-learn's rule for distance weighting)
        w = np.where(zero.any(axis=1, keepdims=True), zero.astype(float), w)
    votes = np.zeros((len(dist), n_classes))
    np.add.at(votes, (np.arange(len(dist))[:, None], neighbour_labels), w)
    return votes.argmax(axis=1)


class KNNModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {
        "n_neighbors": (5, 1, 3, 7, 11, 15, 21),
        "weights": ("uniform", "distance"),
    }

    def __init__(
        self,
        *,
        seed: int = 0,
        n_neighbors: int | None = None,
        weights: str | None = None,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed  # kNN is deterministic; the seed only drives the inner CV split
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        k = min(params["n_neighbors"], len(yi))
        return scaled(KNeighborsClassifier(n_neighbors=k, weights=params["weights"]))

    def _candidate_predictions(self, candidates: list[dict[str, Any]], X_tr: np.ndarray,
                               yi_tr: np.ndarray, X_te: np.ndarray) -> Iterator[np.ndarray]:
        scaler = StandardScaler().fit(X_tr)
        k_max = min(max(c["n_neighbors"] for c in candidates), len(yi_tr))
        dist, idx = NearestNeighbors(n_neighbors=k_max).fit(scaler.transform(X_tr)).kneighbors(
            scaler.transform(X_te))
        n_classes = int(yi_tr.max()) + 1
        for params in candidates:
            k = min(params["n_neighbors"], len(yi_tr))
            yield _vote(yi_tr[idx[:, :k]], dist[:, :k], n_classes, params["weights"])
