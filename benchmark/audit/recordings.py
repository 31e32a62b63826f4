"""One pass over a corpus's files: what the split audit and the shortcut probes need.

Per file: the sha256 of its bytes (:func:`benchmark.cache.file_sha256`, the feature cache's own
content hash), the recording properties the shortcut probes test (DC offset, duration, active
span, peak level, clipping rate, noise floor, original sample rate and bit depth), and a
fingerprint for
*near*-identical recordings.

The near-identical test, chosen to be cheap and to survive what a copy usually goes through
(a gain change, a DC shift, another bit depth or sample rate, a little silence added or cut at
the ends): the decoded waveform is mixed to mono, resampled to 8 kHz, its mean removed, its
leading and trailing near-silence trimmed, and its peak normalised; its log-magnitude STFT is
averaged onto a fixed grid of :data:`GRID_T` time x :data:`GRID_F` frequency cells, and each
band's mean over time (the average spectrum, much alike in every voice) is removed. Two recordings are near-identical when the correlation of their fingerprints is at
least :data:`NEAR_CORR` and their trimmed durations differ by at most :data:`NEAR_DURATION`.
Two takes of one sentence by one speaker differ in timing far more than that (on EmoDB no two
distinct files pass, see the README), while a re-encoded copy correlates above 0.99.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

FP_SR = 8_000
GRID_T = 24
GRID_F = 16
NEAR_CORR = 0.98
NEAR_DURATION = 0.05
#: |x| at or above this share of full scale counts as a clipped sample
CLIP_LEVEL = 0.999
#: trimming threshold for the fingerprint, relative to the peak
_TRIM = 0.02
_FRAME_S = 0.02

_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32,
         "DOUBLE": 64, "ULAW": 8, "ALAW": 8}

PROPERTIES = ("dc_offset", "duration_s", "active_span_s", "peak_dbfs", "clipping_rate",
              "noise_floor_dbfs", "sample_rate", "bit_depth")
#: a 20 ms frame within this many dB of the loudest one is active (``active_span_s``)
ACTIVE_DB = 40.0


@dataclass(frozen=True)
class FileFacts:
    """What the audit knows of one file."""

    sha256: str
    properties: dict[str, float]
    fingerprint: np.ndarray | None
    """Standardised, unit-length vector (None when the file has no usable signal)."""
    active_s: float
    """Duration after trimming leading and trailing near-silence (fingerprint's duration)."""


def _db(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -200.0


def file_properties(data: np.ndarray, info: sf._SoundFileInfo) -> dict[str, float]:
    """The shortcut probes' properties of a decoded file (``data``: frames x channels)."""
    y = data.mean(axis=1)
    n = max(1, int(round(_FRAME_S * info.samplerate)))
    centred = y - y.mean()
    frames = centred[: len(centred) // n * n].reshape(-1, n) if len(centred) >= n else centred[None, :]
    rms = np.sqrt(np.mean(np.square(frames), axis=1))
    floor = float(np.percentile(rms, 10)) if rms.size else 0.0
    # From the first to the last active frame: the utterance's length when a corpus pads or
    # trims its files to one length (then ``duration_s`` is constant and says nothing).
    active = np.flatnonzero(rms >= rms.max() * 10 ** (-ACTIVE_DB / 20)) if rms.size and rms.max() > 0 else []
    span = (active[-1] - active[0] + 1) * n / info.samplerate if len(active) else 0.0
    return {
        "dc_offset": float(y.mean()),
        "duration_s": float(info.frames / info.samplerate),
        "active_span_s": float(span),
        "peak_dbfs": _db(float(np.max(np.abs(y)))) if y.size else -200.0,
        "clipping_rate": float(np.mean(np.abs(data) >= CLIP_LEVEL)) if data.size else 0.0,
        "noise_floor_dbfs": _db(floor),
        "sample_rate": float(info.samplerate),
        "bit_depth": float(_BITS.get(info.subtype, 0)),
    }


def fingerprint(y: np.ndarray, sr: int) -> tuple[np.ndarray | None, float]:
    """(fingerprint, trimmed duration in s) of a mono waveform; see the module docstring."""
    import soxr

    x = np.asarray(y, dtype=np.float64)
    if sr != FP_SR:
        x = soxr.resample(x, sr, FP_SR)
    x = x - x.mean()
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0:
        return None, 0.0
    x = x / peak
    loud = np.flatnonzero(np.abs(x) >= _TRIM)
    x = x[loud[0]: loud[-1] + 1]
    n_fft, hop = 256, 128
    if len(x) < n_fft:
        return None, len(x) / FP_SR
    n = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    spec = np.log(np.abs(np.fft.rfft(x[idx] * np.hanning(n_fft), axis=1)) + 1e-3)
    t_edges = np.linspace(0, spec.shape[0], GRID_T + 1).astype(int)
    f_edges = np.linspace(0, spec.shape[1], GRID_F + 1).astype(int)
    grid = np.array([[spec[t_edges[i]: max(t_edges[i + 1], t_edges[i] + 1),
                           f_edges[j]: f_edges[j + 1]].mean()
                      for j in range(GRID_F)] for i in range(GRID_T)])
    # Each band's mean over time is the recording's average spectrum (its tilt), which every
    # voice shares; what is left is how the spectrum moves in time, which one recording owns.
    grid = (grid - grid.mean(axis=0, keepdims=True)).ravel()
    norm = float(np.linalg.norm(grid))
    return (grid / norm if norm > 0 else None), len(x) / FP_SR


#: (resolved path, size, mtime_ns) -> facts: a run audits the same files once per seed
_FACTS_MEMO: dict[tuple[str, int, int], FileFacts] = {}


def file_facts(path: str | Path) -> FileFacts:
    """Hash, properties and fingerprint of one file (raises what soundfile raises)."""
    from benchmark.cache import file_sha256

    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _FACTS_MEMO:
        info = sf.info(str(p))
        data, sr = sf.read(str(p), dtype="float64", always_2d=True)
        fp, active = fingerprint(data.mean(axis=1), sr)
        _FACTS_MEMO[key] = FileFacts(file_sha256(p), file_properties(data, info), fp, active)
    return _FACTS_MEMO[key]


def near_identical(test: list[FileFacts], train: list[FileFacts]) -> np.ndarray:
    """Per test file: the index in ``train`` of its closest near-identical file (byte-identical
    included), or -1 when there is none."""
    out = np.full(len(test), -1, dtype=int)
    keep = [i for i, f in enumerate(train) if f.fingerprint is not None]
    if not keep or not test:
        return out
    mat = np.stack([train[i].fingerprint for i in keep])
    dur = np.array([train[i].active_s for i in keep])
    for k, f in enumerate(test):
        if f.fingerprint is None:
            continue
        corr = mat @ f.fingerprint
        close = np.abs(dur - f.active_s) <= NEAR_DURATION * np.maximum(dur, f.active_s)
        corr = np.where(close, corr, -np.inf)
        best = int(np.argmax(corr))
        if corr[best] >= NEAR_CORR:
            out[k] = keep[best]
    return out
