"""The row format of the deep name table (``deep.MODELS``), as plain data: no torch here.

A deep model is its network module plus ONE row built by :func:`deep_model`::

    deep_model("cnn_bilstm", "deep.cnn_bilstm:CnnBilstm", paper="003",
               features="mfcc_mel_zcr_rms", recipe=Recipe("adam", 1e-3, 150, 32, ...),
               budgets={"default": {"n_frames": 64}}, description="...")

Every row's registry target is the one estimator class ``deep.estimator:DeepClassifier``; its
metadata says how to build the network (lazy ``"module:Class"`` strings for the network and its
config dataclass), the paper's training recipe, config fields fixed by the model name
(``preset``), per-profile input budgets, and what ``benchmark.models.make_model`` passes to the
estimator (``init``: ``{"model": name}``) and what run-level settings the model takes
(``run_options``). Listing models reads only this metadata, so it never imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

ESTIMATOR = "deep.estimator:DeepClassifier"
"""Registry target of every deep model: one estimator class, the row names the network."""

RUN_OPTIONS: tuple[str, ...] = ("profile", "threads", "spec_augment", "device", "n_sources")
"""Run-level settings every deep model accepts as constructor parameters (the runner passes
the ones a row lists in ``meta["run_options"]``, so it needs no per-family branch)."""

MONITORS = ("loss", "acc", "ua")
"""Quantities training can monitor (on validation when present, else on training batches)."""


@dataclass(frozen=True)
class Recipe:
    """A paper's training recipe: what the paper states, and our documented reading where it
    is silent (the model module's docstring says which is which). The field names are
    ``deep.training.TrainSettings`` fields, so the ``paper`` profile is this recipe verbatim;
    the other profiles take only ``optimiser`` and ``lr`` from it."""

    optimiser: str
    """'adam' | 'rmsprop' | 'sgd' (torch's default betas/alpha/eps)."""
    lr: float
    """Initial learning rate."""
    max_epochs: int
    """Epoch cap."""
    batch_size: int
    """Mini-batch size."""
    max_steps: int | None = None
    """Optimiser-step cap (paper 002: 1000 iterations); None: none."""
    patience: int | None = None
    """Early-stopping patience in epochs on ``monitor``; None: no early stopping."""
    monitor: str = "loss"
    """Monitored quantity for early stopping, the LR schedule and the best epoch: 'loss',
    'acc' or 'ua' (validation when given)."""
    lr_patience: int | None = None
    """ReduceLROnPlateau patience on ``monitor``; None: constant learning rate."""
    lr_factor: float = 0.1
    """ReduceLROnPlateau factor (Keras' default)."""
    min_lr: float = 0.0
    """ReduceLROnPlateau floor (Keras' default)."""
    restore_best: bool = False
    """Keep the best epoch's weights (Keras ``restore_best_weights`` / checkpointing); False:
    the final weights."""
    grad_clip: float | None = None
    """Max gradient norm; None: no clipping."""

    def __post_init__(self) -> None:
        if self.monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {MONITORS}, got {self.monitor!r}")

    def training(self) -> dict[str, Any]:
        """The recipe as TrainSettings keyword arguments."""
        return asdict(self)


def deep_model(name: str, network: str, *, paper: str | None, features: str, recipe: Recipe,
               description: str, config: str | None = None,
               preset: Mapping[str, Any] | None = None,
               budgets: Mapping[str, Mapping[str, Any]] | None = None,
               ) -> tuple[str, tuple[str, dict[str, Any]]]:
    """One name-table row: ``(name, (ESTIMATOR, meta))``, ready for ``dict([...])``.

    ``network`` is a lazy ``"module:Class"`` whose class is called as
    ``Class(config, n_features, n_classes)`` and returns logits from ``forward(x, lengths)``;
    ``config`` defaults to the same module's ``<Class>Config`` dataclass. ``preset`` fixes
    config fields for this name (a variant of a shared network). ``budgets`` maps a profile's
    budget column ("ci", "default") to config or training fields that keep that profile inside
    its time budget (input length, layout, frame pooling).
    """
    if ":" not in network:
        raise ValueError(f"network must be a 'module:Class' string, got {network!r}")
    return name, (ESTIMATOR, {
        "family": "deep", "input": "frames", "default_features": features, "paper": paper,
        "description": description,
        "init": {"model": name},
        "run_options": RUN_OPTIONS,
        "network": network,
        "config": config or f"{network}Config",
        "recipe": recipe,
        "preset": dict(preset or {}),
        "budgets": {k: dict(v) for k, v in (budgets or {}).items()},
    })


@dataclass(frozen=True)
class PluginConfig:
    """The config of a deep plugin that declares none (``serbench_config``)."""

    n_frames: int | None = None
    """Fixed frame count (zero-pad / centre-crop), or None for variable length with masks."""


PLUGIN_RECIPE = Recipe("adam", 1e-3, max_epochs=30, batch_size=32, patience=5, restore_best=True)
"""Training recipe of a deep plugin that declares none (``serbench_recipe``)."""


def plugin_row(import_path: str, network: Any) -> tuple[str, dict[str, Any]]:
    """The row of a deep network from outside serbench (``serbench_family = "deep"``), trained
    by serbench's own trainer exactly like a built-in row.

    ``network`` is a ``torch.nn.Module`` class (or factory) called as ``network(config,
    n_features, n_classes)``; ``forward(x, lengths)`` returns logits, ``x`` a (batch, T, dims)
    float tensor of frames. Optional attributes: ``serbench_config`` (a frozen dataclass with an
    ``n_frames`` field; default :class:`PluginConfig`), ``serbench_recipe`` (a :class:`Recipe`
    or a dict of its fields; default :data:`PLUGIN_RECIPE`), ``serbench_budgets`` (per profile
    budget column, config/training fields, as ``deep_model``'s ``budgets``),
    ``serbench_default_features`` (default ``mfcc13_frames``). The row names the network by
    ``import_path``, so every process resolves it by itself.
    """
    recipe = getattr(network, "serbench_recipe", PLUGIN_RECIPE)
    if isinstance(recipe, Mapping):
        recipe = Recipe(**recipe)
    if not isinstance(recipe, Recipe):
        raise TypeError(f"{import_path}.serbench_recipe must be a deep.spec.Recipe or a dict of its fields")
    config = (f"{import_path}.serbench_config" if hasattr(network, "serbench_config")
              else "deep.spec:PluginConfig")
    doc = (getattr(network, "__doc__", None) or "").strip().splitlines()
    return ESTIMATOR, {
        "family": "deep", "input": "frames",
        "default_features": getattr(network, "serbench_default_features", "mfcc13_frames"),
        "paper": None, "description": doc[0] if doc else f"plugin {import_path}",
        "init": {"model": import_path},
        "run_options": RUN_OPTIONS,
        "network": import_path,
        "config": config,
        "recipe": recipe,
        "preset": {},
        "budgets": {k: dict(v) for k, v in (getattr(network, "serbench_budgets", None) or {}).items()},
    }
