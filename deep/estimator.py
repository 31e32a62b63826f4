"""DeepClassifier: the sklearn-style estimator wrapping every deep model (the Models contract).

``DeepClassifier(model=name, profile="default", seed=0, **overrides)``; the named subclasses
below fix ``model`` so the registry can point at one class per name. Overrides are checked
against the network's config fields and the training settings (unknown keys are errors);
``threads`` sets torch's CPU threads; ``spec_augment`` is a callable ``(frames, rng) -> frames``
applied on the fly to standardised training frames; ``val_fraction`` is the stratified share
carved from train when no validation split is passed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from deep.architectures import ARCHITECTURES, Architecture
from deep.data import Standardiser, check_frames, pool_frames, stratified_carve
from deep.layers import keras_param_count, trainable_param_count
from deep.training import (
    PROFILES,
    TRAIN_FIELDS,
    TrainSettings,
    deterministic_mode,
    predict_logits,
    resolve_device,
    settings_for,
    train,
)

_ESTIMATOR_FIELDS = frozenset({"threads", "spec_augment", "val_fraction"})


def _describe(value: Any) -> Any:
    """JSON-friendly form of a parameter (callables by qualified name)."""
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', repr(value))}"
    if isinstance(value, tuple):
        return list(value)
    return value


class DeepClassifier:
    """A registered deep network trained by deep.training, with the estimator contract."""

    model_name: ClassVar[str | None] = None

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
    def _resolve(self) -> tuple[str, Architecture, Any, TrainSettings, dict[str, Any]]:
        params = dict(self.params)
        name = params.pop("model", None) or self.model_name
        if self.model_name is not None and name != self.model_name:
            raise ValueError(f"{type(self).__name__} is {self.model_name!r}; got model={name!r}")
        if name is None:
            raise ValueError("DeepClassifier needs model=<name>; known: "
                             + ", ".join(sorted(ARCHITECTURES)))
        if name not in ARCHITECTURES:
            raise ValueError(f"unknown deep model {name!r}; known: {sorted(ARCHITECTURES)}")
        arch = ARCHITECTURES[name]
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
        budget = dict(profile.model_overrides.get(name, {}))
        config_kwargs = {**{k: v for k, v in budget.items() if k in config_fields},
                         **arch.preset, **{k: v for k, v in params.items() if k in config_fields}}
        config = arch.config_cls(**config_kwargs)
        recipe = dataclasses.asdict(arch.recipe)
        train_kwargs = {**{k: v for k, v in budget.items() if k in TRAIN_FIELDS},
                        **{k: v for k, v in params.items() if k in TRAIN_FIELDS}}
        settings = settings_for(profile, recipe, train_kwargs)
        extra = {k: params[k] for k in _ESTIMATOR_FIELDS if k in params}
        extra["profile"] = profile_name
        return name, arch, config, settings, extra

    # --- contract ---------------------------------------------------------------------------
    def fit(self, X: Sequence[np.ndarray], y: Sequence[Any], *,
            X_val: Sequence[np.ndarray] | None = None,
            y_val: Sequence[Any] | None = None) -> DeepClassifier:
        started = time.perf_counter()
        name, arch, config, settings, extra = self._resolve()
        frames = pool_frames(check_frames(X, "X"), settings.frame_pool)
        labels = np.asarray(y).astype(str)
        if len(labels) != len(frames):
            raise ValueError(f"X has {len(frames)} items but y has {len(labels)}")
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes to train a classifier")
        index = {c: i for i, c in enumerate(self.classes_)}
        y_idx = np.array([index[c] for c in labels], dtype=np.int64)

        val_fraction = float(extra.get("val_fraction", 0.1))
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            val_frames = pool_frames(check_frames(X_val, "X_val"), settings.frame_pool)
            val_labels = np.asarray(y_val).astype(str)
            unseen = sorted(set(val_labels) - set(index))
            if unseen:
                raise ValueError(f"y_val has labels absent from y: {unseen}")
            val_y = np.array([index[c] for c in val_labels], dtype=np.int64)
            validation = "given"
        elif val_fraction > 0:
            tr, va = stratified_carve(y_idx, val_fraction, self.seed)
            val_frames, val_y = [frames[i] for i in va], y_idx[va]
            frames, y_idx = [frames[i] for i in tr], y_idx[tr]
            validation = f"carved {val_fraction:.0%} stratified from train (seed {self.seed})"
        else:
            val_frames, val_y, validation = None, None, "none (monitoring training loss)"
        if val_frames is not None and val_frames[0].shape[1] != frames[0].shape[1]:
            raise ValueError("X and X_val have different feature dimensions")

        if "threads" in extra:
            torch.set_num_threads(int(extra["threads"]))
        device = resolve_device(settings.device)
        self.scaler_ = Standardiser.fit(frames)  # training frames only
        train_std = self.scaler_.transform(frames)
        val_std = None if val_frames is None else self.scaler_.transform(val_frames)

        torch.manual_seed(self.seed)
        self.n_features_in_ = frames[0].shape[1]
        self.config_ = config
        self.network_ = arch.network(config, self.n_features_in_, len(self.classes_))
        with deterministic_mode(settings.deterministic):
            result = train(self.network_, train_std, y_idx, val_std, val_y, settings=settings,
                           n_frames=config.n_frames, n_classes=len(self.classes_),
                           seed=self.seed, device=device,
                           spec_augment=extra.get("spec_augment"))
        self.device_ = device
        self.settings_ = settings
        resolved = {"model": name, **{k: _describe(v) for k, v in extra.items()},
                    **{k: _describe(v) for k, v in dataclasses.asdict(config).items()},
                    **{k: _describe(v) for k, v in settings.record().items()}}
        self.fit_info_ = {
            "params": resolved, "paper": arch.paper, "epochs": result.epochs,
            "best_epoch": result.best_epoch, "steps": result.steps,
            "stopped_early": result.stopped_early, "monitor": result.monitor,
            "n_params": trainable_param_count(self.network_),
            "n_params_keras": keras_param_count(self.network_),
            "device": str(device), "train_s": result.seconds,
            "fit_s": time.perf_counter() - started, "validation": validation,
            "n_train": len(train_std), "n_val": 0 if val_std is None else len(val_std),
            "history": result.history,
        }
        return self

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
            torch.set_num_threads(int(self.params["threads"]))
        logits = predict_logits(self.network_, self.scaler_.transform(frames),
                                n_frames=self.config_.n_frames,
                                max_frames=self.settings_.max_frames,
                                batch_size=max(self.settings_.batch_size, 64),
                                device=self.device_, amp=self.settings_.amp)
        proba = torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: Sequence[np.ndarray]) -> np.ndarray:
        self._check_fitted()
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class DilatedCnnBilstmClassifier(DeepClassifier):
    """Paper 000: dilated Conv2D + BiLSTM (deep.dilated_cnn_bilstm)."""

    model_name = "dilated_cnn_bilstm"


class EmotechCnnBilstmClassifier(DeepClassifier):
    """Paper 000's EmoTech baseline: the same network without dilation."""

    model_name = "emotech_cnn_bilstm"


class CnnClassifier(DeepClassifier):
    """Paper 000 ablation: conv path only."""

    model_name = "cnn"


class LstmClassifier(DeepClassifier):
    """Paper 000 ablation: unidirectional LSTM path only."""

    model_name = "lstm"


class BilstmClassifier(DeepClassifier):
    """Paper 000 ablation: BiLSTM path only."""

    model_name = "bilstm"


class EmoAugNetClassifier(DeepClassifier):
    """Paper 001: EmoAugNet (deep.emoaugnet)."""

    model_name = "emoaugnet"


class DyCnnBilstmAttnClassifier(DeepClassifier):
    """Paper 002: dynamic CNN + Bi-LSTM + attention (deep.dycnn_bilstm_attn)."""

    model_name = "dycnn_bilstm_attn"


class CnnBilstmClassifier(DeepClassifier):
    """Paper 003: CNN-BiLSTM, Table V (deep.cnn_bilstm)."""

    model_name = "cnn_bilstm"


class CnnLstmAttnClassifier(DeepClassifier):
    """Paper 004: CNN + LSTM + additive attention (deep.cnn_lstm_attn)."""

    model_name = "cnn_lstm_attn"
