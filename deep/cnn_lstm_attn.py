"""Paper 004 (CNN-LSTM with attention): CNN blocks -> LSTM -> additive (Bahdanau) attention over
time -> fully connected layers -> classes, over mel-spectrogram + MFCC + prosody frames.

The paper names the components and Adam (lr 0.001) but gives no sizes; our choices:
* The input mixes mel bins, MFCCs and prosodic contours (pitch, intensity), which are not one
  image, so the CNN blocks are Conv1D over time with the D features as channels:
  [Conv1D 64/k5 -> BN -> ReLU -> MaxPool 2] -> [Conv1D 128/k3 -> BN -> ReLU -> MaxPool 2].
* LSTM: one layer, 128 units, unidirectional (the paper says LSTM, not BiLSTM).
* Additive attention (score = v^T tanh(W h_t)) with a padding mask -> context vector.
* FC 64 -> ReLU -> dropout 0.3 -> classes (softmax in the loss).
* Variable length with masks (no fixed ``n_frames``).

Training (the ``paper`` profile; row in deep/__init__.py). Stated: categorical cross-entropy,
Adam with lr 0.001. Our reading of the rest: batch size 32 (Keras' default), 50 epochs,
constant learning rate, no early stopping, no clipping, final weights kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deep.layers import (
    AttentionPooling,
    MaxPool1d,
    keras_lstm,
    lengths_to_mask,
    pooled_lengths,
    run_lstm,
)


@dataclass(frozen=True)
class CnnLstmAttnConfig:
    n_frames: int | None = None
    """Fixed frame count, or None for variable length with masks (default)."""
    conv_filters: tuple[int, ...] = (64, 128)
    """Filters of the Conv1D blocks (our choice)."""
    conv_kernels: tuple[int, ...] = (5, 3)
    """Kernel sizes of the Conv1D blocks (our choice)."""
    pool: int = 2
    """Max-pool size per block along time."""
    lstm_units: int = 128
    """LSTM hidden units (our choice)."""
    attention_dim: int = 64
    """Hidden size of the additive attention scorer (our choice)."""
    fc: tuple[int, ...] = (64,)
    """Fully connected layers before the output (our choice)."""
    dropout: float = 0.3
    """Dropout after each FC layer (our choice)."""
    pack: bool = False
    """Pack padded batches so the LSTM never reads padding (exact, ~3x slower on CPU); off:
    the LSTM runs over the (short, length-bucketed) padding like the papers' Keras models."""

    def __post_init__(self) -> None:
        if len(self.conv_filters) != len(self.conv_kernels):
            raise ValueError("conv_filters and conv_kernels must have the same length")


class CnnLstmAttn(nn.Module):
    """CNN -> LSTM -> additive attention -> FC over (B, T, D) frames."""

    def __init__(self, config: CnnLstmAttnConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.config = config
        blocks: list[nn.Module] = []
        channels = n_features
        for filters, kernel in zip(config.conv_filters, config.conv_kernels, strict=True):
            blocks += [nn.Conv1d(channels, filters, kernel, padding="same"),
                       nn.BatchNorm1d(filters), MaxPool1d(config.pool), nn.ReLU()]
            # (BN -> ReLU -> MaxPool computed as BN -> MaxPool -> ReLU: identical, see
            # deep.layers, with ReLU on half the steps)
            channels = filters
        self.blocks = nn.Sequential(*blocks)
        self.time_factor = config.pool ** len(config.conv_filters)
        self.lstm = keras_lstm(channels, config.lstm_units)
        self.attention = AttentionPooling(config.lstm_units, config.attention_dim)
        fc: list[nn.Module] = []
        width = config.lstm_units
        for units in config.fc:
            fc += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(config.dropout)]
            width = units
        self.fc = nn.Sequential(*fc, nn.Linear(width, n_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if x.shape[1] < self.time_factor:
            raise ValueError(f"need at least {self.time_factor} frames, got {x.shape[1]}")
        seq = self.blocks(x.transpose(1, 2)).transpose(1, 2)  # (B, T', C)
        batch, steps, _ = seq.shape
        lens = None if lengths is None else pooled_lengths(lengths, self.time_factor, steps)
        seq = run_lstm(self.lstm, seq, lens, pack=self.config.pack)
        mask = (torch.ones(batch, steps, dtype=torch.bool, device=seq.device) if lens is None
                else lengths_to_mask(lens.to(seq.device), steps))
        return self.fc(self.attention(seq, mask))
