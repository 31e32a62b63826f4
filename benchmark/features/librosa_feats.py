"""librosa feature family: MFCCs, log-mel, ZCR/RMS, spectral shape, chroma, pitch, loudness.

Frame grid: unless a feature says otherwise, 25 ms windows every 10 ms (Hann), the usual
speech analysis grid; the FFT size is the next power of two above the window (at least
``min_fft``). Window and hop are given in seconds so the grid means the same at any rate.
Log-mel values are ``10*log10(power)`` with an absolute reference (no per-utterance max
normalisation): level is an emotional cue, and ``load_audio`` keeps it too.

Every factory here takes no arguments and returns an :class:`Extractor`; the names are
registered in :mod:`benchmark.features`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import librosa
import numpy as np

from benchmark.features.base import Extractor, frame_stats, make_extractor, stat_columns

LIBROSA = librosa.__version__
GRID: dict[str, Any] = {"win_s": 0.025, "hop_s": 0.010, "min_fft": 512}
# pYIN's Viterbi costs (pitch grid size)^2 per frame: a 0.2-semitone grid (librosa: 0.1) is ~3x
# faster and moves F0 by <= 0.1 semitone; 60-600 Hz covers emotional speech of adults.
PYIN: dict[str, Any] = {"fmin": 60.0, "fmax": 600.0, "frame_length": 1024, "hop_length": 256,
                        "resolution": 0.2}
SPECTRAL_ROWS = ["spectral_centroid", *[f"spectral_contrast{i}" for i in range(7)], "spectral_rolloff"]
CHROMA_ROWS = [f"chroma{i}" for i in range(12)]


# ------------------------------------------------------------------------------ primitives


def grid(sr: int, win_s: float, hop_s: float, min_fft: int) -> tuple[int, int, int]:
    """(n_fft, win_length, hop_length) in samples for a window/hop given in seconds."""
    win = max(16, int(round(win_s * sr)))
    hop = max(1, int(round(hop_s * sr)))
    return max(min_fft, 1 << (win - 1).bit_length()), win, hop


def power_spectrogram(y: np.ndarray, sr: int, win_s: float, hop_s: float, min_fft: int,
                      window: str = "hann") -> np.ndarray:
    n_fft, win, hop = grid(sr, win_s, hop_s, min_fft)
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, win_length=win, window=window)) ** 2
    # stft returns Fortran order; numpy's einsum (inside melspectrogram) is ~70x slower on it
    return np.ascontiguousarray(S)


def log_mel(y: np.ndarray, sr: int, *, n_mels: int, win_s: float, hop_s: float, min_fft: int,
            window: str = "hann", fmax: float | None = None) -> np.ndarray:
    """(n_mels, T) log-mel power in dB re 1.0 (floor 1e-10, no top_db clipping)."""
    S = power_spectrogram(y, sr, win_s, hop_s, min_fft, window)
    n_fft = 2 * (S.shape[0] - 1)
    mel = librosa.feature.melspectrogram(S=S, sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=fmax)
    return librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)


def mfcc(y: np.ndarray, sr: int, *, n_mfcc: int, n_mels: int, win_s: float, hop_s: float,
         min_fft: int) -> np.ndarray:
    """(n_mfcc, T) MFCCs (DCT-II, ortho) of the log-mel spectrogram on the given grid."""
    return librosa.feature.mfcc(S=log_mel(y, sr, n_mels=n_mels, win_s=win_s, hop_s=hop_s,
                                          min_fft=min_fft), n_mfcc=n_mfcc)


def with_deltas(x: np.ndarray) -> np.ndarray:
    """Stack x, delta and delta-delta (rows). Short inputs use edge padding instead of interp."""
    T = x.shape[1]
    mode = "interp" if T >= 9 else "nearest"
    return np.vstack([x, librosa.feature.delta(x, order=1, mode=mode),
                      librosa.feature.delta(x, order=2, mode=mode)])


def zcr_rms(y: np.ndarray, sr: int, *, win_s: float, hop_s: float, min_fft: int) -> np.ndarray:
    """(2, T): zero-crossing rate and RMS amplitude per frame."""
    _, win, hop = grid(sr, win_s, hop_s, min_fft)
    z = librosa.feature.zero_crossing_rate(y, frame_length=win, hop_length=hop)
    r = librosa.feature.rms(y=y, frame_length=win, hop_length=hop)
    return np.vstack([z, r])


def a_weighted_loudness_db(y: np.ndarray, sr: int, *, win_s: float, hop_s: float,
                           min_fft: int) -> np.ndarray:
    """(1, T) A-weighted frame power in dB: a cheap loudness proxy."""
    S = power_spectrogram(y, sr, win_s, hop_s, min_fft)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=2 * (S.shape[0] - 1))
    with np.errstate(divide="ignore"):  # A-weighting of 0 Hz is -inf dB, i.e. weight 0
        gain = 10.0 ** (librosa.A_weighting(freqs, min_db=None) / 10.0)
    power = (S * gain[:, None]).sum(axis=0) / S.shape[0]
    return (10.0 * np.log10(np.maximum(power, 1e-10)))[None, :]


def pitch_track(y: np.ndarray, sr: int, *, fmin: float, fmax: float, frame_length: int,
                hop_length: int, resolution: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pYIN: (f0 Hz with NaN when unvoiced, voiced flag, voicing probability), per frame."""
    f0, voiced, prob = librosa.pyin(y, fmin=fmin, fmax=fmax, sr=sr, frame_length=frame_length,
                                    hop_length=hop_length, resolution=resolution)
    return f0, voiced.astype(bool), np.nan_to_num(prob, nan=0.0)


