"""Feature sets that are not built-in rows: plugin functions and sets declared in a suite.

A suite's ``[feature_sets.NAME]`` table (``extractor = ...`` plus parameters) becomes a *feature
key*, one string that every process resolves by itself, so the declaration travels with each
job to local and Dask workers without registering anything::

    NAME@{"extractor":"my_pkg.feats:energy","params":{"n_bands":8}}

:func:`display_name` gives back ``NAME`` (records and reports use it); the whole key enters the
job's identity and the cache key. The ``extractor`` is a built-in parametrised family
(``benchmark.features.EXTRACTORS``: ``factory(**params) -> Extractor``), a ``serbench.features``
entry point, or ``package.module:function``. A plugin function named directly in a run
(``features = ["my_pkg.feats:energy"]``) is the same with no parameters.

A plugin function's output kind (1-D functionals, 2-D frames) and dimension are read off one
call on :func:`probe_signal`; its cache key holds its import path, distribution and version (or
source sha256) and its parameters, so a new release or an edited file never reads stale arrays.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

SEP = "@"
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
PROBE_SR = 16_000


def feature_key(name: str, extractor: str, params: Mapping[str, Any]) -> str:
    """The key of a declared feature set (canonical JSON: equal declarations, equal keys)."""
    spec = {"extractor": extractor, "params": _plain(params)}
    return f"{name}{SEP}{json.dumps(spec, sort_keys=True, separators=(',', ':'))}"


def _plain(value: Any) -> Any:
    """Frozen suite values (tuples of pairs) back to JSON lists and tables."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def parse_key(key: str) -> tuple[str, str, dict[str, Any]]:
    """(name, extractor, params) of a declared key."""
    name, _, blob = key.partition(SEP)
    spec = json.loads(blob)
    return name, str(spec["extractor"]), dict(spec.get("params") or {})


def display_name(key: str) -> str:
    """What records and reports call the feature set (the declared name, or the key itself)."""
    return key.partition(SEP)[0]


def is_declared(key: str) -> bool:
    return SEP in key


def cache_folder(key: str) -> str:
    """A safe cache folder name for ``key`` (entries are keyed by the whole key anyway)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", display_name(key))


@functools.cache
def probe_signal(sr: int = PROBE_SR) -> np.ndarray:
    """One second of a fixed voiced test signal (150 Hz harmonics and faint noise)."""
    t = np.arange(sr) / sr
    y = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6))
    y = 0.3 * y / np.max(np.abs(y)) + 0.003 * np.random.default_rng(0).standard_normal(sr)
    return y.astype(np.float32)


class _PluginCall:
    """``Extractor.fn`` for a plugin: calls ``fn(y, sr, **params)`` and ignores the
    provenance entries that ``Extractor.params`` adds for the cache key."""

    def __init__(self, fn: Callable[..., np.ndarray], params: Mapping[str, Any]) -> None:
        self.fn = fn
        self.params = dict(params)

    def __call__(self, y: np.ndarray, sr: int, **_identity: Any) -> np.ndarray:
        return self.fn(y, sr, **self.params)


def plugin_extractor(name: str, fn: Any, info: Any, params: Mapping[str, Any]) -> Any:
    """An Extractor around a plugin function (``info``: its :class:`PluginInfo`)."""
    from benchmark.features.base import Extractor
    from benchmark.plugins import PluginError

    where = f"feature function {info.import_path}"
    if not callable(fn):
        raise PluginError(f"{where} is not callable: name a function f(y, sr) -> np.ndarray")
    call = _PluginCall(fn, params)
    try:
        out = np.asarray(call(probe_signal(), PROBE_SR))
    except Exception as exc:  # a definition error: one line at validation, not per utterance
        raise PluginError(f"{where} failed on serbench's 1 s probe signal: "
                          f"{type(exc).__name__}: {exc}") from None
    if out.ndim not in (1, 2) or out.shape[-1] == 0:
        raise PluginError(f"{where} returned shape {out.shape} on serbench's probe signal: "
                          "expected a 1-D vector (functionals) or a 2-D frames x dims array (frames)")
    kind = "functionals" if out.ndim == 1 else "frames"
    dim = int(out.shape[-1])
    columns = list(getattr(fn, "serbench_columns", None) or
                   [f"{display_name(name)}_{i}" for i in range(dim)])
    identity = {"extractor": info.import_path, "distribution": info.distribution,
                "version": info.version, "source_sha256": info.source_sha256}
    return Extractor(name=display_name(name), kind=kind, dim=dim, params={**identity, **dict(params)},
                     column_names=columns, fn=call)


def resolve_entry(key: str) -> Any:
    """The registry row of a feature key that is not built in (``FEATURES``' resolver)."""
    from benchmark.features import EXTRACTORS, FEATURES
    from benchmark.plugins import PluginError, resolve
    from benchmark.registry import Entry

    if is_declared(key):
        name, extractor, params = parse_key(key)
        if extractor in EXTRACTORS:
            # built here, so a bad parameter or a missing model folder is one line at
            # validation, before any run folder exists
            family = _family_extractor(extractor, key, params)
            return Entry(key, lambda: family,
                         {"kind": family.kind, "dim": family.dim,
                          "jit": EXTRACTORS.meta(extractor).get("jit", False),
                          "declared": {"name": name, "extractor": extractor, "params": params},
                          "description": f"{extractor} with {params}"})
        if extractor in FEATURES.names():
            raise PluginError(f"feature set {name!r}: extractor {extractor!r} is a built-in feature "
                              "set, not an extractor family; name it in features directly")
        fn, info = resolve("feature", extractor)
        built = plugin_extractor(key, fn, info, params)  # fails here, in one line
        return Entry(key, lambda: built,
                     {"kind": built.kind, "dim": built.dim, "declared": {"name": name, "extractor": extractor, "params": params},
                      "plugin": info.as_dict(), "description": f"{info.import_path} with {params}"})
    fn, info = resolve("feature", key)
    built = plugin_extractor(key, fn, info, {})
    return Entry(key, lambda: built, {"kind": built.kind, "dim": built.dim, "plugin": info.as_dict(), "description": f"plugin {info.import_path}"})


def _family_extractor(family: str, key: str, params: Mapping[str, Any]) -> Any:
    from dataclasses import replace

    from benchmark.features import EXTRACTORS

    return replace(EXTRACTORS.get(family)(**params), name=display_name(key))
