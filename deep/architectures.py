"""Name -> architecture table: which network class and config build a registered deep model, the
config presets that turn one network into a named variant, and each paper's training recipe.

Imports torch (through the model modules); ``deep/__init__.py`` only names these entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from torch import nn

from deep.cnn_bilstm import CnnBilstm, CnnBilstmConfig
from deep.cnn_lstm_attn import CnnLstmAttn, CnnLstmAttnConfig
from deep.dilated_cnn_bilstm import DilatedCnnBilstm, DilatedCnnBilstmConfig
from deep.dycnn_bilstm_attn import DyCnnBilstmAttn, DyCnnBilstmAttnConfig
from deep.emoaugnet import EmoAugNet, EmoAugNetConfig


@dataclass(frozen=True)
class PaperRecipe:
    """Training settings a paper reports (or our stated choice where it is silent)."""

    optimiser: str
    """'adam' or 'rmsprop'."""
    lr: float
    """Initial learning rate."""
    epochs: int
    """Epoch cap used by the 'paper' profile."""
    batch_size: int
    """Batch size used by the 'paper' profile."""
    max_steps: int | None = None
    """Optimiser-step cap (paper 002 trains 1000 iterations); None for no cap."""
    patience: int = 10
    """Early-stopping patience of the 'paper' profile (epochs)."""


@dataclass(frozen=True)
class Architecture:
    """How to build one registered deep model."""

    network: Callable[..., nn.Module]
    """``network(config, n_features, n_classes)`` -> nn.Module with forward(x, lengths)."""
    config_cls: type
    """Frozen config dataclass of the network."""
    paper: str
    """Paper id of the seed paper."""
    recipe: PaperRecipe
    """Paper training recipe (optimiser and LR are the defaults of every profile)."""
    preset: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Config fields fixed by the model name (e.g. ``dilation=1`` for the EmoTech baseline)."""


# Paper 000 does not report epochs or batch size: 50 epochs of 32 (early stopping) are ours.
_P000 = PaperRecipe("adam", 1e-3, epochs=50, batch_size=32)

ARCHITECTURES: dict[str, Architecture] = {
    "dilated_cnn_bilstm": Architecture(DilatedCnnBilstm, DilatedCnnBilstmConfig, "000", _P000),
    "emotech_cnn_bilstm": Architecture(DilatedCnnBilstm, DilatedCnnBilstmConfig, "000", _P000,
                                       MappingProxyType({"dilation": 1})),
    "cnn": Architecture(DilatedCnnBilstm, DilatedCnnBilstmConfig, "000", _P000,
                        MappingProxyType({"recurrent_path": False})),
    "lstm": Architecture(DilatedCnnBilstm, DilatedCnnBilstmConfig, "000", _P000,
                         MappingProxyType({"conv_path": False, "bidirectional": False,
                                           "n_frames": None})),
    "bilstm": Architecture(DilatedCnnBilstm, DilatedCnnBilstmConfig, "000", _P000,
                           MappingProxyType({"conv_path": False, "n_frames": None})),
    # Paper 001: lr 0.001, LR reduced on plateau, early stopping; epochs/batch not given.
    "emoaugnet": Architecture(EmoAugNet, EmoAugNetConfig, "001",
                              PaperRecipe("adam", 1e-3, epochs=100, batch_size=64)),
    # Paper 002: RMSprop lr 0.01, batch 200, 1000 iterations.
    "dycnn_bilstm_attn": Architecture(
        DyCnnBilstmAttn, DyCnnBilstmAttnConfig, "002",
        PaperRecipe("rmsprop", 1e-2, epochs=1000, batch_size=200, max_steps=1000)),
    # Paper 003: Adam lr 0.001, batch 32, 150 epochs with early stopping.
    "cnn_bilstm": Architecture(CnnBilstm, CnnBilstmConfig, "003",
                               PaperRecipe("adam", 1e-3, epochs=150, batch_size=32)),
    # Paper 004: Adam lr 0.001; epochs/batch not given.
    "cnn_lstm_attn": Architecture(CnnLstmAttn, CnnLstmAttnConfig, "004",
                                  PaperRecipe("adam", 1e-3, epochs=50, batch_size=32)),
}
