"""Frame-sequence length policy for deep models.

Two ways to feed ``(T_i, D)`` frame arrays of different lengths to a network:

- :func:`fix_length` makes every utterance exactly ``n_frames`` long: shorter ones are
  zero-padded at the end, longer ones are cropped around their centre (speech is usually
  centred; the leading/trailing silence is what gets cut). Papers 000 and 003 do this
  ("zero-padding is applied to the audio features" / a fixed 128- or 350-frame input).
- :func:`pad_batch` keeps every frame: it pads a batch to its longest member and returns the
  true lengths, from which models build masks (``mask[i, t] = t < lengths[i]``) for masked
  pooling / attention and packed RNNs.

Zero is the pad value in both: callers that standardise features should do so before padding
(or use the lengths to ignore padded frames), so a pad frame is "mean" after scaling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def fix_length(frames: np.ndarray, n_frames: int) -> np.ndarray:
    """Return ``frames`` (T, D) as exactly (n_frames, D): zero-pad at the end or centre-crop."""
    frames = np.asarray(frames)
    if frames.ndim != 2:
        raise ValueError(f"fix_length expects a (T, D) array, got shape {frames.shape}")
    if n_frames <= 0:
        raise ValueError(f"n_frames must be positive, got {n_frames}")
    T = frames.shape[0]
    if T == n_frames:
        return frames.copy()
    if T > n_frames:
        start = (T - n_frames) // 2
        return frames[start:start + n_frames].copy()
    out = np.zeros((n_frames, frames.shape[1]), dtype=frames.dtype)
    out[:T] = frames
    return out


def pad_batch(frames: Sequence[np.ndarray], dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length (T_i, D) arrays into (N, T_max, D) zeros-padded, plus lengths (N,)."""
    if len(frames) == 0:
        raise ValueError("pad_batch needs at least one array")
    arrays = [np.asarray(f) for f in frames]
    dims = {a.shape[1] if a.ndim == 2 else None for a in arrays}
    if None in dims or len(dims) != 1:
        shapes = sorted({a.shape for a in arrays})[:4]
        raise ValueError(f"pad_batch needs (T, D) arrays with one D; got shapes like {shapes}")
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    out = np.zeros((len(arrays), int(lengths.max()), dims.pop()), dtype=dtype)
    for i, a in enumerate(arrays):
        out[i, : a.shape[0]] = a
    return out, lengths
