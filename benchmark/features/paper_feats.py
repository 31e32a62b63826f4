"""The five papers' inputs, named so a reader of each paper finds them.

Where a paper leaves a setting out, the choice made here is stated in the docstring; the
settings all enter ``params`` (and so the cache key).

- ``emotech141`` (paper 000, EmoTech dilated): 13 MFCC time-means + 128 mel time-means. The
  paper does not give STFT settings or say whether the mel spectrogram is logged; we use
  librosa's defaults (n_fft 2048, hop 512, 128 mels) and report the mel means in dB
  (``10*log10`` of the time-averaged power: the paper's quantity on a log scale, so that
  scale-sensitive classifiers are usable).
- ``zcr_rms_mfcc_frames`` (paper 001, EmoAugNet): per frame ZCR, RMS and 20 MFCCs (22 dims),
  frame 2048 / hop 512. The paper names only "ZCR, RMSE, MFCC"; its first Conv1D has 1,536
  parameters on an input of length 2,376 = 108 frames x (1 + 1 + 20), which matches librosa's
  default 20 MFCCs on a 2048/512 grid, so we use those.
- ``logmel_frames`` (paper 002, DyCNN): pre-emphasis (0.97), framing, Hamming window, STFT, mel
  filter bank, log: 64 bands on a 25 ms / 10 ms grid (the band count is not given).
- ``mfcc_mel_zcr_rms`` (paper 003, CNN-BiLSTM): per frame 13 MFCCs + 128-band log-mel of the
  pre-emphasised signal (the paper's Fig. 9) + ZCR + RMS = 143 dims, 25 ms / 10 ms grid.
- ``mel_mfcc_prosody`` (paper 004, CNN-LSTM-attention): per frame 64-band log-mel + 13 MFCCs +
  prosody (pYIN F0 in semitones re 27.5 Hz, 0 when unvoiced; voicing probability; A-weighted
  loudness in dB) = 80 dims. The paper also lists "speech rate", which is not a frame-level
  quantity; it is left out. The paper names no pitch tracker; pYIN runs here on a half-semitone
  grid (``PAPER004_PITCH_RESOLUTION``), not the 0.2-semitone grid of ``pitch_stats``: its
  Viterbi pass costs (grid size)^2 per frame and was the largest single feature cost of the
  main job (the utterances and their three ``paper004`` copies). On 40 EmoDB files
  (``benchmarks/pitch_grid.py``, 2026-12-05): 2.78x faster; F0 within 0.10 semitone of the
  0.2 grid at the median (0.20 at the 90th percentile) where both call a frame voiced; the
  voicing probability column unchanged; the voiced/unvoiced decision (which zeroes the F0
  column) agrees on 86.9 % of frames, against 94.1 % between librosa's default 0.1 grid and
  the 0.2 grid.
- paper 000's deep input is ``mfcc13_frames`` (see :mod:`librosa_feats`).
"""

from __future__ import annotations

import librosa
import numpy as np

from benchmark.features.base import Extractor, make_extractor
from benchmark.features.librosa_feats import (
    GRID,
    LIBROSA,
    PYIN,
    a_weighted_loudness_db,
    hz_to_semitones,
    log_mel,
    mfcc,
    pitch_track,
    zcr_rms,
)

#: pYIN's pitch grid for paper 004's input, in semitones (see the module docstring)
PAPER004_PITCH_RESOLUTION = 0.5


def _align(*blocks: np.ndarray) -> np.ndarray:
    """Stack (rows, T) blocks computed on the same hop; trims the odd extra edge frame."""
    T = min(b.shape[1] for b in blocks)
    return np.vstack([b[:, :T] for b in blocks]).T


# -------------------------------------------------------------------------------- paper 000


def _emotech141(y, sr, *, n_fft, hop_length, n_mels, n_mfcc, librosa_version):
    m = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length,
                             n_mels=n_mels)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    mel_db = 10.0 * np.log10(np.maximum(mel.mean(axis=1), 1e-10))
    return np.concatenate([m.mean(axis=1), mel_db])


def emotech141() -> Extractor:
    cols = [f"mfcc{i}_mean" for i in range(13)] + [f"mel{i}_mean_db" for i in range(128)]
    return make_extractor("emotech141", "functionals", cols, _emotech141, n_fft=2048, hop_length=512,
                          n_mels=128, n_mfcc=13, librosa_version=LIBROSA)


# -------------------------------------------------------------------------------- paper 001