def hz_to_semitones(f0: np.ndarray) -> np.ndarray:
    """Semitones above 27.5 Hz (eGeMAPS' F0 scale)."""
    return 12.0 * np.log2(f0 / 27.5)


# ----------------------------------------------------------------------- functionals (stats)


def _mfcc_stats(y, sr, *, n_mfcc, n_mels, win_s, hop_s, min_fft, librosa_version):
    return frame_stats(mfcc(y, sr, n_mfcc=n_mfcc, n_mels=n_mels, win_s=win_s, hop_s=hop_s,
                            min_fft=min_fft), hop_s)


def _zcr_rms_stats(y, sr, *, win_s, hop_s, min_fft, librosa_version):
    return frame_stats(zcr_rms(y, sr, win_s=win_s, hop_s=hop_s, min_fft=min_fft), hop_s)


def _spectral_stats(y, sr, *, win_s, hop_s, min_fft, contrast_fmin, librosa_version):
    S = np.sqrt(power_spectrogram(y, sr, win_s, hop_s, min_fft))
    n_fft = 2 * (S.shape[0] - 1)
    rows = np.vstack([
        librosa.feature.spectral_centroid(S=S, sr=sr, n_fft=n_fft),
        # 6 octave bands from contrast_fmin must stay under Nyquist (100 Hz * 2^6 < 8 kHz)
        librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=n_fft, fmin=contrast_fmin, n_bands=6),
        librosa.feature.spectral_rolloff(S=S, sr=sr, n_fft=n_fft, roll_percent=0.85),
    ])
    return frame_stats(rows, hop_s)


