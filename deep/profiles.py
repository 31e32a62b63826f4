"""Training budget profiles of the deep models, as plain data (no torch: the CLI and the suite
validator can list them without loading a network).

A profile is either a budget of its own (``ci``, ``default``, ``converged``: these take only the
optimiser and learning rate from the paper recipe) or the paper's recipe verbatim (``paper``).
A budget profile also names the column of per-model input budgets it applies from each
``deep.MODELS`` row (fixed input length, layout, frame pooling; see ``deep/__init__.py``).

Equal training data: the ``ci`` and ``default`` budgets early-stop on the validation speakers,
then make the final fit on the whole training side (training + validation items) for the best
epoch count (``refit_full``), as every classical model refits on its whole training side; the
records' ``fit_info.n_fit`` then match across families. A suite says otherwise per run with the
override ``refit_full = false`` (e.g. ``[runs.variants] no_refit = { refit_full = false }``).
``converged`` keeps the early-stopped model itself (the comparison point of ``converged_refit``)
and ``paper`` adds nothing to the papers' recipes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Profile:
    """A named training budget."""

    name: str
    """Profile name, recorded in fit_info_['params']['profile']."""
    training: Mapping[str, Any] | None
    """TrainSettings fields of this budget (``optimiser`` and ``lr`` always come from the paper
    recipe); None: the paper recipe verbatim, nothing added (the ``paper`` profile)."""
    budget: str | None = None
    """Column of per-model budgets read from the model's registry row (None: none, i.e. the
    paper's full-size inputs)."""
    description: str = ""
    """One line for listings."""
    source_epochs: bool = False
    """An epoch visits as many items as the training side has source utterances, however many
    augmented copies it holds (``TrainSettings.epoch_items``; the run passes ``n_sources``).
    True for the budget profiles: a fixed budget of steps, the same with and without copies;
    False for ``paper``: its epochs are passes over the whole augmented set."""


_SHARED = {
    "lr_factor": 0.5, "min_lr": 1e-5, "grad_clip": 5.0, "restore_best": True, "monitor": "loss",
    "frame_pool": 4,
}
"""What the budget profiles share: halve the LR on a validation-loss plateau, clip gradients at
norm 5 (guards the RNNs against rare blow-ups), keep the best epoch's weights, a 40 ms hop
(4 x 10 ms frames averaged)."""

_DEFAULT = {**_SHARED, "max_epochs": 15, "batch_size": 64, "patience": 3, "lr_patience": 1,
            "max_frames": 64, "refit_full": True}

PROFILES: dict[str, Profile] = {
    # Seconds on 2 CPU cores, for tests and smoke suites: 3 epochs, short coarse inputs.
    "ci": Profile("ci", MappingProxyType({
        **_SHARED, "max_epochs": 3, "batch_size": 16, "patience": 2, "lr_patience": 1,
        "max_frames": 32, "refit_full": True}), budget="ci",
        description="seconds per fit: 3 epochs, ~1.3 s inputs at a 40 ms hop, refit on train + val",
        source_epochs=True),
    # Aimed at ~10 s per fit on one CPU thread for a ~2000-utterance corpus: at most 15 epochs
    # with early stopping (patience 3), batches of 64 (LSTMs are ~40% faster per item than at
    # 32 on CPU), a 40 ms hop and ~2 s inputs (benchmarks/bench_deep.py for throughput). The
    # papers' layer stacks are otherwise unchanged. Then the final fit on train + validation for
    # the best epoch count (equal data with the classical side; roughly 1.5x the fit time).
    "default": Profile("default", MappingProxyType(_DEFAULT), budget="default",
                       description="~10 s per fit: <= 15 epochs, patience 3, ~2 s inputs, "
                                   "refit on train + val",
                       source_epochs=True),
    # The default profile's inputs, trained until validation stops improving: patience 12 on
    # the validation loss, the LR halved after 4 stale epochs (so it can drop twice before the
    # stop), 150 epochs as a cap that should rarely bind (fit_info_['budget_bound'] says).
    # No refit: the early-stopped model itself, the comparison point of converged_refit.
    "converged": Profile("converged", MappingProxyType({
        **_DEFAULT, "max_epochs": 150, "patience": 12, "lr_patience": 4, "refit_full": False}),
        budget="default",
        description="default inputs, trained to a validation plateau (patience 12, cap 150), "
                    "no refit",
        source_epochs=True),
    # The standard remedy for the speakers early stopping holds out: after the converged run
    # on the training speakers, retrain from the same seed on training + validation speakers
    # for the best epoch count found (the classical side refits on its whole training side).
    "converged_refit": Profile("converged_refit", MappingProxyType({
        **_DEFAULT, "max_epochs": 150, "patience": 12, "lr_patience": 4, "refit_full": True}),
        budget="default",
        description="converged, then retrained on train + validation for the best epoch count",
        source_epochs=True),
    # Each paper's recipe and full-size inputs, nothing added (deep/__init__.py, the modules).
    "paper": Profile("paper", None, budget=None,
                     description="each paper's stated recipe and full-size inputs"),
}

PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)
"""Profile names, for validators and CLIs (torch-free import)."""
