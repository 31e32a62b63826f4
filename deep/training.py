"""The one training loop of every deep model, its resolved settings, and prediction.

One epoch = a seeded shuffle of the training items, mini-batches indexed from the split's
frames packed once per fit (:class:`PackedFrames`: fixed length, or centre-cropped and padded
to the batch's longest item with lengths; with SpecAugment each batch is augmented and packed
on the fly), cross-entropy (class weights optional), optional gradient clipping. After each
epoch the monitored quantity (loss, accuracy or UA on the validation split; on the training
batches when there is none) picks the best epoch and, when the settings ask for them, drives
ReduceLROnPlateau and early stopping; the best epoch's weights are restored when
``restore_best``. Profiles (deep/profiles.py) say which of these a fit uses.

Deterministic on CPU for a given seed; on CUDA it uses autocast (bf16 where supported). The
CPU cost is in the kernels (oneDNN LSTM and convolution forward/backward, batch norm); what
this loop adds is kept small: frames are packed once, validation runs under inference_mode,
weights are cloned only when the best epoch improves, deterministic mode does not fill every
new tensor with NaN (a debugging aid of PyTorch's that cost 2-10% of a fit), and max-pooling
runs in a faster layout with identical results (``deep.layers.MaxPool1d/2d``).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score
from torch import nn
from tqdm.auto import tqdm

from deep.data import batch_arrays, fix_length
from deep.profiles import PROFILES, Profile
from deep.spec import MONITORS, Recipe

SpecAugment = Callable[[np.ndarray, np.random.Generator], np.ndarray]

__all__ = ["PROFILES", "Profile", "TrainSettings", "TRAIN_FIELDS", "PackedFrames", "train",
           "predict_logits", "settings_for", "unweighted_accuracy"]


@dataclass(frozen=True)
class TrainSettings:
    """Resolved training hyper-parameters of one fit (all recorded in fit_info_['params'])."""

    optimiser: str
    """'adam' | 'rmsprop' | 'sgd' (torch's default constants)."""
    lr: float
    """Initial learning rate."""
    max_epochs: int
    """Epoch cap."""
    batch_size: int
    """Mini-batch size."""
    max_steps: int | None = None
    """Optimiser-step cap (None: none)."""
    patience: int | None = None
    """Early-stopping patience in epochs on ``monitor`` (None: no early stopping)."""
    monitor: str = "loss"
    """'loss' | 'acc' | 'ua': the quantity that picks the best epoch and drives early stopping
    and the LR schedule, on validation when there is a validation split, else on training."""
    lr_patience: int | None = None
    """ReduceLROnPlateau patience on ``monitor`` (None: constant learning rate)."""
    lr_factor: float = 0.1
    """ReduceLROnPlateau factor."""
    min_lr: float = 0.0
    """ReduceLROnPlateau floor."""
    restore_best: bool = False
    """Restore the best epoch's weights at the end (False: keep the final weights)."""
    grad_clip: float | None = None
    """Max gradient norm (None: no clipping)."""
    max_frames: int | None = None
    """Centre-crop cap for variable-length inputs (counted after ``frame_pool``)."""
    frame_pool: int = 1
    """Average non-overlapping blocks of this many frames before anything else (a coarser hop;
    1 = the features' own hop)."""
    weight_decay: float = 0.0
    """L2 penalty of the optimiser."""
    class_weight: bool = False
    """Weight the loss by inverse class frequency of the training split."""
    refit_full: bool = False
    """After early stopping on the validation split, retrain from the same initial seed on
    train + validation for the best epoch count (replaying that run's learning rates)."""
    epoch_items: int | None = None
    """Training items one epoch visits (None: every item). The budget profiles set it to the
    number of source utterances when augmentation adds copies to the training side
    (``Profile.source_epochs``), so an epoch costs as many steps with copies as without and
    the epoch cap, patience and LR schedule keep their meaning; successive epochs walk on
    through a stream of seeded permutations of all items, so every copy is seen in turn."""
    device: str = "auto"
    """'auto' (CUDA when present), 'cpu' or 'cuda'."""
    amp: bool = True
    """Mixed precision autocast on CUDA (bf16 where supported, else fp16); never on CPU."""
    deterministic: bool = True
    """torch.use_deterministic_algorithms during the fit (warn-only where unsupported)."""
    progress: bool = False
    """Show a per-epoch progress bar."""

    def __post_init__(self) -> None:
        if self.monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {MONITORS}, got {self.monitor!r}")
        if self.max_epochs < 1 or self.batch_size < 1:
            raise ValueError("max_epochs and batch_size must be >= 1")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be >= 1 or None, got {self.patience}")
        if self.epoch_items is not None and self.epoch_items < 1:
            raise ValueError(f"epoch_items must be >= 1 or None, got {self.epoch_items}")

    def record(self) -> dict[str, Any]:
        return asdict(self)


TRAIN_FIELDS = frozenset(TrainSettings.__dataclass_fields__)

_OPTIMISERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}


