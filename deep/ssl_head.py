"""The utterance-level head SUPERB puts on a frozen speech encoder for emotion recognition.

SUPERB's emotion task (Yang et al., Interspeech 2021) trains, on top of frozen encoder frames,
a linear projection to 256 units, mean pooling over the valid frames and a linear classifier:
that is this network with its defaults. ``pooling = "attention"`` swaps the mean for additive
attention pooling (:class:`deep.layers.AttentionPooling`), the other common choice.

Input: one hidden layer's frames (B, T, D), as an ``ssl`` feature set with ``frames = true``
gives them. SUPERB also learns a softmax-weighted sum over *all* encoder layers; that needs
every layer in the input (L + 1 times the frame size per utterance in the cache), so here the
layer is chosen in the feature set instead (``layer = 6`` or ``layer = "mean"``, the unweighted
mean of all layers) and the head sees (T, D) frames like every other deep model. The head runs
on any frames (on log-mel frames it is a counterpart of SUPERB's FBANK baseline), variable
length with masks.

Training (the ``paper`` profile; row in deep/__init__.py): s3prl's emotion recipe is Adam with
lr 1e-4, gradient clipping at norm 1, batches of 4 with 8 accumulation steps (32 per update),
30,000 steps on IEMOCAP and the checkpoint chosen on dev accuracy. Ours: Adam 1e-4, clipping 1,
batch 32, early stopping on validation accuracy (patience 10, best weights kept) under a
50-epoch cap (our reading: a step count is tied to IEMOCAP's size).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deep.layers import AttentionPooling, lengths_to_mask, masked_mean

POOLINGS = ("mean", "attention")


@dataclass(frozen=True)
class SslHeadConfig:
    n_frames: int | None = None
    """Fixed frame count, or None for variable length with masks (default)."""
    projector_dim: int = 256
    """Units of the linear projection applied to every frame (SUPERB: 256)."""
    pooling: str = "mean"
    """'mean' (SUPERB's emotion head) or 'attention' (additive attention pooling)."""
    attention_dim: int = 128
    """Hidden size of the attention scorer (only with pooling = 'attention'; our choice)."""
    dropout: float = 0.0
    """Dropout on the pooled vector (SUPERB: none)."""

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.projector_dim < 1:
            raise ValueError("projector_dim must be >= 1")


class SslHead(nn.Module):
    """Per-frame linear projection -> mean (or attention) pooling -> linear classifier."""

    def __init__(self, config: SslHeadConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.config = config
        self.project = nn.Linear(n_features, config.projector_dim)
        self.attention = (AttentionPooling(config.projector_dim, config.attention_dim)
                          if config.pooling == "attention" else None)
        self.dropout = nn.Dropout(config.dropout)
        self.classify = nn.Linear(config.projector_dim, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        seq = self.project(x)  # (B, T, P)
        batch, steps, _ = seq.shape
        mask = (torch.ones(batch, steps, dtype=torch.bool, device=seq.device) if lengths is None
                else lengths_to_mask(lengths.to(seq.device), steps))
        pooled = masked_mean(seq, mask) if self.attention is None else self.attention(seq, mask)
        return self.classify(self.dropout(pooled))
