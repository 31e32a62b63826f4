"""``svm``: support vector machine on utterance functionals (paper 000's classical baseline).

RBF kernel by default (``kernel="linear"`` selectable). ``gamma_scale`` multiplies sklearn's
"scale" heuristic 1 / (D * var(X)); after standardisation var(X) = 1, so gamma = gamma_scale / D,
which keeps the grid meaningful for 88-dim eGeMAPS and 6373-dim ComParE alike.
Probabilities: temperature scaling of the one-vs-rest decision function, fitted by 3-fold CV
inside the training set (``CalibratedClassifierCV(method="temperature", ensemble=False)``).
sklearn 1.9 deprecates ``SVC(probability=True)``; temperature scaling is one parameter, cheap,
and keeps ``argmax(predict_proba) == predict``. Selection fits plain SVCs; only the winner is
refitted with calibration.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from baselines._pipeline import scaled
from baselines.base import ClassicalModel

KERNELS = ("rbf", "linear")


class SVMModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"C": (1.0, 0.1, 10.0), "gamma_scale": (1.0, 0.1)}

    def __init__(
        self,
        *,
        seed: int = 0,
        C: float | None = None,
        gamma_scale: float | None = None,
        kernel: str = "rbf",
        class_weight: str | None = None,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.C = C
        self.gamma_scale = gamma_scale
        self.kernel = kernel
        self.class_weight = class_weight
        self.grid = grid

    def _grid(self) -> dict[str, tuple[Any, ...]]:
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {self.kernel!r}")
        grid = dict(self.GRID)
        if self.kernel == "linear":  # gamma has no effect on a linear kernel
            del grid["gamma_scale"]
        return grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        svc = SVC(
            C=params["C"],
            kernel=self.kernel,
            # after standardisation var(X) ~ 1, so sklearn's "scale" is 1 / D
            gamma=params.get("gamma_scale", 1.0) / self.n_features_in_,
            class_weight=self.class_weight,
            random_state=self.seed,
        )
        if stage == "select":
            return scaled(svc)
        n_splits = min(3, int(np.bincount(yi).min()))  # calibration folds need every class
        if n_splits < 2:
            raise ValueError("svm probability calibration needs >= 2 training items per class")
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
        return scaled(CalibratedClassifierCV(svc, method="temperature", ensemble=False, cv=cv))

    def _needs_final_refit(self) -> bool:
        return True

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        if self.kernel != "rbf":
            return {}
        gamma = model.named_steps["clf"].estimator.gamma
        return {"gamma": float(gamma)}

