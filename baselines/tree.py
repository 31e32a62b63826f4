"""``tree``: a single CART decision tree on utterance functionals (the scaler is a no-op for
trees but keeps the pipeline identical across baselines)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from baselines._pipeline import scaled
from baselines.base import ClassicalModel


class TreeModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"max_depth": (10, 5, None)}

    def __init__(
        self,
        *,
        seed: int = 0,
        max_depth: int | None = None,
        min_samples_leaf: int = 1,
        class_weight: str | None = None,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        # None means "select"; an unlimited depth is requested with grid={"max_depth": [None]}
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.class_weight = class_weight
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        return scaled(
            DecisionTreeClassifier(
                max_depth=params["max_depth"],
                min_samples_leaf=self.min_samples_leaf,
                class_weight=self.class_weight,
                random_state=self.seed,
            )
        )
