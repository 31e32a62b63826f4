"""Shared machinery of the classical baselines: input checks, label encoding, the
hyper-parameter grid, selection by inner cross-validation and ``fit_info_``.

A concrete model declares its grid (``GRID``: ordered axes whose FIRST value is the library's
default) and builds an unfitted inner estimator for one parameter combination (``_build``). The
inner estimator sees integer labels 0..K-1 and exposes ``fit(X, y)``, ``predict(X)`` and
``predict_proba(X)``; for functionals it is a scikit-learn ``Pipeline`` whose ``StandardScaler``
is fitted on the training items of the fold only.

Selection rule (identical for every model; scikit-learn's ``GridSearchCV(refit=True)``):
- the whole training side is used: validation items given as ``X_val``/``y_val`` join the
  training items (a held-out validation split only serves models that need one during a fit,
  i.e. deep early stopping);
- every candidate is scored by UA (``balanced_accuracy_score``) on the inner folds of
  :func:`baselines.selection.inner_cv`: grouped by the ``groups`` passed (speakers or sessions
  under a speaker-independent protocol, so no speaker sits on both sides of an inner split;
  source utterances under a random one), the mean over inner folds is the candidate's score;
- the default (first candidate) is kept unless the best mean beats it by more than one
  standard error of their paired per-fold difference (:func:`baselines.selection.margin_choice`;
  the record's ``selection`` holds the rule, the margin and both scores);
- the winner is refitted on the whole training side;
- ties go to the earlier candidate in grid order (so to the defaults). Scores are compared
  with a tolerance of ``SCORE_TIE_TOL``: UA is a mean of recalls, so two candidates with the same
  predictions can differ in the last bits depending on summation order, and that noise must not
  decide a tie.
Test data never reaches ``fit``: the signature has no place for it.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import balanced_accuracy_score
from threadpoolctl import threadpool_limits

from baselines.selection import MarginChoice, inner_cv, margin_choice, on_edge

#: scores closer than this count as a tie (far below 1 / n_items of any real val set).
SCORE_TIE_TOL = 1e-9
#: BLAS/OpenMP threads inside one fit or predict. The runner parallelises across jobs; nested
#: BLAS threads on a shared 2-core box oversubscribe (measured: MLP fit 13 s -> 0.2 s with 1).
INNER_THREADS = 1


def unweighted_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """UA = mean recall over the classes present in ``y_true`` (balanced accuracy; a predicted
    class absent from ``y_true`` has no recall of its own and only lowers the others')."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "y_pred contains classes not in y_true"
        return float(balanced_accuracy_score(y_true, y_pred))


def inner_ua(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """UA of integer labels, the value of ``balanced_accuracy_score`` (mean recall over the
    classes present in ``y_true``) without its input validation: a selection scores hundreds of
    (fold, candidate) pairs, and on EmoDB the validation cost as much as a fifth of the SVM's
    selection (``benchmarks/selection_cost.py``). Equality is a test."""
    y_true, y_pred = np.asarray(y_true, dtype=np.intp), np.asarray(y_pred, dtype=np.intp)
    n = int(max(y_true.max(), y_pred.max())) + 1
    support = np.bincount(y_true, minlength=n)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n)
    present = support > 0
    return float(np.mean(hits[present] / support[present]))


def halving_rounds(n_splits: int) -> list[np.ndarray]:
    """Inner-fold indices per round of successive halving: three rounds from 6 folds on, two
    from 4, else one (every candidate on every fold)."""
    rounds = 3 if n_splits >= 6 else 2 if n_splits >= 4 else 1
    return [chunk for chunk in np.array_split(np.arange(n_splits), rounds)]


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
    #: at most this many inner folds (None: leave-one-group-out up to ``LOGO_MAX_GROUPS``
    #: groups). Models that cost seconds per fit (boosting, MLP, HMM) cap it so that the
    #: whole nested selection stays within the suites' time budgets; still speaker-grouped.
    INNER_SPLITS: ClassVar[int | None] = None
    #: successive halving over the inner folds (scikit-learn's ``HalvingGridSearchCV`` with the
    #: folds as the resource): every candidate is scored on the first round of folds
    #: (:func:`halving_rounds`), the best ``1 / HALVING_FACTOR`` of them (by mean over the folds
    #: seen so far) and always the default go on to the next round; only candidates scored on
    #: every fold can be chosen. For models whose candidates cost one fit each (the SVM).
    HALVING: ClassVar[bool] = False
    HALVING_FACTOR: ClassVar[int] = 3

    # --- hooks for subclasses -------------------------------------------------------------
    def _grid(self) -> dict[str, tuple[Any, ...]]:
        """The default grid; subclasses may drop axes that a setting makes irrelevant."""
        return dict(self.GRID)

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        """Unfitted inner estimator for ``params`` to be fitted on labels ``yi``; ``stage`` is
        "select" (scoring candidates on inner folds) or "final" (the model kept, fitted on the
        whole training side; ``groups`` are its items' groups, for grouped calibration)."""
        raise NotImplementedError

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        """Derived values worth recording (e.g. the numeric RBF gamma)."""
        return {}

    def _collect_fit_warnings(self, model: Any) -> list[str]:
        """Model-specific warnings discovered after fitting (e.g. HMM fallbacks)."""
        return []

    # --- public API -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any, *, groups: Any = None, X_val: Any = None, y_val: Any = None,
            groups_val: Any = None) -> ClassicalModel:
        """Select on inner folds of the whole training side (``X`` plus ``X_val``), grouped by
        ``groups`` (+ ``groups_val``), then refit the winner on all of it."""
        X = self._check_X(X, fitted=False)
        y = self._check_y(y, len(X), "y")
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if (groups is None) != (groups_val is None) and X_val is not None:
            raise ValueError("pass groups and groups_val together (or neither)")
        g = None if groups is None else self._check_groups(groups, len(X), "groups")
        n_val = 0
        if X_val is not None:
            X_val = self._check_X(X_val, fitted=True)
            y_val = self._check_y(y_val, len(X_val), "y_val")
            n_val = len(X_val)
            X = np.concatenate([X, X_val]) if isinstance(X, np.ndarray) else [*X, *X_val]
            y = np.concatenate([y, y_val])
            if g is not None:
                g = np.concatenate([g, self._check_groups(groups_val, n_val, "groups_val")])
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 classes to fit, got {self.classes_.tolist()}")
        yi = np.searchsorted(self.classes_, y)
        notes: list[str] = []
        candidates = self._candidates()
        with warnings.catch_warnings(record=True) as caught, threadpool_limits(INNER_THREADS):
            warnings.simplefilter("always")
            model, selection = self._select_by_cv(candidates, X, yi, g, notes)
        notes.extend(self._collect_fit_warnings(model))
        notes.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        self.model_ = model
        self.fit_info_ = {
            "params": {**self._fixed_params(), **selection["chosen"], **self._resolved_extra(model)},
            "selection": selection,
            "warnings": list(dict.fromkeys(notes)),  # unique, in order of appearance
            "n_train": len(X),
            "n_fit": len(X),  # the final model is fitted on the whole training side
            "n_val_merged": n_val,
            "validation": ("none given" if n_val == 0 else
                           f"{n_val} validation items merged into the training side; selection "
                           f"by inner CV ({selection.get('scheme', 'none')}), refit on all "
                           f"{len(X)}"),
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

    def _fit_one(self, params: dict[str, Any], X: Any, yi: np.ndarray, stage: str,
                 groups: np.ndarray | None = None) -> Any:
        model = self._build(params, yi, stage, groups)
        model.fit(X, yi)
        return model

    def _select_by_cv(self, candidates: list[dict[str, Any]], X: Any, yi: np.ndarray,
                      groups: np.ndarray | None, notes: list[str]) -> tuple[Any, dict[str, Any]]:
        if len(candidates) == 1:
            final = self._fit_one(candidates[0], X, yi, "final", groups)
            return final, self._selection("none", {}, candidates, None, 0)
        cv = inner_cv(yi, groups, self.seed, max_splits=self.INNER_SPLITS)
        if not cv.splits:
            notes.append(f"selection skipped: {cv.reason}; used the default (first) grid values")
            final = self._fit_one(candidates[0], X, yi, "final", groups)
            return final, self._selection("skipped", cv.describe(), candidates, None, 0)
        fold_scores = np.full((len(cv.splits), len(candidates)), np.nan)
        rounds = halving_rounds(len(cv.splits)) if self.HALVING else [np.arange(len(cv.splits))]
        alive = list(range(len(candidates)))
        for r, folds in enumerate(rounds):
            if r:  # keep the best third so far (ties -> grid order) and always the default
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    seen = np.nanmean(fold_scores[np.concatenate(rounds[:r])], axis=0)
                seen = np.where(np.isnan(seen), -np.inf, seen)
                ranked = sorted(alive, key=lambda j: (-seen[j], j))
                keep = max(1, math.ceil(len(alive) / self.HALVING_FACTOR))
                alive = sorted({0, *ranked[:keep]})
            self._score_folds(cv.splits, folds, [candidates[j] for j in alive], alive, X, yi,
                              fold_scores, notes)
        scored = ~np.isnan(fold_scores).all(axis=0)
        if not scored.any():
            raise RuntimeError(f"no candidate could be scored on any inner fold ({cv.scheme}): "
                               + "; ".join(notes[-3:]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns -> NaN, handled
            means = np.where(scored, np.nanmean(fold_scores, axis=0), -np.inf)
            stds = np.nanstd(fold_scores, axis=0)
        # only the candidates still in at the last round compete (the others' means are over
        # fewer folds and are recorded as such)
        contest = np.full_like(fold_scores, np.nan)
        contest[:, alive] = fold_scores[:, alive]
        choice = margin_choice(contest, SCORE_TIE_TOL)
        final = self._fit_one(candidates[choice.chosen], X, yi, "final", groups)
        sel = self._selection("inner_cv", cv.describe(), candidates,
                              list(zip(means.tolist(), stds.tolist(), strict=True)),
                              choice.chosen, choice)
        n_scored = (~np.isnan(fold_scores)).sum(axis=0)
        for row, n in zip(sel["candidates"], n_scored.tolist(), strict=True):
            row["n_folds"] = int(n)
        if len(rounds) > 1:
            sel["halving"] = {"factor": self.HALVING_FACTOR,
                              "folds_per_round": [len(f) for f in rounds],
                              "finalists": [sel["candidates"][j]["params"] for j in alive]}
        return final, sel

    def _score_folds(self, splits: Sequence[tuple[np.ndarray, np.ndarray]], folds: np.ndarray,
                     candidates: list[dict[str, Any]], columns: list[int], X: Any, yi: np.ndarray,
                     fold_scores: np.ndarray, notes: list[str]) -> None:
        """Score ``candidates`` (columns ``columns`` of ``fold_scores``) on the inner folds
        ``folds``, in place; a fold that fails is noted and left unscored from there on."""
        for f in folds:
            tr, te = splits[f]
            # An inner training part may lack a class (a speaker split); fit on the classes it
            # has and map predictions back, so UA still counts the missing class as missed.
            local = np.unique(yi[tr])
            if len(local) < 2:
                notes.append(f"inner fold {f}: one class only in its training part; not scored")
                continue
            X_tr, X_te = _take(X, tr), _take(X, te)
            try:
                preds = self._candidate_predictions(candidates, X_tr, np.searchsorted(local, yi[tr]), X_te)
                for j, pred in zip(columns, preds, strict=True):
                    fold_scores[f, j] = inner_ua(yi[te], local[np.asarray(pred, dtype=int)])
            except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
                notes.append(f"inner fold {f}: {type(exc).__name__}: {exc}; its remaining "
                             "candidates are not scored there")

    def _candidate_predictions(self, candidates: list[dict[str, Any]], X_tr: Any,
                               yi_tr: np.ndarray, X_te: Any) -> Iterator[np.ndarray]:
        """Yield, per candidate in order, the integer predictions on ``X_te`` of a "select"-stage
        model fitted on ``(X_tr, yi_tr)``. Models that can score several candidates from one
        fit (boosting rounds, training epochs, one kernel matrix) override this."""
        for params in candidates:
            yield self._fit_one(params, X_tr, yi_tr, "select").predict(X_te)

    def _selection(self, method: str, cv: dict[str, Any], candidates: list[dict[str, Any]],
                   scores: list[tuple[float, float]] | None, best: int,
                   choice: MarginChoice | None = None) -> dict[str, Any]:
        plain = [{k: _plain(v) for k, v in c.items()} for c in candidates]
        rows = []
        for k, p in enumerate(plain):
            mean, std = (None, None) if scores is None else scores[k]
            rows.append({"params": p,
                         "score": None if mean is None or not np.isfinite(mean) else float(mean),
                         "std": None if std is None or not np.isfinite(std) else float(std)})
        # the edge of an axis is judged among the candidates that share the chosen one's
        # categorical values (a linear SVM's C range differs from an RBF one's)
        chosen = plain[best]
        alike = [c for c in plain if all(c.get(k) == v for k, v in chosen.items()
                                         if not isinstance(v, int | float) or isinstance(v, bool))]
        varied: dict[str, tuple[Any, ...]] = {}
        for c in alike:
            for name, value in c.items():
                if value not in varied.get(name, ()):
                    varied[name] = (*varied.get(name, ()), value)
        return {
            "method": method,  # "inner_cv" | "none" (nothing to tune) | "skipped"
            **{"scheme": "none", "n_splits": 0, "n_groups": None, **cv},
            "metric": "ua",
            "score": "mean over inner folds",
            "candidates": rows,
            "chosen": chosen,
            "on_edge": on_edge(varied, chosen) if method == "inner_cv" else [],
            # rule, default_score, best_score, difference, margin, n_paired, replaced_default
            **({} if choice is None else {**choice.describe(), "best": plain[choice.best]}),
        }

    # --- input checks ---------------------------------------------------------------------
    @staticmethod
    def _check_groups(groups: Any, n: int, what: str) -> np.ndarray:
        g = np.asarray(groups, dtype=object)
        if g.ndim != 1 or len(g) != n:
            raise ValueError(f"{what} must be 1-D with {n} entries, got shape {g.shape}")
        return g.astype(str)

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
