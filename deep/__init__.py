"""Deep hybrids of the five seed papers: the name table ``MODELS`` (no torch imported here).

``MODELS`` maps each registered name to ``("deep.estimator:DeepClassifier", meta)``; one row per
model, built by :func:`deep.spec.deep_model`, holds everything that differs between models as
plain data and lazy ``"module:Class"`` strings (network, config, paper recipe, preset, default
features, per-profile budgets). Adding a deep model is its network module plus one row here.

The recipes are each paper's stated training settings; where a paper is silent the value is
our reading, stated in the model module's docstring. The budgets are the inputs the ``ci`` and
``default`` profiles use to stay inside their time budgets (``converged`` reads the ``default``
column; ``paper`` uses none): paper 000's conv path flattens, so its fixed length sets its
cost; EmoAugNet reads its features as Conv1D channels instead of one 2376-long channel; paper
003's 350 frames are cut to 64 (32 for ``ci``).
"""

from __future__ import annotations

from typing import Any

from deep.spec import Recipe, deep_model

# Paper 000 states no optimiser, learning rate, epochs or batch size (Keras model on Colab):
# Keras' defaults Adam 1e-3 and batch 32, 50 epochs (ours), final weights, nothing added.
_P000 = Recipe("adam", 1e-3, max_epochs=50, batch_size=32)
_P000_BUDGETS = {"ci": {"n_frames": 24}, "default": {"n_frames": 48}}
_M000 = "deep.dilated_cnn_bilstm:DilatedCnnBilstm"

MODELS: dict[str, tuple[str, dict[str, Any]]] = dict([
    deep_model("dilated_cnn_bilstm", _M000, paper="000", features="mfcc13_frames",
               recipe=_P000, budgets=_P000_BUDGETS,
               description="parallel dilated Conv2D + BiLSTM paths on MFCC-13 (paper 000)"),
    deep_model("emotech_cnn_bilstm", _M000, paper="000", features="mfcc13_frames",
               recipe=_P000, budgets=_P000_BUDGETS, preset={"dilation": 1},
               description="EmoTech baseline: paper 000's network without dilation"),
    deep_model("cnn", _M000, paper="000", features="mfcc13_frames", recipe=_P000,
               budgets=_P000_BUDGETS, preset={"recurrent_path": False},
               description="paper 000 ablation: dilated Conv2D path only"),
    deep_model("lstm", _M000, paper="000", features="mfcc13_frames", recipe=_P000,
               preset={"conv_path": False, "bidirectional": False, "n_frames": None},
               description="paper 000 ablation: 2 x 64 unidirectional LSTM path only"),
    deep_model("bilstm", _M000, paper="000", features="mfcc13_frames", recipe=_P000,
               preset={"conv_path": False, "n_frames": None},
               description="paper 000 ablation: 2 x 64 BiLSTM path only"),
    # Paper 001: lr 0.001; LR reduced and early stopping on validation accuracy, best weights
    # kept. Optimiser, epochs, batch, patiences and factor are our reading (deep/emoaugnet.py).
    deep_model("emoaugnet", "deep.emoaugnet:EmoAugNet", paper="001",
               features="zcr_rms_mfcc_frames",
               recipe=Recipe("adam", 1e-3, max_epochs=100, batch_size=32, patience=10,
                             monitor="acc", lr_patience=5, restore_best=True),
               budgets={"ci": {"n_frames": 24, "layout": "channels", "frame_pool": 1},
                        "default": {"n_frames": 48, "layout": "channels", "frame_pool": 1}},
               description="EmoAugNet Conv1D x 3 + LSTM x 2 + Dense (paper 001)"),
    # Paper 002: RMSprop lr 0.01, batch 200, 1000 iterations (= optimiser steps), nothing else.
    deep_model("dycnn_bilstm_attn", "deep.dycnn_bilstm_attn:DyCnnBilstmAttn", paper="002",
               features="logmel_frames",
               recipe=Recipe("rmsprop", 1e-2, max_epochs=1000, batch_size=200, max_steps=1000),
               description="dynamic convolution + Bi-LSTM + attention pooling (paper 002)"),
    # Paper 003: Adam lr 0.001 "adaptive via scheduler", batch 32, 150 epochs with early
    # stopping, best weights checkpointed; patiences and factor are our reading.
    deep_model("cnn_bilstm", "deep.cnn_bilstm:CnnBilstm", paper="003",
               features="mfcc_mel_zcr_rms",
               recipe=Recipe("adam", 1e-3, max_epochs=150, batch_size=32, patience=10,
                             lr_patience=5, restore_best=True),
               budgets={"ci": {"n_frames": 32}, "default": {"n_frames": 64}},
               description="Conv1D stack + BiLSTM 256 over 350 frames (paper 003, Table V)"),
    # Paper 004: Adam lr 0.001 and nothing else; batch 32 and 50 epochs are our reading.
    deep_model("cnn_lstm_attn", "deep.cnn_lstm_attn:CnnLstmAttn", paper="004",
               features="mel_mfcc_prosody",
               recipe=Recipe("adam", 1e-3, max_epochs=50, batch_size=32),
               description="CNN blocks + LSTM + additive attention (paper 004)"),
    # SUPERB's emotion head for frozen encoder frames (an `ssl` feature set with frames = true;
    # log-mel by default): s3prl's Adam 1e-4 and clipping 1; stopping rule ours (deep/ssl_head.py).
    deep_model("ssl_head", "deep.ssl_head:SslHead", paper=None, features="logmel64_frames",
               recipe=Recipe("adam", 1e-4, max_epochs=50, batch_size=32, patience=10,
                             monitor="acc", restore_best=True, grad_clip=1.0),
               description="SUPERB emotion head: linear 256 -> mean pooling -> linear, for SSL frames"),
])

__all__ = ["MODELS", "Recipe", "deep_model"]
