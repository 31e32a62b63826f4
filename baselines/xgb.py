"""``xgb``: gradient-boosted trees (XGBoost, ``hist`` method, one thread) on functionals.

Grid (first value = XGBoost's default): ``max_depth`` in {6, 3} and ``learning_rate`` in
{0.3, 0.1}; the number of rounds is early-stopped on the speaker-grouped inner folds
(:mod:`baselines.iterative`: evaluated every 10 rounds, patience 30, at most 400), exactly as
``xgboost.cv`` with ``early_stopping_rounds`` would, but on UA.

Speed on high-dimensional functionals: above 1,000 columns (ComParE's 6,373) the pipeline first
keeps the 500 columns with the largest ANOVA F-value on the fold's training items
(``baselines._pipeline.screened``): one round on all of ComParE costs ~0.5 s against ~45 ms
on 500 columns, while XGBoost's own ``colsample_bytree`` only saved 2.5x because its histograms
are still built for every column. ``max_bin=64`` (default 256) cuts the histogram cost again at
this data size. Classes are label-encoded to 0..K-1 by the base class. xgboost is imported here
only, so listing models never loads it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from baselines._pipeline import screen_note, screened
from baselines.iterative import IterativeModel


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
    STEP, PATIENCE, CAP = 10, 30, 400

    def __init__(
        self,
        *,
        seed: int = 0,
        n_estimators: int | None = None,
        max_depth: int | None = None,
        learning_rate: float | None = None,
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

    def _xgb_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"max_depth": params["max_depth"], "learning_rate": params["learning_rate"],
                "subsample": self.subsample, "colsample_bytree": self.colsample_bytree,
                "max_bin": self.max_bin, "tree_method": "hist",
                "n_jobs": 1,  # the runner parallelises across jobs, not inside one
                "random_state": self.seed, "verbosity": 0}

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        from xgboost import XGBClassifier  # heavy; only when an xgb model is actually built

        return screened(XGBClassifier(n_estimators=params["n_estimators"], **self._xgb_params(params)),
                        self.n_features_in_)

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
        return screen_note(self.n_features_in_)
