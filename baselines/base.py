"""Shared machinery of the classical baselines: input checks, label encoding, the
hyper-parameter grid, selection on validation data (or inner CV on train) and ``fit_info_``.

A concrete model declares its grid (``GRID``: ordered axes whose FIRST value is the default)
and builds an unfitted inner estimator for one parameter combination (``_build``). The inner
estimator sees integer labels 0..K-1 and exposes ``fit(X, y)``, ``predict(X)`` and
``predict_proba(X)``; for functionals it is a scikit-learn ``Pipeline`` whose ``StandardScaler``
is fitted on the training items of the fold only.

Selection rule (identical for every model):
- ``X_val``/``y_val`` given: fit every candidate on train, score UA (balanced accuracy) on val,
  keep the fitted winner (it was trained on train only, so no refit is needed).
- otherwise: stratified inner k-fold CV on train (k = 3, fewer if a class is that small),
  mean UA per candidate, then refit the winner on the whole train set.
- ties go to the earlier candidate in grid order (so to the defaults). Scores are compared
  with a tolerance of ``SCORE_TIE_TOL``: UA is a mean of recalls, so two candidates with the same
  predictions can differ in the last bits depending on summation order, and that noise must not
  decide a tie.
The final model is always trained on the training set only (never train+val): val stays a
clean selection set and the fitted model is the one that was scored.
Test data never reaches ``fit``: the signature has no place for it.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

INNER_CV_SPLITS = 3
#: scores closer than this count as a tie (far below 1 / n_items of any real val set).
SCORE_TIE_TOL = 1e-9
#: BLAS/OpenMP threads inside one fit or predict. The runner parallelises across jobs; nested
#: BLAS threads on a shared 2-core box oversubscribe (measured: MLP fit 13 s -> 0.2 s with 1).
INNER_THREADS = 1


def unweighted_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """UA = mean recall over the classes present in ``y_true`` (= balanced accuracy)."""
    recalls = [float(np.mean(y_pred[y_true == c] == c)) for c in np.unique(y_true)]
    return float(np.mean(recalls))


def first_best(scores: Sequence[float]) -> int:
    """Index of the first score within ``SCORE_TIE_TOL`` of the maximum (ties -> grid order)."""
    arr = np.asarray(scores, dtype=float)
    return int(np.flatnonzero(arr >= arr.max() - SCORE_TIE_TOL)[0])


def _plain(value: Any) -> Any:
    """JSON-friendly copy of a parameter value (numpy scalars, tuples)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class ClassicalModel(ClassifierMixin, BaseEstimator):
    """Base of every classical baseline; subclasses set ``GRID``/``INPUT`` and ``_build``."""

    #: ordered candidate values per tunable parameter; the first value is the default.
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {}
    #: "functionals" (2-D array) or "frames" (list of (T, D) arrays).
    INPUT: ClassVar[str] = "functionals"

    # --- hooks for subclasses -------------------------------------------------------------
    def _grid(self) -> dict[str, tuple[Any, ...]]:
        """The default grid; subclasses may drop axes that a setting makes irrelevant."""
        return dict(self.GRID)

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        """Unfitted inner estimator for ``params`` to be fitted on labels ``yi``; ``stage`` is
        "select" (scoring candidates) or "final" (the model kept)."""
        raise NotImplementedError

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        """Derived values worth recording (e.g. the numeric RBF gamma)."""
        return {}

    def _collect_fit_warnings(self, model: Any) -> list[str]:
        """Model-specific warnings discovered after fitting (e.g. HMM fallbacks)."""
        return []

    # --- public API -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any, *, X_val: Any = None, y_val: Any = None) -> ClassicalModel:
        X = self._check_X(X, fitted=False)
        y = self._check_y(y, len(X), "y")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 classes to fit, got {self.classes_.tolist()}")
        yi = np.searchsorted(self.classes_, y)
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        notes: list[str] = []
        candidates = self._candidates()
        with warnings.catch_warnings(record=True) as caught, threadpool_limits(INNER_THREADS):
            warnings.simplefilter("always")
            if X_val is not None:
                X_val = self._check_X(X_val, fitted=True)
                y_val = self._check_y(y_val, len(X_val), "y_val")
                unknown = sorted(set(y_val.tolist()) - set(self.classes_.tolist()))
                if unknown:
                    raise ValueError(f"y_val has labels absent from y: {unknown}")
                model, selection = self._select_on_val(
                    candidates, X, yi, X_val, np.searchsorted(self.classes_, y_val)
                )
            else:
                model, selection = self._select_by_cv(candidates, X, yi, notes)
        notes.extend(self._collect_fit_warnings(model))
        notes.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        self.model_ = model
        self.fit_info_ = {
            "params": {**self._fixed_params(), **selection["chosen"], **self._resolved_extra(model)},
            "selection": selection,
            "warnings": list(dict.fromkeys(notes)),  # unique, in order of appearance
            "n_train": len(X),
            "n_val": 0 if X_val is None else len(X_val),
        }
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        self._check_fitted()
        X = self._check_X(X, fitted=True)
        with threadpool_limits(INNER_THREADS):
            proba = np.asarray(self.model_.predict_proba(X), dtype=float)
        if proba.shape != (len(X), len(self.classes_)):
            raise RuntimeError(f"inner model returned probabilities of shape {proba.shape}")
        return proba

    def predict(self, X: Any) -> np.ndarray:
        self._check_fitted()
        X = self._check_X(X, fitted=True)
        with threadpool_limits(INNER_THREADS):
            pred = np.asarray(self.model_.predict(X), dtype=int)
        return self.classes_[pred]

    # --- grid and selection ---------------------------------------------------------------
    def _candidates(self) -> list[dict[str, Any]]:
        grid = self._grid()
        override = self.get_params().get("grid", True)
        if isinstance(override, dict):
            unknown = sorted(set(override) - set(grid))
            if unknown:
                raise ValueError(f"grid names unknown parameters {unknown}; tunable: {sorted(grid)}")
            for name, values in override.items():
                values = tuple(values) if isinstance(values, list | tuple) else (values,)
                if not values:
                    raise ValueError(f"grid[{name!r}] is empty")
                grid[name] = values
        elif override is False:
            grid = {name: values[:1] for name, values in grid.items()}
        elif override is not True:
            raise ValueError(f"grid must be True, False or a dict, got {override!r}")
        for name in grid:  # an explicit constructor value pins the axis
            value = getattr(self, name)
            if value is not None:
                grid[name] = (value,)
        names = list(grid)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]

    def _fixed_params(self) -> dict[str, Any]:
        params = self.get_params()
        params.pop("grid", None)
        return {k: _plain(v) for k, v in params.items() if k not in self._grid()}

    def _fit_one(self, params: dict[str, Any], X: Any, yi: np.ndarray, stage: str) -> Any:
        model = self._build(params, yi, stage)
        model.fit(X, yi)
        return model

    def _select_on_val(self, candidates, X, yi, X_val, yi_val):
        if len(candidates) == 1:
            model = self._fit_one(candidates[0], X, yi, "final")
            return model, self._selection("none", candidates, None, 0)
        scores: list[float] = []
        best_model = None  # only the leader is kept: a grid of fitted SVMs/boosters is large
        for model in self._fit_candidates(candidates, X, yi):
            scores.append(unweighted_accuracy(yi_val, np.asarray(model.predict(X_val), dtype=int)))
            if first_best(scores) == len(scores) - 1:
                best_model = model
        best = first_best(scores)
        if self._needs_final_refit():
            best_model = self._fit_one(candidates[best], X, yi, "final")
        return best_model, self._selection("val", candidates, scores, best)

    def _select_by_cv(self, candidates, X, yi, notes: list[str]):
        if len(candidates) == 1:
            return self._fit_one(candidates[0], X, yi, "final"), self._selection("none", candidates, None, 0)
        n_splits = min(INNER_CV_SPLITS, int(np.bincount(yi).min()))
        if n_splits < 2:
            notes.append("selection skipped: a class has fewer than 2 training items; "
                         "used the default (first) grid values")
            return self._fit_one(candidates[0], X, yi, "final"), self._selection("skipped", candidates, None, 0)
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
        folds = list(cv.split(np.zeros(len(yi)), yi))
        fold_scores = np.zeros((len(folds), len(candidates)))
        for f, (tr, te) in enumerate(folds):
            X_te = _take(X, te)
            for j, model in enumerate(self._fit_candidates(candidates, _take(X, tr), yi[tr])):
                pred = np.asarray(model.predict(X_te), dtype=int)
                fold_scores[f, j] = unweighted_accuracy(yi[te], pred)
        scores = fold_scores.mean(axis=0).tolist()
        best = first_best(scores)
        model = self._fit_one(candidates[best], X, yi, "final")
        return model, self._selection(f"inner_cv{n_splits}", candidates, scores, best)

    def _fit_candidates(self, candidates: list[dict[str, Any]], X: Any, yi: np.ndarray):
        """Yield one fitted "select"-stage model per candidate, in order. Models that can
        score several candidates from one fit (boosting rounds) override this."""
        for params in candidates:
            yield self._fit_one(params, X, yi, "select")

    def _needs_final_refit(self) -> bool:
        """True when the "final" build differs from the "select" build (e.g. calibration)."""
        return False

    @staticmethod
    def _selection(method: str, candidates, scores, best: int) -> dict[str, Any]:
        plain = [{k: _plain(v) for k, v in c.items()} for c in candidates]
        return {
            "method": method,  # "val" | "inner_cvK" | "none" (nothing to tune) | "skipped"
            "metric": "ua",
            "candidates": [
                {"params": p, "score": None if scores is None else float(s)}
                for p, s in zip(plain, scores if scores is not None else [None] * len(plain), strict=True)
            ],
            "chosen": plain[best],
        }

    # --- input checks ---------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit first")

    def _check_y(self, y: Any, n: int, what: str) -> np.ndarray:
        y = np.asarray(y, dtype=object)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"{what} must be 1-D with {n} labels, got shape {y.shape}")
        bad = [v for v in y if not isinstance(v, str | np.str_)]
        if bad:
            raise ValueError(f"{what} labels must be strings; found {bad[:3]!r}")
        return y.astype(str)

    def _check_X(self, X: Any, *, fitted: bool) -> Any:
        if self.INPUT == "frames":
            return self._check_frames(X, fitted)
        try:
            arr = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{type(self).__name__} needs a 2-D numeric array of functionals: {exc}") from None
        if arr.ndim != 2 or len(arr) == 0:
            raise ValueError(f"X must be a non-empty 2-D array (items x features), got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError("X contains NaN or infinite values; impute or drop them upstream")
        if fitted and arr.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {arr.shape[1]} features, the model was fitted on {self.n_features_in_}")
        if not fitted:
            self.n_features_in_ = arr.shape[1]
        return arr

    def _check_frames(self, X: Any, fitted: bool) -> list[np.ndarray]:
        if isinstance(X, np.ndarray) and X.ndim == 3:
            X = list(X)
        if not isinstance(X, Sequence | np.ndarray) or len(X) == 0:
            raise ValueError("X must be a non-empty list of (T, D) frame arrays")
        seqs = [np.asarray(x, dtype=np.float64) for x in X]
        dims = {s.shape[1] if s.ndim == 2 else -1 for s in seqs}
        if -1 in dims or len(dims) != 1 or any(len(s) == 0 for s in seqs):
            raise ValueError("every item of X must be a (T, D) array with T >= 1 and the same D")
        if not all(np.isfinite(s).all() for s in seqs):
            raise ValueError("X contains NaN or infinite frame values")
        d = dims.pop()
        if fitted and d != self.n_features_in_:
            raise ValueError(f"frames have {d} dims, the model was fitted on {self.n_features_in_}")
        if not fitted:
            self.n_features_in_ = d
        return seqs


def _take(X: Any, idx: np.ndarray) -> Any:
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]