def _chroma_stats(y, sr, *, n_fft, hop_length, librosa_version):
    c = librosa.feature.chroma_stft(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    return frame_stats(c, hop_length / sr)


def _pitch_stats(y, sr, *, fmin, fmax, frame_length, hop_length, resolution, librosa_version):
    f0, voiced, prob = pitch_track(y, sr, fmin=fmin, fmax=fmax, frame_length=frame_length,
                                   hop_length=hop_length, resolution=resolution)
    hop_s = hop_length / sr
    ok = voiced & np.isfinite(f0)
    if ok.any():
        # slope over the voiced frames' real times, not their positions among voiced frames
        t = np.flatnonzero(ok) * hop_s
        st = hz_to_semitones(f0[ok])
        f0_stats = frame_stats(st[None, :], hop_s)
        tc = t - t.mean()
        denom = float(np.dot(tc, tc))
        f0_stats[-1] = float(np.dot(st - st.mean(), tc) / denom) if denom > 0 else 0.0
    else:  # no voiced frame: F0 functionals are 0 and voiced_fraction (0) says why
        f0_stats = np.zeros(8, dtype=np.float32)
    return np.concatenate([f0_stats, frame_stats(prob[None, :], hop_s),
                           np.array([ok.mean()], dtype=np.float32)])


def _loudness_stats(y, sr, *, win_s, hop_s, min_fft, librosa_version):
    return frame_stats(a_weighted_loudness_db(y, sr, win_s=win_s, hop_s=hop_s, min_fft=min_fft), hop_s)


CHROMA: dict[str, Any] = {"n_fft": 2048, "hop_length": 512}  # chroma needs long windows
SPECTRAL: dict[str, Any] = {**GRID, "contrast_fmin": 100.0}
MFCC13: dict[str, Any] = {**GRID, "n_mfcc": 13, "n_mels": 40}
MFCC40: dict[str, Any] = {**GRID, "n_mfcc": 40, "n_mels": 64}


def mfcc13_stats() -> Extractor:
    return make_extractor("mfcc13_stats", "functionals", stat_columns([f"mfcc{i}" for i in range(13)]),
                          _mfcc_stats, **MFCC13, librosa_version=LIBROSA)


def mfcc40_stats() -> Extractor:
    return make_extractor("mfcc40_stats", "functionals", stat_columns([f"mfcc{i}" for i in range(40)]),
                          _mfcc_stats, **MFCC40, librosa_version=LIBROSA)


def zcr_rms_stats() -> Extractor:
    return make_extractor("zcr_rms_stats", "functionals", stat_columns(["zcr", "rms"]),
                          _zcr_rms_stats, **GRID, librosa_version=LIBROSA)


def spectral_stats() -> Extractor:
    return make_extractor("spectral_stats", "functionals", stat_columns(SPECTRAL_ROWS),
                          _spectral_stats, **SPECTRAL, librosa_version=LIBROSA)


def chroma_stats() -> Extractor:
    return make_extractor("chroma_stats", "functionals", stat_columns(CHROMA_ROWS),
                          _chroma_stats, **CHROMA, librosa_version=LIBROSA)


def pitch_stats() -> Extractor:
    cols = stat_columns(["f0_st"]) + stat_columns(["voicing_prob"]) + ["voiced_fraction"]
    return make_extractor("pitch_stats", "functionals", cols, _pitch_stats, **PYIN,
                          librosa_version=LIBROSA)


def loudness_stats() -> Extractor:
    return make_extractor("loudness_stats", "functionals", stat_columns(["loudness_db"]),
                          _loudness_stats, **GRID, librosa_version=LIBROSA)


_COMBINED = (mfcc13_stats, zcr_rms_stats, spectral_stats, chroma_stats, loudness_stats)


def _librosa_stats(y, sr, *, librosa_version, parts, part_params):
    return np.concatenate([_part(name)(y, sr) for name in parts])


@cache
def _part(name: str) -> Extractor:
    return {f.__name__: f for f in _COMBINED}[name]()


def librosa_stats() -> Extractor:
    """All cheap librosa functionals concatenated (pYIN left out: it costs 10x the rest)."""
    parts = [p() for p in _COMBINED]
    cols = [c for p in parts for c in p.column_names]
    return make_extractor("librosa_stats", "functionals", cols, _librosa_stats,
                          librosa_version=LIBROSA, parts=tuple(p.name for p in parts),
                          part_params={p.name: dict(p.params) for p in parts})


# ------------------------------------------------------------------------------------ frames


def _mfcc_frames(y, sr, *, n_mfcc, n_mels, win_s, hop_s, min_fft, deltas, librosa_version):
    m = mfcc(y, sr, n_mfcc=n_mfcc, n_mels=n_mels, win_s=win_s, hop_s=hop_s, min_fft=min_fft)
    return (with_deltas(m) if deltas else m).T


def _logmel_frames(y, sr, *, n_mels, win_s, hop_s, min_fft, librosa_version):
    return log_mel(y, sr, n_mels=n_mels, win_s=win_s, hop_s=hop_s, min_fft=min_fft).T


def mfcc13_frames() -> Extractor:
    return make_extractor("mfcc13_frames", "frames", [f"mfcc{i}" for i in range(13)], _mfcc_frames,
                          **MFCC13, deltas=False, librosa_version=LIBROSA)


def mfcc39_frames() -> Extractor:
    cols = [f"mfcc{i}" for i in range(13)]
    cols = cols + [f"d_{c}" for c in cols] + [f"dd_{c}" for c in cols]
    return make_extractor("mfcc39_frames", "frames", cols, _mfcc_frames, **MFCC13, deltas=True,
                          librosa_version=LIBROSA)


def logmel64_frames() -> Extractor:
    return make_extractor("logmel64_frames", "frames", [f"logmel{i}" for i in range(64)],
                          _logmel_frames, n_mels=64, **GRID, librosa_version=LIBROSA)


def logmel128_frames() -> Extractor:
    # 128 bands need finer FFT bins than 257 to avoid empty low filters: zero-pad to 1024
    grid_1024 = {**GRID, "min_fft": 1024}
    return make_extractor("logmel128_frames", "frames", [f"logmel{i}" for i in range(128)],
                          _logmel_frames, n_mels=128, **grid_1024, librosa_version=LIBROSA)
