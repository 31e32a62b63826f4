"""Every registered extractor: meta matches reality, output shape/dtype/finiteness, names."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from benchmark.audio import load_audio
from benchmark.features import FEATURES, get_extractor
from benchmark.features.base import FeatureError, frame_stats, stat_columns
from benchmark.registry import RegistryError

SLOW = {"compare_2016", "compare_2016_lld_frames"}  # run on one file only


@pytest.fixture(scope="module")
def audios(wav_manifest):
    return {u: load_audio(p) for u, p in zip(wav_manifest["utt_id"], wav_manifest["path"], strict=True)}


@pytest.mark.parametrize("name", FEATURES.names())
def test_meta_matches_extractor_and_output(name, audios):
    meta = FEATURES.meta(name)
    ex = get_extractor(name)
    assert (ex.name, ex.kind, ex.dim) == (name, meta["kind"], meta["dim"])
    assert meta["description"]
    assert len(ex.column_names) == ex.dim == len(set(ex.column_names))
    chosen = list(audios.values())[:1] if name in SLOW else list(audios.values())
    for a in chosen:
        out = ex(a.y, a.sr)
        assert out.dtype == np.float32
        assert np.isfinite(out).all()
        if ex.kind == "functionals":
            assert out.shape == (meta["dim"],)
        else:
            assert out.ndim == 2 and out.shape[1] == meta["dim"] and out.shape[0] >= 1


def test_listing_reads_meta_without_heavy_imports():
    code = ("import sys, benchmark.features as f; [f.FEATURES.meta(n)['dim'] for n in f.FEATURES]; "
            "print(sorted(m for m in ('librosa', 'opensmile', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_name_suggests_close_match():
    with pytest.raises(RegistryError, match="did you mean 'mfcc13_stats'"):
        get_extractor("mfcc13_stat")


def test_stats_are_functionals_of_the_frames(audios):
    a = audios["glide22k"]
    frames = get_extractor("mfcc13_frames")(a.y, a.sr)
    stats = dict(zip(get_extractor("mfcc13_stats").column_names, get_extractor("mfcc13_stats")(a.y, a.sr),
                     strict=True))
    np.testing.assert_allclose([stats[f"mfcc{i}_mean"] for i in range(13)], frames.mean(axis=0), rtol=1e-4,
                               atol=1e-3)
    np.testing.assert_allclose([stats[f"mfcc{i}_max"] for i in range(13)], frames.max(axis=0), rtol=1e-5)
    d39 = get_extractor("mfcc39_frames")(a.y, a.sr)
    np.testing.assert_array_equal(d39[:, :13], frames)


def test_librosa_stats_is_the_concatenation_of_its_parts(audios):
    a = audios["tone16k"]
    combined = get_extractor("librosa_stats")
    parts = combined.params["parts"]
    np.testing.assert_array_equal(combined(a.y, a.sr),
                                  np.concatenate([get_extractor(p)(a.y, a.sr) for p in parts]))
    assert combined.column_names == [c for p in parts for c in get_extractor(p).column_names]


def test_pitch_stats_finds_the_tone_f0(audios):
    a = audios["tone16k"]  # 200 Hz +/- 8 Hz vibrato
    stats = dict(zip(get_extractor("pitch_stats").column_names, get_extractor("pitch_stats")(a.y, a.sr),
                     strict=True))
    assert stats["voiced_fraction"] > 0.7
    assert abs(stats["f0_st_p50"] - 12 * np.log2(200 / 27.5)) < 0.5


def test_paper_frames_share_one_time_grid(audios):
    a = audios["glide22k"]
    lengths = {n: get_extractor(n)(a.y, a.sr).shape[0]
               for n in ("mfcc13_frames", "logmel_frames", "mfcc_mel_zcr_rms", "mel_mfcc_prosody")}
    assert len(set(lengths.values())) == 1, lengths
    # paper 003 stack: its first 13 columns are mfcc13_frames
    np.testing.assert_allclose(get_extractor("mfcc_mel_zcr_rms")(a.y, a.sr)[:, :13],
                               get_extractor("mfcc13_frames")(a.y, a.sr), rtol=1e-5, atol=1e-4)


def test_extractor_rejects_bad_waveforms():
    ex = get_extractor("zcr_rms_stats")
    with pytest.raises(FeatureError, match="NaN"):
        ex(np.array([0.0, np.nan, 0.1], dtype=np.float32), 16000)
    with pytest.raises(FeatureError, match="non-empty 1-D"):
        ex(np.zeros((2, 100), dtype=np.float32), 16000)


def test_frame_stats_identities():
    t = np.arange(50) * 0.01
    x = np.vstack([3.0 * t + 1.0, np.full_like(t, 2.0)])
    s = dict(zip(stat_columns(["ramp", "flat"]), frame_stats(x, hop_s=0.01), strict=True))
    assert s["ramp_slope"] == pytest.approx(3.0, rel=1e-5)
    assert s["flat_slope"] == pytest.approx(0.0, abs=1e-6)
    assert s["flat_std"] == 0.0 and s["flat_p90"] == 2.0
    assert s["ramp_min"] == pytest.approx(1.0) and s["ramp_p50"] == pytest.approx(np.median(x[0]))
    assert frame_stats(np.ones((2, 1)), 0.01).reshape(2, -1)[:, -1].tolist() == [0.0, 0.0]
