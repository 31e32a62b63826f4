"""Paper 002 (Dynamic CNN + Bi-LSTM): log-mel spectrogram -> dynamic-convolution blocks ->
Bi-LSTM -> attention pooling over time -> classifier.

The paper gives the building blocks but no sizes; ours (documented in the config fields):
* Two conv blocks over the (time x mel) image: DynamicConv2d 3x3 (K = 4 kernels mixed per input
  by GAP -> FC -> ReLU -> FC -> softmax(./temperature), Chen et al. 2020) -> BatchNorm -> ReLU
  -> MaxPool 2x2, with 16 and 32 filters. ``dynamic=False`` swaps in static Conv2d (ablation).
* (channels x remaining mel bins) per time step -> Bi-LSTM 128 units per direction.
* Additive attention pooling over valid time steps (``attention=False``: masked mean) ->
  dropout -> linear classifier (the paper's softmax layer).
* Temperature 30 is Chen et al.'s starting value; we keep it fixed (no annealing) for
  simplicity: the attention logits can still grow to sharpen the mixture.
* Variable length: no fixed ``n_frames``; padded batches with masks.
* ``bidirectional=False`` swaps the Bi-LSTM for a unidirectional LSTM of the same width per
  direction: the paper's own step from its LSTM baseline to the Bi-LSTM ("we replace the LSTM
  component of the baseline network architecture with Bi-LSTM").

Training (the ``paper`` profile; row in deep/__init__.py). The paper states RMSProp, initial
learning rate 0.01, cross-entropy, batch size 200 and 1000 iterations, and nothing else. Our
reading: an iteration is one optimiser step (TensorFlow's usage), so training stops after 1000
mini-batches whatever the epoch count (``stop_reason == "step_cap"``); no early stopping, no LR
schedule, no gradient clipping, and the final weights are kept (the paper names no validation
or checkpointing; the validation split is still scored every epoch for the learning curve).
The optimiser's other constants are torch's (RMSprop alpha 0.99, eps 1e-8; TensorFlow's are
rho 0.9, eps 1e-7), as the paper gives none.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deep.layers import (
    AttentionPooling,
    DynamicConv2d,
    MaxPool2d,
    keras_lstm,
    lengths_to_mask,
    masked_mean,
    pooled_lengths,
    run_lstm,
)


@dataclass(frozen=True)
class DyCnnBilstmAttnConfig:
    n_frames: int | None = None
    """Fixed frame count, or None for variable length with masks (default)."""
    dynamic: bool = True
    """Dynamic convolution (paper) or static Conv2d (ablation)."""
    attention: bool = True
    """Attention pooling over time (paper's context weighting) or masked mean (ablation)."""
    conv_filters: tuple[int, ...] = (16, 32)
    """Filters of the conv blocks (not given in the paper; small to keep CPU cost low)."""
    kernel_size: int = 3
    """Square conv kernel."""
    n_kernels: int = 4
    """K parallel kernels per dynamic conv (Chen et al. use 4)."""
    temperature: float = 30.0
    """Softmax temperature of the kernel attention (Chen et al.'s initial value)."""
    reduction: int = 4
    """Channel reduction of the kernel-attention hidden FC (at least 1 unit)."""
    pool: int = 2
    """Max-pool window = stride on time and mel axes per block."""
    lstm_units: int = 128
    """Bi-LSTM units per direction."""
    bidirectional: bool = True
    """Bi-LSTM (paper) or a unidirectional LSTM (the paper's baseline step)."""
    attention_dim: int = 128
    """Hidden size of the additive attention scorer."""
    dropout: float = 0.3
    """Dropout before the classifier."""
    pack: bool = False
    """Pack padded batches so the LSTM never reads padding (exact, ~3x slower on CPU); off:
    the LSTM runs over the (short, length-bucketed) padding like the papers' Keras models."""


class DyCnnBilstmAttn(nn.Module):
    """DyCNN -> Bi-LSTM -> attention pooling -> classes over (B, T, n_mels) log-mel frames."""

    def __init__(self, config: DyCnnBilstmAttnConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.config = config
        blocks: list[nn.Module] = []
        channels, bins = 1, n_features
        for filters in config.conv_filters:
            conv: nn.Module
            if config.dynamic:
                conv = DynamicConv2d(channels, filters, config.kernel_size,
                                     n_kernels=config.n_kernels,
                                     temperature=config.temperature,
                                     reduction=config.reduction)
            else:
                conv = nn.Conv2d(channels, filters, config.kernel_size, padding="same")
            # BN -> ReLU -> MaxPool, computed as BN -> MaxPool -> ReLU: the same numbers and
            # gradients (ReLU is monotone; see deep.layers), with ReLU on a quarter of the map
            blocks += [conv, nn.BatchNorm2d(filters), MaxPool2d(config.pool), nn.ReLU()]
            channels, bins = filters, bins // config.pool
        if bins < 1:
            raise ValueError(f"{n_features} mel bins are too few for {len(config.conv_filters)} "
                             f"pooling stages of {config.pool}")
        self.blocks = nn.Sequential(*blocks)
        self.time_factor = config.pool ** len(config.conv_filters)
        self.bilstm = keras_lstm(channels * bins, config.lstm_units,
                                 bidirectional=config.bidirectional)
        width = config.lstm_units * (2 if config.bidirectional else 1)
        self.pooling = AttentionPooling(width, config.attention_dim) if config.attention else None
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(width, n_classes)

    def dynamic_convs(self) -> list[DynamicConv2d]:
        """The dynamic conv layers (empty when ``dynamic`` is off)."""
        return [m for m in self.blocks if isinstance(m, DynamicConv2d)]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if x.shape[1] < self.time_factor:
            raise ValueError(f"need at least {self.time_factor} frames, got {x.shape[1]}")
        fmap = self.blocks(x.unsqueeze(1))  # (B, C, T', F')
        batch, channels, steps, bins = fmap.shape
        seq = fmap.permute(0, 2, 1, 3).reshape(batch, steps, channels * bins)
        lens = None if lengths is None else pooled_lengths(lengths, self.time_factor, steps)
        seq = run_lstm(self.bilstm, seq, lens, pack=self.config.pack)
        mask = (torch.ones(batch, steps, dtype=torch.bool, device=seq.device) if lens is None
                else lengths_to_mask(lens.to(seq.device), steps))
        pooled = self.pooling(seq, mask) if self.pooling is not None else masked_mean(seq, mask)
        return self.out(self.drop(pooled))
