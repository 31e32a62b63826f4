"""``gmm``: one Gaussian mixture per class on standardised utterance functionals.

Decision: argmax over classes of log p(x | class) (+ log prior when ``priors="empirical"``;
the default "uniform" is the maximum-likelihood rule, which favours UA on unbalanced corpora).
``predict_proba`` normalises the per-class likelihoods with logsumexp.

Grid: ``n_components`` in {1, 2, 4, 8} and ``covariance_type`` in {"full", "diag"}
(scikit-learn's default first). A full covariance is only tried up to ``FULL_COV_MAX_DIM``
dimensions: beyond that its D(D+1)/2 parameters per component far exceed the items of a class
(EmoDB has 46-127 per class) and, on 6,373-dim ComParE, would need ~300 MB per component, so the
axis is "diag" alone there (recorded in the candidates). ``reg_covar`` (1e-3 on standardised
features) keeps small classes' covariances invertible. A class with fewer items than components
gets fewer components, recorded in ``fit_info_``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.mixture import GaussianMixture

from baselines._likelihood import log_priors, posterior
from baselines._pipeline import scaled
from baselines.base import ClassicalModel


class PerClassGMM(BaseEstimator):
    """Inner estimator on integer labels: one ``GaussianMixture`` per class."""

    def __init__(self, n_components: int, covariance_type: str, reg_covar: float,
                 max_iter: int, priors: str, seed: int) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.priors = priors
        self.seed = seed

    def fit(self, X: np.ndarray, yi: np.ndarray) -> PerClassGMM:
        n_classes = int(yi.max()) + 1
        self.log_prior_ = log_priors(yi, n_classes, self.priors)
        self.mixtures_, self.notes_ = [], []
        for c in range(n_classes):
            Xc = X[yi == c]
            if len(Xc) < 2:
                raise ValueError(f"class index {c} has {len(Xc)} training item(s); a GMM needs >= 2")
            k = min(self.n_components, len(Xc))
            if k < self.n_components:
                self.notes_.append((c, f"{len(Xc)} items, n_components {self.n_components} -> {k}"))
            gm = GaussianMixture(n_components=k, covariance_type=self.covariance_type,
                                 reg_covar=self.reg_covar, max_iter=self.max_iter,
                                 random_state=self.seed)
            self.mixtures_.append(gm.fit(Xc))
        return self

    def loglik(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([gm.score_samples(X) for gm in self.mixtures_])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return posterior(self.loglik(X), self.log_prior_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.loglik(X) + self.log_prior_[None, :], axis=1)


#: largest dimension at which full covariances are among the candidates
FULL_COV_MAX_DIM = 100


class GMMModel(ClassicalModel):
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {
        "n_components": (1, 2, 4, 8),
        "covariance_type": ("full", "diag"),
    }

    def __init__(
        self,
        *,
        seed: int = 0,
        n_components: int | None = None,
        covariance_type: str | None = None,
        reg_covar: float = 1e-3,
        max_iter: int = 200,
        priors: str = "uniform",
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.priors = priors
        self.grid = grid

    def _grid(self) -> dict[str, tuple[Any, ...]]:
        grid = dict(self.GRID)
        if getattr(self, "n_features_in_", 0) > FULL_COV_MAX_DIM:
            grid["covariance_type"] = ("diag",)
        return grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        return scaled(PerClassGMM(params["n_components"], params["covariance_type"],
                                  self.reg_covar, self.max_iter, self.priors, self.seed))

    def _collect_fit_warnings(self, model: Any) -> list[str]:
        inner = model.named_steps["clf"]
        notes = [f"class {str(self.classes_[c])!r}: {msg}" for c, msg in inner.notes_]
        notes += [f"class {str(self.classes_[i])!r}: GaussianMixture did not converge"
                  for i, gm in enumerate(inner.mixtures_) if not gm.converged_]
        return notes
