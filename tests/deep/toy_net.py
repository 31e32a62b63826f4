"""A toy deep model for the registry test: a network module outside deep/ (GRU + mean pool)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ToyGruConfig:
    n_frames: int | None = None
    """None: variable-length batches with lengths (the estimator reads this field)."""
    hidden: int = 8
    """GRU units."""


class ToyGru(nn.Module):
    def __init__(self, config: ToyGruConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.gru = nn.GRU(n_features, config.hidden, batch_first=True)
        self.out = nn.Linear(config.hidden, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.gru(x)[0].mean(dim=1))
