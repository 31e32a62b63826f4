"""Layers: dynamic conv mixing, attention masking, Keras-style LSTM bias, length helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deep.data import Standardiser, batch_arrays, pool_frames, stratified_carve
from deep.layers import (
    AttentionPooling,
    DynamicConv2d,
    keras_lstm,
    keras_param_count,
    last_state,
    lengths_to_mask,
    masked_mean,
    run_lstm,
)


def test_dynamic_conv_mixing_weights_sum_to_one_and_vary_per_input():
    torch.manual_seed(0)
    conv = DynamicConv2d(3, 8, 3, n_kernels=4, temperature=1.0, reduction=1)
    x = torch.randn(5, 3, 10, 12)
    y = conv(x)
    assert y.shape == (5, 8, 10, 12)
    pi = conv.last_attention
    assert pi.shape == (5, 4)
    torch.testing.assert_close(pi.sum(1), torch.ones(5))
    assert (pi >= 0).all()
    assert not torch.allclose(pi[0], pi[1])  # input-dependent


def test_dynamic_conv_equals_the_per_sample_mixed_static_conv():
    torch.manual_seed(1)
    conv = DynamicConv2d(2, 4, 3, n_kernels=3, temperature=2.0, reduction=1)
    x = torch.randn(2, 2, 6, 7)
    y = conv(x)
    for b in range(2):
        pi = conv.mixing_weights(x[b:b + 1])[0]
        w = torch.einsum("k,koihw->oihw", pi, conv.weight)
        ref = torch.nn.functional.conv2d(x[b:b + 1], w, pi @ conv.bias, padding="same")
        torch.testing.assert_close(y[b:b + 1], ref, rtol=1e-4, atol=1e-5)


def test_attention_pooling_ignores_padding():
    torch.manual_seed(2)
    pool = AttentionPooling(6, 5)
    x = torch.randn(2, 7, 6)
    mask = lengths_to_mask(torch.tensor([7, 4]), 7)
    out = pool(x, mask)
    x2 = x.clone()
    x2[1, 4:] = 100.0  # garbage in the padded steps
    torch.testing.assert_close(pool(x2, mask), out)
    torch.testing.assert_close(pool.last_weights.sum(1), torch.ones(2))
    assert (pool.last_weights[1, 4:] == 0).all()


def test_masked_mean_and_last_state_read_only_valid_steps():
    x = torch.arange(2 * 4 * 2, dtype=torch.float32).reshape(2, 4, 2)
    mask = lengths_to_mask(torch.tensor([4, 2]), 4)
    torch.testing.assert_close(masked_mean(x, mask)[1], x[1, :2].mean(0))
    last = last_state(x, torch.tensor([4, 2]), bidirectional=True)
    torch.testing.assert_close(last[1], torch.tensor([x[1, 1, 0], x[1, 0, 1]]))


def test_packed_lstm_output_does_not_depend_on_padding():
    torch.manual_seed(3)
    lstm = keras_lstm(3, 4, bidirectional=True)
    x = torch.randn(2, 6, 3)
    lengths = torch.tensor([6, 3])
    a = run_lstm(lstm, x, lengths, pack=True)
    x[1, 3:] = 50.0
    b = run_lstm(lstm, x, lengths, pack=True)
    torch.testing.assert_close(a[1, :3], b[1, :3])


def test_keras_lstm_has_one_trainable_bias_per_gate():
    lstm = keras_lstm(256, 128)
    assert keras_param_count(lstm) == 4 * 128 * (256 + 128 + 1)  # Keras LSTM formula
    assert all(not p.requires_grad and (p == 0).all()
               for n, p in lstm.named_parameters() if n.startswith("bias_hh"))


def test_pool_frames_averages_blocks_including_the_partial_tail():
    f = np.arange(10, dtype=np.float32).reshape(5, 2)
    (out,) = pool_frames([f], 2)
    np.testing.assert_allclose(out, [[1, 2], [5, 6], [8, 9]])
    assert pool_frames([f], 1)[0] is f
    with pytest.raises(ValueError):
        pool_frames([f], 0)


def test_batch_arrays_fixed_and_variable():
    frames = [np.ones((5, 2), np.float32), np.ones((9, 2), np.float32)]
    x, lengths = batch_arrays(frames, 7, None)
    assert x.shape == (2, 7, 2) and lengths.tolist() == [5, 7]
    assert (x[0, 5:] == 0).all()
    x, lengths = batch_arrays(frames, None, 8)
    assert x.shape == (2, 8, 2) and lengths.tolist() == [5, 8]


def test_standardiser_uses_given_frames_only():
    rng = np.random.default_rng(0)
    train = [rng.normal(3.0, 2.0, (50, 4)).astype(np.float32) for _ in range(4)]
    scaler = Standardiser.fit(train)
    z = np.concatenate(scaler.transform(train))
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-4)


def test_stratified_carve_keeps_every_class_in_train_and_val():
    y = np.array([0] * 20 + [1] * 10 + [2] * 2)
    tr, va = stratified_carve(y, 0.1, seed=0)
    assert set(tr).isdisjoint(va) and len(tr) + len(va) == len(y)
    assert sorted(set(y[va])) == [0, 1, 2] and sorted(set(y[tr])) == [0, 1, 2]
    again = stratified_carve(y, 0.1, seed=0)
    np.testing.assert_array_equal(va, again[1])
