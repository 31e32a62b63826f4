"""The model registry: the classical and deep name tables merged into one lazy Registry.

``baselines`` and ``deep`` each declare ``MODELS = {name: ("module:Class", meta)}``; importing
those tables imports neither torch nor xgboost, so ``list models`` stays light.
"""

from __future__ import annotations

from typing import Any

from benchmark.registry import Registry


def _build() -> Registry:
    from baselines import MODELS as CLASSICAL
    from deep import MODELS as DEEP

    reg: Registry = Registry("model")
    for table in (CLASSICAL, DEEP):
        for name, (target, meta) in table.items():
            reg.register(name, target, **meta)
    return reg


MODELS: Registry = _build()


def make_model(name: str, *, seed: int, **params: Any):
    """Instantiate a registered estimator with its parameters and seed."""
    cls = MODELS.get(name)
    return cls(seed=seed, **params)
