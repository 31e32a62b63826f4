"""``xgb``: gradient-boosted trees (XGBoost, ``hist`` method, one thread) on functionals.

Classes are label-encoded to 0..K-1 by the base class. xgboost is imported here only, so
listing models never loads it. Speed: candidates that differ only in ``n_estimators`` share
one fit with the largest value and are scored on the first n rounds (``iteration_range``),
which is exactly the model boosting would produce with n rounds; ``max_bin=64`` (default 256)
roughly halves the histogram cost on ~2000 items with little effect at this data size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from baselines._pipeline import scaled
from baselines.base import ClassicalModel


class _FirstRounds:
    """A fitted scaler+booster pipeline used with only its first ``rounds`` boosting rounds."""

    def __init__(self, pipeline: Any, rounds: int) -> None:
        self.pipeline, self.rounds = pipeline, rounds

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        Xs = self.pipeline.named_steps["scale"].transform(X)
        return self.pipeline.named_steps["clf"].predict_proba(Xs, iteration_range=(0, self.rounds))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(X), axis=1)


class XGBModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"n_estimators": (100, 300), "max_depth": (3, 6)}

    def __init__(
        self,
        *,
        seed: int = 0,
        n_estimators: int | None = None,
        max_depth: int | None = None,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        max_bin: int = 64,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.max_bin = max_bin
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        from xgboost import XGBClassifier  # heavy; only when an xgb model is actually built

        return scaled(
            XGBClassifier(
                n_estimators=params["n_estimators"],
                max_depth=params["max_depth"],
                learning_rate=self.learning_rate,
                subsample=self.subsample,
                colsample_bytree=self.colsample_bytree,
                max_bin=self.max_bin,
                tree_method="hist",
                n_jobs=1,  # the runner parallelises across jobs, not inside one
                random_state=self.seed,
                verbosity=0,
            )
        )

    def _fit_candidates(self, candidates: list[dict[str, Any]], X: Any, yi: np.ndarray) -> Iterator[Any]:
        shared: dict[tuple, Any] = {}  # other params -> pipeline fitted with the most rounds
        for params in candidates:
            key = tuple(sorted((k, v) for k, v in params.items() if k != "n_estimators"))
            if key not in shared:
                most = max(c["n_estimators"] for c in candidates
                           if tuple(sorted((k, v) for k, v in c.items() if k != "n_estimators")) == key)
                shared[key] = self._fit_one({**params, "n_estimators": most}, X, yi, "select")
            yield _FirstRounds(shared[key], params["n_estimators"])
