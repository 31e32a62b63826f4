"""``mlp``: scikit-learn multilayer perceptron (Adam) on standardised functionals.

Grid (first value = scikit-learn's default): one hidden layer of 100 or 256 units and the L2
penalty ``alpha`` in {1e-4, 1e-2, 1}. The number of epochs is early-stopped on the
speaker-grouped inner folds (:mod:`baselines.iterative`: ``partial_fit`` one epoch at a time,
evaluated every 5 epochs, patience 10, at most 200 = scikit-learn's ``max_iter``), so no
internal random validation split exists inside a fit and none can mix speakers; the final
model is trained on the whole training side for the chosen number of epochs. Above 1,000
functionals the 500 with the largest ANOVA F-value on the training items are kept first
(``baselines._pipeline.screened``). ``batch_size`` is scikit-learn's default (min(200, n)).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from baselines._pipeline import screen_note, screened
from baselines.iterative import IterativeModel


class EpochMLP(BaseEstimator):
    """``MLPClassifier`` trained for exactly ``epochs`` Adam epochs with ``partial_fit`` (the
    same updates the selection scored), on integer labels 0..K-1."""

    def __init__(self, hidden_layer_sizes: tuple[int, ...], alpha: float, learning_rate_init: float,
                 epochs: int, seed: int) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.epochs = epochs
        self.seed = seed

    def start(self, n_classes: int) -> EpochMLP:
        self.net_ = MLPClassifier(hidden_layer_sizes=tuple(self.hidden_layer_sizes), alpha=self.alpha,
                                  learning_rate_init=self.learning_rate_init, random_state=self.seed)
        self.labels_ = np.arange(n_classes)
        self.epochs_ = 0
        return self

    def advance(self, X: np.ndarray, yi: np.ndarray, n: int) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(n):
                self.net_.partial_fit(X, yi, classes=self.labels_)
                self.epochs_ += 1

    def fit(self, X: np.ndarray, yi: np.ndarray) -> EpochMLP:
        self.start(int(yi.max()) + 1).advance(_f32(X), yi, self.epochs)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.net_.predict_proba(_f32(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.net_.predict(_f32(X))


def _f32(X: np.ndarray) -> np.ndarray:
    """float32 input: scikit-learn's MLP then keeps float32 weights (about 2x faster on BLAS;
    the functionals are float32 to begin with)."""
    return np.asarray(X, dtype=np.float32)


class _Training:
    def __init__(self, pipeline: Any, X: np.ndarray, yi: np.ndarray, n_classes: int) -> None:
        self.pre = pipeline[:-1].fit(X, yi)
        self.X, self.yi = _f32(self.pre.transform(X)), yi
        self.mlp = pipeline[-1].start(n_classes)


class MLPModel(IterativeModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {
        "hidden_layer_sizes": ((100,), (256,)),
        "alpha": (1e-4, 1e-2, 1.0),
    }
    INNER_SPLITS: ClassVar[int | None] = 3
    BUDGET: ClassVar[str] = "max_iter"
    DEFAULT_BUDGET: ClassVar[int] = 200
    STEP, PATIENCE, CAP = 5, 10, 200

    def __init__(
        self,
        *,
        seed: int = 0,
        hidden_layer_sizes: tuple[int, ...] | None = None,
        alpha: float | None = None,
        learning_rate_init: float = 1e-3,
        max_iter: int | None = None,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        return screened(EpochMLP(tuple(params["hidden_layer_sizes"]),  # TOML gives lists
                                 params["alpha"], self.learning_rate_init,
                                 params.get("max_iter", self.DEFAULT_BUDGET), self.seed),
                        self.n_features_in_)

    def _begin(self, params: dict[str, Any], X_tr: Any, yi_tr: np.ndarray, n_classes: int) -> Any:
        return _Training(self._build(params, yi_tr, "select"), X_tr, yi_tr, n_classes)

    def _advance(self, state: _Training, units: int) -> None:
        state.mlp.advance(state.X, state.yi, units)

    def _predict_state(self, state: _Training, X_te: Any) -> np.ndarray:
        return state.mlp.predict(state.pre.transform(X_te))

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        return screen_note(self.n_features_in_)
