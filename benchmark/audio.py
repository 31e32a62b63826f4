"""The one function through which all audio enters the pipeline.

``load_audio`` returns mono float32 at the requested rate with DC removed, and records the
original rate and duration. Peak normalisation is deliberately *not* applied: loudness is an
emotional cue, so extractors see the recording's level (clipping is reported, not hidden).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

DEFAULT_SR = 16_000


class AudioError(ValueError):
    """Audio that cannot be used: unreadable, empty or silent-only."""


@dataclass(frozen=True)
class Audio:
    y: np.ndarray  # float32, mono, at ``sr``
    sr: int
    orig_sr: int
    orig_duration_s: float
    clipped: bool


def load_audio(path: str | Path, sr: int = DEFAULT_SR) -> Audio:
    """Read ``path`` as mono float32 at ``sr`` Hz (soxr resampling), DC offset removed."""
    try:
        data, orig_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(f"{path}: unreadable audio ({type(exc).__name__}: {exc})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{path}: empty audio (zero samples)")
    y = data.mean(axis=1)
    clipped = bool(np.max(np.abs(y)) >= 0.999)
    orig_duration = y.shape[0] / orig_sr
    if orig_sr != sr:
        import soxr  # librosa's resampler backend, imported lazily

        y = soxr.resample(y, orig_sr, sr, quality="HQ").astype(np.float32)
    y = (y - y.mean()).astype(np.float32)
    if not np.isfinite(y).all():
        raise AudioError(f"{path}: audio contains NaN or inf")
    return Audio(y=y, sr=sr, orig_sr=int(orig_sr), orig_duration_s=float(orig_duration), clipped=clipped)
