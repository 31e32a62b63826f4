"""The per-fold preprocessing shared by the functional-vector baselines."""

from __future__ import annotations

from typing import Any

from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

#: above this many functionals, the tree and the MLP first keep the ``SELECT_K`` columns with
#: the largest ANOVA F-value on the fold's training items (fitted inside the pipeline): on
#: 6,373-dim ComParE a full tree cost ~1.5 s and an MLP epoch ~13x more than on 500 columns,
#: and with ~500 training items a univariate screen is the field's usual first step. Below the
#: threshold every column is kept. (XGBoost samples columns instead: see ``baselines/xgb.py``.)
HIGH_DIM = 1000
SELECT_K = 500


def scaled(estimator: Any) -> Pipeline:
    """``StandardScaler -> estimator``: the scaler is fitted on the training items only,
    because the pipeline is built fresh and fitted inside each fold."""
    return Pipeline([("scale", StandardScaler()), ("clf", estimator)])


def screened(estimator: Any, n_features: int) -> Pipeline:
    """``StandardScaler [-> SelectKBest(f_classif, SELECT_K) when n_features > HIGH_DIM] ->
    estimator``, every step fitted on the training items of the fold only."""
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())]
    if n_features > HIGH_DIM:
        steps.append(("select", SelectKBest(f_classif, k=SELECT_K)))
    return Pipeline([*steps, ("clf", estimator)])


def screen_note(n_features: int) -> dict[str, Any]:
    """What ``screened`` did, for the record."""
    if n_features > HIGH_DIM:
        return {"feature_screen": f"SelectKBest(f_classif, k={SELECT_K}) of {n_features}"}
    return {"feature_screen": None}
