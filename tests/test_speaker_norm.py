"""Speaker normalisation: statistics per group, never shared between train and test."""

import numpy as np

from benchmark.speaker_norm import normalise


def test_each_speaker_is_standardised_within_its_group():
    rng = np.random.default_rng(0)
    values = {f"a{i}": rng.normal(5, 2, 3) for i in range(6)} | {f"b{i}": rng.normal(-3, 1, 3) for i in range(6)}
    speaker = {k: k[0] for k in values}
    train = [f"a{i}" for i in range(6)]
    test = [f"b{i}" for i in range(6)]
    out = normalise(values, [train, [], test], speaker)
    for ids in (train, test):
        m = np.stack([out[i] for i in ids])
        assert np.allclose(m.mean(0), 0, atol=1e-6) and np.allclose(m.std(0), 1, atol=1e-4)


def test_test_items_do_not_change_training_statistics():
    rng = np.random.default_rng(1)
    values = {f"s{i}": rng.normal(size=4) for i in range(8)}
    speaker = dict.fromkeys(values, "s")  # one speaker split across train and test
    train, test = list(values)[:5], list(values)[5:]
    out1 = normalise(values, [train, [], test], speaker)
    doctored = dict(values) | {test[0]: values[test[0]] + 100.0}
    out2 = normalise(doctored, [train, [], test], speaker)
    for i in train:
        assert np.array_equal(out1[i], out2[i])
