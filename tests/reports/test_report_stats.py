"""Intervals the report shows (corrected resampled t over test sets) and paired-test helpers."""

from __future__ import annotations

import math

import pytest
from scipy import stats as st

from reports.aggregate import summarise_metric
from reports.load import FoldInfo
from reports.stats import corrected_interval, min_attainable_p, paired_p

SI = {"speaker_independent": True, "leaky": False, "unit": "speaker"}


def test_corrected_interval_matches_hand_computation():
    x = [50.0, 55.0, 61.0, 58.0, 52.0]  # mean 55.2; squared deviations 27.04+.04+33.64+7.84+10.24
    iv = corrected_interval(x, 0.25)
    s2 = 78.8 / 4  # 19.7
    assert iv.mean == pytest.approx(55.2) and iv.std == pytest.approx(math.sqrt(s2))
    assert iv.half_width == pytest.approx(st.t.ppf(0.975, 4) * math.sqrt((1 / 5 + 0.25) * s2))
    assert iv.half_width == pytest.approx(8.2666, abs=1e-3)  # 2.7764 * sqrt(0.45 * 19.7) = 2.7764 * 2.9774
    assert iv.n == 5


def test_interval_undefined_for_one_test_set_or_unknown_ratio():
    iv = corrected_interval([70.0], 0.25)
    assert iv.mean == 70.0 and iv.std is None and iv.half_width is None and iv.n == 1
    no_ratio = corrected_interval([1.0, 2.0, 3.0], None)
    assert no_ratio.half_width is None and no_ratio.std == pytest.approx(1.0)
    with pytest.raises(ValueError):
        corrected_interval([], 0.25)


def test_summary_averages_seeds_sharing_a_test_set(minimal):
    # leave-one-speaker-out: seed 0 and seed 1 test the same speaker in each fold -> 3 test
    # sets, each the mean of its two seeds; sizes from the records (n_test 10, n_train 40)
    recs = [minimal(run_id=f"r{f}{s}", fold=f, seed=s, ua=u, protocol_info=SI,
                    test_speakers=[f"s{f}"], n_train=40, n_test=10)
            for f, pair in enumerate([(0.50, 0.60), (0.70, 0.70), (0.60, 0.64)])
            for s, u in enumerate(pair)]
    s = summarise_metric(recs, "ua")
    assert sorted(s.test_set_means()) == pytest.approx([55.0, 62.0, 70.0])
    iv = s.interval
    var = ((55 - 62.3333) ** 2 + (62 - 62.3333) ** 2 + (70 - 62.3333) ** 2) / 2  # 56.3333
    assert iv.n == 3 and iv.n_records == 6 and iv.ratio == pytest.approx(0.25)
    assert iv.half_width == pytest.approx(st.t.ppf(0.975, 2) * math.sqrt((1 / 3 + 0.25) * var), rel=1e-4)


def test_summary_keeps_redrawn_folds_apart_and_prefers_fold_files(minimal):
    # random protocol: seeds re-draw the folds, so 2 seeds x 2 folds are 4 test sets
    recs = [minimal(run_id=f"r{f}{s}", fold=f, seed=s, ua=0.5 + 0.1 * f + 0.05 * s, n_train=200, n_test=10)
            for f in range(2) for s in range(2)]
    s = summarise_metric(recs, "ua")
    assert len(s.test_set_means()) == 4 and s.ratio == (pytest.approx(0.05), "records")
    # the fold file holds the original training size (records count augmented copies)
    fold = FoldInfo(index=0, hash="h", test_key="t", n_train=100, n_val=5, n_test=10)
    with_files = summarise_metric(recs, "ua", fold_of=lambda r: fold)
    assert with_files.ratio == (pytest.approx(0.1), "fold files")
    # without sizes the k-fold ratio 1/(k - 1) is used
    bare = summarise_metric([minimal(run_id=f"b{f}", fold=f, seed=0, n_folds=5, ua=0.5 + 0.01 * f) for f in range(5)], "ua")
    assert bare.ratio == (pytest.approx(0.25), "n_folds")


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
