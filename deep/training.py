"""The one training loop of every deep model, and the budget profiles (ci, default, paper).

One epoch = a seeded shuffle of the training items, mini-batches built on the fly (fixed length
or padded with lengths, optional SpecAugment on the standardised frames), cross-entropy (class
weights optional), optional gradient clipping. After each epoch the validation loss drives
ReduceLROnPlateau and early stopping; the best epoch's weights are restored at the end.
Deterministic on CPU for a given seed; on CUDA it uses autocast (bf16 where supported).
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from deep.data import batch_arrays

SpecAugment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class Profile:
    """A training budget. ``None`` fields fall back to the paper recipe of the model."""

    name: str
    """Profile name, recorded in fit_info_."""
    max_epochs: int | None
    """Epoch cap (None: the paper's epochs)."""
    batch_size: int | None
    """Mini-batch size (None: the paper's batch size)."""
    patience: int | None
    """Early-stopping patience in epochs on the validation loss (None: the paper recipe's)."""
    lr_patience: int
    """ReduceLROnPlateau patience (epochs without validation-loss improvement)."""
    lr_factor: float = 0.5
    """ReduceLROnPlateau factor."""
    min_lr: float = 1e-5
    """ReduceLROnPlateau floor."""
    max_frames: int | None = None
    """Centre-crop cap for variable-length models (cost bound, after frame_pool); None: none."""
    frame_pool: int = 1
    """Average blocks of this many frames (coarser hop) to bound the cost of long inputs."""
    model_overrides: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({}))
    """Per-model changes (config or training fields) that keep this profile inside its time
    budget; recorded in fit_info_['params'] like explicit overrides (which win)."""


_FIXED_000 = ("dilated_cnn_bilstm", "emotech_cnn_bilstm", "cnn")

PROFILES: dict[str, Profile] = {
    # Seconds on 2 CPU cores, for tests and smoke suites: 3 epochs, short coarse inputs.
    "ci": Profile("ci", max_epochs=3, batch_size=16, patience=2, lr_patience=1, max_frames=32,
                  frame_pool=4, model_overrides=MappingProxyType({
                      **{name: {"n_frames": 24} for name in _FIXED_000},
                      "emoaugnet": {"n_frames": 24, "layout": "channels", "frame_pool": 1},
                      "cnn_bilstm": {"n_frames": 32},
                  })),
    # Aimed at ~10 s per fit on one CPU thread for a ~2000-utterance corpus (one fold of the
    # 9 models on the default synthetic corpus, 1344 train utterances, 2 workers on a busy
    # 2-core box: 6-28 s per fit, dycnn_bilstm_attn 97 s; see benchmarks/bench_deep.py for
    # throughput): at most 15 epochs with early stopping (patience 3), batches of
    # 64 (LSTMs are ~40% faster per item than at 32 on CPU), a 40 ms hop (4 x 10 ms frames
    # averaged; ZCR+RMS+MFCC already has a 32 ms hop) and ~2 s fixed inputs; emoaugnet reads
    # the features as channels. The papers' layer stacks are otherwise unchanged.
    "default": Profile("default", max_epochs=15, batch_size=64, patience=3, lr_patience=1,
                       max_frames=64, frame_pool=4, model_overrides=MappingProxyType({
                           **{name: {"n_frames": 48} for name in _FIXED_000},
                           "emoaugnet": {"n_frames": 48, "layout": "channels", "frame_pool": 1},
                           "cnn_bilstm": {"n_frames": 64},
                       })),
    # The papers' epochs, batch sizes and full-size inputs (no pooling, no caps).
    "paper": Profile("paper", max_epochs=None, batch_size=None, patience=None, lr_patience=5),
}


@dataclass(frozen=True)
class TrainSettings:
    """Resolved training hyper-parameters of one fit (all recorded)."""

    optimiser: str
    """'adam' | 'rmsprop' | 'sgd'."""
    lr: float
    """Initial learning rate."""
    max_epochs: int
    """Epoch cap."""
    batch_size: int
    """Mini-batch size."""
    patience: int
    """Early-stopping patience (epochs) on the monitored loss."""
    lr_patience: int
    """ReduceLROnPlateau patience."""
    lr_factor: float
    """ReduceLROnPlateau factor."""
    min_lr: float
    """ReduceLROnPlateau floor."""
    max_steps: int | None = None
    """Optimiser-step cap (None: none)."""
    max_frames: int | None = None
    """Centre-crop cap for variable-length inputs (counted after ``frame_pool``)."""
    frame_pool: int = 1
    """Average non-overlapping blocks of this many frames before anything else (a coarser hop;
    1 = the features' own hop)."""
    weight_decay: float = 0.0
    """L2 penalty of the optimiser."""
    class_weight: bool = False
    """Weight the loss by inverse class frequency of the training split."""
    grad_clip: float | None = 5.0
    """Max gradient norm (None: no clipping); guards the RNNs against rare blow-ups."""
    device: str = "auto"
    """'auto' (CUDA when present), 'cpu' or 'cuda'."""
    amp: bool = True
    """Mixed precision autocast on CUDA (bf16 where supported, else fp16); ignored on CPU."""
    deterministic: bool = True
    """torch.use_deterministic_algorithms during the fit (warn-only where unsupported)."""
    progress: bool = False
    """Show a per-epoch progress bar."""

    def record(self) -> dict[str, Any]:
        return asdict(self)


_OPTIMISERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}

TRAIN_FIELDS = frozenset(TrainSettings.__dataclass_fields__)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' requested but CUDA is not available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {name!r}")
    return torch.device(name)


def make_optimiser(name: str, params: Sequence[nn.Parameter], lr: float,
                   weight_decay: float) -> torch.optim.Optimizer:
    try:
        cls = _OPTIMISERS[name]
    except KeyError:
        raise ValueError(f"unknown optimiser {name!r}; choose from {sorted(_OPTIMISERS)}") from None
    return cls(params, lr=lr, weight_decay=weight_decay)


@contextlib.contextmanager
def deterministic_mode(on: bool) -> Iterator[None]:
    """Turn deterministic algorithms on for the block and restore the previous setting."""
    before = torch.are_deterministic_algorithms_enabled()
    before_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(on, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=before_warn)


def autocast_for(device: torch.device, amp: bool) -> tuple[contextlib.AbstractContextManager,
                                                           torch.amp.GradScaler | None]:
    """Autocast context and (for fp16 only) a gradient scaler."""
    if device.type != "cuda" or not amp:
        return contextlib.nullcontext(), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


def to_tensors(frames: Sequence[np.ndarray], n_frames: int | None, max_frames: int | None,
               device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x, lengths = batch_arrays(frames, n_frames, max_frames)
    return torch.from_numpy(x).to(device), torch.from_numpy(lengths).to(device)


@torch.no_grad()
def predict_logits(model: nn.Module, frames: Sequence[np.ndarray], *, n_frames: int | None,
                   max_frames: int | None, batch_size: int, device: torch.device,
                   amp: bool = True) -> np.ndarray:
    """Logits (N, C) in float32; items are batched by length to limit padding."""
    model.eval()
    order = np.argsort([f.shape[0] for f in frames], kind="stable")
    out = np.empty((len(frames), 0), dtype=np.float32)
    chunks = []
    ctx, _ = autocast_for(device, amp)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        x, lengths = to_tensors([frames[i] for i in idx], n_frames, max_frames, device)
        with ctx:
            chunks.append(model(x, lengths).float().cpu().numpy())
    logits = np.concatenate(chunks, axis=0) if chunks else out
    result = np.empty_like(logits)
    result[order] = logits
    return result


@dataclass
class TrainResult:
    """What one training run did."""

    history: list[dict[str, float]]
    epochs: int
    best_epoch: int
    steps: int
    stopped_early: bool
    monitor: str
    seconds: float


def _class_weights(y: np.ndarray, n_classes: int) -> torch.Tensor:
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


BUCKET_BATCHES = 8
"""Variable-length batches are formed inside shuffled windows of this many batches, sorted by
length, so a batch holds similar lengths (little padding) while the data order stays random."""


def _batches(lengths: np.ndarray, batch_size: int, generator: torch.Generator, *,
             bucket: bool) -> list[np.ndarray]:
    """Seeded mini-batch indices for one epoch (length-bucketed when ``bucket``)."""
    order = torch.randperm(len(lengths), generator=generator).numpy()
    if not bucket:
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    window = batch_size * BUCKET_BATCHES
    batches = []
    for w in range(0, len(order), window):
        chunk = order[w:w + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    shuffle = torch.randperm(len(batches), generator=generator).numpy()
    return [batches[i] for i in shuffle]


def _evaluate(model: nn.Module, frames: Sequence[np.ndarray], y: np.ndarray, *,
              n_frames: int | None, settings: TrainSettings, device: torch.device,
              loss_fn: nn.Module) -> dict[str, float]:
    logits = predict_logits(model, frames, n_frames=n_frames, max_frames=settings.max_frames,
                            batch_size=max(settings.batch_size, 64), device=device,
                            amp=settings.amp)
    loss = float(loss_fn(torch.from_numpy(logits), torch.from_numpy(y)).item())
    pred = logits.argmax(1)
    recalls = [float((pred[y == c] == c).mean()) for c in np.unique(y)]
    return {"loss": loss, "acc": float((pred == y).mean()), "ua": float(np.mean(recalls))}


def train(model: nn.Module, train_x: Sequence[np.ndarray], train_y: np.ndarray,
          val_x: Sequence[np.ndarray] | None, val_y: np.ndarray | None, *,
          settings: TrainSettings, n_frames: int | None, n_classes: int, seed: int,
          device: torch.device, spec_augment: SpecAugment | None = None) -> TrainResult:
    """Train ``model`` in place (best weights restored); frames must already be standardised.

    The monitored quantity is the validation loss, or the training loss when no validation
    split is given (then early stopping only ends a plateau).
    """
    started = time.perf_counter()
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = make_optimiser(settings.optimiser, trainable, settings.lr, settings.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimiser, mode="min", factor=settings.lr_factor, patience=settings.lr_patience,
        min_lr=settings.min_lr)
    weights = _class_weights(train_y, n_classes).to(device) if settings.class_weight else None
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    eval_loss = nn.CrossEntropyLoss(weight=None if weights is None else weights.cpu())
    shuffler = torch.Generator().manual_seed(seed)
    aug_rng = np.random.default_rng(seed)
    autocast, scaler = autocast_for(device, settings.amp)
    y_all = torch.as_tensor(train_y, dtype=torch.long)
    monitor = "val_loss" if val_x is not None else "train_loss"
    train_lengths = np.array([f.shape[0] for f in train_x])

    history: list[dict[str, float]] = []
    best_loss, best_epoch, best_state = float("inf"), 0, copy.deepcopy(model.state_dict())
    steps, stale, stopped_early = 0, 0, False
    epochs_bar = tqdm(range(1, settings.max_epochs + 1), desc="epochs", leave=False,
                      disable=not settings.progress)
    for epoch in epochs_bar:
        tick = time.perf_counter()
        model.train()
        total, correct, loss_sum = 0, 0, 0.0
        for idx in _batches(train_lengths, settings.batch_size, shuffler, bucket=n_frames is None):
            if len(idx) < 2 and len(train_x) > 1:  # BatchNorm cannot train on a single item
                continue
            frames = [train_x[i] for i in idx]
            if spec_augment is not None:
                frames = [np.asarray(spec_augment(f, aug_rng), dtype=np.float32) for f in frames]
            x, lengths = to_tensors(frames, n_frames, settings.max_frames, device)
            target = y_all[idx].to(device)
            optimiser.zero_grad(set_to_none=True)
            with autocast:
                logits = model(x, lengths)
                loss = loss_fn(logits.float(), target)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimiser)
            else:
                loss.backward()
            if settings.grad_clip is not None:
                nn.utils.clip_grad_norm_(trainable, settings.grad_clip)
            if scaler is not None:
                scaler.step(optimiser)
                scaler.update()
            else:
                optimiser.step()
            steps += 1
            loss_sum += float(loss.item()) * len(idx)
            correct += int((logits.argmax(1) == target).sum().item())
            total += len(idx)
            if settings.max_steps is not None and steps >= settings.max_steps:
                break
        if total == 0:
            raise ValueError("no training batch of two or more items; give more training data")
        row = {"epoch": epoch, "train_loss": loss_sum / total, "train_acc": correct / total,
               "lr": optimiser.param_groups[0]["lr"]}
        if val_x is not None:
            scores = _evaluate(model, val_x, val_y, n_frames=n_frames, settings=settings,
                               device=device, loss_fn=eval_loss)
            row.update({f"val_{k}": v for k, v in scores.items()})
        row["seconds"] = time.perf_counter() - tick
        history.append(row)
        current = row[monitor]
        if not np.isfinite(current):
            raise FloatingPointError(f"{monitor} is {current} at epoch {epoch}; lower the lr")
        scheduler.step(current)
        if current < best_loss:
            best_loss, best_epoch, stale = current, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            stale += 1
        epochs_bar.set_postfix({monitor: f"{current:.3f}"})
        if stale >= settings.patience:
            stopped_early = True
            break
        if settings.max_steps is not None and steps >= settings.max_steps:
            break
    model.load_state_dict(best_state)
    return TrainResult(history, len(history), best_epoch, steps, stopped_early, monitor,
                       time.perf_counter() - started)


def settings_for(profile: Profile, recipe_defaults: Mapping[str, Any],
                 overrides: Mapping[str, Any]) -> TrainSettings:
    """Profile values, the paper recipe where the profile defers, then explicit overrides."""
    base = TrainSettings(
        optimiser=recipe_defaults["optimiser"], lr=recipe_defaults["lr"],
        max_epochs=profile.max_epochs or recipe_defaults["epochs"],
        batch_size=profile.batch_size or recipe_defaults["batch_size"],
        patience=profile.patience or recipe_defaults["patience"],
        lr_patience=profile.lr_patience, lr_factor=profile.lr_factor, min_lr=profile.min_lr,
        max_steps=recipe_defaults["max_steps"] if profile.max_epochs is None else None,
        max_frames=profile.max_frames, frame_pool=profile.frame_pool)
    return replace(base, **overrides)
