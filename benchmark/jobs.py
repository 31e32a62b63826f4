"""Job identity: one (corpus, protocol, fold, features, model, variant, augmentation, seed).

A job's ``run_id`` is the hash of its resolved identity (fold hash included), so the same
job in a later run (``--resume``) has the same id, and two models in one run that share a
fold share its hash: every model sees identical folds. A job that runs a plugin (a model or
feature function from outside serbench) adds the plugin's identity (import path, distribution
and version or source hash) to it, so a new release of the plugin is a new job; jobs of
built-ins only keep the ids they always had.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from benchmark.models import run_options
from benchmark.splits import Fold

#: run parameters that are fold-level preprocessing steps, not model parameters
PREPROCESSING_PARAMS = ("speaker_norm",)


def freeze_params(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(params.items()))


@dataclass(frozen=True)
class Job:
    suite: str
    corpus: str
    label_set: str | None
    protocol: str
    fold: Fold
    n_folds: int
    fold_key: str
    """Key of the fold set (corpus, protocol, seed, pool policy) the fold belongs to."""
    model: str
    family: str
    features: str
    variant: str
    params: tuple[tuple[str, Any], ...]
    augmentation: str
    seed: int
    profile: str
    sr: int
    tables: tuple[str, ...] = field(default=(), compare=False)
    preprocessing: tuple[str, ...] = ()
    """Fold-level preprocessing steps (e.g. ``speaker_norm``), derived from ``params`` (which
    already enter the identity)."""
    plugins: tuple[tuple[tuple[str, Any], ...], ...] = ()
    """Provenance of the plugins the job runs (``benchmark.provenance.plugin_provenance``),
    resolved in the parent; each item is a frozen dict."""

    order: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    """Report row ranks of the job's model and feature set (``Suite.display_ranks``): display
    only, so not part of the identity."""

    @property
    def plugin_list(self) -> list[dict[str, Any]]:
        return [{k: (dict(v) if k == "params" else v) for k, v in item} for item in self.plugins]

    @property
    def param_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params}

    @property
    def model_params(self) -> dict[str, Any]:
        """The parameters the model is built with: ``params`` minus preprocessing switches."""
        return {k: v for k, v in self.param_dict.items() if k not in PREPROCESSING_PARAMS}

    def identity(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "label_set": self.label_set,
            "protocol": self.protocol,
            "fold": self.fold.index,
            "fold_hash": self.fold.hash,
            "model": self.model,
            "features": self.features,
            "variant": self.variant,
            "params": self.param_dict,
            "augmentation": self.augmentation,
            "seed": self.seed,
            "profile": self.profile if self._takes_profile() else None,
            "sr": self.sr,
            **({"plugins": self.plugin_list} if self.plugins else {}),
        }

    def _takes_profile(self) -> bool:
        # a plugin's family comes from the parent's resolution, so a worker that cannot import
        # the plugin still computes the same id (and records why it failed)
        for item in self.plugin_list:
            if item.get("role") == "model" and "family" in item:
                return item["family"] == "deep"
        return "profile" in run_options(self.model)

    @property
    def run_id(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]

    def describe(self) -> str:
        return (
            f"{self.corpus}/{self.protocol}[{self.fold.index}] {self.model}:{self.variant} "
            f"on {self.features} aug={self.augmentation} seed={self.seed}"
        )
