"""The one function through which all audio enters the pipeline, and the checks for audio
that cannot be used.

``load_audio`` returns mono float32 at the requested rate with DC removed, and records the
original rate and duration. Peak normalisation is deliberately *not* applied: loudness is an
emotional cue, so extractors see the recording's level (clipping is reported, not hidden).

Unusable audio raises :class:`AudioError` here and is a recorded skip when a corpus is loaded
(``benchmark.datasets.base.probe_audio`` applies the same checks):

* **truncated**: a WAV whose header declares more sample frames than the file holds (an
  interrupted copy or download); libsndfile would silently read the shorter clip.
* **too short**: under :data:`MIN_DURATION_S` (50 ms = two 25 ms analysis windows). A 1-sample
  or 10 ms file has no frames to describe; every feature would be a constant.
* **silent**: RMS after DC removal under :data:`MIN_RMS_DBFS` (-80 dBFS re full scale 1.0).
  Digital silence and a constant DC offset are -inf dBFS; the noise floor of any real 16-bit
  recording (dither alone is about -101 dBFS, room noise far above) of speech passes, quiet
  speech sits around -40 to -50 dBFS.
* NaN or inf samples (float files).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

DEFAULT_SR = 16_000
#: Shortest usable recording, in seconds (two 25 ms analysis windows).
MIN_DURATION_S = 0.05
#: Quietest usable recording: RMS after DC removal, in dB re full scale (1.0).
MIN_RMS_DBFS = -80.0


class AudioError(ValueError):
    """Audio that cannot be used: unreadable, empty, truncated, too short or silent-only."""


@dataclass(frozen=True)
class Audio:
    y: np.ndarray  # float32, mono, at ``sr``
    sr: int
    orig_sr: int
    orig_duration_s: float
    clipped: bool


def rms_dbfs(y: np.ndarray) -> float:
    """RMS of ``y`` after removing its mean, in dB re 1.0 (``-inf`` for a constant signal)."""
    x = np.asarray(y, dtype=np.float64)
    rms = float(np.sqrt(np.mean(np.square(x - x.mean())))) if x.size else 0.0
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def signal_problem(y: np.ndarray, sr: int) -> str | None:
    """Why a mono waveform cannot be used (too short, silent, non-finite), or None."""
    seconds = y.shape[0] / sr
    if seconds < MIN_DURATION_S:
        return f"too short: {seconds:.4f} s (minimum {MIN_DURATION_S} s)"
    if not np.isfinite(y).all():
        return "non-finite audio: NaN or inf samples"
    level = rms_dbfs(y)
    if level < MIN_RMS_DBFS:
        return (f"silent audio: RMS {level:.1f} dBFS after DC removal "
                f"(minimum {MIN_RMS_DBFS:.0f} dBFS)")
    return None


def wav_truncation(path: str | Path) -> str | None:
    """For a RIFF/RIFX WAVE file whose ``data`` chunk declares more bytes than the file holds:
    the reason (declared vs present sample frames). None for complete files, other formats,
    and streaming headers that leave the size unknown (0 or 0xFFFFFFFF)."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
                return None
            order = "big" if head[:4] == b"RIFX" else "little"
            file_size = os.fstat(f.fileno()).st_size
            block_align = 0
            while True:
                chunk = f.read(8)
                if len(chunk) < 8:
                    return None
                cid, size = chunk[:4], int.from_bytes(chunk[4:8], order)
                start = f.tell()
                if cid == b"fmt ":
                    fmt = f.read(min(size, 16))
                    block_align = int.from_bytes(fmt[12:14], order) if len(fmt) >= 14 else 0
                elif cid == b"data":
                    present = file_size - start
                    if size in (0, 0xFFFFFFFF) or size <= present:
                        return None
                    if block_align > 0:
                        return (f"truncated audio: header declares {size // block_align} frames, "
                                f"the file holds {present // block_align}")
                    return f"truncated audio: header declares {size} data bytes, the file holds {present}"
                f.seek(start + size + (size & 1))
    except OSError:
        return None


def load_audio(path: str | Path, sr: int = DEFAULT_SR) -> Audio:
    """Read ``path`` as mono float32 at ``sr`` Hz (soxr resampling), DC offset removed.

    Raises :class:`AudioError` for unreadable, empty, truncated, too short or silent audio.
    """
    truncated = wav_truncation(path)
    if truncated is not None:
        raise AudioError(f"{path}: {truncated}")
    try:
        data, orig_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(f"{path}: unreadable audio ({type(exc).__name__}: {exc})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{path}: empty audio (zero samples)")
    y = data.mean(axis=1)
    problem = signal_problem(y, orig_sr)
    if problem is not None:
        raise AudioError(f"{path}: {problem}")
    clipped = bool(np.max(np.abs(y)) >= 0.999)
    orig_duration = y.shape[0] / orig_sr
    if orig_sr != sr:
        import soxr  # librosa's resampler backend, imported lazily

        y = soxr.resample(y, orig_sr, sr, quality="HQ").astype(np.float32)
    y = (y - y.mean()).astype(np.float32)
    if not np.isfinite(y).all():
        raise AudioError(f"{path}: audio contains NaN or inf")
    return Audio(y=y, sr=sr, orig_sr=int(orig_sr), orig_duration_s=float(orig_duration), clipped=clipped)