def _zcr_rms_mfcc(y, sr, *, frame_length, hop_length, n_mfcc, librosa_version):
    z = librosa.feature.zero_crossing_rate(y, frame_length=frame_length, hop_length=hop_length)
    r = librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length)
    m = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=n_mfcc, n_fft=frame_length, hop_length=hop_length)
    return _align(z, r, m)


def zcr_rms_mfcc_frames() -> Extractor:
    cols = ["zcr", "rms"] + [f"mfcc{i}" for i in range(20)]
    return make_extractor("zcr_rms_mfcc_frames", "frames", cols, _zcr_rms_mfcc, frame_length=2048,
                          hop_length=512, n_mfcc=20, librosa_version=LIBROSA)


# -------------------------------------------------------------------------------- paper 002


def _logmel_preemph(y, sr, *, preemphasis, n_mels, win_s, hop_s, min_fft, window, librosa_version):
    y = librosa.effects.preemphasis(y, coef=preemphasis)
    return log_mel(y, sr, n_mels=n_mels, win_s=win_s, hop_s=hop_s, min_fft=min_fft, window=window).T


def logmel_frames() -> Extractor:
    return make_extractor("logmel_frames", "frames", [f"logmel{i}" for i in range(64)], _logmel_preemph,
                          preemphasis=0.97, n_mels=64, **GRID, window="hamming", librosa_version=LIBROSA)


# -------------------------------------------------------------------------------- paper 003


def _mfcc_mel_zcr_rms(y, sr, *, n_mfcc, n_mfcc_mels, mfcc_min_fft, n_mels, preemphasis, win_s, hop_s,
                      min_fft, librosa_version):
    g = {"win_s": win_s, "hop_s": hop_s, "min_fft": min_fft}
    # the MFCCs are exactly mfcc13_frames (512-point FFT); the 128 mel bands need 1024 points
    m = mfcc(y, sr, n_mfcc=n_mfcc, n_mels=n_mfcc_mels, win_s=win_s, hop_s=hop_s, min_fft=mfcc_min_fft)
    mel = log_mel(librosa.effects.preemphasis(y, coef=preemphasis), sr, n_mels=n_mels, **g)
    return _align(m, mel, zcr_rms(y, sr, **g))


def mfcc_mel_zcr_rms() -> Extractor:
    cols = [f"mfcc{i}" for i in range(13)] + [f"logmel{i}" for i in range(128)] + ["zcr", "rms"]
    return make_extractor("mfcc_mel_zcr_rms", "frames", cols, _mfcc_mel_zcr_rms, n_mfcc=13,
                          n_mfcc_mels=40, mfcc_min_fft=GRID["min_fft"], n_mels=128, preemphasis=0.97,
                          **{**GRID, "min_fft": 1024}, librosa_version=LIBROSA)


# -------------------------------------------------------------------------------- paper 004


def _mel_mfcc_prosody(y, sr, *, n_mels, n_mfcc, n_mfcc_mels, win_s, hop_s, min_fft, fmin, fmax,
                      pyin_frame_length, pyin_resolution, librosa_version):
    g = {"win_s": win_s, "hop_s": hop_s, "min_fft": min_fft}
    mel = log_mel(y, sr, n_mels=n_mels, **g)
    m = mfcc(y, sr, n_mfcc=n_mfcc, n_mels=n_mfcc_mels, **g)
    hop = int(round(hop_s * sr))  # same hop as the mel grid so frames line up
    f0, voiced, prob = pitch_track(y, sr, fmin=fmin, fmax=fmax, frame_length=pyin_frame_length,
                                   hop_length=hop, resolution=pyin_resolution)
    ok = voiced & np.isfinite(f0)
    f0_st = np.where(ok, hz_to_semitones(np.where(ok, f0, 27.5)), 0.0)
    loud = a_weighted_loudness_db(y, sr, **g)
    return _align(mel, m, f0_st[None, :], prob[None, :], loud)


def mel_mfcc_prosody() -> Extractor:
    cols = ([f"logmel{i}" for i in range(64)] + [f"mfcc{i}" for i in range(13)]
            + ["f0_st", "voicing_prob", "loudness_db"])
    return make_extractor("mel_mfcc_prosody", "frames", cols, _mel_mfcc_prosody, n_mels=64, n_mfcc=13,
                          n_mfcc_mels=40, **GRID, fmin=PYIN["fmin"], fmax=PYIN["fmax"],
                          pyin_frame_length=PYIN["frame_length"], pyin_resolution=PAPER004_PITCH_RESOLUTION,
                          librosa_version=LIBROSA)