def settings_for(profile: Profile, recipe: Recipe, overrides: Mapping[str, Any]) -> TrainSettings:
    """The paper recipe verbatim (``paper`` profile) or the profile's budget with the recipe's
    optimiser and learning rate; then ``overrides`` (budget column, then explicit ones)."""
    if profile.training is None:
        base = TrainSettings(**recipe.training())
    else:
        base = TrainSettings(optimiser=recipe.optimiser, lr=recipe.lr, **profile.training)
    return replace(base, **overrides)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' requested but CUDA is not available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {name!r}")
    return torch.device(name)


_INTEROP_SET = False


def configure_threads(threads: int) -> None:
    """Torch's intra-op threads for this process (every call) and its inter-op pool (once:
    torch allows that only before the pool starts; later calls leave it as it is)."""
    global _INTEROP_SET
    torch.set_num_threads(int(threads))
    if not _INTEROP_SET:
        _INTEROP_SET = True
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(int(threads))


def make_optimiser(name: str, params: Sequence[nn.Parameter], lr: float,
                   weight_decay: float) -> torch.optim.Optimizer:
    try:
        cls = _OPTIMISERS[name]
    except KeyError:
        raise ValueError(f"unknown optimiser {name!r}; choose from {sorted(_OPTIMISERS)}") from None
    return cls(params, lr=lr, weight_decay=weight_decay)


@contextlib.contextmanager
def deterministic_mode(on: bool) -> Iterator[None]:
    """Deterministic algorithms on for the block, previous settings restored after.

    PyTorch's deterministic mode also fills every uninitialised tensor with NaN
    (``fill_uninitialized_memory``), a debugging aid that cost 2-10% of a CPU fit (oneDNN's LSTM
    workspaces are large); no kernel we use reads memory it did not write, so it is off here.
    """
    before = torch.are_deterministic_algorithms_enabled()
    before_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    before_fill = torch.utils.deterministic.fill_uninitialized_memory
    torch.use_deterministic_algorithms(on, warn_only=True)
    torch.utils.deterministic.fill_uninitialized_memory = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=before_warn)
        torch.utils.deterministic.fill_uninitialized_memory = before_fill


@contextlib.contextmanager
def flush_denormals(device: torch.device) -> Iterator[bool]:
    """Subnormal floats flushed to zero on this thread's CPU arithmetic for the block.

    Some fits drift into subnormal values (paper 002's network: oneDNN's LSTM backward took
    most of its fit; ``benchmarks/bench_deep.py`` gave 473 training items/s per core on an AMD
    EPYC host on 2026-12-03, 33 on an Intel Xeon host on 2026-12-05 and 261 there with
    subnormals flushed; the other models did not change). Values below 1.2e-38 are far under float32's resolution next to any weight,
    so flushing them does not move a fit's numbers in practice (checked with
    ``benchmarks/bench_deep.py --check``: identical predictions for all ten models). Yields
    whether the CPU supports it. The flag is per thread and also governs NumPy in it, so it is
    switched back off after the block: a classical job run next in the same worker must see the
    default arithmetic.
    """
    on = device.type == "cpu" and torch.set_flush_denormal(True)
    try:
        yield on
    finally:
        if on:
            torch.set_flush_denormal(False)


