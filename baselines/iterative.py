"""Selection for models trained in steps (boosting rounds, MLP epochs): the training budget is
early-stopped on the inner folds, as ``xgboost.cv`` does with ``early_stopping_rounds``.

For each configuration of the other hyper-parameters, one model per inner fold is trained in
lockstep, ``STEP`` units at a time; after each step the mean inner-fold UA is taken. Training
stops ``PATIENCE`` units after the best mean UA (or at ``CAP``); the configuration's score is
its best mean UA and its budget the number of units where that was reached. The default
configuration (first in the grid, at its own early-stopped budget) is kept unless the best one
beats it by more than one standard error of their paired per-fold difference
(:func:`baselines.selection.margin_choice`, the rule of every classical model); the kept one is
refitted on the whole training side for its budget.
Every evaluated (budget, score) point is recorded, so the curve can be read off the record.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from baselines.base import SCORE_TIE_TOL, ClassicalModel, _take, inner_ua
from baselines.selection import inner_cv, margin_choice


class IterativeModel(ClassicalModel):
    """A classical model whose training budget is selected by early stopping on inner folds."""

    #: the budget parameter (e.g. ``n_estimators``); not an axis of ``GRID``
    BUDGET: ClassVar[str] = ""
    #: units trained between two evaluations, the patience and the cap (in units)
    STEP: ClassVar[int] = 10
    PATIENCE: ClassVar[int] = 30
    CAP: ClassVar[int] = 400

    # --- hooks -----------------------------------------------------------------------------
    def _begin(self, params: dict[str, Any], X_tr: Any, yi_tr: np.ndarray, n_classes: int) -> Any:
        """A training state for ``params`` on one inner fold (nothing trained yet)."""
        raise NotImplementedError

    def _advance(self, state: Any, units: int) -> None:
        """Train ``units`` more rounds/epochs."""
        raise NotImplementedError

    def _predict_state(self, state: Any, X_te: Any) -> np.ndarray:
        """Integer predictions of the state as trained so far."""
        raise NotImplementedError

    # --- selection -------------------------------------------------------------------------
    def _budget_pinned(self) -> int | None:
        value = getattr(self, self.BUDGET)
        return None if value is None else int(value)

    def _select_by_cv(self, candidates, X, yi, groups, notes):
        pinned = self._budget_pinned()
        if pinned is not None and len(candidates) == 1:
            chosen = {**candidates[0], self.BUDGET: pinned}
            return (self._fit_one(chosen, X, yi, "final", groups),
                    self._selection("none", {}, [chosen], None, 0))
        cv = inner_cv(yi, groups, self.seed, max_splits=self.INNER_SPLITS)
        if not cv.splits:
            chosen = {**candidates[0], self.BUDGET: pinned or self.DEFAULT_BUDGET}
            notes.append(f"selection skipped: {cv.reason}; used the default (first) grid values")
            return (self._fit_one(chosen, X, yi, "final", groups),
                    self._selection("skipped", cv.describe(), [chosen], None, 0))
        folds = []
        for tr, te in cv.splits:
            local = np.unique(yi[tr])
            if len(local) >= 2:
                folds.append((tr, te, local))
            else:
                notes.append("an inner fold with one class in its training part was not scored")
        rows: list[dict[str, Any]] = []
        scores: list[tuple[float, float]] = []
        per_fold: list[list[float]] = []
        for params in candidates:
            best, best_units, best_std, curve, at_best = self._early_stopped(params, X, yi, folds, pinned)
            rows.append({**params, self.BUDGET: best_units})
            scores.append((best, best_std))
            per_fold.append(at_best)
            self._curves_.append({"params": dict(params), "curve": curve})
        choice = margin_choice(np.array(per_fold, dtype=float).T, SCORE_TIE_TOL)
        best_idx = choice.chosen
        final = self._fit_one(rows[best_idx], X, yi, "final", groups)
        sel = self._selection("inner_cv", cv.describe(), rows, scores, best_idx, choice)
        sel["early_stopping"] = {"unit": self.BUDGET, "step": self.STEP,
                                 "patience": self.PATIENCE, "cap": self.CAP,
                                 "curves": self._curves_}
        # the budget is early-stopped, not a grid axis: it is "on the edge" only at the cap
        sel["on_edge"] = [n for n in sel["on_edge"] if n != self.BUDGET]
        if pinned is None and rows[best_idx][self.BUDGET] >= self.CAP:
            sel["on_edge"].append(self.BUDGET)
        return final, sel

    def fit(self, X: Any, y: Any, *, groups: Any = None, X_val: Any = None, y_val: Any = None,
            groups_val: Any = None) -> IterativeModel:
        self._curves_: list[dict[str, Any]] = []
        return super().fit(X, y, groups=groups, X_val=X_val, y_val=y_val, groups_val=groups_val)

    def _early_stopped(self, params, X, yi, folds, pinned):
        cap = pinned or self.CAP
        states = []
        for tr, _te, local in folds:
            states.append(self._begin(params, _take(X, tr), np.searchsorted(local, yi[tr]), len(local)))
        best, best_units, best_std, units, curve = -np.inf, 0, float("nan"), 0, []
        at_best: list[float] = [float("nan")] * len(folds)
        while units < cap:
            step = min(self.STEP, cap - units)
            per_fold = []
            for state, (_tr, te, local) in zip(states, folds, strict=True):
                self._advance(state, step)
                pred = local[np.asarray(self._predict_state(state, _take(X, te)), dtype=int)]
                per_fold.append(inner_ua(yi[te], pred))
            units += step
            score = float(np.mean(per_fold))
            curve.append([units, score])
            if score > best + SCORE_TIE_TOL or pinned is not None:
                # a pinned budget is scored at the budget itself, i.e. the last step
                best, best_units, best_std, at_best = score, units, float(np.std(per_fold)), per_fold
            elif units - best_units >= self.PATIENCE:
                break
        return best, best_units, best_std, curve, at_best
