"""The statistics the report shows, as thin views over ``benchmark.metrics``.

``benchmark.metrics`` owns the maths (corrected resampled t, Holm, the paired sign-flip
permutation test); this module only adapts it to what tables need: an ``Interval`` with a
half-width (None, not NaN, when it is undefined) and the smallest p a paired test can reach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from benchmark.metrics import corrected_resampled_t, holm, paired_permutation_test

#: Resamples for the paired test; with 2**n <= this the test is exact (n <= 13 units).
N_RESAMPLES = 10_000
#: Seed of the Monte Carlo paired test (only used beyond 13 units); fixed so reports are stable.
TEST_SEED = 0
#: Two-sided level of every marker and interval.
ALPHA = 0.05

__all__ = [
    "ALPHA", "Interval", "N_RESAMPLES", "corrected_interval", "holm", "min_attainable_p", "paired_p",
]


@dataclass(frozen=True)
class Interval:
    """Mean with a two-sided 95 % corrected resampled t interval over ``n`` test sets.

    ``std`` and ``half_width`` are None when undefined (one test set, or n_test / n_train
    unknown). ``n_records`` counts the records behind the ``n`` test-set means.
    """

    mean: float
    std: float | None
    half_width: float | None
    n: int
    n_records: int = 0
    ratio: float | None = None  # n_test / n_train used in the correction
    ratio_source: str = "none"


def corrected_interval(
    values: Sequence[float], ratio: float | None, *, n_records: int | None = None,
    ratio_source: str = "none",
) -> Interval:
    """Mean and corrected resampled t half-width ``t_{k-1} sqrt((1/k + ratio) s**2)``."""
    vals = list(values)
    n_rec = len(vals) if n_records is None else n_records
    s = corrected_resampled_t(vals, 0.0 if ratio is None else ratio)
    if s["n"] < 2 or math.isnan(s["std"]):
        return Interval(mean=s["mean"], std=None, half_width=None, n=s["n"], n_records=n_rec,
                        ratio=ratio, ratio_source=ratio_source)
    half = None if ratio is None else s["ci95_high"] - s["mean"]
    return Interval(mean=s["mean"], std=s["std"], half_width=half, n=s["n"], n_records=n_rec,
                    ratio=ratio, ratio_source=ratio_source)


def paired_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided paired sign-flip permutation p-value, with the report's fixed settings."""
    return paired_permutation_test(list(a), list(b), n_resamples=N_RESAMPLES, seed=TEST_SEED)


def min_attainable_p(n_pairs: int) -> float:
    """Smallest p the two-sided sign-flip test can give with ``n_pairs`` units.

    The observed sign pattern and its mirror image always count: 2 / 2**n. Beyond the exact
    range the Monte Carlo estimate is bounded by 1 / (N_RESAMPLES + 1) instead.
    """
    if n_pairs < 1:
        return 1.0
    if 2**n_pairs > N_RESAMPLES:
        return 1.0 / (N_RESAMPLES + 1)
    return min(1.0, 2.0 / 2.0**n_pairs)
