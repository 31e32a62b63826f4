"""Name -> architecture: load what a ``deep.MODELS`` row names (network class, config class)
into one object the estimator builds from.

Imports no model module up front: a row's ``"module:Class"`` strings are imported when that
name is first resolved, so a new model (or a test's toy model) needs no line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

import deep
from deep.spec import ESTIMATOR, Recipe, plugin_row


@dataclass(frozen=True)
class Architecture:
    """How to build one registered deep model (a resolved ``deep.MODELS`` row)."""

    name: str
    """Registered model name."""
    network: Callable[..., nn.Module]
    """``network(config, n_features, n_classes)`` -> nn.Module with forward(x, lengths)."""
    config_cls: type
    """Frozen config dataclass of the network."""
    paper: str | None
    """Seed paper id (None for models outside the papers, e.g. a test's toy)."""
    recipe: Recipe
    """The paper's training recipe (optimiser and lr are the defaults of every profile)."""
    preset: Mapping[str, Any]
    """Config fields fixed by the model name (e.g. ``dilation=1`` for the EmoTech baseline)."""
    budgets: Mapping[str, Mapping[str, Any]]
    """Budget column (profile) -> config/training fields of that budget."""


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def names() -> list[str]:
    """Registered deep model names (in table order)."""
    return list(deep.MODELS)


def architecture(name: str) -> Architecture:
    """Resolve the row of ``name`` in ``deep.MODELS`` (read at call time, so rows added later,
    e.g. by a test, resolve too); a ``package.module:Class`` name not in the table is a deep
    plugin (:func:`deep.spec.plugin_row`)."""
    if name not in deep.MODELS and ":" in name:
        target, meta = plugin_row(name, _load(name))
    else:
        try:
            target, meta = deep.MODELS[name]
        except KeyError:
            raise ValueError(f"unknown deep model {name!r}; known: {sorted(deep.MODELS)}") from None
    if target != ESTIMATOR:
        raise ValueError(f"deep model {name!r} must target {ESTIMATOR}, not {target!r}")
    return Architecture(name=name, network=_load(meta["network"]),
                        config_cls=_load(meta["config"]), paper=meta["paper"],
                        recipe=meta["recipe"], preset=meta["preset"], budgets=meta["budgets"])
