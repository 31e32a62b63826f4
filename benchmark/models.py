"""The model registry: the classical and deep name tables merged into one lazy Registry.

``baselines`` and ``deep`` each declare ``MODELS = {name: ("module:Class", meta)}``; importing
those tables imports neither torch nor xgboost, so ``list models`` stays light.

Two metadata keys tell callers how to build a model without knowing its family:

* ``init``: constructor arguments the row fixes (every deep row: ``{"model": name}``, since all
  deep models are one estimator class that builds the named network);
* ``run_options``: run-level settings the model accepts (deep rows: ``("profile", "threads",
  "spec_augment")``); absent means none. :func:`run_options` reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmark.registry import Registry


def build_registry(*tables: Mapping[str, tuple[str, dict[str, Any]]]) -> Registry:
    """One Registry from name tables (default: the classical and the deep table)."""
    if not tables:
        from baselines import MODELS as CLASSICAL
        from deep import MODELS as DEEP

        tables = (CLASSICAL, DEEP)
    reg: Registry = Registry("model")
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
