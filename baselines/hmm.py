"""``hmm``: one Gaussian HMM per class on frame sequences; decision by sequence log-likelihood.

- Frames are z-normalised with mean/std over the TRAINING frames only (``normalise=True``).
- ``frame_step`` keeps every k-th frame (train and predict alike) to bound fit time; with a
  10 ms hop, k=2 still samples every 20 ms, finer than the phone-level dynamics an ergodic
  emotion HMM models. ``max_seqs_per_class`` optionally caps (seeded) the training sequences.
- Ergodic topology, diagonal covariances floored by ``min_covar``; ``hmmlearn`` is imported here
  only, so listing models never loads it.
- State means start from one seeded k-means run on <= 5000 frames (hmmlearn's default init,
  10 k-means restarts on all frames, dominated the fit time); EM then uses every frame.
- Degenerate fits (an exception, non-finite parameters, or an empty transition row) are retried
  with one state fewer, down to 1; every retry and every non-converged class is recorded in
  ``fit_info_["warnings"]``. If even one state fails the fit raises.
- ``predict_proba`` normalises per-frame log-likelihoods (log p(x | class) / T, prior also / T):
  the argmax equals ``predict`` while the probabilities stay informative for ROC-AUC (whole-
  sequence likelihood ratios would be ~0/1).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from baselines._likelihood import log_priors, posterior
from baselines.base import ClassicalModel

#: frames used to initialise the state means by k-means (seeded subsample beyond this)
INIT_FRAMES = 5000


def _degenerate(model: Any) -> str | None:
    """Why a fitted GaussianHMM is unusable, or None when it is fine."""
    for name in ("startprob_", "transmat_", "means_", "_covars_"):
        if not np.all(np.isfinite(getattr(model, name))):
            return f"non-finite {name.strip('_')}"
    if not np.allclose(model.transmat_.sum(axis=1), 1.0):
        return "a state with an empty transition row (never visited)"
    return None


class _Collect(logging.Handler):
    """Keeps the text of WARNING+ log records emitted while one class is fitted."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class PerClassHMM(BaseEstimator):
    """Inner estimator on integer labels: one ``GaussianHMM`` per class over frame lists."""

    def __init__(self, n_states: int, covariance_type: str, n_iter: int, tol: float,
                 min_covar: float, frame_step: int, max_seqs_per_class: int | None,
                 normalise: bool, priors: str, seed: int) -> None:
        self.n_states = n_states
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.min_covar = min_covar
        self.frame_step = frame_step
        self.max_seqs_per_class = max_seqs_per_class
        self.normalise = normalise
        self.priors = priors
        self.seed = seed

    def _prepare(self, seqs: list[np.ndarray]) -> list[np.ndarray]:
        out = [s[:: self.frame_step] for s in seqs]
        return [(s - self.mean_) / self.std_ for s in out]

    def fit(self, seqs: list[np.ndarray], yi: np.ndarray) -> PerClassHMM:
        if self.frame_step < 1:
            raise ValueError(f"frame_step must be >= 1, got {self.frame_step}")
        n_classes = int(yi.max()) + 1
        self.log_prior_ = log_priors(yi, n_classes, self.priors)
        frames = np.concatenate([s[:: self.frame_step] for s in seqs])
        d = frames.shape[1]
        self.mean_ = frames.mean(axis=0) if self.normalise else np.zeros(d)
        std = frames.std(axis=0) if self.normalise else np.ones(d)
        self.std_ = np.where(std > 1e-8, std, 1.0)  # constant dims stay constant, not inf
        prepared = self._prepare(seqs)
        rng = np.random.default_rng(self.seed)
        self.models_, self.notes_ = [], []
        for c in range(n_classes):
            idx = np.flatnonzero(yi == c)
            if self.max_seqs_per_class is not None and len(idx) > self.max_seqs_per_class:
                idx = np.sort(rng.choice(idx, self.max_seqs_per_class, replace=False))
            self.models_.append(self._fit_class(c, [prepared[i] for i in idx]))
        return self

    def _fit_class(self, c: int, seqs: list[np.ndarray]) -> Any:
        X, lengths = np.concatenate(seqs), [len(s) for s in seqs]
        log = _Collect()  # hmmlearn reports degenerate set-ups via logging, not warnings
        logging.getLogger("hmmlearn").addHandler(log)
        try:
            return self._fit_states(c, X, lengths)
        finally:
            logging.getLogger("hmmlearn").removeHandler(log)
            self.notes_.extend((c, f"hmmlearn: {m}") for m in dict.fromkeys(log.messages))

    def _fit_states(self, c: int, X: np.ndarray, lengths: list[int]) -> Any:
        from hmmlearn.hmm import GaussianHMM  # heavy; only when an hmm is actually fitted

        for n in range(self.n_states, 0, -1):
            model = GaussianHMM(n_components=n, covariance_type=self.covariance_type,
                                n_iter=self.n_iter, tol=self.tol, min_covar=self.min_covar,
                                random_state=self.seed, implementation="scaling",
                                init_params="stc")  # means: our cheaper k-means, below
            try:
                model.means_ = self._init_means(X, n)
                model.fit(X, lengths)
                problem = _degenerate(model)
            except (ValueError, np.linalg.LinAlgError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem is None:
                # "scaling" is the faster fit, but its forward pass underflows on frames far from
                # every state (outlier test utterances); log-space scoring never does
                model.implementation = "log"
                if not model.monitor_.converged:
                    self.notes_.append((c, f"HMM with {n} states did not converge in {self.n_iter} iterations"))
                return model
            self.notes_.append((c, f"{n}-state HMM degenerate ({problem}); retrying with {n - 1}"))
        raise RuntimeError(f"class index {c}: every HMM down to 1 state was degenerate: {self.notes_}")

    def _init_means(self, X: np.ndarray, n: int) -> np.ndarray:
        """Initial state means: one k-means run on at most ``INIT_FRAMES`` frames. hmmlearn's
        own init runs 10 k-means restarts on every frame, which was ~98 % of the fit time."""
        from sklearn.cluster import KMeans

        rng = np.random.default_rng(self.seed)
        sub = X if len(X) <= INIT_FRAMES else X[rng.choice(len(X), INIT_FRAMES, replace=False)]
        if len(sub) < n:
            raise ValueError(f"{len(sub)} frames cannot initialise {n} states")
        return KMeans(n_clusters=n, n_init=1, random_state=self.seed).fit(sub).cluster_centers_

    def _scores(self, seqs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        prepared = self._prepare(seqs)
        ll = np.array([[m.score(s) for m in self.models_] for s in prepared])
        return ll + self.log_prior_[None, :], np.array([len(s) for s in prepared], dtype=float)

    def predict(self, seqs: list[np.ndarray]) -> np.ndarray:
        joint, _ = self._scores(seqs)
        return np.argmax(joint, axis=1)

    def predict_proba(self, seqs: list[np.ndarray]) -> np.ndarray:
        joint, lengths = self._scores(seqs)
        return posterior(joint / lengths[:, None], np.zeros(joint.shape[1]))


class HMMModel(ClassicalModel):
    INPUT: ClassVar[str] = "frames"
    INNER_SPLITS: ClassVar[int | None] = 3
    GRID: ClassVar[dict[str, tuple[Any, ...]]] = {"n_states": (3, 5)}

    def __init__(
        self,
        *,
        seed: int = 0,
        n_states: int | None = None,
        covariance_type: str = "diag",
        n_iter: int = 10,
        tol: float = 1e-2,
        min_covar: float = 1e-3,
        frame_step: int = 2,
        max_seqs_per_class: int | None = None,
        normalise: bool = True,
        priors: str = "uniform",
        grid: bool | dict = True,
    ) -> None:
        self.seed = seed
        self.n_states = n_states
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.min_covar = min_covar
        self.frame_step = frame_step
        self.max_seqs_per_class = max_seqs_per_class
        self.normalise = normalise
        self.priors = priors
        self.grid = grid

    def _build(self, params: dict[str, Any], yi: np.ndarray, stage: str,
               groups: np.ndarray | None = None) -> Any:
        return PerClassHMM(params["n_states"], self.covariance_type, self.n_iter, self.tol,
                           self.min_covar, self.frame_step, self.max_seqs_per_class,
                           self.normalise, self.priors, self.seed)

    def _collect_fit_warnings(self, model: Any) -> list[str]:
        return [f"class {str(self.classes_[c])!r}: {msg}" for c, msg in model.notes_]
