"""compute_features: table contract, failures recorded, workers, cache hits without workers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmark.cache import FeatureCache
from benchmark.features import compute as compute_mod
from benchmark.features import compute_features, get_extractor
from benchmark.features.base import FeatureError

FEAT = "zcr_rms_stats"  # cheap


def test_table_contract_without_augmentation(wav_manifest, tmp_path):
    t = compute_features(wav_manifest, FEAT, cache=FeatureCache(tmp_path), progress=False)
    assert t.feature == FEAT and t.kind == "functionals"
    assert t.columns == get_extractor(FEAT).column_names
    assert t.ids() == list(wav_manifest["utt_id"])
    assert t.source == {u: u for u in wav_manifest["utt_id"]}
    assert t.failures == {} and t.n_computed == 3 and t.n_cache_hits == 0 and t.seconds > 0
    assert t.matrix().shape == (3, get_extractor(FEAT).dim)


def test_augmented_table_holds_only_copies(wav_manifest):
    t = compute_features(wav_manifest, FEAT, cache=None, augmentation="paper004", aug_seed=3, progress=False)
    assert t.ids() == [f"{u}~paper004~{k}" for u in wav_manifest["utt_id"] for k in range(3)]
    assert all(t.source[i] == i.split("~")[0] for i in t.ids())


def test_bad_file_is_recorded_and_the_batch_goes_on(wav_manifest, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really a wav file")
    missing = tmp_path / "missing.wav"
    m = pd.concat([wav_manifest, pd.DataFrame({"utt_id": ["broken", "missing"],
                                                "path": [str(bad), str(missing)]})], ignore_index=True)
    for cache in (None, FeatureCache(tmp_path / "c")):
        t = compute_features(m, FEAT, cache=cache, progress=False)
        assert sorted(t.failures) == ["broken", "missing"]
        assert "AudioError" in t.failures["broken"] or "unreadable" in t.failures["broken"]
        assert len(t) == 3


def test_all_failures_raise(tmp_path):
    m = pd.DataFrame({"utt_id": ["a"], "path": [str(tmp_path / "nope.wav")]})
    with pytest.raises(FeatureError, match="all 1 utterance"):
        compute_features(m, FEAT, cache=None, progress=False)


def test_manifest_checks(wav_manifest):
    with pytest.raises(ValueError, match="duplicate"):
        compute_features(pd.concat([wav_manifest, wav_manifest]), FEAT, cache=None, progress=False)
    with pytest.raises(ValueError, match="lacks"):
        compute_features(wav_manifest.drop(columns="path"), FEAT, cache=None, progress=False)


@pytest.mark.parametrize("feature", ["mfcc13_frames", "egemaps_v02"])
def test_two_workers_give_the_same_arrays(wav_manifest, tmp_path, feature, monkeypatch):
    # egemaps: the forked workers inherit the parent's openSMILE object and must still agree
    m = pd.concat([wav_manifest.assign(utt_id=wav_manifest["utt_id"] + f"_{k}") for k in range(2)],
                  ignore_index=True)
    pools = []
    real_pool = compute_mod.ProcessPoolExecutor

    def spy(*a, **k):
        pools.append(k.get("mp_context"))
        return real_pool(*a, **k)

    monkeypatch.setattr(compute_mod, "POOL_MIN_WORK_S", 0.0)  # tiny batch: force the pool
    monkeypatch.setattr(compute_mod, "ProcessPoolExecutor", spy)
    one = compute_features(m, feature, cache=None, jobs=1, progress=False)
    assert pools == []
    two = compute_features(m, feature, cache=FeatureCache(tmp_path), jobs=2, progress=False)
    assert len(pools) == 1 and two.n_workers == 2 and one.n_workers == 0
    assert one.ids() == two.ids()
    for i in one.ids():
        np.testing.assert_array_equal(one.values[i], two.values[i])


def test_small_cheap_batches_stay_in_process(wav_manifest, monkeypatch):
    monkeypatch.setattr(compute_mod, "ProcessPoolExecutor", lambda *a, **k: pytest.fail("pool started"))
    m = pd.concat([wav_manifest.assign(utt_id=wav_manifest["utt_id"] + f"_{k}") for k in range(3)],
                  ignore_index=True)
    table = compute_features(m, FEAT, cache=None, jobs=2, progress=False)
    assert len(table) == 9 and table.n_workers == 0


def test_cache_hits_never_start_workers(wav_manifest, tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path)
    cold = compute_features(wav_manifest, FEAT, cache=cache, jobs=2, progress=False)

    def boom(*a, **k):
        raise AssertionError("a worker pool was started for cache hits")

    monkeypatch.setattr(compute_mod, "ProcessPoolExecutor", boom)
    monkeypatch.setattr(compute_mod, "_run_task", boom)
    warm = compute_features(wav_manifest, FEAT, cache=cache, jobs=2, progress=False)
    assert warm.n_cache_hits == 3 and warm.n_computed == 0
    for i in cold.ids():
        np.testing.assert_array_equal(cold.values[i], warm.values[i])
