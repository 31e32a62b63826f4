"""Frame length policy: fix_length (pad / centre-crop) and pad_batch (lengths for masks)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.features.frames import fix_length, pad_batch


def _frames(T: int, D: int = 3) -> np.ndarray:
    return np.arange(1, T * D + 1, dtype=np.float32).reshape(T, D)


def test_fix_length_pads_with_zeros_at_the_end():
    x = _frames(4)
    out = fix_length(x, 7)
    assert out.shape == (7, 3)
    np.testing.assert_array_equal(out[:4], x)
    assert not out[4:].any()


def test_fix_length_crops_around_the_centre():
    x = _frames(10)
    out = fix_length(x, 4)
    np.testing.assert_array_equal(out, x[3:7])
    np.testing.assert_array_equal(fix_length(x, 10), x)
    assert fix_length(x, 10) is not x


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((2, 2, 2))])
def test_fix_length_rejects_non_2d(bad):
    with pytest.raises(ValueError, match=r"\(T, D\)"):
        fix_length(bad, 3)


def test_pad_batch_shapes_lengths_and_content():
    xs = [_frames(2), _frames(5), _frames(1)]
    batch, lengths = pad_batch(xs)
    assert batch.shape == (3, 5, 3) and batch.dtype == np.float32
    assert lengths.tolist() == [2, 5, 1]
    for x, row, n in zip(xs, batch, lengths, strict=True):
        np.testing.assert_array_equal(row[:n], x)
        assert not row[n:].any()
    mask = np.arange(batch.shape[1])[None, :] < lengths[:, None]
    assert mask.sum() == lengths.sum()


def test_pad_batch_rejects_mixed_dims_and_empty():
    with pytest.raises(ValueError, match="one D"):
        pad_batch([_frames(2, 3), _frames(2, 4)])
    with pytest.raises(ValueError, match="at least one"):
        pad_batch([])
