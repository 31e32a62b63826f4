"""``mlp``: scikit-learn multilayer perceptron on standardised functionals, with early stopping
on an internal 10 % split of the training items (never the fold's val or test items)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.neural_network import MLPClassifier

from baselines._pipeline import scaled
from baselines.base import ClassicalModel


class MLPModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"hidden_layer_sizes": ((256,), (128, 64))}

    def __init__(
        self,
        *,
        seed: int = 0,
        hidden_layer_sizes: tuple[int, ...] | None = None,
        alpha: float = 1e-4,
        learning_rate_init: float = 1e-3,
        max_iter: int = 200,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        return scaled(
            MLPClassifier(
                hidden_layer_sizes=tuple(params["hidden_layer_sizes"]),  # TOML gives lists
                alpha=self.alpha,
                learning_rate_init=self.learning_rate_init,
                max_iter=self.max_iter,
                early_stopping=True,
                validation_fraction=0.1,
                n_iter_no_change=10,
                batch_size=64,  # several updates per epoch even on tiny corpora
                random_state=self.seed,
            )
        )
