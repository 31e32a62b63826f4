"""The statistics the report shows, as thin views over ``benchmark.metrics``.

``benchmark.metrics`` owns the maths (Student-t summary, paired sign-flip permutation test,
exact McNemar); this module only adapts it to what tables need: an ``Interval`` with a
half-width (None, not NaN, when n < 2) and the smallest p a paired test can reach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from benchmark.metrics import mcnemar_exact, paired_permutation_test, summarise

#: Resamples for the paired test; with 2**n <= this the test is exact (n <= 13 pairs).
N_RESAMPLES = 10_000
#: Seed of the Monte Carlo paired test (only used beyond 13 pairs); fixed so reports are stable.
TEST_SEED = 0

__all__ = [
    "Interval", "N_RESAMPLES", "mcnemar_exact", "min_attainable_p", "paired_p", "t_interval",
]


@dataclass(frozen=True)
class Interval:
    """Mean with a two-sided 95 % Student-t interval over ``n`` observations.

    ``std`` and ``half_width`` are None when n < 2 (no spread from one value).
    """

    mean: float
    std: float | None
    half_width: float | None
    n: int


def t_interval(values: Sequence[float]) -> Interval:
    """Mean and 95 % CI half-width ``t_{0.975, n-1} * s / sqrt(n)`` (s with ddof=1)."""
    s = summarise(list(values))
    if s["n"] < 2 or math.isnan(s["std"]):
        return Interval(mean=s["mean"], std=None, half_width=None, n=s["n"])
    return Interval(mean=s["mean"], std=s["std"], half_width=s["ci95_high"] - s["mean"], n=s["n"])


def paired_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided paired sign-flip permutation p-value, with the report's fixed settings."""
    return paired_permutation_test(list(a), list(b), n_resamples=N_RESAMPLES, seed=TEST_SEED)


def min_attainable_p(n_pairs: int) -> float:
    """Smallest p the exact two-sided sign-flip test can give with ``n_pairs`` pairs.

    The observed sign pattern and its mirror image always count: 2 / 2**n. Beyond the exact
    range the Monte Carlo estimate is bounded by 1 / (N_RESAMPLES + 1) instead.
    """
    if n_pairs < 1:
        return 1.0
    if 2**n_pairs > N_RESAMPLES:
        return 1.0 / (N_RESAMPLES + 1)
    return min(1.0, 2.0 / 2.0**n_pairs)
