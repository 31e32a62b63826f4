"""A feature function in serbench's plugin form: ``f(y, sr, **params) -> np.ndarray``."""

from __future__ import annotations

import numpy as np


def band_energy(y: np.ndarray, sr: int, n_bands: int = 8, frame_s: float = 0.025,
                hop_s: float = 0.010) -> np.ndarray:
    """Log energy in ``n_bands`` equal-width bands from 0 to sr/2 per Hann-windowed frame, then
    its mean and standard deviation over frames: a vector of 2 * n_bands functionals."""
    frame, hop = int(frame_s * sr), int(hop_s * sr)
    if len(y) < frame:
        y = np.pad(y, (0, frame - len(y)))
    frames = np.lib.stride_tricks.sliding_window_view(y, frame)[::hop] * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    edges = np.linspace(0, power.shape[1], n_bands + 1).astype(int)
    bands = np.stack([power[:, a:b].sum(axis=1) for a, b in zip(edges[:-1], edges[1:], strict=True)],
                     axis=1)
    log_energy = np.log(bands + 1e-10)
    return np.concatenate([log_energy.mean(axis=0), log_energy.std(axis=0)]).astype(np.float32)
