"""Waveform and spectrogram transforms and the named augmentation policies (``AUGMENTATIONS``).

This module sits below feature extraction (``features/compute.py`` applies a policy's variant
to the audio it reads); the train-only guard that decides *which* utterances may be augmented
lives above it, in :mod:`benchmark.augment`.

A policy is a tuple of *variants*; variant ``k`` of utterance ``u`` is a waveform transform
whose random draws come from :func:`item_rng` ``(policy, seed, u, k)`` (a hash, never global
state), so the same (seed, utterance, variant) always gives the same audio and the cache can
key on it. audiomentations does the signal work (Signalsmith pitch shift / time stretch,
roll) with parameters *frozen* to the values we draw, because its own parameter sampling uses
Python's global ``random``; noise is drawn with numpy from the same per-item generator.

Policies and our reading of each paper (papers leave values out; choices are stated):

- ``none``: no copies. ``noise``: white Gaussian noise at an SNR drawn from U(10, 30) dB.
  ``pitch``: pitch shift U(-2, 2) semitones. ``stretch``: time stretch, rate U(0.8, 1.25).
  ``shift``: circular roll by U(-0.25, 0.25) s. ``specaugment``: no waveform copies; deep
  training applies :func:`spec_augment` on the fly (``spectrogram=True``).
- ``paper000``: two copies per utterance, pitch +2 semitones and time stretch rate 1.2 (the
  paper: "adjusted the pitch by two semitones", "1.2 times its original speed"), and random
  over-sampling of minority classes. Over-sampling happens only in :func:`augment_training`
  / :func:`leaky_pool`, which know the labels: each class is topped up to the largest class by
  drawing its utterances at random with replacement; a drawn utterance ``u`` (j-th time) adds
  ``u~paper000~os{j}`` (its original features) and ``u~paper000~os{j}.{k}`` (its copy k), which
  is the paper's order (balance, then 2 copies of every sample) since the copies are fixed.
- ``paper001`` (EmoAugNet): noise = N(0,1) * 0.035 * U(0,1) * peak amplitude; pitch shift by
  U(-1, 1) semitones; slow (rate 0.8) and fast (rate 1.25) time stretch (the paper's stretch
  bullet is empty; these are the usual values); roll by U(-5000, 5000) samples. Each component
  alone, with these settings, is ``paper001_noise`` / ``_pitch`` / ``_stretch`` (slow and fast:
  two copies) / ``_roll``: the very copies ``paper001`` makes of that component (``shares``),
  so they cost nothing more and the single-component rows differ from the full one only in
  which copies they add; the generic ``noise`` .. ``shift`` stay available. "These were
  also combined ... such as adding noise to audio that was already pitch-shifted or
  time-stretched ... a total of 10 audio samples": our 10 variants are the 5 single
  transforms, noise added after each of the other 4, and pitch shift after slow stretch.
- ``paper003``: white noise (one noisy copy; SNR U(10, 30) dB, level not given) plus
  spectrogram-level SpecAugment time/frequency masks and spectrogram shift ("0.25 to the
  right"), flagged ``spectrogram=True`` and applied on the fly by deep training.
- ``paper004``: three copies: time stretch U(0.8, 1.25), pitch shift U(-2, 2) semitones,
  white noise SNR U(10, 30) dB (the paper gives no values).

"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmark.registry import Registry

Transform = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


# ------------------------------------------------------------------------------- transforms


def _frozen(transform: Any, **parameters: Any) -> Any:
    """An audiomentations transform that applies exactly ``parameters`` (no global RNG)."""
    transform.parameters = {"should_apply": True, **parameters}
    transform.freeze_parameters()
    return transform


@dataclass(frozen=True)
class PeakNoise:
    """y + N(0,1) * scale * U(0,1) * max|y| (paper 001's noise)."""

    scale: float = 0.035

    def __call__(self, y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        amp = self.scale * rng.uniform() * float(np.max(np.abs(y)))
        return (y + amp * rng.standard_normal(y.shape[0])).astype(np.float32)


@dataclass(frozen=True)
class SnrNoise:
    """White Gaussian noise at an SNR (dB) drawn from U(min_db, max_db) relative to the RMS."""

    min_db: float = 10.0
    max_db: float = 30.0

    def __call__(self, y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        snr = rng.uniform(self.min_db, self.max_db)
        rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
        return (y + rms / 10 ** (snr / 20) * rng.standard_normal(y.shape[0])).astype(np.float32)


@dataclass(frozen=True)
class Pitch:
    """Pitch shift by U(low, high) semitones (low == high: a fixed shift), length unchanged."""

    low: float
    high: float

    def __call__(self, y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        from audiomentations import PitchShift

        n = float(rng.uniform(self.low, self.high)) if self.high > self.low else float(self.low)
        t = _frozen(PitchShift(min_semitones=n, max_semitones=n, p=1.0), num_semitones=n)
        return np.asarray(t(y.astype(np.float32), sr), dtype=np.float32)


@dataclass(frozen=True)
class Stretch:
    """Time stretch by a rate in U(low, high) (>1 = faster, shorter), pitch unchanged."""

    low: float
    high: float

    def __call__(self, y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        from audiomentations import TimeStretch

        rate = float(rng.uniform(self.low, self.high)) if self.high > self.low else float(self.low)
        t = _frozen(TimeStretch(min_rate=rate, max_rate=rate, leave_length_unchanged=False, p=1.0),
                    rate=rate)
        return np.asarray(t(y.astype(np.float32), sr), dtype=np.float32)


@dataclass(frozen=True)
class Roll:
    """Circular shift by an integer number of samples in [-max_samples, max_samples]
    (``max_s`` seconds instead when given)."""

    max_samples: int = 0
    max_s: float | None = None

    def __call__(self, y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        from audiomentations import Shift

        m = int(round(self.max_s * sr)) if self.max_s is not None else int(self.max_samples)
        n = int(rng.integers(-m, m + 1))
        t = _frozen(Shift(min_shift=n, max_shift=n, shift_unit="samples", rollover=True,
                          fade_duration=0.0, p=1.0), shift_amount=n)
        return np.asarray(t(y.astype(np.float32), sr), dtype=np.float32)


@dataclass(frozen=True)
class Chain:
    """Apply transforms in order, all drawing from the same per-item generator."""

    steps: tuple[Transform, ...]

    def __call__(self, y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        for step in self.steps:
            y = step(y, sr, rng)
        return y


# ---------------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class Policy:
    """A named list of waveform variants plus flags for what training does on top."""

    name: str
    variants: tuple[tuple[str, Transform], ...]
    description: str
    paper: str | None = None
    spectrogram: bool = False  # deep training also applies spec_augment on the fly
    oversample: bool = False  # augment_training tops minority classes up with duplicates
    version: int = 1  # bump when a transform changes: it is part of the cache key
    shares: str | None = None
    """A policy whose variants of the same names these are: same draws, same audio, same
    cache entries (paper 001's single components are copies its 10-variant policy also
    makes, so an ablation running both computes each once and compares like with like)."""

    @property
    def n_variants(self) -> int:
        return len(self.variants)

    @property
    def variant_names(self) -> list[str]:
        return [v for v, _ in self.variants]

    def identity(self, variant: int) -> tuple[Policy, int]:
        """The (policy, variant index) that owns variant ``variant``'s draws: itself, or the
        same-named variant of the policy it ``shares``."""
        if not 0 <= variant < self.n_variants:
            raise ValueError(f"{self.name}: variant {variant} out of range 0..{self.n_variants - 1}")
        if self.shares is None:
            return self, variant
        owner = get_policy(self.shares)
        name, transform = self.variants[variant]
        index = owner.variant_names.index(name)
        if owner.variants[index][1] != transform:
            raise ValueError(f"{self.name}/{name} differs from {owner.name}/{name}, which it shares")
        return owner, index

    def apply(self, y: np.ndarray, sr: int, *, seed: int, utt_id: str, variant: int) -> np.ndarray:
        """Variant ``variant`` of waveform ``y`` for utterance ``utt_id`` (deterministic)."""
        owner, index = self.identity(variant)
        out = self.variants[variant][1](np.asarray(y, dtype=np.float32), sr,
                                        item_rng(owner.name, seed, utt_id, index))
        if out.ndim != 1 or out.size == 0 or not np.isfinite(out).all():
            raise ValueError(f"{self.name}/{self.variants[variant][0]} produced unusable audio")
        return out

    def cache_spec(self, seed: int, utt_id: str, variant: int) -> dict[str, Any]:
        """What identifies one augmented copy in the feature cache (a shared variant: its
        owner's copy)."""
        owner, index = self.identity(variant)
        return {"policy": owner.name, "policy_version": owner.version, "seed": int(seed),
                "utt_id": utt_id, "variant": int(index), "audiomentations": _AUDIOMENTATIONS}


# the transforms' library version enters the cache key (read without importing it: cache hits
# should not pay for audiomentations' imports)
_AUDIOMENTATIONS = importlib.metadata.version("audiomentations")


def item_rng(policy: str, seed: int, utt_id: str, variant: int) -> np.random.Generator:
    """A generator seeded by sha256(policy, seed, utt_id, variant): independent of call order."""
    digest = hashlib.sha256(f"{policy}|{int(seed)}|{utt_id}|{int(variant)}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


_NOISE = SnrNoise(10.0, 30.0)
_P001_NOISE = PeakNoise(0.035)
_P001_PITCH = Pitch(-1.0, 1.0)
_P001_SLOW = Stretch(0.8, 0.8)
_P001_FAST = Stretch(1.25, 1.25)
_P001_ROLL = Roll(max_samples=5000)

_POLICIES: tuple[Policy, ...] = (
    Policy("none", (), "no augmentation"),
    Policy("noise", (("noise", _NOISE),), "white noise, SNR U(10, 30) dB"),
    Policy("pitch", (("pitch", Pitch(-2.0, 2.0)),), "pitch shift U(-2, 2) semitones"),
    Policy("stretch", (("stretch", Stretch(0.8, 1.25)),), "time stretch, rate U(0.8, 1.25)"),
    Policy("shift", (("shift", Roll(max_s=0.25)),), "circular roll U(-0.25, 0.25) s"),
    Policy("specaugment", (), "SpecAugment time/frequency masks + shift, applied on the fly in training",
           spectrogram=True),
    Policy("paper000", (("pitch+2", Pitch(2.0, 2.0)), ("stretch1.2", Stretch(1.2, 1.2))),
           "pitch +2 st and stretch x1.2 copies, plus minority over-sampling (paper 000)",
           paper="000", oversample=True),
    Policy("paper001", (
        ("noise", _P001_NOISE), ("pitch", _P001_PITCH), ("slow", _P001_SLOW), ("fast", _P001_FAST),
        ("roll", _P001_ROLL),
        ("pitch+noise", Chain((_P001_PITCH, _P001_NOISE))),
        ("slow+noise", Chain((_P001_SLOW, _P001_NOISE))),
        ("fast+noise", Chain((_P001_FAST, _P001_NOISE))),
        ("roll+noise", Chain((_P001_ROLL, _P001_NOISE))),
        ("slow+pitch", Chain((_P001_SLOW, _P001_PITCH))),
    ), "10 copies: noise, pitch, slow/fast stretch, roll and combinations (paper 001)", paper="001"),
    # paper 001's single components with the paper's own settings (table c of the ablation)
    Policy("paper001_noise", (("noise", _P001_NOISE),),
           "paper 001 noise: N(0,1) x 0.035 x U(0,1) x peak", paper="001", shares="paper001"),
    Policy("paper001_pitch", (("pitch", _P001_PITCH),), "paper 001 pitch shift U(-1, 1) semitones",
           paper="001", shares="paper001"),
    Policy("paper001_stretch", (("slow", _P001_SLOW), ("fast", _P001_FAST)),
           "paper 001 time stretch: rates 0.8 and 1.25 (two copies)", paper="001",
           shares="paper001"),
    Policy("paper001_roll", (("roll", _P001_ROLL),), "paper 001 roll by U(-5000, 5000) samples",
           paper="001", shares="paper001"),
    Policy("paper003", (("noise", _NOISE),),
           "white-noise copy + SpecAugment masks and shift on the fly (paper 003)",
           paper="003", spectrogram=True),
    Policy("paper004", (("stretch", Stretch(0.8, 1.25)), ("pitch", Pitch(-2.0, 2.0)), ("noise", _NOISE)),
           "time stretch, pitch shift and noise copies (paper 004)", paper="004"),
)

AUGMENTATIONS: Registry = Registry("augmentation")
for _p in _POLICIES:
    AUGMENTATIONS.register(
        _p.name, _p, description=_p.description, paper=_p.paper, n_variants=_p.n_variants,
        spectrogram=_p.spectrogram, spectrogram_only=_p.spectrogram and _p.n_variants == 0,
        oversample=_p.oversample,
    )


def get_policy(name: str) -> Policy:
    """The registered policy ``name`` (unknown names raise with suggestions)."""
    return AUGMENTATIONS.get(name)


# -------------------------------------------------------------------------- spectrogram level


def spec_augment(frames: np.ndarray, rng: np.random.Generator, *, n_time_masks: int = 2,
                 max_time_frac: float = 0.1, n_freq_masks: int = 2, max_freq_frac: float = 0.15,
                 max_shift_frac: float = 0.25) -> np.ndarray:
    """SpecAugment-style copy of (T, D) ``frames``: a circular time shift of up to
    ``max_shift_frac`` of T (paper 003's spectrogram shift), then time and frequency masks of
    random width (up to the given fractions) filled with each column's mean, so a masked cell
    looks "average" rather than silent. ``rng`` makes it reproducible; the input is untouched.
    """
    x = np.array(frames, dtype=np.float32, copy=True)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"spec_augment expects (T, D) frames, got shape {x.shape}")
    T, D = x.shape
    fill = x.mean(axis=0)
    max_shift = int(max_shift_frac * T)
    if max_shift > 0:
        x = np.roll(x, int(rng.integers(-max_shift, max_shift + 1)), axis=0)
    for _ in range(n_time_masks):
        w = int(rng.integers(0, max(1, int(max_time_frac * T)) + 1))
        t0 = int(rng.integers(0, T - w + 1))
        x[t0:t0 + w] = fill
    for _ in range(n_freq_masks):
        w = int(rng.integers(0, max(1, int(max_freq_frac * D)) + 1))
        f0 = int(rng.integers(0, D - w + 1))
        x[:, f0:f0 + w] = fill[f0:f0 + w]
    return x
