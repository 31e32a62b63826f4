"""The per-fold preprocessing shared by the functional-vector baselines."""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def scaled(estimator: Any) -> Pipeline:
    """``StandardScaler -> estimator``: the scaler is fitted on the training items only,
    because the pipeline is built fresh and fitted inside each fold."""
    return Pipeline([("scale", StandardScaler()), ("clf", estimator)])
