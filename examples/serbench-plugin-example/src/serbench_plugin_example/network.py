"""A small network in serbench's deep-plugin form: ``Class(config, n_features, n_classes)``,
``forward(x, lengths) -> logits``, trained by serbench's own trainer (``serbench_family``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class MeanPoolNetConfig:
    n_frames: int | None = None
    """Fixed frame count, or None for variable length (serbench pads and passes lengths)."""
    hidden: int = 32
    """Width of the hidden layer."""


class MeanPoolNet(nn.Module):
    """Masked mean of the frames, one hidden ReLU layer, logits (a tiny example network)."""

    serbench_family = "deep"
    serbench_config = MeanPoolNetConfig
    serbench_recipe = {"optimiser": "adam", "lr": 1e-2, "max_epochs": 30, "batch_size": 16}

    def __init__(self, config: MeanPoolNetConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.config = config
        self.net = nn.Sequential(nn.Linear(n_features, config.hidden), nn.ReLU(),
                                 nn.Linear(config.hidden, n_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is None:
            pooled = x.mean(dim=1)
        else:
            steps = torch.arange(x.shape[1], device=x.device)[None, :]
            mask = (steps < lengths.to(x.device)[:, None]).to(x.dtype)
            pooled = (x * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1)
        return self.net(pooled)
