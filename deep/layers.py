"""Reusable layers for the deep hybrids: masks, Keras-compatible LSTM, dynamic convolution,
attention pooling, and parameter counting in the papers' (Keras) convention.

The papers report Keras parameter counts. Two conventions differ from PyTorch and matter for
comparing with their tables:

* A Keras LSTM has one bias vector per gate; PyTorch keeps two (``bias_ih`` and ``bias_hh``)
  whose sum is all that matters. :func:`keras_lstm` freezes ``bias_hh`` at zero, so the function
  class and the trainable parameter count equal the Keras layer's.
* Keras counts BatchNorm's moving mean and variance as (non-trainable) parameters: 4 per channel.
  :func:`keras_param_count` adds them; :func:`trainable_param_count` does not.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def lengths_to_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """Boolean mask (B, max_len), True on valid (non-padded) steps."""
    steps = torch.arange(max_len, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def pooled_lengths(lengths: torch.Tensor, factor: int, max_len: int) -> torch.Tensor:
    """Valid lengths after a floor-mode pooling by ``factor``; at least 1 so no row is empty."""
    return torch.clamp(lengths // factor, min=1, max=max_len)


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of x (B, T, C) over valid time steps of mask (B, T)."""
    weights = mask.to(x.dtype).unsqueeze(-1)
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def keras_lstm(input_size: int, hidden_size: int, *, num_layers: int = 1,
               bidirectional: bool = False, dropout: float = 0.0) -> nn.LSTM:
    """A batch-first nn.LSTM with the hidden-to-hidden biases frozen at zero (Keras-equivalent)."""
    lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                   bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
    for name, param in lstm.named_parameters():
        if name.startswith("bias_hh"):
            nn.init.zeros_(param)
            param.requires_grad_(False)
    return lstm


def run_lstm(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor | None, *,
             pack: bool = False) -> torch.Tensor:
    """Run a batch-first LSTM over (B, T, F); returns the output sequence (B, T, H*directions).

    ``pack=True`` (with lengths) packs the batch so padding never enters either direction:
    exact, but about 3x slower on CPU. Without packing the LSTM runs over the padding as the
    papers' Keras models did; the forward direction is still exact when read at the last
    valid step (:func:`last_state`), only the backward direction sees the padded tail first.
    """
    if lengths is None or not pack:
        return lstm(x)[0]
    packed = nn.utils.rnn.pack_padded_sequence(
        x, lengths.detach().cpu().clamp(min=1, max=x.shape[1]), batch_first=True,
        enforce_sorted=False)
    out, _ = lstm(packed)
    return nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]


def last_state(seq: torch.Tensor, lengths: torch.Tensor | None, bidirectional: bool) -> torch.Tensor:
    """Keras ``return_sequences=False`` summary of an LSTM output (B, T, H*dirs).

    Forward direction: output at the last valid step; backward direction: output at step 0
    (where the backward pass ends).
    """
    batch, steps, width = seq.shape
    last = (lengths - 1).clamp(min=0) if lengths is not None else torch.full(
        (batch,), steps - 1, device=seq.device, dtype=torch.long)
    forward = seq[torch.arange(batch, device=seq.device), last.to(seq.device)]
    if not bidirectional:
        return forward
    half = width // 2
    return torch.cat([forward[:, :half], seq[:, 0, half:]], dim=-1)


class DynamicConv2d(nn.Module):
    """Dynamic convolution (Chen et al., CVPR 2020): K kernels mixed per input by attention.

    The attention branch is global average pooling -> FC (reduction) -> ReLU -> FC (K) ->
    softmax(logits / temperature). The K kernels and biases are averaged with those weights
    per sample and applied as a grouped convolution (one group per sample). After each forward
    the mixing weights (B, K) are kept in ``last_attention`` so callers can inspect them.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], *,
                 n_kernels: int, temperature: float, reduction: int, padding: str = "same",
                 dilation: int | tuple[int, int] = 1) -> None:
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        if n_kernels < 1 or temperature <= 0 or reduction < 1:
            raise ValueError("n_kernels >= 1, temperature > 0 and reduction >= 1 are required")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.n_kernels, self.temperature = n_kernels, temperature
        self.padding, self.dilation = padding, dilation
        hidden = max(1, in_channels // reduction)
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_channels, hidden), nn.ReLU(),
            nn.Linear(hidden, n_kernels))
        self.weight = nn.Parameter(torch.empty(n_kernels, out_channels, in_channels, kh, kw))
        self.bias = nn.Parameter(torch.zeros(n_kernels, out_channels))
        for k in range(n_kernels):  # each kernel initialised like a static conv
            nn.init.kaiming_uniform_(self.weight[k], a=5 ** 0.5)
        self.last_attention: torch.Tensor | None = None

    def mixing_weights(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample kernel weights pi_k(x), shape (B, K), each row summing to 1."""
        return torch.softmax(self.attention(x) / self.temperature, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        pi = self.mixing_weights(x)
        self.last_attention = pi.detach()
        weight = torch.einsum("bk,koihw->boihw", pi, self.weight)
        bias = pi @ self.bias
        out = F.conv2d(x.reshape(1, batch * self.in_channels, *x.shape[2:]),
                       weight.reshape(batch * self.out_channels, self.in_channels,
                                      *weight.shape[3:]),
                       bias.reshape(-1), padding=self.padding, dilation=self.dilation,
                       groups=batch)
        return out.reshape(batch, self.out_channels, *out.shape[2:])


class AttentionPooling(nn.Module):
    """Additive (Bahdanau-style) attention pooling over time with a padding mask.

    score_t = v^T tanh(W h_t + b); alpha = masked softmax(score); output = sum_t alpha_t h_t.
    The last weights (B, T) are kept in ``last_weights``.
    """

    def __init__(self, in_features: int, attention_dim: int) -> None:
        super().__init__()
        self.project = nn.Linear(in_features, attention_dim)
        self.score = nn.Linear(attention_dim, 1, bias=False)
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        scores = self.score(torch.tanh(self.project(x))).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        alpha = torch.softmax(scores, dim=-1)
        self.last_weights = alpha.detach()
        return torch.einsum("bt,btc->bc", alpha, x)


def trainable_param_count(module: nn.Module) -> int:
    """Number of trainable parameters (what the optimiser updates)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def keras_param_count(module: nn.Module) -> int:
    """Parameter count as Keras' model.summary() reports it: trainable parameters plus
    BatchNorm moving statistics (frozen LSTM hh biases excluded, see module docstring)."""
    total = trainable_param_count(module)
    for sub in module.modules():
        if isinstance(sub, nn.modules.batchnorm._BatchNorm) and sub.running_mean is not None:
            total += sub.running_mean.numel() + sub.running_var.numel()
    return total


def keras_layer_counts(model: nn.Module) -> list[tuple[str, int]]:
    """(name, Keras-convention count) for each direct child with parameters, in order."""
    return [(name, keras_param_count(child)) for name, child in model.named_children()
            if keras_param_count(child) > 0]
