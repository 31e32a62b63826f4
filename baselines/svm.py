"""``svm``: support vector machine on utterance functionals (paper 000's classical baseline).

Grid (first value = scikit-learn's default): kernel RBF or linear, C over seven decades
(1e-3 .. 1e3; up to ``LINEAR_C_MAX`` = 10 for the linear kernel), and for RBF ``gamma_scale`` in {1, 1/4, 4} times sklearn's "scale" heuristic
1 / (D * var(X)); after standardisation var(X) = 1, so gamma = gamma_scale / D, which keeps the
grid meaningful for 88-dim eGeMAPS and 6,373-dim ComParE alike. A linear kernel is the field's
standard on ComParE (D far above the number of items), RBF on small sets such as eGeMAPS; the
inner speaker-grouped CV decides per fold. The linear kernel stops at C = 10: on standardised
features a larger C is a near hard margin whose libsvm solve grows with C (measured on one
synthetic eGeMAPS fold, 1,276 x 88: 0.4 s at C = 10, 3.4 s at 100, 37.6 s at 1000, against
under 0.2 s for every RBF candidate), and where the data are separable (ComParE) every C above
the separating one gives the same solution. Selection records a grid edge per kernel. ``kernel="linear"`` (or ``"rbf"``) pins the kernel.

Probabilities: temperature scaling of the one-vs-rest decision function, fitted on out-of-fold
decision values of grouped calibration folds of the training side
(``CalibratedClassifierCV(method="temperature", ensemble=False)`` with the same grouping as
selection, at most ``CALIBRATION_K`` folds), so no speaker calibrates on its own items.
``argmax(predict_proba) == predict`` is kept.

Speed: kernels are computed with BLAS and handed to libsvm as ``kernel="precomputed"``
(libsvm's own kernel evaluates dot products one pair at a time; ~8x slower on ComParE,
``benchmarks/bench_svm_kernel.py``). During selection one Gram matrix per inner fold serves
every candidate: the linear kernel is the Gram matrix itself and each RBF kernel is
``exp(-gamma * squared distance)`` of the same matrix. The solution is the same SVM as
``SVC(kernel=...)`` up to float rounding of the kernel values. The cost is memory: the
training kernel is n_train^2 float64 (~290 MB at 6,000 items).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics.pairwise import linear_kernel, rbf_kernel
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from baselines._pipeline import scaled
from baselines.base import ClassicalModel
from baselines.selection import CALIBRATION_K, inner_cv

KERNELS = ("rbf", "linear")
#: largest C of the default grid for the linear kernel (see the module docstring).
LINEAR_C_MAX = 10.0


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
    #: one libsvm fit per (candidate, inner fold): successive halving over the folds halves
    #: the selection's cost (``benchmarks/selection_cost.py``)
    HALVING: ClassVar[bool] = True
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {
        "kernel": KERNELS,
        "C": (1.0, 0.1, 10.0, 0.01, 100.0, 0.001, 1000.0),
        "gamma_scale": (1.0, 0.25, 4.0),
    }

    def __init__(
        self,
        *,
        seed: int = 0,
        C: float | None = None,
        gamma_scale: float | None = None,
        kernel: str | None = None,
        class_weight: str | None = None,
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.C = C
        self.gamma_scale = gamma_scale
        self.kernel = kernel
        self.class_weight = class_weight
        self.grid = grid

    def _candidates(self) -> list[dict[str, Any]]:
        if self.kernel is not None:
            _check_kernel(self.kernel)
        override = self.grid if isinstance(self.grid, dict) else {}
        default_c = self.C is None and "C" not in override
        out: list[dict[str, Any]] = []
        for cand in super()._candidates():
            _check_kernel(cand["kernel"])
            if cand["kernel"] == "linear":  # gamma has no effect on a linear kernel
                if default_c and cand["C"] > LINEAR_C_MAX:
                    continue
                cand = {k: v for k, v in cand.items() if k != "gamma_scale"}
            if cand not in out:
                out.append(cand)
        return out

    def _svc(self, params: dict[str, Any]) -> KernelSVC:
        return KernelSVC(
            C=params["C"],
            kernel=params["kernel"],
            # after standardisation var(X) ~ 1, so sklearn's "scale" is 1 / D
            gamma=params.get("gamma_scale", 1.0) / self.n_features_in_,
            class_weight=self.class_weight,
            random_state=self.seed,
        )

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        svc = self._svc(params)
        if stage == "select":
            return scaled(svc)
        cv = inner_cv(yi, groups, self.seed, max_splits=CALIBRATION_K)
        if not cv.splits:
            raise ValueError(f"svm probability calibration needs folds of the training side: {cv.reason}")
        n_classes = len(np.unique(yi))
        short = [k for k, (tr, _) in enumerate(cv.splits) if len(np.unique(yi[tr])) < n_classes]
        if short:
            raise ValueError(f"svm probability calibration: the training part of calibration fold(s) "
                             f"{short} ({cv.scheme}) lacks a class; a class is carried by too few groups")
        return scaled(CalibratedClassifierCV(svc, method="temperature", ensemble=False, cv=cv.splits))

    def _candidate_predictions(self, candidates: list[dict[str, Any]], X_tr: np.ndarray,
                               yi_tr: np.ndarray, X_te: np.ndarray) -> Iterator[np.ndarray]:
        scaler = StandardScaler().fit(X_tr)
        A, B = scaler.transform(X_tr), scaler.transform(X_te)
        gram_tr, gram_te = A @ A.T, B @ A.T
        sq_tr, sq_te = np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", B, B)
        dist_tr = np.maximum(sq_tr[:, None] + sq_tr[None, :] - 2.0 * gram_tr, 0.0)
        dist_te = np.maximum(sq_te[:, None] + sq_tr[None, :] - 2.0 * gram_te, 0.0)
        kernels: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        for params in candidates:
            svc = self._svc(params)
            key = "linear" if svc.kernel == "linear" else svc.gamma
            if key not in kernels:
                kernels[key] = ((gram_tr, gram_te) if key == "linear"
                                else (np.exp(-svc.gamma * dist_tr), np.exp(-svc.gamma * dist_te)))
            k_tr, k_te = kernels[key]
            # the kernels are finite by construction and the parameters are the grid's:
            # scikit-learn's per-call checks cost as much as a small libsvm solve here
            with config_context(assume_finite=True, skip_parameter_validation=True):
                model = SVC(C=svc.C, kernel="precomputed", class_weight=svc.class_weight,
                            random_state=svc.random_state).fit(k_tr, yi_tr)
                pred = model.predict(k_te)
            yield pred

    def _resolved_extra(self, model: Any) -> dict[str, Any]:
        svc = model.named_steps["clf"].estimator
        return {"gamma": float(svc.gamma)} if svc.kernel == "rbf" else {}
