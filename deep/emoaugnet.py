"""Paper 001 (EmoAugNet): Conv1D x 3 + LSTM x 2 + Dense x 3 over the stacked ZCR+RMS+MFCC sequence.

Layer table (Sec. IV), reproduced layer by layer (``tests/deep/test_param_counts.py`` checks
every parameter count against the table for the paper's input, a (2376, 1) sequence):
Conv1D 256/k5 -> MaxPool -> BN -> Dropout -> Conv1D 512/k3 -> BN -> MaxPool -> Dropout ->
Conv1D 256/k3 -> BN -> MaxPool -> LSTM 128 (sequences) -> Dropout -> LSTM 128 -> Dropout ->
Dense 128 -> BN -> Dense 64 -> BN -> Dense 32 -> BN -> Dropout -> Dense classes.

Readings (our choices):
* Input layout. The table's first Conv1D has 1,536 = 256 x (5 x 1 + 1) parameters, so the
  network reads ONE channel of length 2376 = 22 x 108: the per-frame ZCR, RMS and 20 MFCCs of
  108 frames stacked into one long sequence. ``layout="flat"`` does that (feature-major: all
  frames of feature 1, then feature 2, ...). ``layout="channels"`` instead treats the features
  as Conv1D channels over time (a common, cheaper alternative), which changes only the first
  layer's parameter count.
* Pooling: window 2, stride 2, ceil mode (Keras 'same'), matching 2376 -> 1188 -> 594 -> 297.
* Activation: ``activation`` (relu | elu) in the conv blocks, as the paper's ablation; ELU in the
  dense layers (the paper reports ELU there). Dropout rates are not given; we use 0.2 / 0.3.
* Fixed length: ``n_frames`` frames (zero-pad / centre-crop), like the paper's fixed 2.5 s clips.

Training (the ``paper`` profile; row in deep/__init__.py). Stated: learning rate 0.001; "the
learning rate was automatically reduced when the validation accuracy stopped improving";
early stopping "to maintain the top-performing model weights". So the monitored quantity is
validation accuracy (``monitor="acc"``, Keras' ``val_accuracy``, not UA) for both, and the best
weights are restored. Our reading of what it leaves open: Adam (not named), Keras'
ReduceLROnPlateau factor 0.1 with patience 5, early-stopping patience 10 (so the LR can drop
before training stops), at most 100 epochs, batch size 32 (Keras' default), no clipping.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deep.layers import MaxPool1d, keras_lstm

_ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "elu": nn.ELU}


@dataclass(frozen=True)
class EmoAugNetConfig:
    n_frames: int | None = 108
    """Fixed frame count (paper: 108 frames; with 22 features -> a 2376-long sequence)."""
    layout: str = "flat"
    """'flat': features x frames stacked into one channel (paper); 'channels': features are
    Conv1D input channels over time."""
    activation: str = "relu"
    """Conv-block activation: 'relu' or 'elu' (the paper's ablation)."""
    conv_filters: tuple[int, ...] = (256, 512, 256)
    """Filters of the three Conv1D layers (paper: 256, 512, 256)."""
    conv_kernels: tuple[int, ...] = (5, 3, 3)
    """Kernel sizes of the three Conv1D layers (paper: 5, 3, 3)."""
    pool: int = 2
    """Max-pool window = stride (paper: stride 2)."""
    conv_dropout: float = 0.2
    """Dropout after the first two conv blocks (rate not given in the paper)."""
    lstm_units: tuple[int, ...] = (128, 128)
    """Units of the two stacked LSTMs (paper: 128, 128)."""
    lstm_dropout: float = 0.2
    """Dropout after each LSTM (rate not given)."""
    dense: tuple[int, ...] = (128, 64, 32)
    """Dense layers, each followed by BatchNorm (paper: 128, 64, 32)."""
    dense_dropout: float = 0.3
    """Dropout before the output layer (rate not given)."""

    def __post_init__(self) -> None:
        if self.layout not in ("flat", "channels"):
            raise ValueError(f"layout must be 'flat' or 'channels', got {self.layout!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, "
                             f"got {self.activation!r}")
        if len(self.conv_filters) != 3 or len(self.conv_kernels) != 3:
            raise ValueError("EmoAugNet has exactly three conv layers")
        if self.n_frames is None:
            raise ValueError("EmoAugNet reads a fixed-length sequence: set n_frames")


class EmoAugNet(nn.Module):
    """EmoAugNet; children are registered in the paper's table order (for per-layer counts)."""

    def __init__(self, config: EmoAugNetConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.config = config
        act = _ACTIVATIONS[config.activation]
        f1, f2, f3 = config.conv_filters
        k1, k2, k3 = config.conv_kernels
        in_channels = 1 if config.layout == "flat" else n_features
        self.conv1 = nn.Conv1d(in_channels, f1, k1, padding="same")
        self.act1 = act()
        self.pool1 = MaxPool1d(config.pool, ceil_mode=True)
        self.bn1 = nn.BatchNorm1d(f1)
        self.drop1 = nn.Dropout(config.conv_dropout)
        self.conv2 = nn.Conv1d(f1, f2, k2, padding="same")
        self.act2 = act()
        self.bn2 = nn.BatchNorm1d(f2)
        self.pool2 = MaxPool1d(config.pool, ceil_mode=True)
        self.drop2 = nn.Dropout(config.conv_dropout)
        self.conv3 = nn.Conv1d(f2, f3, k3, padding="same")
        self.act3 = act()
        self.bn3 = nn.BatchNorm1d(f3)
        self.pool3 = MaxPool1d(config.pool, ceil_mode=True)
        u1, u2 = config.lstm_units
        self.lstm1 = keras_lstm(f3, u1)
        self.drop3 = nn.Dropout(config.lstm_dropout)
        self.lstm2 = keras_lstm(u1, u2)
        self.drop4 = nn.Dropout(config.lstm_dropout)
        width = u2
        for i, units in enumerate(config.dense, start=1):
            self.add_module(f"dense{i}", nn.Linear(width, units))
            self.add_module(f"dense{i}_act", nn.ELU())
            self.add_module(f"dense{i}_bn", nn.BatchNorm1d(units))
            width = units
        self.drop5 = nn.Dropout(config.dense_dropout)
        self.out = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        # (B, T, D) -> (B, C, L): one channel of D*T (flat) or D channels of T
        x = x.transpose(1, 2)
        if self.config.layout == "flat":
            x = x.reshape(x.shape[0], 1, -1)
        x = self.drop1(self.bn1(self.pool1(self.act1(self.conv1(x)))))
        x = self.drop2(self.pool2(self.bn2(self.act2(self.conv2(x)))))
        x = self.pool3(self.bn3(self.act3(self.conv3(x))))
        seq = self.drop3(self.lstm1(x.transpose(1, 2))[0])
        h = self.drop4(self.lstm2(seq)[0][:, -1])
        for i in range(1, len(self.config.dense) + 1):
            h = getattr(self, f"dense{i}_bn")(getattr(self, f"dense{i}_act")(
                getattr(self, f"dense{i}")(h)))
        return self.out(self.drop5(h))
