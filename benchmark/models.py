"""The model registry: the classical and deep name tables merged into one lazy Registry.

``baselines`` and ``deep`` each declare ``MODELS = {name: ("module:Class", meta)}``; importing
those tables imports neither torch nor xgboost, so ``list models`` stays light.

Two metadata keys tell callers how to build a model without knowing its family:

* ``init``: constructor arguments the row fixes (every deep row: ``{"model": name}``, since all
  deep models are one estimator class that builds the named network);
* ``run_options``: run-level settings the model accepts (deep rows: ``("profile", "threads",
  "spec_augment")``); absent means none. :func:`run_options` reads it.

A name that is not built in is resolved as a plugin (:mod:`benchmark.plugins`: entry point
``serbench.models``, then ``package.module:Class``) into a row of the same form: a classical
plugin runs through :class:`benchmark.plugin_model.PluginClassifier`, a deep one through
``deep.estimator:DeepClassifier``; its ``plugin`` metadata is its provenance.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from benchmark.registry import Entry, Registry

PLUGIN_ESTIMATOR = "benchmark.plugin_model:PluginClassifier"
INPUTS = ("functionals", "frames")
DEFAULT_FEATURES = {"functionals": "egemaps_v02", "frames": "mfcc13_frames"}
"""Features of ``features = ["default"]`` for a plugin that declares none (as the built-ins)."""


def resolve_plugin(name: str) -> Entry:
    """The registry row of a plugin model (raises PluginError with one line)."""
    from benchmark.plugins import PluginError, resolve

    obj, info = resolve("model", name)
    where = f"model {name!r}" + (f" ({info.import_path})" if name != info.import_path else "")
    if not callable(obj):
        raise PluginError(f"{where} is not callable: name a class")
    family = getattr(obj, "serbench_family", "classical")
    if family == "deep":
        from deep.spec import plugin_row

        try:
            target, meta = plugin_row(info.import_path, obj)
        except (TypeError, ValueError) as exc:  # a bad serbench_recipe / serbench_budgets
            raise PluginError(f"{where}: {exc}") from None
    elif family == "classical":
        missing = [m for m in ("fit", "predict_proba") if not callable(getattr(obj, m, None))]
        if missing:
            raise PluginError(f"{where} is not a classifier: it has no {' or '.join(missing)} "
                              "(serbench needs fit(X, y), predict_proba(X) and classes_)")
        kind = getattr(obj, "serbench_input", "functionals")
        if kind not in INPUTS:
            raise PluginError(f"{where}: serbench_input must be one of {INPUTS}, got {kind!r}")
        doc = (inspect.getdoc(obj) or "").strip().splitlines()
        target, meta = PLUGIN_ESTIMATOR, {
            "family": "classical", "input": kind,
            "default_features": getattr(obj, "serbench_default_features", DEFAULT_FEATURES[kind]),
            "description": doc[0] if doc else f"plugin {info.import_path}", "paper": None,
            "init": {"plugin": info.import_path},
            "wants_groups": bool(getattr(obj, "serbench_wants_groups", False)),
        }
    else:
        raise PluginError(f"{where}: serbench_family must be 'classical' or 'deep', got {family!r}")
    meta["plugin"] = info.as_dict()
    return Entry(name, target, meta)


def build_registry(*tables: Mapping[str, tuple[str, dict[str, Any]]]) -> Registry:
    """One Registry from name tables (default: the classical and the deep table); names that
    are not in them resolve as plugins."""
    if not tables:
        from baselines import MODELS as CLASSICAL
        from deep import MODELS as DEEP

        tables = (CLASSICAL, DEEP)
    reg: Registry = Registry("model", resolver=resolve_plugin)
    for table in tables:
        for name, (target, meta) in table.items():
            reg.register(name, target, **meta)
    return reg


MODELS: Registry = build_registry()


def run_options(name: str, registry: Registry | None = None) -> tuple[str, ...]:
    """Run-level settings (e.g. ``profile``, ``threads``) the model ``name`` accepts."""
    return tuple((registry or MODELS).meta(name).get("run_options", ()))


def make_model(name: str, *, seed: int, registry: Registry | None = None, **params: Any):
    """Instantiate a registered estimator with its row's ``init`` arguments, ``params`` and
    ``seed``."""
    reg = registry or MODELS
    entry = reg.entry(name)
    init = dict(entry.meta.get("init", {}))
    clash = sorted(set(init) & set(params))
    if clash:
        raise ValueError(f"{clash} are fixed by the registry entry of {name!r}")
    return entry.load()(seed=seed, **init, **params)
