"""openSMILE feature family: eGeMAPSv02 and ComParE 2016, functionals and low-level frames.

A ``opensmile.Smile`` object parses its configuration on creation, so each process keeps one
per (feature set, level) in :data:`_SMILES` and reuses it for every file. Audio arrives through
``load_audio`` like every other family (mono float32, 16 kHz by default, DC removed) and is
passed to ``Smile.process_signal``; on a 16 kHz mono file this equals ``Smile.process_file``
up to float rounding (tested).
"""

from __future__ import annotations

import numpy as np
import opensmile

from benchmark.features.base import Extractor, make_extractor

_SMILES: dict[tuple[str, str], opensmile.Smile] = {}


def smile(feature_set: str, feature_level: str) -> opensmile.Smile:
    """The process-wide Smile object for ``feature_set`` x ``feature_level`` (built once)."""
    key = (feature_set, feature_level)
    if key not in _SMILES:
        _SMILES[key] = opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, feature_set),
                                       feature_level=getattr(opensmile.FeatureLevel, feature_level))
    return _SMILES[key]


def _process(y: np.ndarray, sr: int, *, feature_set: str, feature_level: str,
             opensmile_version: str) -> np.ndarray:
    values = smile(feature_set, feature_level).process_signal(y, sr).to_numpy(dtype=np.float32)
    return values[0] if feature_level == "Functionals" else values


def _build(name: str, feature_set: str, feature_level: str) -> Extractor:
    kind = "functionals" if feature_level == "Functionals" else "frames"
    cols = list(smile(feature_set, feature_level).feature_names)
    return make_extractor(name, kind, cols, _process, feature_set=feature_set,
                          feature_level=feature_level, opensmile_version=opensmile.__version__)


def egemaps_v02() -> Extractor:
    return _build("egemaps_v02", "eGeMAPSv02", "Functionals")


def compare_2016() -> Extractor:
    return _build("compare_2016", "ComParE_2016", "Functionals")


def egemaps_v02_lld_frames() -> Extractor:
    return _build("egemaps_v02_lld_frames", "eGeMAPSv02", "LowLevelDescriptors")


def compare_2016_lld_frames() -> Extractor:
    return _build("compare_2016_lld_frames", "ComParE_2016", "LowLevelDescriptors")
