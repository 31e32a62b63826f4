"""FeatureCache: keys, hit/miss, corruption recovery, atomic writes, concurrency, info/clear."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from benchmark import cache as cache_mod
from benchmark.cache import CACHE_FORMAT_VERSION, FeatureCache, entry_key, file_sha256
from benchmark.features import compute_features

FEAT = "zcr_rms_stats"


@pytest.fixture()
def manifest(tmp_path) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(3):
        p = tmp_path / "wav" / f"u{i}.wav"
        p.parent.mkdir(exist_ok=True)
        t = np.arange(8000) / 16000
        sf.write(p, (0.2 * np.sin(2 * np.pi * (150 + 50 * i) * t) + 0.01 * rng.standard_normal(t.size)),
                 16000, subtype="PCM_16")
        rows.append((f"u{i}", str(p)))
    return pd.DataFrame(rows, columns=["utt_id", "path"])


def _key(**over):
    base = dict(audio_sha256="ab" * 32, feature="f", params={"n": 1}, sr=16000, augmentation=None)
    return entry_key(**{**base, **over})


def test_key_depends_on_every_component():
    k = _key()
    assert len({k, _key(audio_sha256="cd" * 32), _key(feature="g"), _key(params={"n": 2}), _key(sr=8000),
                _key(augmentation={"policy": "noise", "seed": 0, "variant": 0}),
                _key(augmentation={"policy": "noise", "seed": 1, "variant": 0}),
                _key(augmentation={"policy": "noise", "seed": 0, "variant": 1})}) == 8
    assert _key(params={"a": 1, "b": 2}) == _key(params={"b": 2, "a": 1})


def test_format_version_is_in_the_key(monkeypatch):
    k = _key()
    monkeypatch.setattr(cache_mod, "CACHE_FORMAT_VERSION", CACHE_FORMAT_VERSION + 1)
    assert _key() != k


def test_miss_then_hit_roundtrip(tmp_path):
    c = FeatureCache(tmp_path)
    assert c.load("f", "0" * 64) is None
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = c.store("f", "0" * 64, x)
    assert p.name.endswith(".npy") and p.parent.parent.name == "f"
    np.testing.assert_array_equal(c.load("f", "0" * 64, kind="frames", dim=3), x)


@pytest.mark.parametrize("garbage", [b"", b"not an npy file at all", None])
def test_corrupt_entry_is_deleted_and_recomputed(manifest, tmp_path, garbage):
    c = FeatureCache(tmp_path / "cache")
    first = compute_features(manifest, FEAT, cache=c, progress=False)
    entries = sorted((tmp_path / "cache" / FEAT).glob("*/*.npy"))
    assert len(entries) == 3
    victim = entries[0]
    if garbage is None:  # truncated: a real npy cut in half
        data = victim.read_bytes()
        victim.write_bytes(data[: len(data) // 2])
    else:
        victim.write_bytes(garbage)
    again = compute_features(manifest, FEAT, cache=c, progress=False)
    assert again.n_cache_hits == 2 and again.n_computed == 1 and c.n_corrupt == 1
    for i in first.ids():
        np.testing.assert_array_equal(first.values[i], again.values[i])
    assert np.load(victim).shape == first.values["u0"].shape  # rewritten whole


def test_wrong_shape_entry_counts_as_corrupt(tmp_path):
    c = FeatureCache(tmp_path)
    c.store("f", "1" * 64, np.zeros(5, dtype=np.float32))
    assert c.load("f", "1" * 64, kind="functionals", dim=6) is None
    assert not c.path("f", "1" * 64).exists()


def test_failed_write_leaves_no_entry_and_no_temp_file(tmp_path, monkeypatch):
    c = FeatureCache(tmp_path)

    def half_then_crash(f, arr, allow_pickle=False):
        f.write(b"\x93NUMPY partial")
        raise OSError("disk full")

    monkeypatch.setattr(cache_mod.np, "save", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        c.store("f", "2" * 64, np.ones(4, dtype=np.float32))
    monkeypatch.undo()
    assert c.load("f", "2" * 64) is None
    assert list(tmp_path.rglob("*")) == [tmp_path / "f", tmp_path / "f" / "22"]


def test_concurrent_writers_and_readers_never_see_half_entries(tmp_path):
    c = FeatureCache(tmp_path)
    x = np.random.default_rng(0).standard_normal((400, 64)).astype(np.float32)
    key = "3" * 64
    seen: list[str] = []

    def writer():
        for _ in range(30):
            FeatureCache(tmp_path).store("f", key, x)

    def reader():
        r = FeatureCache(tmp_path)
        for _ in range(200):
            got = r.load("f", key, kind="frames", dim=64)
            seen.append("miss" if got is None else ("ok" if np.array_equal(got, x) else "bad"))
            assert r.n_corrupt == 0

    threads = [threading.Thread(target=writer) for _ in range(3)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "bad" not in seen
    np.testing.assert_array_equal(c.load("f", key), x)
    assert not list(tmp_path.rglob("*.tmp"))


def test_file_hash_is_read_once_per_path_size_mtime(tmp_path, monkeypatch):
    p = tmp_path / "a.wav"
    p.write_bytes(b"abc")
    opened: list[str] = []
    real_open = open

    def counting_open(path, *a, **k):
        opened.append(str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(cache_mod, "open", counting_open, raising=False)
    h1, h2 = file_sha256(p), file_sha256(p)
    assert h1 == h2 and len(opened) == 1
    p.write_bytes(b"abcd")  # new size: hashed again
    assert file_sha256(p) != h1 and len(opened) == 2


def test_info_and_clear(tmp_path):
    c = FeatureCache(tmp_path)
    for i, feat in enumerate(["a", "a", "b"]):
        c.store(feat, f"{i}" * 64, np.zeros(10, dtype=np.float32))
    info = c.info()
    assert info["n_entries"] == 3 and info["bytes"] > 0
    assert {k: v["n_entries"] for k, v in info["per_feature"].items()} == {"a": 2, "b": 1}
    assert c.clear("a") == 2 and c.info()["n_entries"] == 1
    assert c.clear("nope") == 0
    assert c.clear() == 1 and c.info() == {"n_entries": 0, "bytes": 0, "per_feature": {}}


def test_default_root_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SERBENCH_CACHE", str(tmp_path / "x"))
    assert FeatureCache().root == tmp_path / "x" / "features"
    assert Path(FeatureCache(tmp_path / "y").root) == tmp_path / "y"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_entry_is_dropped_named_and_recomputed(manifest, tmp_path, bad):
    c = FeatureCache(tmp_path / "cache")
    first = compute_features(manifest, FEAT, cache=c, progress=False)
    victim = sorted((tmp_path / "cache" / FEAT).glob("*/*.npy"))[0]
    poisoned = np.load(victim)
    poisoned[:] = bad  # right dtype and shape: only its values are wrong
    np.save(victim, poisoned)
    with pytest.warns(cache_mod.CacheEntryWarning, match=victim.name) as rec:
        again = compute_features(manifest, FEAT, cache=c, progress=False)
    assert "non-finite" in str(rec[0].message)
    assert again.n_cache_hits == 2 and again.n_computed == 1 and c.n_corrupt == 1
    assert all(np.isfinite(v).all() for v in again.values.values())
    for i in first.ids():
        np.testing.assert_array_equal(first.values[i], again.values[i])
    assert np.isfinite(np.load(victim)).all()  # rewritten with good values


def test_load_rejects_a_nan_entry_without_kind(tmp_path):
    c = FeatureCache(tmp_path)
    c.path("f", "4" * 64).parent.mkdir(parents=True)
    np.save(c.path("f", "4" * 64), np.array([1.0, np.nan], dtype=np.float32))
    with pytest.raises(ValueError, match="non-finite"):
        c.store("f", "5" * 64, np.array([np.inf], dtype=np.float32))
    with pytest.warns(cache_mod.CacheEntryWarning, match="4" * 64):
        assert c.load("f", "4" * 64) is None
    assert not c.path("f", "4" * 64).exists() and c.n_corrupt == 1
