"""Signal processing for the synthetic corpus: voice quality and the recording channel.

Voice quality (per utterance, driven by emotion + speaker + jitter):
- breathiness: aspiration-like noise, high-passed and shaped by the speech envelope;
- roughness: irregular amplitude (shimmer-like jitter from low-pass filtered noise);
- tension: spectral tilt as a high shelf around 1 kHz (+ = tense/bright, - = lax/dark).
Channel (per speaker, fixed across that speaker's utterances, so speaker identity is
learnable as on real corpora): a smooth random EQ curve, a short synthetic room impulse
response (exponentially decaying noise) and a noise floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

# Centre frequencies of the EQ curve's control points (Hz), interpolated on a log axis.
EQ_FREQS: tuple[float, ...] = (100.0, 250.0, 600.0, 1500.0, 3500.0, 7000.0)


@dataclass(frozen=True)
class ChannelSpec:
    """One speaker's recording chain."""

    eq_db: tuple[float, ...]  # gain at each of EQ_FREQS
    rt60_s: float  # reverberation time of the synthetic room
    wet: float  # reverberant energy relative to the direct path
    noise_dbfs: float  # noise floor level (RMS, dB re full scale)
    noise_colour: float  # 0 = white, towards 1 = low-pass (hum-like) noise
    ir_seed: int


def sample_channel(rng: np.random.Generator, strength: float) -> ChannelSpec:
    """Draw a channel; ``strength`` scales how different channels are from a flat one."""
    eq = tuple(float(x) for x in rng.normal(0.0, 4.0 * strength, len(EQ_FREQS)))
    return ChannelSpec(
        eq_db=eq,
        rt60_s=float(rng.uniform(0.08, 0.08 + 0.4 * strength)),
        wet=float(rng.uniform(0.02, 0.02 + 0.3 * strength)),
        noise_dbfs=float(rng.uniform(-62.0, -62.0 + 20.0 * strength)),
        noise_colour=float(rng.uniform(0.0, 0.95)),
        ir_seed=int(rng.integers(0, 2**31 - 1)),
    )


def channel_ir(spec: ChannelSpec, sr: int) -> np.ndarray:
    """Impulse response of EQ followed by the room: a linear-phase FIR convolved with a
    direct path plus exponentially decaying noise tail."""
    nyq = sr / 2
    grid = np.linspace(0.0, nyq, 257)
    logf = np.log(np.clip(grid, EQ_FREQS[0], EQ_FREQS[-1]))
    gain_db = np.interp(logf, np.log(EQ_FREQS), spec.eq_db)
    eq = signal.firwin2(129, grid / nyq, 10 ** (gain_db / 20))
    rng = np.random.default_rng(spec.ir_seed)
    n = max(int(spec.rt60_s * sr), 16)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / spec.rt60_s)  # -60 dB at rt60
    tail[: int(0.003 * sr)] = 0.0  # first reflections arrive after the direct sound
    tail *= np.sqrt(spec.wet / max(np.sum(tail**2), 1e-12))
    room = tail
    room[0] = 1.0
    return signal.fftconvolve(eq, room).astype(np.float64)


def _one_pole_lowpass(x: np.ndarray, cutoff_hz: float, sr: int) -> np.ndarray:
    a = np.exp(-2 * np.pi * cutoff_hz / sr)
    return signal.lfilter([1 - a], [1, -a], x)


def voice_quality(
    y: np.ndarray,
    sr: int,
    *,
    breath: float,
    rough: float,
    tilt_db: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Apply breathiness, roughness and spectral tilt to float speech ``y``."""
    out = y.astype(np.float64)
    if tilt_db != 0.0:
        high = out - _one_pole_lowpass(out, 1000.0, sr)
        out = out + (10 ** (tilt_db / 20) - 1.0) * high
    if rough > 0.0:
        # slow random amplitude fluctuation (20-70 Hz band) mimics irregular voicing / creak
        mod = _one_pole_lowpass(rng.standard_normal(out.size), 60.0, sr)
        mod /= max(np.std(mod), 1e-12)
        out = out * np.clip(1.0 + rough * mod, 0.0, None)
    if breath > 0.0:
        env = _one_pole_lowpass(np.abs(out), 30.0, sr)
        noise = rng.standard_normal(out.size)
        noise = noise - _one_pole_lowpass(noise, 1500.0, sr)  # aspiration lives high up
        out = out + breath * 2.0 * env * noise
    return out


def apply_channel(
    y: np.ndarray, ir: np.ndarray, spec: ChannelSpec, rng: np.random.Generator
) -> np.ndarray:
    """Convolve with the speaker's impulse response and add the noise floor."""
    out = signal.fftconvolve(y, ir)[: y.size + ir.size // 4]
    noise = rng.standard_normal(out.size)
    if spec.noise_colour > 0:
        a = spec.noise_colour
        noise = signal.lfilter([1 - a], [1, -a], noise)
    noise *= 10 ** (spec.noise_dbfs / 20) / max(np.sqrt(np.mean(noise**2)), 1e-12)
    return out + noise