def autocast_for(device: torch.device, amp: bool) -> tuple[contextlib.AbstractContextManager,
                                                           torch.amp.GradScaler | None]:
    """Autocast context and (for fp16 only) a gradient scaler; a no-op on CPU, where float32
    keeps fits reproducible and comparable with the recorded results."""
    if device.type != "cuda" or not amp:
        return contextlib.nullcontext(), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


def host_to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Move a CPU tensor to ``device``: pinned and asynchronous on CUDA, unchanged on CPU."""
    if device.type != "cuda":
        return tensor
    return tensor.pin_memory().to(device, non_blocking=True)


def to_tensors(frames: Sequence[np.ndarray], n_frames: int | None, max_frames: int | None,
               device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """One batch from a list of (T, D) arrays (the SpecAugment path and tests)."""
    x, lengths = batch_arrays(frames, n_frames, max_frames)
    return (host_to_device(torch.from_numpy(x), device),
            host_to_device(torch.from_numpy(lengths), device))


PACK_LIMIT_BYTES = 1 << 30
"""Largest packed (N, T, D) float32 tensor of one split; beyond it (full-length inputs of a
large corpus under the ``paper`` profile) batches are padded per batch instead."""


class PackedFrames:
    """The standardised frames of one split, packed ONCE into an (N, T, D) tensor (on the
    training device) with valid lengths, so a mini-batch is an index into it.

    Packing follows :func:`deep.data.batch_arrays` exactly: a fixed-length model gets each item
    zero-padded / centre-cropped to ``n_frames``; a variable-length one gets items centre-cropped
    to ``max_frames`` and a batch is cut to its longest item (the rest is zero padding). So a
    batch holds the same numbers as one built from the item list. ``keep_items`` keeps the
    unpadded items for on-the-fly SpecAugment.
    """

    def __init__(self, frames: Sequence[np.ndarray], n_frames: int | None,
                 max_frames: int | None, device: torch.device, *, keep_items: bool = False,
                 limit_bytes: int = PACK_LIMIT_BYTES) -> None:
        if len(frames) == 0:
            raise ValueError("no frames to pack")
        self.n_frames, self.max_frames, self.device = n_frames, max_frames, device
        self.raw_lengths = np.array([f.shape[0] for f in frames], dtype=np.int64)
        """Lengths before any crop (what length bucketing sorts by)."""
        self.items: list[np.ndarray] | None = list(frames) if keep_items else None
        if n_frames is not None:
            width = n_frames
            lengths = np.minimum(self.raw_lengths, n_frames)
        else:
            lengths = (self.raw_lengths if max_frames is None
                       else np.minimum(self.raw_lengths, max_frames))
            width = int(lengths.max())
        dim = frames[0].shape[1]
        self.lengths = torch.from_numpy(lengths)
        self.x: torch.Tensor | None = None
        if len(frames) * width * dim * 4 > limit_bytes:
            self.items = list(frames)  # too large to pack: batches are built per batch
            return
        packed = np.zeros((len(frames), width, dim), dtype=np.float32)
        for i, f in enumerate(frames):
            if n_frames is not None:
                packed[i] = fix_length(f, n_frames)
            else:
                g = fix_length(f, max_frames) if max_frames is not None and f.shape[0] > max_frames else f
                packed[i, : g.shape[0]] = g
        self.x = host_to_device(torch.from_numpy(packed), device)

    def __len__(self) -> int:
        return len(self.raw_lengths)

    @property
    def packed(self) -> bool:
        return self.x is not None

    def batch(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(x, lengths) of items ``idx``, both on the device."""
        if self.x is None:
            assert self.items is not None
            return to_tensors([self.items[i] for i in idx], self.n_frames, self.max_frames,
                              self.device)
        index = torch.from_numpy(np.asarray(idx, dtype=np.int64))
        lengths = self.lengths[index]
        if self.x.device.type != "cpu":
            index = index.to(self.x.device)
        if self.n_frames is not None:
            x = self.x[index]
        else:
            x = self.x[index, : int(lengths.max())]
        return x.contiguous(), lengths.to(self.device)


