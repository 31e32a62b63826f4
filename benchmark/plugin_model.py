"""The adapter that runs a classical plugin (any scikit-learn-style classifier) as a serbench
model.

serbench calls every model as ``fit(X, y, *, groups, X_val, y_val, groups_val)``; a plain
classifier takes ``fit(X, y)``. :class:`PluginClassifier` builds the plugin's class with the
run's parameters (``random_state=seed`` only when the constructor names it), merges the
validation items into training (as the classical baselines do: a plain classifier has no use
for a held-out split, and the test fold is never among them), passes the training groups only
when the class declares ``serbench_wants_groups = True``, and checks what comes back
(``classes_``, ``predict_proba``'s shape) so a broken plugin fails with a named reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmark.plugins import accepts, load_object


class PluginClassifier:
    """``PluginClassifier(plugin="pkg.mod:Class", seed=0, **params)``."""

    def __init__(self, *, plugin: str, seed: int = 0, **params: Any) -> None:
        self.plugin = plugin
        self.seed = seed
        self.params = dict(params)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"plugin": self.plugin, "seed": self.seed, **self.params}

    def __repr__(self) -> str:
        return f"PluginClassifier({self.plugin}, seed={self.seed}, {self.params})"

    def build(self) -> Any:
        """An unfitted instance of the plugin class with this run's parameters."""
        cls = load_object(self.plugin, role="model")
        kwargs = dict(self.params)
        if "random_state" not in kwargs and accepts(cls, "random_state"):
            kwargs["random_state"] = self.seed
        return cls(**kwargs), kwargs

    def fit(self, X: Any, y: Sequence[Any], *, groups: Sequence[Any] | None = None,
            X_val: Any = None, y_val: Sequence[Any] | None = None,
            groups_val: Sequence[Any] | None = None) -> PluginClassifier:
        estimator, kwargs = self.build()
        y = np.asarray(y)
        n_val = 0
        if X_val is not None and y_val is not None and len(y_val):
            n_val = len(y_val)
            X = np.concatenate([X, X_val]) if isinstance(X, np.ndarray) else list(X) + list(X_val)
            y = np.concatenate([y, np.asarray(y_val)])
            if groups is not None:
                groups = np.concatenate([np.asarray(groups), np.asarray(groups_val)]) \
                    if groups_val is not None else None
        if getattr(estimator, "serbench_wants_groups", False):
            if groups is None:
                raise ValueError(f"{self.plugin} wants groups (serbench_wants_groups) but none were given")
            estimator.fit(X, y, groups=np.asarray(groups))
        else:
            estimator.fit(X, y)
        classes = getattr(estimator, "classes_", None)
        if classes is None:
            raise TypeError(f"{self.plugin}: no classes_ after fit (a classifier must set it)")
        self.estimator_ = estimator
        self.classes_ = np.asarray(classes)
        self.fit_info_ = {"params": kwargs, "plugin": self.plugin, "n_train": len(y),
                          "n_val_merged": n_val, "n_fit": len(y)}
        return self

    def _fitted(self) -> Any:
        if not hasattr(self, "estimator_"):
            raise RuntimeError(f"{self.plugin} is not fitted yet")
        return self.estimator_

    def predict_proba(self, X: Any) -> np.ndarray:
        proba = np.asarray(self._fitted().predict_proba(X), dtype=float)
        n = len(X)
        if proba.shape != (n, len(self.classes_)):
            raise ValueError(f"{self.plugin}: predict_proba returned shape {proba.shape}, expected "
                             f"({n}, {len(self.classes_)}) (one column per class in classes_)")
        return proba

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self._fitted().predict(X))
