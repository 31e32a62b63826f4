"""Reusable layers for the deep hybrids: masks, Keras-compatible LSTM, dynamic convolution,
attention pooling, and parameter counting in the papers' (Keras) convention.

The papers report Keras parameter counts. Two conventions differ from PyTorch and matter for
comparing with their tables:

* A Keras LSTM has one bias vector per gate; PyTorch keeps two (``bias_ih`` and ``bias_hh``)
  whose sum is all that matters. :func:`keras_lstm` freezes ``bias_hh`` at zero, so the function
  class and the trainable parameter count equal the Keras layer's.
* Keras counts BatchNorm's moving mean and variance as (non-trainable) parameters: 4 per channel.
  :func:`keras_param_count` adds them; :func:`trainable_param_count` does not.

:class:`MaxPool1d` / :class:`MaxPool2d` are drop-in max-pooling layers that give the same
outputs, indices and gradients as torch's, several times faster on CPU (see their docstring).
"""

from __future__ import annotations

from typing import Any

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


class _ChannelsLastMaxPool(torch.autograd.Function):
    """2-D max pooling whose forward runs on a channels-last copy and whose backward is torch's
    own NCHW backward with the same indices.

    On CPU torch's NCHW max-pool forward is scalar code (7-20x slower than the vectorised
    channels-last kernel for our shapes), while its NCHW backward is the faster one. Both
    kernels scan a window in the same order and keep the first maximum, so the outputs and
    the (per-plane, layout-independent) indices are the same, and so is every gradient
    (tests/deep/test_deep_layers.py checks ties, ceil mode and odd sizes).
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int],
                ceil_mode: bool) -> torch.Tensor:
        out, indices = torch.ops.aten.max_pool2d_with_indices(
            x.contiguous(memory_format=torch.channels_last), kernel, stride, (0, 0), (1, 1),
            ceil_mode)
        indices = indices.contiguous()
        ctx.save_for_backward(x, indices)
        ctx.args = (kernel, stride, ceil_mode)
        return out.contiguous()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, None, None, None]:
        x, indices = ctx.saved_tensors
        kernel, stride, ceil_mode = ctx.args
        grad_x = torch.ops.aten.max_pool2d_with_indices_backward(
            grad.contiguous(), x, kernel, stride, (0, 0), (1, 1), ceil_mode, indices)
        return grad_x, None, None, None


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _fast_pool_applies(pool: nn.Module, x: torch.Tensor) -> bool:
    # Only the plain case the fast path reproduces exactly: CPU float, no padding/dilation.
    return (x.device.type == "cpu" and x.dtype == torch.float32 and not pool.return_indices
            and pool.padding in (0, (0, 0)) and pool.dilation in (1, (1, 1)))


# ReLU and max-pooling commute exactly: max_i relu(x_i) = relu(max_i x_i), and the gradients
# agree too. Where the window's maximum is positive both route the gradient to the first
# position holding it; where it is <= 0 both give exact zeros (ReLU's backward is a select, not
# a product). So the networks pool first and apply ReLU to the smaller map (a memory-bound op
# that is a visible share of a CPU fit); tests/deep/test_deep_training.py checks the identity.


class MaxPool2d(nn.MaxPool2d):
    """nn.MaxPool2d with the channels-last CPU forward (same results, see
    :class:`_ChannelsLastMaxPool`); other devices and options use torch's own path."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _fast_pool_applies(self, x) or x.dim() != 4:
            return super().forward(x)
        stride = self.stride if self.stride is not None else self.kernel_size
        return _ChannelsLastMaxPool.apply(x, _pair(self.kernel_size), _pair(stride),
                                          self.ceil_mode)


class MaxPool1d(nn.MaxPool1d):
    """nn.MaxPool1d through the same fast path: (B, C, L) is pooled as (B, C, 1, L), which is
    what torch's own 1-D max-pool does internally (same indices and gradients)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _fast_pool_applies(self, x) or x.dim() != 3:
            return super().forward(x)
        kernel = int(_pair(self.kernel_size)[0])
        stride = int(_pair(self.stride if self.stride is not None else self.kernel_size)[0])
        out = _ChannelsLastMaxPool.apply(x.unsqueeze(2), (1, kernel), (1, stride),
                                         self.ceil_mode)
        return out.squeeze(2)


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
