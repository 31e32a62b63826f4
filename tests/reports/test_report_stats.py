"""Confidence intervals and paired-test helpers used by the report."""

from __future__ import annotations

import math

import pytest
from scipy import stats as st

from reports.stats import min_attainable_p, paired_p, t_interval


def test_t_interval_matches_hand_computation():
    x = [0.50, 0.55, 0.61, 0.58, 0.52]
    iv = t_interval(x)
    n = len(x)
    mean = sum(x) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1))
    assert iv.mean == pytest.approx(mean)
    assert iv.std == pytest.approx(sd)
    assert iv.half_width == pytest.approx(st.t.ppf(0.975, n - 1) * sd / math.sqrt(n))
    assert iv.n == n


def test_t_interval_single_value_has_no_spread():
    iv = t_interval([0.7])
    assert iv.mean == 0.7 and iv.std is None and iv.half_width is None and iv.n == 1


def test_t_interval_constant_values_zero_width():
    assert t_interval([0.4, 0.4, 0.4]).half_width == pytest.approx(0.0)


def test_t_interval_rejects_empty():
    with pytest.raises(ValueError):
        t_interval([])


def test_min_attainable_p_is_reached_by_a_consistent_difference():
    for n in range(2, 9):
        a = [1.0 + i for i in range(n)]
        b = [v - 0.5 for v in a]  # every difference has the same sign: the most extreme case
        assert paired_p(a, b) == pytest.approx(min_attainable_p(n))
    assert min_attainable_p(5) >= 0.05 > min_attainable_p(6)


def test_paired_p_is_symmetric_and_one_for_identical():
    a, b = [0.6, 0.7, 0.65, 0.72, 0.69, 0.6], [0.55, 0.71, 0.6, 0.7, 0.61, 0.58]
    assert paired_p(a, b) == pytest.approx(paired_p(b, a))
    assert paired_p(a, a) == 1.0
