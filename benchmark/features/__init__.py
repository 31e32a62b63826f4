"""Named feature extractors (registry ``FEATURES``) and batch extraction with caching.

Listing reads only registry metadata (kind, dim, description, paper), so importing this package
imports neither librosa nor opensmile; :func:`get_extractor` loads a family on first use.
``compute_features`` and ``FeatureTable`` live in :mod:`benchmark.features.compute` and are
re-exported lazily. A test checks that every ``dim`` here equals the real output dimension.

A name that is not a row here resolves through :mod:`benchmark.features.declared`: a plugin
function (``serbench.features`` entry point or ``package.module:function``) or the key of a
``[feature_sets.NAME]`` table declared in a suite.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from benchmark.registry import Registry

if TYPE_CHECKING:
    from benchmark.features.base import Extractor
    from benchmark.features.compute import FeatureTable, compute_features

__all__ = ["FEATURES", "EXTRACTORS", "get_extractor", "compute_features", "FeatureTable"]

def _resolve_declared(name: str) -> Any:
    from benchmark.features.declared import resolve_entry

    return resolve_entry(name)


FEATURES: Registry = Registry("feature set", resolver=_resolve_declared)

#: Built-in parametrised extractor families: name -> lazy ``"module:factory"`` where
#: ``factory(**params) -> Extractor``. A suite's ``[feature_sets.NAME]`` table names one of these
#: (or a ``serbench.features`` entry point, or ``pkg.mod:function``) as its ``extractor``; the
#: factory puts everything that changes its output into ``Extractor.params`` (the cache key).
EXTRACTORS: Registry = Registry("extractor family")
EXTRACTORS.register(
    "ssl", "benchmark.features.ssl:make_ssl_extractor", jit=False, extra="ssl",
    description="pretrained speech encoder (wav2vec 2.0, HuBERT, WavLM...) from a local folder",
    params={"model": "local folder or cached model id (required)",
            "layer": 'hidden state 0..L or "mean" (required)',
            "pooling": '"mean" (D) | "mean_std" (2D); functionals', "frames": "true: T x D frames",
            "normalize": "override the preprocessor's do_normalize", "device": "auto | cpu | cuda",
            "chunk_s": "window for long audio (default 20)"})

_L = "benchmark.features.librosa_feats"
_S = "benchmark.features.opensmile_feats"
_P = "benchmark.features.paper_feats"

# name, module, kind, dim, description, paper
_TABLE: tuple[tuple[str, str, str, int, str, str | None], ...] = (
    ("mfcc13_stats", _L, "functionals", 104, "13 MFCCs x 8 functionals (mean, std, min, max, p10/50/90, slope)", None),
    ("mfcc40_stats", _L, "functionals", 320, "40 MFCCs x 8 functionals", None),
    ("zcr_rms_stats", _L, "functionals", 16, "zero-crossing rate and RMS x 8 functionals", None),
    ("spectral_stats", _L, "functionals", 72, "spectral centroid, 7 contrast bands, rolloff x 8 functionals", None),
    ("chroma_stats", _L, "functionals", 96, "12 chroma bins x 8 functionals", None),
    ("pitch_stats", _L, "functionals", 17, "pYIN F0 (semitones, voiced frames) and voicing prob x 8 functionals + voiced fraction", None),
    ("loudness_stats", _L, "functionals", 8, "A-weighted frame loudness (dB) x 8 functionals", None),
    ("librosa_stats", _L, "functionals", 296, "mfcc13 + zcr_rms + spectral + chroma + loudness stats (no pitch)", None),
    ("mfcc13_frames", _L, "frames", 13, "13 MFCCs per 25 ms frame, 10 ms hop (paper 000's deep input)", "000"),
    ("mfcc39_frames", _L, "frames", 39, "13 MFCCs + deltas + delta-deltas per frame", None),
    ("logmel64_frames", _L, "frames", 64, "64-band log-mel (dB) per 25 ms frame, 10 ms hop", None),
    ("logmel128_frames", _L, "frames", 128, "128-band log-mel (dB) per 25 ms frame, 10 ms hop", None),
    ("egemaps_v02", _S, "functionals", 88, "openSMILE eGeMAPSv02 functionals", None),
    ("compare_2016", _S, "functionals", 6373, "openSMILE ComParE 2016 functionals", None),
    ("egemaps_v02_lld_frames", _S, "frames", 25, "openSMILE eGeMAPSv02 low-level descriptors per 10 ms", None),
    ("compare_2016_lld_frames", _S, "frames", 65, "openSMILE ComParE 2016 low-level descriptors per 10 ms", None),
    ("emotech141", _P, "functionals", 141, "13 MFCC means + 128 mel means in dB (paper 000)", "000"),
    ("zcr_rms_mfcc_frames", _P, "frames", 22, "ZCR + RMS + 20 MFCCs per 2048/512 frame (paper 001)", "001"),
    ("logmel_frames", _P, "frames", 64, "pre-emphasised, Hamming-windowed 64-band log-mel (paper 002)", "002"),
    ("mfcc_mel_zcr_rms", _P, "frames", 143, "13 MFCCs + 128 log-mel (pre-emphasised) + ZCR + RMS per frame (paper 003)", "003"),
    ("mel_mfcc_prosody", _P, "frames", 80, "64 log-mel + 13 MFCCs + F0, voicing prob, loudness per frame (paper 004)", "004"),
)

# jit: the extractor runs librosa's numba-compiled code (see benchmark.features.jit)
for _name, _module, _kind, _dim, _desc, _paper in _TABLE:
    FEATURES.register(_name, f"{_module}:{_name}", kind=_kind, dim=_dim, description=_desc, paper=_paper,
                      jit=_module != _S)


@cache
def get_extractor(name: str) -> Extractor:
    """The extractor registered as ``name``, or the plugin function or declared feature set
    it names (built once per process; unknown names raise)."""
    factory = FEATURES.get(name)
    extractor = factory()
    meta = FEATURES.meta(name)
    if FEATURES.is_builtin(name) and (extractor.kind != meta["kind"] or extractor.dim != meta["dim"]):
        raise RuntimeError(f"{name}: registry says {meta['kind']}/{meta['dim']} but the extractor "
                           f"is {extractor.kind}/{extractor.dim}; fix benchmark/features/__init__.py")
    return extractor


def __getattr__(attr: str) -> Any:
    # compute_features pulls pandas and tqdm: load it only when asked for
    if attr in ("compute_features", "FeatureTable"):
        from benchmark.features import compute

        return getattr(compute, attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
