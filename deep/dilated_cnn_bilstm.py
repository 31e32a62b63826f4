"""Paper 000 (Alam et al., "Revamping EmoTech"): dilated CNN + BiLSTM on MFCC-13 frames, and its
baseline and ablations (EmoTech without dilation; single-path ``cnn``, ``lstm``, ``bilstm``).

Architecture (Sec. II-E): two parallel paths over zero-padded MFCC frames.
* Recurrent path: BiLSTM, 2 layers x 64 units (tanh) -> 128-d (last step of each direction).
* Conv path: the (time x coefficient) MFCC image -> 3 x [Conv2D 3x3, dilation (2, 1), ReLU,
  BatchNorm, MaxPool 2x2] with 32/64/128 filters -> flatten -> Dense 512 -> Dense 128, each
  with dropout 0.2 -> 128-d.
* Concatenate (256-d) -> FC 512 -> 128 -> 64 (ReLU) -> classes.

Readings where the paper is silent or inconsistent (our choice, stated once here):
* Dilation (2, 1) is applied to the TIME axis (the paper says rate 2 captures "longer-term
  dependencies"); convolutions use 'same' padding, otherwise the 13-coefficient axis would
  vanish before the third block (13 -> 11 -> 5 -> 3 -> 1 needs 'same').
* "Reshaped" conv output = flatten, so the Dense-512 width depends on ``n_frames``; the paper
  gives no frame count, we default to 128 frames (zero-padded / centre-cropped).
* Parameter count: the paper states 313K. That is not reachable with the stated layers: the
  BiLSTM path (138,752), the 256 -> 512 -> 128 -> 64 head (205,504), the conv kernels (92,672)
  and the conv path's Dense 512 -> 128 (65,664) already make 502,592 before the flatten ->
  Dense 512 layer (1,049,088 for 128 frames). With 13 MFCCs, 128 frames and 7 classes ours is
  1,552,583 trainable (Keras convention incl. BN statistics: 1,553,031), about 5x the paper's
  figure; snapshotted in tests/deep/test_deep_param_counts.py.
* The EmoTech baseline (Table I) is the same network with dilation 1; the ablations ``cnn``,
  ``lstm`` and ``bilstm`` (Table III) keep one path of this network feeding the same classifier
  head (``lstm`` is the 2 x 64 unidirectional variant, 64-d).
* The recurrent path runs over the zero padding like the paper's Keras model (``pack=True``
  packs instead); the forward state is read at the last valid frame.

Training (the ``paper`` profile; row in deep/__init__.py). The paper gives no optimiser,
learning rate, epoch count, batch size, schedule or early stopping (it reports validation
accuracy of a Keras model trained on Colab/Kaggle GPUs). Our reading, shared by the baseline and
the ablations: Keras' defaults Adam with lr 0.001 and batch size 32, 50 epochs, cross-entropy,
constant learning rate, no early stopping, no clipping, final weights kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deep.layers import MaxPool2d, keras_lstm, last_state, run_lstm


@dataclass(frozen=True)
class DilatedCnnBilstmConfig:
    n_frames: int | None = 128
    """Fixed number of frames (pad with zeros / centre-crop); the conv path flattens, so it
    needs a fixed length. None only when ``conv_path`` is off."""
    conv_path: bool = True
    """Use the dilated Conv2D path."""
    recurrent_path: bool = True
    """Use the (Bi)LSTM path."""
    bidirectional: bool = True
    """BiLSTM (paper) or unidirectional LSTM (``lstm`` ablation)."""
    lstm_units: int = 64
    """Hidden units per direction and layer (paper: 64)."""
    lstm_layers: int = 2
    """Stacked recurrent layers (paper: 2)."""
    conv_filters: tuple[int, ...] = (32, 64, 128)
    """Filters of the Conv2D blocks (paper: 32, 64, 128)."""
    kernel_size: int = 3
    """Square Conv2D kernel (paper: 3x3)."""
    dilation: int = 2
    """Dilation along time (paper: (2, 1); 1 gives the EmoTech baseline)."""
    pool: int = 2
    """Max-pool window and stride on both axes (paper: 2x2)."""
    conv_dense: tuple[int, ...] = (512, 128)
    """Dense layers after the flattened conv output (paper: 512, 128)."""
    conv_dropout: float = 0.2
    """Dropout after each conv-path dense layer (paper: 0.2)."""
    head: tuple[int, ...] = (512, 128, 64)
    """Hidden widths of the classifier after concatenation (paper: 512, 128, 64)."""
    head_dropout: float = 0.0
    """Dropout in the classifier head (paper: none stated)."""
    pack: bool = False
    """Pack padded batches so the LSTM never reads padding (exact, ~3x slower on CPU); off:
    the LSTM runs over the (short, length-bucketed) padding like the papers' Keras models."""


class DilatedCnnBilstm(nn.Module):
    """Two-path (dilated) CNN + BiLSTM over (B, T, D) MFCC frames."""

    def __init__(self, config: DilatedCnnBilstmConfig, n_features: int, n_classes: int) -> None:
        super().__init__()
        if not (config.conv_path or config.recurrent_path):
            raise ValueError("at least one of conv_path / recurrent_path must be on")
        if config.conv_path and config.n_frames is None:
            raise ValueError("the conv path flattens its output: n_frames must be set")
        self.config = config
        fused = 0
        if config.conv_path:
            blocks: list[nn.Module] = []
            channels = 1
            for filters in config.conv_filters:
                blocks += [nn.Conv2d(channels, filters, config.kernel_size, padding="same",
                                     dilation=(config.dilation, 1)),
                           nn.ReLU(), nn.BatchNorm2d(filters), MaxPool2d(config.pool)]
                channels = filters
            self.conv = nn.Sequential(*blocks, nn.Flatten())
            with torch.no_grad():  # flattened width depends on n_frames and n_features
                width = self.conv(torch.zeros(1, 1, config.n_frames, n_features)).shape[1]
            if width == 0:
                raise ValueError(f"input ({config.n_frames} x {n_features}) too small for "
                                 f"{len(config.conv_filters)} pooling stages")
            dense: list[nn.Module] = []
            for units in config.conv_dense:
                dense += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(config.conv_dropout)]
                width = units
            self.conv_dense = nn.Sequential(*dense)
            fused += width
        if config.recurrent_path:
            self.lstm = keras_lstm(n_features, config.lstm_units, num_layers=config.lstm_layers,
                                   bidirectional=config.bidirectional)
            fused += config.lstm_units * (2 if config.bidirectional else 1)
        head: list[nn.Module] = []
        for units in config.head:
            head += [nn.Linear(fused, units), nn.ReLU(), nn.Dropout(config.head_dropout)]
            fused = units
        self.head = nn.Sequential(*head, nn.Linear(fused, n_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        parts = []
        if self.config.conv_path:
            parts.append(self.conv_dense(self.conv(x.unsqueeze(1))))
        if self.config.recurrent_path:
            seq = run_lstm(self.lstm, x, lengths, pack=self.config.pack)
            parts.append(last_state(seq, lengths, self.config.bidirectional))
        return self.head(torch.cat(parts, dim=-1))
