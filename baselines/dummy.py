"""``dummy``: the floor. Predicts the majority training class; probabilities are the training
class priors (so ROC-AUC is 0.5, not undefined)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.dummy import DummyClassifier

from baselines._pipeline import scaled
from baselines.base import ClassicalModel


class DummyModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {}

    def __init__(self, *, seed: int = 0, grid: bool | dict = True) -> None:
        self.seed = seed
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        return scaled(DummyClassifier(strategy="prior", random_state=self.seed))
