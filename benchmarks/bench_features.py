"""pytest-benchmark timings for feature extraction (not part of the test suite).

    python -m pytest benchmarks/bench_features.py --benchmark-only -q
    python -m pytest benchmarks/bench_features.py --benchmark-only -k "warm or cold" -q

Single-utterance extraction per feature set, cold vs warm cache and 1 vs 2 workers over a
small sample (EmoDB when present, generated 2 s wav files otherwise), and the openSMILE layer
against opensmile's own ``process_file`` loop. ``benchmarks/feature_table.py`` prints the same
measurements as one summary table with the targets.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

pytest.importorskip("pytest_benchmark")

from feature_table import emodb_manifest, synthetic_manifest  # noqa: E402

from benchmark import cache as cache_mod  # noqa: E402
from benchmark.audio import load_audio  # noqa: E402
from benchmark.cache import FeatureCache  # noqa: E402
from benchmark.features import FEATURES, compute_features, get_extractor  # noqa: E402

N_UTTS = 24
SAMPLE_FEATURES = ["mfcc13_stats", "mfcc39_frames", "egemaps_v02"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    m = emodb_manifest(N_UTTS)
    return m if m is not None else synthetic_manifest(tmp_path_factory.mktemp("bench_wav"), N_UTTS)


@pytest.fixture(scope="module")
def one_utterance(sample):
    return load_audio(sample["path"].iloc[0])


@pytest.mark.parametrize("feature", FEATURES.names())
def test_single_utterance(benchmark, feature, one_utterance):
    from threadpoolctl import threadpool_limits

    ex = get_extractor(feature)
    ex(one_utterance.y, one_utterance.sr)  # warm-up
    benchmark.extra_info["audio_s"] = one_utterance.y.size / one_utterance.sr
    with threadpool_limits(limits=1, user_api="blas"):  # as compute_features runs it
        out = benchmark(ex, one_utterance.y, one_utterance.sr)
    assert out.shape[-1] == ex.dim


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("feature", SAMPLE_FEATURES)
def test_cold_cache(benchmark, feature, jobs, sample, tmp_path):
    cache = FeatureCache(tmp_path)
    a = load_audio(sample["path"].iloc[0])
    get_extractor(feature)(a.y, a.sr)

    def fresh():
        cache.clear()
        cache_mod._HASH_MEMO.clear()
        return (), {}

    table = benchmark.pedantic(lambda: compute_features(sample, feature, cache=cache, jobs=jobs, progress=False),
                               setup=fresh, rounds=3)
    assert table.n_computed == len(sample)


@pytest.mark.parametrize("feature", SAMPLE_FEATURES)
def test_warm_cache(benchmark, feature, sample, tmp_path):
    cache = FeatureCache(tmp_path)
    compute_features(sample, feature, cache=cache, progress=False)

    def forget_hashes():  # what a new process pays: re-hash the files, load every entry
        cache_mod._HASH_MEMO.clear()
        return (), {}

    table = benchmark.pedantic(lambda: compute_features(sample, feature, cache=cache, progress=False),
                               setup=forget_hashes, rounds=5)
    assert table.n_cache_hits == len(sample)


@pytest.mark.parametrize("feature", ["egemaps_v02", "compare_2016"])
def test_opensmile_through_our_layer(benchmark, feature, sample):
    get_extractor(feature)
    benchmark.pedantic(lambda: compute_features(sample, feature, cache=None, progress=False), rounds=3)


@pytest.mark.parametrize("feature", ["egemaps_v02", "compare_2016"])
def test_opensmile_direct_loop(benchmark, feature, sample):
    import opensmile

    p = get_extractor(feature).params
    smile = opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, p["feature_set"]),
                            feature_level=getattr(opensmile.FeatureLevel, p["feature_level"]))
    paths = list(sample["path"])
    benchmark.pedantic(lambda: [smile.process_file(x) for x in paths], rounds=3)
