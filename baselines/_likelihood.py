"""Turning per-class log-likelihoods into decisions and probabilities (GMM and HMM)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

PRIORS = ("uniform", "empirical")


def log_priors(yi: np.ndarray, n_classes: int, priors: str) -> np.ndarray:
    """Log class priors: zeros for a maximum-likelihood decision, or training frequencies."""
    if priors not in PRIORS:
        raise ValueError(f"priors must be one of {PRIORS}, got {priors!r}")
    if priors == "uniform":
        return np.zeros(n_classes)
    return np.log(np.bincount(yi, minlength=n_classes) / len(yi))


def posterior(loglik: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    """Row-normalised posteriors exp(ll + lp - logsumexp(ll + lp)); stable for huge |ll|."""
    joint = loglik + log_prior[None, :]
    return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
