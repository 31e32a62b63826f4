"""``svm``: support vector machine on utterance functionals (paper 000's classical baseline).

RBF kernel by default (``kernel="linear"`` selectable). ``gamma_scale`` multiplies sklearn's
"scale" heuristic 1 / (D * var(X)); after standardisation var(X) = 1, so gamma = gamma_scale / D,
which keeps the grid meaningful for 88-dim eGeMAPS and 6373-dim ComParE alike.
Probabilities: temperature scaling of the one-vs-rest decision function, fitted by 3-fold CV
inside the training set (``CalibratedClassifierCV(method="temperature", ensemble=False)``).
sklearn 1.9 deprecates ``SVC(probability=True)``; temperature scaling is one parameter, cheap,
and keeps ``argmax(predict_proba) == predict``. Selection fits plain SVCs; only the winner is
refitted with calibration.

Speed: the kernel matrix is computed with BLAS (``sklearn.metrics.pairwise``) and handed to
libsvm as ``kernel="precomputed"``. libsvm's own kernel evaluates dot products one pair at a
time; on 6,373-dim ComParE with ~1,300 training items that made one grid + calibration take
~30 s on an idle core, against ~4 s this way (``benchmarks/bench_svm_kernel.py``). The
solution is the same SVM (same kernel values up to float rounding). The cost is memory: the
training kernel is n_train^2 float64 (~290 MB at 6,000 items).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics.pairwise import linear_kernel, rbf_kernel
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from baselines._pipeline import scaled
from baselines.base import ClassicalModel

KERNELS = ("rbf", "linear")


def _check_kernel(kernel: str) -> None:
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")


class KernelSVC(ClassifierMixin, BaseEstimator):
    """An ``SVC`` fed a BLAS-computed kernel matrix; the same classifier as ``SVC(kernel=...)``."""

    def __init__(self, *, C: float = 1.0, kernel: str = "rbf", gamma: float = 1.0,
                 class_weight: str | None = None, random_state: int | None = None) -> None:
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.class_weight = class_weight
        self.random_state = random_state

    def _kernel(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if self.kernel == "rbf":
            return rbf_kernel(X, self.train_X_, gamma=self.gamma)
        return linear_kernel(X, self.train_X_)

    def fit(self, X: np.ndarray, y: np.ndarray) -> KernelSVC:
        _check_kernel(self.kernel)
        self.train_X_ = np.asarray(X, dtype=np.float64)
        self.svc_ = SVC(C=self.C, kernel="precomputed", class_weight=self.class_weight,
                        random_state=self.random_state)
        self.svc_.fit(self._kernel(self.train_X_), y)
        self.classes_ = self.svc_.classes_
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.svc_.decision_function(self._kernel(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.svc_.predict(self._kernel(X))


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
        _check_kernel(self.kernel)
        grid = dict(self.GRID)
        if self.kernel == "linear":  # gamma has no effect on a linear kernel
            del grid["gamma_scale"]
        return grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str) -> Any:
        svc = KernelSVC(
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

