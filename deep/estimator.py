"""DeepClassifier: the one sklearn-style estimator of every deep model (the Models contract).

``DeepClassifier(model=name, profile="default", seed=0, **overrides)``: ``model`` names a row
of ``deep.MODELS`` (the registry passes it from the row's ``init`` metadata). Overrides are
checked against the network's config fields and the training settings (unknown keys are
errors). Run-level settings (the row's ``run_options``): ``profile`` (deep/profiles.py),
``threads`` (torch's CPU threads for this process), ``spec_augment`` (a callable
``(frames, rng) -> frames`` applied on the fly to standardised training frames), ``n_sources``
(the source utterances behind the training items when augmentation added copies: under a
budget profile an epoch then visits that many items, ``TrainSettings.epoch_items``). ``val_fraction``
is the share of train carved for validation when no validation split is passed (0: none).

``fit(X, y, *, groups=None, X_val=None, y_val=None, groups_val=None)`` is the signature the
classical models share. ``X_val`` / ``y_val`` given: they are the validation split (early
stopping, best epoch). Otherwise, with ``val_fraction > 0``, the split is carved from train:
whole groups (``groups`` = speaker ids) go to validation, stratified by class as far as the
groups allow (``StratifiedGroupKFold``), or items stratified by class when no groups are given.
``groups_val`` is accepted for the shared signature and only checked.

``fit_info_`` (the record's ``fit_info`` holds all of it except ``params``):

* ``params``: the resolved model, config and training settings.
* ``history``: one dict per epoch: ``epoch``, ``train_loss`` (mean over the epoch's batches, in
  training mode), ``train_acc``, ``train_ua``, ``val_loss``, ``val_acc``, ``val_ua`` (when there
  is a validation split), ``lr`` (used during the epoch), ``seconds``. UA is
  ``sklearn.metrics.balanced_accuracy_score``.
* ``epochs`` (run), ``best_epoch`` (1-based, best ``monitor`` value), ``best_value``,
  ``monitor`` (history key, e.g. ``"val_loss"``), ``steps`` (optimiser steps).
* ``stop_reason``: ``"patience"`` (early stopping), ``"epoch_cap"`` or ``"step_cap"``;
  ``max_epochs`` and ``max_steps`` (None: no step cap) are the caps that applied;
  ``budget_bound``: True when a cap stopped training at its best epoch (still improving, so
  the budget, not the data, ended it); ``stopped_early`` = (stop_reason == "patience").
* ``restored_best``: whether the best epoch's weights were kept (else the final ones).
* ``refit_full``, ``refit_epochs``, ``refit_n_train``, ``refit_history``: the optional retrain on
  train + validation for ``best_epoch`` epochs (``refit_full`` is False when it did not run).
* ``n_fit``: the items the kept network was trained on (``refit_n_train`` after a refit, else
  ``n_train``), the figure every classical record states too.
* ``validation``, ``n_train``, ``n_val``, ``n_params``, ``n_params_keras``, ``device``,
  ``train_s``, ``fit_s``, ``paper``.
* ``flush_denormals``: whether training ran with subnormal floats flushed to zero (every CPU
  fit; see ``deep.training.flush_denormals``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from deep.architectures import Architecture, architecture, names
from deep.data import (
    Standardiser,
    check_frames,
    grouped_carve,
    pool_frames,
    stratified_carve,
)
from deep.layers import keras_param_count, trainable_param_count
from deep.profiles import PROFILES
from deep.training import (
    EVAL_BATCH,
    TRAIN_FIELDS,
    PackedFrames,
    SpecAugment,
    TrainResult,
    TrainSettings,
    configure_threads,
    deterministic_mode,
    flush_denormals,
    predict_logits,
    resolve_device,
    settings_for,
    train,
)

_ESTIMATOR_FIELDS = frozenset({"threads", "spec_augment", "val_fraction", "n_sources"})


def _describe(value: Any) -> Any:
    """JSON-friendly form of a parameter (callables by qualified name)."""
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', repr(value))}"
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclasses.dataclass(frozen=True)
class _Resolved:
    name: str
    arch: Architecture
    config: Any
    settings: TrainSettings
    extra: dict[str, Any]


@dataclasses.dataclass
class _Fitted:
    network: nn.Module
    scaler: Standardiser
    result: TrainResult
    n_train: int
    flushed_denormals: bool


class DeepClassifier:
    """A registered deep network trained by deep.training, with the estimator contract."""

    def __init__(self, *, seed: int = 0, **params: Any) -> None:
        self.seed = seed
        self.params = dict(params)

    # --- sklearn plumbing -------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"seed": self.seed, **self.params}

    def set_params(self, **params: Any) -> DeepClassifier:
        if "seed" in params:
            self.seed = params.pop("seed")
        self.params.update(params)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --- resolution -------------------------------------------------------------------------
    def _resolve(self) -> _Resolved:
        params = dict(self.params)
        name = params.pop("model", None)
        if name is None:
            raise ValueError("DeepClassifier needs model=<name>; known: " + ", ".join(names()))
        arch = architecture(name)
        profile_name = params.pop("profile", "default")
        if profile_name not in PROFILES:
            raise ValueError(f"unknown profile {profile_name!r}; choose from {sorted(PROFILES)}")
        profile = PROFILES[profile_name]
        config_fields = {f.name for f in dataclasses.fields(arch.config_cls)}
        unknown = set(params) - config_fields - TRAIN_FIELDS - _ESTIMATOR_FIELDS
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)} for {name!r}; config: "
                             f"{sorted(config_fields)}; training: {sorted(TRAIN_FIELDS)}; "
                             f"estimator: {sorted(_ESTIMATOR_FIELDS)}")
        fixed = set(arch.preset) & set(params)
        if fixed:
            raise ValueError(f"{sorted(fixed)} are fixed by the model name {name!r}")
        budget = dict(arch.budgets.get(profile.budget, {})) if profile.budget else {}
        stray = set(budget) - config_fields - TRAIN_FIELDS
        if stray:
            raise ValueError(f"budget {profile.budget!r} of {name!r} names unknown fields "
                             f"{sorted(stray)}")
        config = arch.config_cls(**{
            **{k: v for k, v in budget.items() if k in config_fields}, **arch.preset,
            **{k: v for k, v in params.items() if k in config_fields}})
        train_kwargs = {**{k: v for k, v in budget.items() if k in TRAIN_FIELDS},
                        **{k: v for k, v in params.items() if k in TRAIN_FIELDS}}
        settings = settings_for(profile, arch.recipe, train_kwargs)
        extra = {k: params[k] for k in _ESTIMATOR_FIELDS if k in params}
        extra["profile"] = profile_name
        return _Resolved(name, arch, config, settings, extra)

    # --- contract ---------------------------------------------------------------------------
    def fit(self, X: Sequence[np.ndarray], y: Sequence[Any], *, groups: Sequence[Any] | None = None,
            X_val: Sequence[np.ndarray] | None = None, y_val: Sequence[Any] | None = None,
            groups_val: Sequence[Any] | None = None) -> DeepClassifier:
        started = time.perf_counter()
        spec = self._resolve()
        frames, y_idx, group_ids = self._training_items(X, y, groups, spec.settings.frame_pool)
        n_items = len(frames)
        frames, y_idx, val_frames, val_y, validation = self._validation_side(
            spec, frames, y_idx, group_ids, X_val, y_val, groups_val)
        settings = self._source_epochs(spec, spec.settings, n_items=n_items, n_train=len(frames))
        if "threads" in spec.extra:
            configure_threads(int(spec.extra["threads"]))
        device = resolve_device(settings.device)
        self.n_features_in_ = frames[0].shape[1]
        self.config_ = spec.config
        self.device_ = device
        self.settings_ = settings
        spec_augment = spec.extra.get("spec_augment")
        first = self._train_once(spec, frames, y_idx, val_frames, val_y, settings, device,
                                 spec_augment)
        refit: _Fitted | None = None
        if settings.refit_full and val_frames is not None:
            refit = self._refit(spec, first.result, frames + val_frames,
                                np.concatenate([y_idx, val_y]), len(val_frames), settings, device,
                                spec_augment)
        final = refit or first
        self.network_, self.scaler_ = final.network, final.scaler
        self.fit_info_ = self._fit_info(spec, settings, first, refit, device=device,
                                        validation=validation,
                                        n_val=0 if val_frames is None else len(val_frames))
        self.fit_info_["fit_s"] = time.perf_counter() - started
        return self

    def _training_items(self, X: Sequence[np.ndarray], y: Sequence[Any],
                        groups: Sequence[Any] | None, frame_pool: int
                        ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray | None]:
        """Pooled frames, class indices (``classes_`` set here) and group ids of the training
        items, checked against each other."""
        frames = pool_frames(check_frames(X, "X"), frame_pool)
        labels = np.asarray(y).astype(str)
        if len(labels) != len(frames):
            raise ValueError(f"X has {len(frames)} items but y has {len(labels)}")
        group_ids = None if groups is None else np.asarray(groups).astype(str)
        if group_ids is not None and len(group_ids) != len(frames):
            raise ValueError(f"X has {len(frames)} items but groups has {len(group_ids)}")
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes to train a classifier")
        index = {c: i for i, c in enumerate(self.classes_)}
        return frames, np.array([index[c] for c in labels], dtype=np.int64), group_ids

    def _validation_side(self, spec: _Resolved, frames: list[np.ndarray], y_idx: np.ndarray,
                         group_ids: np.ndarray | None, X_val: Sequence[np.ndarray] | None,
                         y_val: Sequence[Any] | None, groups_val: Sequence[Any] | None
                         ) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray] | None,
                                    np.ndarray | None, str]:
        """(training frames, their classes, validation frames, their classes, how the
        validation side was made): the given split, a carve from the training items (whole
        groups when there are groups), or none."""
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        val_fraction = float(spec.extra.get("val_fraction", 0.1))
        if X_val is not None:
            val_frames = pool_frames(check_frames(X_val, "X_val"), spec.settings.frame_pool)
            val_labels = np.asarray(y_val).astype(str)
            if len(val_labels) != len(val_frames):
                raise ValueError(f"X_val has {len(val_frames)} items but y_val has "
                                 f"{len(val_labels)}")
            if groups_val is not None and len(groups_val) != len(val_frames):
                raise ValueError(f"X_val has {len(val_frames)} items but groups_val has "
                                 f"{len(groups_val)}")
            unseen = sorted(set(val_labels) - set(self.classes_))
            if unseen:
                raise ValueError(f"y_val has labels absent from y: {unseen}")
            index = {c: i for i, c in enumerate(self.classes_)}
            val_y = np.array([index[c] for c in val_labels], dtype=np.int64)
            validation = "given"
        elif val_fraction > 0:
            if group_ids is not None:
                tr, va, validation = grouped_carve(y_idx, group_ids, val_fraction, self.seed)
            else:
                tr, va = stratified_carve(y_idx, val_fraction, self.seed)
                validation = f"carved {val_fraction:.0%} stratified from train (seed {self.seed})"
            val_frames, val_y = [frames[i] for i in va], y_idx[va]
            frames, y_idx = [frames[i] for i in tr], y_idx[tr]
        else:
            return frames, y_idx, None, None, "none (monitoring training batches)"
        if val_frames[0].shape[1] != frames[0].shape[1]:
            raise ValueError("X and X_val have different feature dimensions")
        return frames, y_idx, val_frames, val_y, validation

    def _refit(self, spec: _Resolved, chosen: TrainResult, frames: list[np.ndarray],
               y_idx: np.ndarray, n_val: int, settings: TrainSettings, device: torch.device,
               spec_augment: SpecAugment | None) -> _Fitted:
        """Retrain on train + validation (``frames``, ``n_val`` of them validation items) from
        the same initial seed for the chosen run's best epoch count, replaying its learning
        rates; no validation is left, so nothing to stop on or restore."""
        refit_settings = dataclasses.replace(
            settings, max_epochs=chosen.best_epoch, max_steps=None, patience=None,
            lr_patience=None, restore_best=False,
            epoch_items=None if settings.epoch_items is None else settings.epoch_items + n_val)
        return self._train_once(spec, frames, y_idx, None, None, refit_settings, device,
                                spec_augment,
                                lr_schedule=[row["lr"] for row in chosen.history[:chosen.best_epoch]])

    def _fit_info(self, spec: _Resolved, settings: TrainSettings, first: _Fitted,
                  refit: _Fitted | None, *, device: torch.device, validation: str,
                  n_val: int) -> dict[str, Any]:
        """``fit_info_`` (see the module docstring) but ``fit_s``, which the caller adds."""
        result, final = first.result, refit or first
        resolved = {"model": spec.name, **{k: _describe(v) for k, v in spec.extra.items()},
                    **{k: _describe(v) for k, v in dataclasses.asdict(spec.config).items()},
                    **{k: _describe(v) for k, v in settings.record().items()}}
        return {
            "params": resolved, "paper": spec.arch.paper, "epochs": result.epochs,
            "best_epoch": result.best_epoch, "best_value": result.best_value,
            "monitor": result.monitor, "steps": result.steps,
            "stop_reason": result.stop_reason, "stopped_early": result.stop_reason == "patience",
            "max_epochs": settings.max_epochs, "max_steps": settings.max_steps,
            "budget_bound": result.budget_bound, "restored_best": settings.restore_best,
            "refit_full": refit is not None,
            "refit_epochs": None if refit is None else refit.result.epochs,
            "refit_n_train": None if refit is None else refit.n_train,
            "refit_history": None if refit is None else refit.result.history,
            "n_fit": final.n_train,
            "n_params": trainable_param_count(final.network),
            "n_params_keras": keras_param_count(final.network),
            "device": str(device), "flush_denormals": final.flushed_denormals,
            "train_s": result.seconds + (0.0 if refit is None else refit.result.seconds),
            "validation": validation, "n_train": first.n_train, "n_val": n_val,
            "history": result.history,
        }

    @staticmethod
    def _source_epochs(spec: _Resolved, settings: TrainSettings, *, n_items: int,
                       n_train: int) -> TrainSettings:
        """Settings whose epochs visit as many items as there are source utterances (budget
        profiles, when the run says augmentation added copies); ``n_items`` training items
        were given, ``n_train`` remain after a validation carve (scaled alike)."""
        n_sources = spec.extra.get("n_sources")
        if (n_sources is None or not PROFILES[spec.extra["profile"]].source_epochs
                or settings.epoch_items is not None or int(n_sources) >= n_items):
            return settings
        per_epoch = max(1, round(int(n_sources) * n_train / n_items))
        return dataclasses.replace(settings, epoch_items=per_epoch)

    def _train_once(self, spec: _Resolved, frames: list[np.ndarray], y_idx: np.ndarray,
                    val_frames: list[np.ndarray] | None, val_y: np.ndarray | None,
                    settings: TrainSettings, device: torch.device,
                    spec_augment: SpecAugment | None,
                    lr_schedule: Sequence[float] | None = None) -> _Fitted:
        """Standardise on these training frames, build the seeded network and train it."""
        scaler = Standardiser.fit(frames)  # training frames only
        n_frames = spec.config.n_frames
        train_data = PackedFrames(scaler.transform(frames), n_frames, settings.max_frames,
                                  device, keep_items=spec_augment is not None)
        val_data = None if val_frames is None else PackedFrames(
            scaler.transform(val_frames), n_frames, settings.max_frames, device)
        torch.manual_seed(self.seed)
        network = spec.arch.network(spec.config, frames[0].shape[1], len(self.classes_))
        with deterministic_mode(settings.deterministic), flush_denormals(device) as flushed:
            result = train(network, train_data, y_idx, val_data, val_y, settings=settings,
                           n_classes=len(self.classes_), seed=self.seed, device=device,
                           spec_augment=spec_augment, lr_schedule=lr_schedule)
        return _Fitted(network, scaler, result, len(frames), flushed)

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit first")

    def predict_proba(self, X: Sequence[np.ndarray]) -> np.ndarray:
        self._check_fitted()
        frames = pool_frames(check_frames(X, "X"), self.settings_.frame_pool)
        if frames[0].shape[1] != self.n_features_in_:
            raise ValueError(f"X has {frames[0].shape[1]} features, the model was fitted on "
                             f"{self.n_features_in_}")
        if "threads" in self.params:
            configure_threads(int(self.params["threads"]))
        logits = predict_logits(self.network_, self.scaler_.transform(frames),
                                n_frames=self.config_.n_frames,
                                max_frames=self.settings_.max_frames,
                                batch_size=max(self.settings_.batch_size, EVAL_BATCH),
                                device=self.device_, amp=self.settings_.amp)
        proba = torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: Sequence[np.ndarray]) -> np.ndarray:
        self._check_fitted()
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
