"""``knn``: k-nearest neighbours (Euclidean) on standardised utterance functionals."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from baselines._pipeline import scaled
from baselines.base import ClassicalModel


class KNNModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"n_neighbors": (5, 3, 11)}

    def __init__(
        self,
        *,
        seed: int = 0,
        n_neighbors: int | None = None,
        weights: str = "uniform",
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed  # kNN is deterministic; the seed only drives the inner CV split
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        return scaled(KNeighborsClassifier(n_neighbors=params["n_neighbors"], weights=self.weights))
