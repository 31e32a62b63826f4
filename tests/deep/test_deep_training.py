"""Training loop: learning curves, stop reasons, monitors, refit, grouped validation carve,
profiles, the packed batches and the fast pooling (identical to torch's), CPU-only branches."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
import torch
from deep_helpers import make_frames, make_labelled
from sklearn.metrics import balanced_accuracy_score

from deep import MODELS
from deep.data import batch_arrays, grouped_carve
from deep.estimator import DeepClassifier
from deep.layers import MaxPool1d, MaxPool2d
from deep.profiles import PROFILES
from deep.training import (
    PackedFrames,
    autocast_for,
    deterministic_mode,
    flush_denormals,
    host_to_device,
    unweighted_accuracy,
)

CURVE_KEYS = {"epoch", "train_loss", "train_acc", "train_ua", "val_loss", "val_acc", "val_ua",
              "lr", "seconds"}
CPU = torch.device("cpu")


def _speakers(n: int, per: int) -> np.ndarray:
    return np.array([f"spk{i // per}" for i in range(n)])


# --- learning curves and stop reasons --------------------------------------------------------
def test_history_holds_the_learning_curve_and_the_caps():
    X, y = make_labelled(30, 13, seed=1)
    info = DeepClassifier(model="lstm", profile="ci", max_epochs=3, patience=50).fit(
        X, y).fit_info_
    assert [row["epoch"] for row in info["history"]] == [1, 2, 3]
    assert all(set(row) == CURVE_KEYS for row in info["history"])
    assert info["stop_reason"] == "epoch_cap" and info["max_epochs"] == 3
    assert info["max_steps"] is None and info["monitor"] == "val_loss"
    best = min(info["history"], key=lambda r: r["val_loss"])
    assert info["best_epoch"] == best["epoch"] and info["best_value"] == best["val_loss"]
    assert info["budget_bound"] == (info["best_epoch"] == 3)
    json.dumps(info)


def test_budget_bound_when_a_cap_stops_an_improving_run():
    X, y = make_labelled(32, 13, seed=2, shift=3.0)
    info = DeepClassifier(model="lstm", profile="ci", max_epochs=2, patience=50, lr=1e-2,
                          val_fraction=0.0).fit(X, y).fit_info_
    losses = [row["train_loss"] for row in info["history"]]
    assert info["monitor"] == "train_loss" and losses[1] < losses[0]
    assert info["best_epoch"] == 2 and info["budget_bound"] and info["stop_reason"] == "epoch_cap"


def test_monitoring_accuracy_maximises_and_ua_is_balanced_accuracy():
    X, y = make_labelled(30, 13, seed=3, classes=("a", "b", "c"))
    info = DeepClassifier(model="lstm", profile="ci", max_epochs=3, patience=50,
                          monitor="acc").fit(X, y).fit_info_
    assert info["monitor"] == "val_acc"
    best = max(info["history"], key=lambda r: r["val_acc"])  # first of ties, like the loop
    assert info["best_epoch"] == best["epoch"]
    y_true, y_pred = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0])
    assert unweighted_accuracy(y_true, y_pred) == balanced_accuracy_score(y_true, y_pred)
    assert unweighted_accuracy(np.array([0, 0]), np.array([0, 1])) == 0.5  # unseen class


def test_paper_profile_without_early_stopping_keeps_the_final_weights():
    X, y = make_labelled(24, 13, seed=4)
    est = DeepClassifier(model="lstm", profile="paper", max_epochs=2, batch_size=8)
    info = est.fit(X, y).fit_info_
    params = info["params"]
    assert params["patience"] is None and params["lr_patience"] is None
    assert params["grad_clip"] is None and not info["restored_best"]
    assert info["stop_reason"] == "epoch_cap" and info["epochs"] == 2


# --- refit on train + validation --------------------------------------------------------------
def test_refit_full_retrains_on_train_and_validation_for_the_best_epoch_count():
    X, y = make_labelled(40, 13, seed=5)
    est = DeepClassifier(model="lstm", profile="ci", max_epochs=3, patience=50,
                         refit_full=True).fit(X, y)
    info = est.fit_info_
    assert info["refit_full"] and info["refit_epochs"] == info["best_epoch"]
    assert info["refit_n_train"] == info["n_train"] + info["n_val"] == 40
    lrs = [row["lr"] for row in info["history"][: info["best_epoch"]]]
    assert [row["lr"] for row in info["refit_history"]] == lrs  # the schedule is replayed
    assert info["n_fit"] == 40  # the kept network saw the whole training side
    plain = DeepClassifier(model="lstm", profile="ci", max_epochs=3, patience=50,
                           refit_full=False).fit(X, y)
    assert not plain.fit_info_["refit_full"] and plain.fit_info_["refit_epochs"] is None
    assert plain.fit_info_["n_fit"] == plain.fit_info_["n_train"] < 40
    assert not np.array_equal(plain.predict_proba(X), est.predict_proba(X))


def test_budget_profiles_refit_on_the_whole_training_side_by_default():
    """Equal training data with the classical side: ci and default refit on train + validation,
    converged keeps the early-stopped model (converged_refit's comparison point)."""
    assert PROFILES["default"].training["refit_full"] and PROFILES["ci"].training["refit_full"]
    assert not PROFILES["converged"].training["refit_full"]
    assert PROFILES["paper"].training is None  # the papers' recipes, nothing added
    X, y = make_labelled(30, 13, seed=5)
    X_val, y_val = make_labelled(10, 13, seed=6)
    est = DeepClassifier(model="lstm", profile="ci", max_epochs=2).fit(X, y, X_val=X_val, y_val=y_val)
    assert est.fit_info_["refit_full"] and est.fit_info_["n_fit"] == 40


# --- validation carve ---------------------------------------------------------------------------
def test_carve_is_grouped_by_speaker_when_groups_are_given():
    X, y = make_labelled(60, 13, seed=6, classes=("a", "b", "c"))
    groups = _speakers(60, 6)  # 10 speakers, each with every class
    est = DeepClassifier(model="lstm", profile="ci", max_epochs=1, val_fraction=0.2)
    info = est.fit(X, y, groups=groups).fit_info_
    assert "grouped" in info["validation"] and info["validation"].startswith("carved")
    assert info["n_val"] % 6 == 0 and info["n_train"] + info["n_val"] == 60

    tr, va, _ = grouped_carve(np.searchsorted(["a", "b", "c"], y), groups, 0.2, seed=0)
    assert set(groups[tr]).isdisjoint(groups[va]) and len(set(groups[va])) == 2
    assert set(y[va]) == {"a", "b", "c"}  # stratified as far as the speakers allow
    again = grouped_carve(np.searchsorted(["a", "b", "c"], y), groups, 0.2, seed=0)
    np.testing.assert_array_equal(va, again[1])


def test_grouped_carve_with_one_group_falls_back_and_says_so():
    y = np.array([0, 1] * 10)
    tr, va, how = grouped_carve(y, np.array(["s"] * 20), 0.1, seed=0)
    assert "not grouped" in how and len(va) >= 2 and len(tr) + len(va) == 20


def test_fit_checks_group_lengths_and_accepts_groups_val():
    X, y = make_labelled(16, 13, seed=7)
    Xv, yv = make_labelled(6, 13, seed=8)
    with pytest.raises(ValueError, match="groups"):
        DeepClassifier(model="lstm", profile="ci").fit(X, y, groups=["a"] * 3)
    est = DeepClassifier(model="lstm", profile="ci", max_epochs=1)
    est.fit(X, y, groups=_speakers(16, 4), X_val=Xv, y_val=yv, groups_val=["v"] * 6)
    assert est.fit_info_["validation"] == "given" and est.fit_info_["n_train"] == 16


# --- profiles -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(MODELS))
def test_converged_profile_reads_the_default_inputs_and_trains_to_a_plateau(name):
    default = DeepClassifier(model=name, profile="default")._resolve()
    converged = DeepClassifier(model=name, profile="converged")._resolve()
    assert converged.config == default.config
    for field in ("frame_pool", "max_frames", "batch_size", "monitor", "optimiser", "lr"):
        assert getattr(converged.settings, field) == getattr(default.settings, field)
    s = converged.settings
    assert (s.patience, s.lr_patience, s.max_epochs, s.restore_best) == (12, 4, 150, True)


def test_paper_profile_is_each_papers_recipe_and_nothing_added():
    expected = {  # name: (optimiser, lr, epochs, batch, steps, patience, monitor, lr_patience)
        "dilated_cnn_bilstm": ("adam", 1e-3, 50, 32, None, None, "loss", None),
        "lstm": ("adam", 1e-3, 50, 32, None, None, "loss", None),
        "emoaugnet": ("adam", 1e-3, 100, 32, None, 10, "acc", 5),
        "dycnn_bilstm_attn": ("rmsprop", 1e-2, 1000, 200, 1000, None, "loss", None),
        "cnn_bilstm": ("adam", 1e-3, 150, 32, None, 10, "loss", 5),
        "cnn_lstm_attn": ("adam", 1e-3, 50, 32, None, None, "loss", None),
    }
    for name, want in expected.items():
        spec = DeepClassifier(model=name, profile="paper")._resolve()
        s = spec.settings
        assert (s.optimiser, s.lr, s.max_epochs, s.batch_size, s.max_steps, s.patience,
                s.monitor, s.lr_patience) == want, name
        assert s.grad_clip is None and s.frame_pool == 1 and s.max_frames is None, name
        assert s.restore_best == (s.patience is not None), name  # checkpointing with ES only
    assert DeepClassifier(model="cnn_bilstm", profile="paper")._resolve().config.n_frames == 350
    assert PROFILES["paper"].training is None


def test_dycnn_bidirectional_switch():
    X, y = make_labelled(16, 64, seed=9)
    bi = DeepClassifier(model="dycnn_bilstm_attn", profile="ci", max_epochs=1).fit(X, y)
    uni = DeepClassifier(model="dycnn_bilstm_attn", profile="ci", max_epochs=1,
                         bidirectional=False).fit(X, y)
    assert bi.network_.bilstm.bidirectional and not uni.network_.bilstm.bidirectional
    assert uni.network_.out.in_features == 128 and bi.network_.out.in_features == 256
    assert uni.fit_info_["params"]["bidirectional"] is False


# --- packed batches ------------------------------------------------------------------------
@pytest.mark.parametrize("n_frames, max_frames", [(20, None), (None, 25), (None, None)])
@pytest.mark.parametrize("limit", [1 << 30, 0])  # packed, and the per-batch fallback
def test_packed_batches_equal_the_per_batch_arrays(n_frames, max_frames, limit):
    frames = make_frames(9, 3, seed=10, lo=5, hi=40)
    packed = PackedFrames(frames, n_frames, max_frames, CPU, limit_bytes=limit)
    assert packed.packed == (limit > 0)
    for idx in (np.array([3, 0, 7]), np.array([8]), np.arange(9)):
        x, lengths = packed.batch(idx)
        want_x, want_len = batch_arrays([frames[i] for i in idx], n_frames, max_frames)
        assert x.is_contiguous()
        np.testing.assert_array_equal(x.numpy(), want_x)
        np.testing.assert_array_equal(lengths.numpy(), want_len)


# --- fast max-pooling ------------------------------------------------------------------------
def _tied(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.relu(torch.randint(-2, 3, shape, generator=g).float())  # many exact ties


@pytest.mark.parametrize("kernel, ceil_mode, shape", [
    (2, False, (3, 4, 9, 7)), (2, True, (3, 4, 9, 7)), (3, False, (2, 5, 8, 8))])
def test_maxpool2d_fast_path_is_identical_to_torch(kernel, ceil_mode, shape):
    for seed in range(3):
        x = _tied(shape, seed).requires_grad_(True)
        ref = x.detach().clone().requires_grad_(True)
        out = MaxPool2d(kernel, ceil_mode=ceil_mode)(x)
        want = torch.nn.MaxPool2d(kernel, ceil_mode=ceil_mode)(ref)
        g = torch.randn(want.shape, generator=torch.Generator().manual_seed(seed))
        out.backward(g)
        want.backward(g)
        assert torch.equal(out, want) and out.is_contiguous()
        assert torch.equal(x.grad, ref.grad)


@pytest.mark.parametrize("kernel, ceil_mode, length", [(2, True, 11), (2, False, 11), (8, False, 43)])
def test_maxpool1d_fast_path_is_identical_to_torch(kernel, ceil_mode, length):
    x = _tied((3, 6, length), 0).requires_grad_(True)
    ref = x.detach().clone().requires_grad_(True)
    out = MaxPool1d(kernel, ceil_mode=ceil_mode)(x)
    want = torch.nn.MaxPool1d(kernel, ceil_mode=ceil_mode)(ref)
    g = torch.randn(want.shape, generator=torch.Generator().manual_seed(1))
    out.backward(g)
    want.backward(g)
    assert torch.equal(out, want) and torch.equal(x.grad, ref.grad)
    with torch.inference_mode():
        assert torch.equal(MaxPool1d(kernel, ceil_mode=ceil_mode)(x), want)


# --- CPU branches of the CUDA-only settings --------------------------------------------------
def test_cpu_never_autocasts_nor_pins():
    ctx, scaler = autocast_for(CPU, amp=True)
    assert isinstance(ctx, contextlib.nullcontext) and scaler is None
    t = torch.zeros(3)
    assert host_to_device(t, CPU) is t and not t.is_pinned()


def test_deterministic_mode_restores_the_global_flags():
    before = (torch.are_deterministic_algorithms_enabled(),
              torch.utils.deterministic.fill_uninitialized_memory)
    with deterministic_mode(True):
        assert torch.are_deterministic_algorithms_enabled()
        assert not torch.utils.deterministic.fill_uninitialized_memory
    assert (torch.are_deterministic_algorithms_enabled(),
            torch.utils.deterministic.fill_uninitialized_memory) == before


def test_flush_denormals_holds_only_inside_the_block():
    tiny = np.float32(1e-39)  # subnormal in float32
    assert float(torch.tensor([tiny]) * 1.0) == pytest.approx(1e-39, rel=1e-3)
    with flush_denormals(CPU) as on:
        inside = float(torch.tensor([tiny]) * 1.0)
        numpy_inside = float((np.array([tiny]) * np.float32(1.0))[0])
    if on:  # every x86-64 and arm64 CPU torch supports
        assert inside == 0.0 and numpy_inside == 0.0
    # off again for whatever runs next in this thread (a classical job's NumPy included)
    assert float(torch.tensor([tiny]) * 1.0) == pytest.approx(1e-39, rel=1e-3)
    assert float((np.array([tiny]) * np.float32(1.0))[0]) == pytest.approx(1e-39, rel=1e-3)


@pytest.mark.parametrize("pool", [MaxPool2d(2), MaxPool1d(2, ceil_mode=True), MaxPool1d(8)])
def test_relu_and_max_pool_commute_exactly_with_gradients(pool):
    shape = (4, 5, 9, 7) if isinstance(pool, MaxPool2d) else (4, 5, 19)
    g = torch.Generator().manual_seed(0)
    base = torch.randint(-3, 3, shape, generator=g).float()  # ties, zeros and negatives
    a = base.clone().requires_grad_(True)
    b = base.clone().requires_grad_(True)
    relu_first, pool_first = pool(torch.relu(a)), torch.relu(pool(b))
    grad = torch.randn(relu_first.shape, generator=g)
    relu_first.backward(grad)
    pool_first.backward(grad)
    assert torch.equal(relu_first, pool_first) and torch.equal(a.grad, b.grad)


# --- epochs as long as the source utterances, whatever the copies ----------------------------
def test_item_stream_sees_every_item_before_any_repeats():
    from deep.training import ItemStream

    stream = ItemStream(10, 3, torch.Generator().manual_seed(0))
    first = np.concatenate([stream.take() for _ in range(3)])
    assert len(set(first.tolist())) == 9
    rest = np.concatenate([stream.take() for _ in range(7)])
    assert np.bincount(np.concatenate([first, rest]), minlength=10).tolist() == [3] * 10


def test_budget_profiles_give_an_augmented_fit_epochs_of_its_source_count():
    X, y = make_labelled(48, 13, seed=4)
    X_val, y_val = make_labelled(8, 13, seed=5)
    info = DeepClassifier(model="lstm", profile="ci", batch_size=4, max_epochs=2, patience=50,
                          n_sources=16).fit(X, y, X_val=X_val, y_val=y_val).fit_info_
    assert info["params"]["epoch_items"] == 16
    assert info["steps"] == 2 * 4  # two epochs of 16 items in batches of 4, not of 48
    plain = DeepClassifier(model="lstm", profile="ci", batch_size=4, max_epochs=2,
                           patience=50).fit(X, y, X_val=X_val, y_val=y_val).fit_info_
    assert plain["params"]["epoch_items"] is None and plain["steps"] == 2 * 12


def test_the_paper_profile_and_unaugmented_fits_keep_whole_epochs():
    X, y = make_labelled(24, 13, seed=6)
    paper = DeepClassifier(model="lstm", profile="paper", max_epochs=1, n_sources=8)
    assert paper._source_epochs(paper._resolve(), paper._resolve().settings, n_items=24,
                                n_train=24).epoch_items is None
    same = DeepClassifier(model="lstm", profile="default", n_sources=24)
    assert same._source_epochs(same._resolve(), same._resolve().settings, n_items=24,
                               n_train=24).epoch_items is None
    carved = DeepClassifier(model="lstm", profile="default", n_sources=12)
    assert carved._source_epochs(carved._resolve(), carved._resolve().settings, n_items=24,
                                 n_train=20).epoch_items == 10
