"""Fixture-tree helpers for the corpus loader tests: tiny generated wav files (0.1 s, 16 kHz)
written under tmp_path with the names each corpus's convention prescribes."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 16_000
SECONDS = 0.1


def write_wav(path: Path, seconds: float = SECONDS, sr: int = SR, freq: float = 220.0) -> Path:
    """A short sine tone (seeded by nothing: fully deterministic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(round(seconds * sr))) / sr
    sf.write(str(path), (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sr, subtype="PCM_16")
    return path


def write_zero_bytes(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def write_corrupt(path: Path) -> Path:
    """A file with a .wav name whose header is garbage."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFX\x00\x01garbage-not-a-wave-header" * 4)
    return path


def build_tree(root: Path, names: Iterable[str]) -> list[Path]:
    """Write one short wav per relative name under ``root``."""
    return [write_wav(root / n) for n in names]


class Wavs:
    """The helpers above as one fixture object (test modules do not import conftest)."""

    write = staticmethod(write_wav)
    zero_bytes = staticmethod(write_zero_bytes)
    corrupt = staticmethod(write_corrupt)
    tree = staticmethod(build_tree)
    seconds = SECONDS


@pytest.fixture
def wavs() -> type[Wavs]:
    return Wavs


@pytest.fixture
def emodb_root() -> Path:
    """The real EmoDB copy: ``<repo>/../shared/data/emodb`` or ``$SERBENCH_SHARED_DATA/emodb``."""
    override = os.environ.get("SERBENCH_SHARED_DATA")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    root = (base / "emodb").resolve()
    if not (root / "wav").is_dir():
        pytest.skip(f"real EmoDB not found at {root} (set SERBENCH_SHARED_DATA to the shared data folder)")
    return root