EVAL_BATCH = 64
"""Smallest evaluation batch (the training batch size when larger). Variable-length items are
sorted by length and padded per batch, so the batch size is part of what a prediction is."""


def predict_logits(model: nn.Module, frames: PackedFrames | Sequence[np.ndarray], *,
                   n_frames: int | None, max_frames: int | None, batch_size: int,
                   device: torch.device, amp: bool = True) -> np.ndarray:
    """Logits (N, C) in float32; items are batched by length to limit padding."""
    data = frames if isinstance(frames, PackedFrames) else PackedFrames(
        frames, n_frames, max_frames, device)
    model.eval()
    order = np.argsort(data.raw_lengths, kind="stable")
    chunks = []
    ctx, _ = autocast_for(device, amp)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            x, lengths = data.batch(order[start:start + batch_size])
            with ctx:
                chunks.append(model(x, lengths).float())
        logits = torch.cat(chunks).cpu().numpy()
    result = np.empty_like(logits)
    result[order] = logits
    return result


def unweighted_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """UA: ``balanced_accuracy_score`` (mean recall over the classes present in ``y_true``)."""
    with warnings.catch_warnings():  # "y_pred contains classes not in y_true"
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(y_true, y_pred))


@dataclass
class TrainResult:
    """What one training run did (the estimator turns it into fit_info_)."""

    history: list[dict[str, float]]
    """One row per epoch: epoch, train_loss, train_acc, train_ua, [val_loss, val_acc, val_ua],
    lr (used during the epoch), seconds."""
    epochs: int
    best_epoch: int
    """Epoch with the best monitored value (1-based)."""
    best_value: float
    steps: int
    stop_reason: str
    """'patience' | 'epoch_cap' | 'step_cap'."""
    monitor: str
    """History key that was monitored, e.g. 'val_loss' or 'train_acc'."""
    seconds: float

    @property
    def budget_bound(self) -> bool:
        """The best epoch was the last one a cap allowed: still improving when stopped."""
        return self.stop_reason != "patience" and self.best_epoch == self.epochs


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


class ItemStream:
    """Epochs of ``per_epoch`` items drawn in turn from a stream of seeded permutations of
    ``n`` items (the next permutation starts where the last one ran out)."""

    def __init__(self, n: int, per_epoch: int, generator: torch.Generator) -> None:
        self.n, self.per_epoch, self.generator = n, per_epoch, generator
        self._pending = np.empty(0, dtype=np.int64)

    def take(self) -> np.ndarray:
        while len(self._pending) < self.per_epoch:
            fresh = torch.randperm(self.n, generator=self.generator).numpy()
            self._pending = np.concatenate([self._pending, fresh])
        out, self._pending = self._pending[:self.per_epoch], self._pending[self.per_epoch:]
        return out


def _epoch_batches(lengths: np.ndarray, batch_size: int, generator: torch.Generator, *,
                   bucket: bool, stream: ItemStream | None) -> list[np.ndarray]:
    """One epoch's mini-batches: over every item, or over the stream's next items."""
    if stream is None:
        return _batches(lengths, batch_size, generator, bucket=bucket)
    subset = stream.take()
    return [subset[b] for b in _batches(lengths[subset], batch_size, generator, bucket=bucket)]


def _evaluate(model: nn.Module, data: PackedFrames, y: np.ndarray, *, settings: TrainSettings,
              device: torch.device, loss_fn: nn.Module) -> dict[str, float]:
    logits = predict_logits(model, data, n_frames=data.n_frames, max_frames=data.max_frames,
                            batch_size=max(settings.batch_size, EVAL_BATCH), device=device,
                            amp=settings.amp)
    loss = float(loss_fn(torch.from_numpy(logits), torch.from_numpy(y)).item())
    pred = logits.argmax(1)
    return {"loss": loss, "acc": float((pred == y).mean()), "ua": unweighted_accuracy(y, pred)}


