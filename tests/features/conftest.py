"""Tiny generated wav files for the feature tests: voiced tones with vibrato, a glide at
22.05 kHz (exercises resampling) and a short noise burst. Seeded, under a second each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf


def voiced(f0: np.ndarray, sr: int, seed: int, n_harmonics: int = 6) -> np.ndarray:
    """A harmonic 'vowel' following the F0 contour ``f0`` (Hz per sample), plus faint noise."""
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, n_harmonics + 1))
    y = 0.3 * y / np.max(np.abs(y))
    y += 0.003 * np.random.default_rng(seed).standard_normal(y.shape[0])
    return (y - y.mean()).astype(np.float32)


def write_test_wavs(folder: Path) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    sr = 16_000
    t = np.arange(int(0.8 * sr)) / sr
    y = voiced(200 + 8 * np.sin(2 * np.pi * 5 * t), sr, seed=0)
    sf.write(folder / "tone16k.wav", y, sr, subtype="FLOAT")
    rows.append(("tone16k", folder / "tone16k.wav", "happy", "s1"))
    sr2 = 22_050
    t2 = np.arange(int(1.0 * sr2)) / sr2
    y2 = voiced(np.linspace(120, 220, t2.size), sr2, seed=1)
    y2[int(0.45 * sr2):int(0.55 * sr2)] *= 0.01  # a pause in the middle
    sf.write(folder / "glide22k.wav", y2, sr2, subtype="PCM_16")
    rows.append(("glide22k", folder / "glide22k.wav", "sad", "s2"))
    y3 = (0.1 * np.random.default_rng(2).standard_normal(int(0.25 * sr))).astype(np.float32)
    sf.write(folder / "noise16k.wav", y3, sr, subtype="PCM_16")
    rows.append(("noise16k", folder / "noise16k.wav", "sad", "s3"))
    return pd.DataFrame(rows, columns=["utt_id", "path", "label", "speaker"]).astype(
        {"utt_id": "string", "path": "string", "label": "string", "speaker": "string"})


@pytest.fixture(scope="session")
def wav_manifest(tmp_path_factory) -> pd.DataFrame:
    """Three tiny wav files as a manifest (utt_id, path, label, speaker)."""
    return write_test_wavs(tmp_path_factory.mktemp("feature_wavs"))
