"""Paper 003 (data fusion + SpecAugment + CNN-BiLSTM), Table V: Conv1D stack -> max-pool 8 ->
BiLSTM 256 -> Dense 128 -> BN -> Dense 64 -> classes, over 350 frames of the MFCC + mel + ZCR +
RMS stack.

Table V, read through its parameter column (our reading; the labels contradict the counts):
* Row 1 "Conv1D (16 filters, k=3)" has 96 = 16 x (5 x 1 + 1) parameters: one input channel and
  kernel 5 (k=3 would give 64).
* Row 2 "Batch Normalization (350, 32) 2,592" is a Conv1D 32/k5: 2,592 = 32 x (5 x 16 + 1),
  and the next conv's 10,304 = 64 x (5 x 32 + 1) needs 32 input channels.
* Row 5 "Conv1D (128 filters, k=128)": 41,088 = 128 x (5 x 64 + 1), so kernel 5.
* BatchNorm only where the counts show one (after the 64-filter conv and after Dense 128);
  BiLSTM 256 -> 788,480 (Keras single bias); Dense 128/64/classes as listed.
So the network is Conv 16/k5 -> Conv 32/k5 -> Conv 64/k5 -> BN -> Conv 128/k5 -> MaxPool 8
-> BiLSTM 256 -> Dense 128 -> BN -> Dense 64 -> Dense classes; ReLU, 'same' padding.

Input layout: Table V's counts imply a one-channel sequence of 350 values. We default to
``layout="channels"`` (the feature stack's D features are the conv input channels over
``n_frames`` = 350 frames), which only changes the first conv's count (16 x (5D + 1));
``layout="flat"`` reads the ``n_frames`` x D stack flattened into one channel. Either layout
reproduces Table V exactly for a one-feature, 350-frame input (tested). Dropout 0.3 after the BiLSTM (Table VI gives
0.3-0.5 without placing it).

Training (the ``paper`` profile; row in deep/__init__.py). Stated (Sec. IV, Table VI): Adam
("Adam or RMSprop" in the table, Adam in the text), learning rate 0.001 "adaptive via
scheduler", batch size 32, 150 epochs "with early stopping", categorical cross-entropy, the
best weights checkpointed. Our reading of what it leaves open: the scheduler is
ReduceLROnPlateau (Keras' factor 0.1, patience 5), early stopping with patience 10, both on the
validation loss (Keras' default monitor; the paper names none), no clipping.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deep.layers import MaxPool1d, keras_lstm, last_state, run_lstm


@dataclass(frozen=True)
class CnnBilstmConfig:
    n_frames: int | None = 350
    """Fixed length in frames (channels layout) or values (flat layout); paper: 350."""
    layout: str = "channels"
    """'channels': features are conv channels over time; 'flat': one channel (Table V)."""
    conv_filters: tuple[int, ...] = (16, 32, 64, 128)
    """Filters of the four Conv1D layers (Table V, read via its parameter counts)."""
    kernel_size: int = 5
    """Conv1D kernel for every conv layer (Table V counts imply 5)."""
    bn_after: tuple[int, ...] = (2,)
    """0-based indices of conv layers followed by BatchNorm (Table V: only the 64-filter one)."""
    pool: int = 8
    """Max-pool size after the conv stack (paper: 8, 350 -> 43)."""
    lstm_units: int = 256
    """BiLSTM units per direction (paper: 256 -> 512-d)."""
    dense: tuple[int, ...] = (128, 64)
    """Dense layers after the BiLSTM; BatchNorm follows the first (paper)."""
    dropout: float = 0.3
    """Dropout after the BiLSTM (Table VI: 0.3-0.5)."""

    def __post_init__(self) -> None:
        if self.layout not in ("flat", "channels"):
            raise ValueError(f"layout must be 'flat' or 'channels', got {self.layout!r}")
        if self.n_frames is None:
            raise ValueError("cnn_bilstm reads a fixed length: set n_frames")


class CnnBilstm(nn.Module):
    """Paper 003's CNN-BiLSTM; children in Table V order (for per-layer counts)."""

    def __init__(self, config: CnnBilstmConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.config = config
        channels = 1 if config.layout == "flat" else n_features
        convs: list[nn.Module] = []
        for i, filters in enumerate(config.conv_filters):
            convs += [nn.Conv1d(channels, filters, config.kernel_size, padding="same"), nn.ReLU()]
            if i in config.bn_after:
                convs.append(nn.BatchNorm1d(filters))
            channels = filters
        if isinstance(convs[-1], nn.ReLU):  # ReLU -> MaxPool as MaxPool -> ReLU: identical
            convs.insert(len(convs) - 1, MaxPool1d(config.pool))  # (deep.layers), 8x less ReLU
        else:
            convs.append(MaxPool1d(config.pool))
        self.convs = nn.Sequential(*convs)
        self.bilstm = keras_lstm(channels, config.lstm_units, bidirectional=True)
        self.drop = nn.Dropout(config.dropout)
        first, second = config.dense
        self.dense1 = nn.Sequential(nn.Linear(2 * config.lstm_units, first), nn.ReLU())
        self.bn = nn.BatchNorm1d(first)
        self.dense2 = nn.Sequential(nn.Linear(first, second), nn.ReLU())
        self.out = nn.Linear(second, n_classes)

    def layer_counts(self) -> list[nn.Module]:
        """Layers with parameters in Table V order (convs and BNs unrolled)."""
        return [m for m in self.convs if isinstance(m, nn.Conv1d | nn.BatchNorm1d)] + [
            self.bilstm, self.dense1, self.bn, self.dense2, self.out]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        x = x.transpose(1, 2)
        if self.config.layout == "flat":
            x = x.reshape(x.shape[0], 1, -1)
        seq = self.convs(x).transpose(1, 2)
        h = last_state(run_lstm(self.bilstm, seq, None), None, bidirectional=True)
        return self.out(self.dense2(self.bn(self.dense1(self.drop(h)))))