class _Epochs:
    """One fit's optimisation state and its epoch over the training batches: the network, its
    optimiser, loss and mixed-precision scaler, the seeded shuffle and SpecAugment draws, and
    the optimiser steps taken so far."""

    def __init__(self, model: nn.Module, train_data: PackedFrames, train_y: np.ndarray, *,
                 settings: TrainSettings, n_classes: int, seed: int, device: torch.device,
                 spec_augment: SpecAugment | None) -> None:
        if spec_augment is not None and train_data.items is None:
            raise ValueError("spec_augment needs PackedFrames(..., keep_items=True)")
        self.model, self.data, self.settings, self.device = model, train_data, settings, device
        self.spec_augment = spec_augment
        self.trainable = [p for p in model.parameters() if p.requires_grad]
        self.optimiser = make_optimiser(settings.optimiser, self.trainable, settings.lr,
                                        settings.weight_decay)
        weights = _class_weights(train_y, n_classes).to(device) if settings.class_weight else None
        self.loss_fn = nn.CrossEntropyLoss(weight=weights)
        self.eval_loss = nn.CrossEntropyLoss(weight=None if weights is None else weights.cpu())
        self.shuffler = torch.Generator().manual_seed(seed)
        self.aug_rng = np.random.default_rng(seed)
        self.autocast, self.scaler = autocast_for(device, settings.amp)
        self.y_all = host_to_device(torch.as_tensor(train_y, dtype=torch.long), device)
        self.stream = (ItemStream(len(train_data), settings.epoch_items, self.shuffler)
                       if settings.epoch_items is not None and settings.epoch_items < len(train_data)
                       else None)
        self.steps = 0

    @property
    def step_cap_reached(self) -> bool:
        return self.settings.max_steps is not None and self.steps >= self.settings.max_steps

    def set_lr(self, lr: float) -> None:
        for group in self.optimiser.param_groups:
            group["lr"] = lr

    def _batch(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        if self.spec_augment is None:
            return self.data.batch(idx)
        frames = [np.asarray(self.spec_augment(self.data.items[i], self.aug_rng), dtype=np.float32)
                  for i in idx]
        return to_tensors(frames, self.data.n_frames, self.data.max_frames, self.device)

    def _step(self, x: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step on one batch: (loss, logits)."""
        self.optimiser.zero_grad(set_to_none=True)
        with self.autocast:
            logits = self.model(x, lengths)
            loss = self.loss_fn(logits.float(), target)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimiser)
        else:
            loss.backward()
        if self.settings.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.trainable, self.settings.grad_clip)
        if self.scaler is not None:
            self.scaler.step(self.optimiser)
            self.scaler.update()
        else:
            self.optimiser.step()
        self.steps += 1
        return loss, logits

    def run(self, epoch: int) -> dict[str, float]:
        """Train one epoch; its history row without validation scores or seconds."""
        self.model.train()
        # float64 sums on the device: exact like Python floats, and no sync per batch on CUDA
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        targets, predictions, total = [], [], 0
        for idx in _epoch_batches(self.data.raw_lengths, self.settings.batch_size, self.shuffler,
                                  bucket=self.data.n_frames is None, stream=self.stream):
            if len(idx) < 2 and len(self.data) > 1:  # BatchNorm cannot train on one item
                continue
            x, lengths = self._batch(idx)
            target = self.y_all[torch.from_numpy(idx).to(self.device)]
            loss, logits = self._step(x, lengths, target)
            loss_sum += loss.detach().double() * len(idx)
            targets.append(target)
            predictions.append(logits.detach().argmax(1))
            total += len(idx)
            if self.step_cap_reached:
                break
        if total == 0:
            raise ValueError("no training batch of two or more items; give more training data")
        y_seen = torch.cat(targets).cpu().numpy()
        y_hat = torch.cat(predictions).cpu().numpy()
        row = {"epoch": epoch, "train_loss": float(loss_sum.item()) / total,
               "train_acc": float((y_hat == y_seen).sum()) / total,
               "train_ua": unweighted_accuracy(y_seen, y_hat),
               "lr": self.optimiser.param_groups[0]["lr"]}
        if not np.isfinite(row["train_loss"]):
            raise FloatingPointError(f"train_loss is {row['train_loss']} at epoch {epoch}; "
                                     "lower the lr")
        return row


class _BestEpoch:
    """The best monitored value so far, its epoch and (with ``restore_best``) its weights, and
    how many epochs have passed without improving on it."""

    def __init__(self, lower_is_better: bool, restore_best: bool) -> None:
        self.lower_is_better, self.restore_best = lower_is_better, restore_best
        self.value = float("inf") if lower_is_better else -float("inf")
        self.epoch, self.stale = 0, 0
        self.state: dict[str, torch.Tensor] | None = None

    def update(self, model: nn.Module, epoch: int, current: float) -> None:
        if current < self.value if self.lower_is_better else current > self.value:
            self.value, self.epoch, self.stale = current, epoch, 0
            if self.restore_best:  # clone only on improvement, not every epoch
                self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.stale += 1

    def restore(self, model: nn.Module) -> None:
        if self.state is not None:
            model.load_state_dict(self.state)


def train(model: nn.Module, train_data: PackedFrames, train_y: np.ndarray,
          val_data: PackedFrames | None, val_y: np.ndarray | None, *,
          settings: TrainSettings, n_classes: int, seed: int, device: torch.device,
          spec_augment: SpecAugment | None = None,
          lr_schedule: Sequence[float] | None = None) -> TrainResult:
    """Train ``model`` in place; frames must already be standardised and packed.

    ``lr_schedule`` (one learning rate per epoch) replays a schedule instead of
    ReduceLROnPlateau: a refit on train + validation follows the learning rates of the run
    that chose its epoch count.
    """
    started = time.perf_counter()
    model.to(device)
    epochs = _Epochs(model, train_data, train_y, settings=settings, n_classes=n_classes,
                     seed=seed, device=device, spec_augment=spec_augment)
    lower_is_better = settings.monitor == "loss"
    scheduler = None
    if settings.lr_patience is not None and lr_schedule is None:
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            epochs.optimiser, mode="min" if lower_is_better else "max", factor=settings.lr_factor,
            patience=settings.lr_patience, min_lr=settings.min_lr)
    monitor = f"{'val' if val_data is not None else 'train'}_{settings.monitor}"
    best = _BestEpoch(lower_is_better, settings.restore_best)
    history: list[dict[str, float]] = []
    stop_reason = "epoch_cap"
    epochs_bar = tqdm(range(1, settings.max_epochs + 1), desc="epochs", leave=False,
                      disable=not settings.progress)
    for epoch in epochs_bar:
        tick = time.perf_counter()
        if lr_schedule is not None:
            epochs.set_lr(lr_schedule[epoch - 1])
        row = epochs.run(epoch)
        if val_data is not None:
            scores = _evaluate(model, val_data, val_y, settings=settings, device=device,
                               loss_fn=epochs.eval_loss)
            row.update({f"val_{k}": v for k, v in scores.items()})
        row["seconds"] = time.perf_counter() - tick
        history.append(row)
        current = row[monitor]
        if not np.isfinite(current):
            raise FloatingPointError(f"{monitor} is {current} at epoch {epoch}; lower the lr")
        if scheduler is not None:
            scheduler.step(current)
        best.update(model, epoch, current)
        epochs_bar.set_postfix({monitor: f"{current:.3f}"})
        if settings.patience is not None and best.stale >= settings.patience:
            stop_reason = "patience"
            break
        if epochs.step_cap_reached:
            stop_reason = "step_cap"
            break
    best.restore(model)
    return TrainResult(history, len(history), best.epoch, best.value, epochs.steps, stop_reason,
                       monitor, time.perf_counter() - started)
