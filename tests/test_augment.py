"""Augmentation: determinism per (seed, utt, variant), the train-only guard, over-sampling."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from benchmark import augment
from benchmark.augment import LeakageError, augment_training, leaky_pool
from benchmark.cache import FeatureCache
from benchmark.splits import Fold
from benchmark.transforms import AUGMENTATIONS, get_policy, item_rng, spec_augment

FEAT = "zcr_rms_stats"
SR = 16000
RANDOM_POLICIES = ["noise", "pitch", "stretch", "shift", "paper001", "paper003", "paper004"]
FIXED_VARIANTS = {("paper001", "slow"), ("paper001", "fast")}  # fixed rates: no random draw


@pytest.fixture(scope="module")
def signal() -> np.ndarray:
    t = np.arange(int(0.4 * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 180 * t) * np.hanning(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("aug_wavs")
    rng = np.random.default_rng(0)
    rows = []
    labels = ["a", "a", "a", "a", "b", "b", "c", "a"]
    for i, lab in enumerate(labels):
        p = folder / f"u{i}.wav"
        t = np.arange(int(0.3 * SR)) / SR
        sf.write(p, 0.2 * np.sin(2 * np.pi * (120 + 20 * i) * t) + 0.01 * rng.standard_normal(t.size), SR,
                 subtype="PCM_16")
        rows.append((f"u{i}", str(p), lab))
    return pd.DataFrame(rows, columns=["utt_id", "path", "label"])


FOLD = Fold(0, train=("u0", "u1", "u2", "u4", "u6"), val=("u3",), test=("u5", "u7"), speaker_independent=False)


@pytest.mark.parametrize("name", [n for n in AUGMENTATIONS if get_policy(n).n_variants])
def test_same_seed_same_audio(name, signal):
    pol = get_policy(name)
    for k in range(pol.n_variants):
        a = pol.apply(signal, SR, seed=7, utt_id="u", variant=k)
        b = pol.apply(signal, SR, seed=7, utt_id="u", variant=k)
        assert a.dtype == np.float32 and np.isfinite(a).all()
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", RANDOM_POLICIES)
def test_different_seed_or_utterance_changes_the_copy(name, signal):
    pol = get_policy(name)
    for k, vname in enumerate(pol.variant_names):
        if (name, vname) in FIXED_VARIANTS:
            continue
        a = pol.apply(signal, SR, seed=7, utt_id="u", variant=k)
        for other in (pol.apply(signal, SR, seed=8, utt_id="u", variant=k),
                      pol.apply(signal, SR, seed=7, utt_id="v", variant=k)):
            assert a.shape != other.shape or not np.array_equal(a, other), (name, k)


def test_paper000_copies_are_fixed_transforms(signal):
    pol = get_policy("paper000")
    assert pol.variant_names == ["pitch+2", "stretch1.2"] and pol.oversample
    np.testing.assert_array_equal(pol.apply(signal, SR, seed=1, utt_id="u", variant=0),
                                  pol.apply(signal, SR, seed=2, utt_id="v", variant=0))
    fast = pol.apply(signal, SR, seed=1, utt_id="u", variant=1)
    assert abs(fast.size - signal.size / 1.2) < 0.02 * signal.size


def test_registry_meta():
    assert get_policy("paper001").n_variants == 10
    assert AUGMENTATIONS.meta("specaugment")["spectrogram_only"] is True
    assert AUGMENTATIONS.meta("paper003")["spectrogram"] is True
    assert AUGMENTATIONS.meta("paper003")["spectrogram_only"] is False
    assert AUGMENTATIONS.meta("none")["n_variants"] == 0


def test_item_rng_does_not_touch_global_state():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    item_rng("noise", 0, "u", 0).standard_normal(10)
    assert np.random.random() == before
    assert item_rng("noise", 0, "u", 0).random() == item_rng("noise", 0, "u", 0).random()


def test_spec_augment_is_reproducible_and_masks(signal):
    frames = np.random.default_rng(0).standard_normal((100, 40)).astype(np.float32)
    keep = frames.copy()
    a = spec_augment(frames, np.random.default_rng(3))
    b = spec_augment(frames, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(frames, keep)
    assert a.shape == frames.shape and a.dtype == np.float32
    assert not np.array_equal(a, frames)
    assert not np.array_equal(a, spec_augment(frames, np.random.default_rng(4)))
    with pytest.raises(ValueError):
        spec_augment(np.zeros(5), np.random.default_rng(0))


# ---------------------------------------------------------------------------- the guard


@pytest.mark.parametrize("bad", ["u3", "u5"])
def test_guard_refuses_val_and_test_ids(manifest, bad, monkeypatch):
    monkeypatch.setattr(augment, "_augment", lambda *a, **k: pytest.fail("extraction ran"))
    with pytest.raises(LeakageError, match="validation/test"):
        augment_training(FOLD, manifest, FEAT, "noise", seed=0, cache=None, utt_ids=["u0", bad])


def test_guard_refuses_a_fold_that_overlaps_itself(manifest):
    broken = Fold(1, train=("u0", "u3"), val=("u3",), test=("u5",), speaker_independent=False)
    with pytest.raises(LeakageError, match="train and val/test"):
        augment_training(broken, manifest, FEAT, "noise", seed=0, cache=None)


def test_ids_outside_the_fold_are_an_error(manifest):
    with pytest.raises(ValueError, match="not in the fold's training set"):
        augment_training(FOLD, manifest, FEAT, "noise", seed=0, cache=None, utt_ids=["u0", "zzz"])


def test_leakage_error_is_the_splits_one():
    from benchmark import splits

    assert LeakageError is splits.LeakageError


def test_only_training_utterances_are_augmented_and_cached(manifest, tmp_path):
    cache = FeatureCache(tmp_path)
    t = augment_training(FOLD, manifest, FEAT, "paper004", seed=0, cache=cache, progress=False)
    assert set(t.source.values()) == set(FOLD.train)
    assert len(t) == 3 * len(FOLD.train) and t.n_computed == len(t)
    again = augment_training(FOLD, manifest, FEAT, "paper004", seed=0, cache=cache, progress=False)
    assert again.n_cache_hits == len(t) and again.n_computed == 0
    other = augment_training(FOLD, manifest, FEAT, "paper004", seed=1, cache=cache, progress=False)
    assert other.n_cache_hits == 0
    assert any(not np.array_equal(t.values[i], other.values[i]) for i in t.ids())


def test_spectrogram_only_policy_has_no_copies(manifest):
    t = augment_training(FOLD, manifest, FEAT, "specaugment", seed=0, cache=None, progress=False)
    assert len(t) == 0 and t.failures == {}


def test_paper000_oversampling_balances_training_classes(manifest):
    t = augment_training(FOLD, manifest, FEAT, "paper000", seed=0, cache=None, progress=False)
    label = dict(zip(manifest["utt_id"], manifest["label"], strict=True))
    counts = Counter(label[u] for u in FOLD.train) + Counter(label[t.source[i]] for i in t.ids())
    assert len(set(counts.values())) == 1  # every class: 3 x (size of the largest class)
    assert counts["a"] == 3 * 3
    assert set(t.source.values()) <= set(FOLD.train)
    dup = next(i for i in t.ids() if "~os" in i and "." not in i.split("~")[-1])
    np.testing.assert_array_equal(t.values[f"{dup}.0"], t.values[f"{t.source[dup]}~paper000~0"])
    again = augment_training(FOLD, manifest, FEAT, "paper000", seed=0, cache=None, progress=False)
    assert again.ids() == t.ids()


def test_leaky_pool_augments_everything(manifest):
    t = leaky_pool(manifest, FEAT, "noise", seed=0, cache=None, progress=False)
    assert set(t.source.values()) == set(manifest["utt_id"])


def test_paper001_single_components_use_the_papers_settings():
    full = dict(get_policy("paper001").variants)
    singles = {"paper001_noise": ["noise"], "paper001_pitch": ["pitch"],
               "paper001_stretch": ["slow", "fast"], "paper001_roll": ["roll"]}
    for name, parts in singles.items():
        pol = get_policy(name)
        assert pol.variant_names == parts
        assert all(t is full[v] for v, t in pol.variants), f"{name} must reuse paper 001's transforms"
    # the generic transforms keep their own names and settings
    assert get_policy("pitch").variants[0][1] is not full["pitch"]


def test_paper001_single_components_are_the_full_policys_own_copies(signal, manifest, tmp_path):
    full = get_policy("paper001")
    for name in ("paper001_noise", "paper001_pitch", "paper001_stretch", "paper001_roll"):
        pol = get_policy(name)
        for k, variant in enumerate(pol.variant_names):
            j = full.variant_names.index(variant)
            np.testing.assert_array_equal(pol.apply(signal, SR, seed=3, utt_id="u", variant=k),
                                          full.apply(signal, SR, seed=3, utt_id="u", variant=j))
            assert pol.cache_spec(3, "u", k) == full.cache_spec(3, "u", j)
    # so a single component after the full policy is read from the cache, not recomputed
    cache = FeatureCache(tmp_path / "c")
    augment_training(FOLD, manifest, "mfcc13_stats", "paper001", seed=0, cache=cache, progress=False)
    again = augment_training(FOLD, manifest, "mfcc13_stats", "paper001_stretch", seed=0, cache=cache,
                             progress=False)
    assert again.n_computed == 0 and again.n_cache_hits == 2 * len(FOLD.train)


def test_copies_of_several_folds_come_in_one_pass_and_each_fold_reads_them(manifest, tmp_path):
    from benchmark.augment import augment_training_folds

    other = Fold(1, train=("u3", "u5", "u7", "u0"), val=("u1",), test=("u2", "u4", "u6"),
                 speaker_independent=False)
    cache = FeatureCache(tmp_path / "c")
    table = augment_training_folds([FOLD, other], manifest, "mfcc13_stats", "noise", seed=0,
                                   cache=cache, progress=False)
    union = set(FOLD.train) | set(other.train)
    assert set(table.source.values()) == union and table.n_computed == len(union)
    for fold in (FOLD, other):
        again = augment_training(fold, manifest, "mfcc13_stats", "noise", seed=0, cache=cache,
                                 progress=False)
        assert again.n_computed == 0 and set(again.source.values()) == set(fold.train)
    bad = Fold(2, train=("u0", "u1"), val=(), test=("u1",), speaker_independent=False)
    with pytest.raises(LeakageError):
        augment_training_folds([FOLD, bad], manifest, "mfcc13_stats", "noise", seed=0, cache=cache,
                               progress=False)
