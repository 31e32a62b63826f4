"""``xgb``: gradient-boosted trees (XGBoost, ``hist`` method, one thread) on functionals.

Grid (first value = XGBoost's default): ``max_depth`` in {6, 3} and ``learning_rate`` in
{0.3, 0.1}; the number of rounds is early-stopped on the speaker-grouped inner folds
(:mod:`baselines.iterative`: evaluated every 10 rounds, patience 20, at most 300), exactly as
``xgboost.cv`` with ``early_stopping_rounds`` would, but on UA.

High-dimensional functionals (over 1,000 columns, e.g. ComParE's 6,373): every column is kept
and each tree samples ``AUTO_COLUMNS`` of them (``colsample_bytree="auto"`` = min(1, 500 / D));
the learning rate stays at the default 0.3, since at 0.1 the 3x more rounds cost minutes per
fold there (one round over all ComParE columns takes ~0.2 s on one core: XGBoost builds its
histograms for every column whatever the sampling). An ANOVA screen to 500 columns was 8x
cheaper but cost ~5 UA points on the synthetic corpus's ComParE folds (0.74 against 0.79 with
column sampling over all of them), so it is not used here. ``max_bin=32`` (default 256) cuts
the histogram cost at this data size. Classes are label-encoded to 0..K-1 by the base class.
xgboost is imported here only, so listing models never loads it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from baselines._pipeline import HIGH_DIM, scaled
from baselines.iterative import IterativeModel

#: columns each tree samples at most with ``colsample_bytree="auto"``
AUTO_COLUMNS = 500


class _Boosting:
    """One inner fold's booster, trained round by round."""

    def __init__(self, pipeline: Any, X: np.ndarray, yi: np.ndarray, params: dict[str, Any]) -> None:
        import xgboost as xgb

        self.pre = pipeline[:-1].fit(X, yi)  # scaler (+ screen) on this inner training part
        self.dtrain = xgb.DMatrix(self.pre.transform(X), label=yi, nthread=1)
        self.booster = xgb.Booster(params, [self.dtrain])
        self.rounds = 0

    def advance(self, n: int) -> None:
        for _ in range(n):
            self.booster.update(self.dtrain, self.rounds)
            self.rounds += 1

    def predict(self, X: np.ndarray) -> np.ndarray:
        proba = self.booster.inplace_predict(self.pre.transform(X))
        return np.argmax(proba.reshape(len(X), -1), axis=1)


class XGBModel(IterativeModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"max_depth": (6, 3), "learning_rate": (0.3, 0.1)}
    INNER_SPLITS: ClassVar[int | None] = 3
    BUDGET: ClassVar[str] = "n_estimators"
    DEFAULT_BUDGET: ClassVar[int] = 100
    STEP, PATIENCE, CAP = 10, 20, 300

    def __init__(
        self,
        *,
        seed: int = 0,
        n_estimators: int | None = None,
        max_depth: int | None = None,
        learning_rate: float | None = None,
        subsample: float = 1.0,
        colsample_bytree: float | str = "auto",
        max_bin: int = 32,
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

    def _grid(self) -> dict[str, tuple[Any, ...]]:
        grid = dict(self.GRID)
        if getattr(self, "n_features_in_", 0) > HIGH_DIM:
            grid["learning_rate"] = grid["learning_rate"][:1]
        return grid

    def _colsample(self) -> float:
        if self.colsample_bytree == "auto":
            return min(1.0, AUTO_COLUMNS / self.n_features_in_)
        if isinstance(self.colsample_bytree, str):
            raise ValueError(f"colsample_bytree must be a number in (0, 1] or 'auto', got {self.colsample_bytree!r}")
        return float(self.colsample_bytree)

    def _xgb_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"max_depth": params["max_depth"], "learning_rate": params["learning_rate"],
                "subsample": self.subsample, "colsample_bytree": self._colsample(),
                "max_bin": self.max_bin, "tree_method": "hist",
                "n_jobs": 1,  # the runner parallelises across jobs, not inside one
                "random_state": self.seed, "verbosity": 0}

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        from xgboost import XGBClassifier  # heavy; only when an xgb model is actually built

        return scaled(XGBClassifier(n_estimators=params["n_estimators"], **self._xgb_params(params)))

    def _begin(self, params: dict[str, Any], X_tr: Any, yi_tr: np.ndarray, n_classes: int) -> Any:
        p = self._xgb_params(params)
        booster_params = {"objective": "multi:softprob", "num_class": n_classes,
                          "eta": p.pop("learning_rate"), "nthread": p.pop("n_jobs"),
                          "seed": p.pop("random_state"), "verbosity": p.pop("verbosity"), **p}
        return _Boosting(self._build({**params, "n_estimators": 1}, yi_tr, "select"),
                         X_tr, yi_tr, booster_params)

    def _advance(self, state: _Boosting, units: int) -> None:
        state.advance(units)

    def _predict_state(self, state: _Boosting, X_te: Any) -> np.ndarray:
        return state.predict(X_te)

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        return {"colsample_bytree_resolved": self._colsample()}
