"""Deep hybrids of the five seed papers as sklearn-style estimators (name table only).

``MODELS`` maps each registered name to a lazy ``"module:Class"`` target and its metadata; this
file imports nothing heavy (no torch), so listing models stays light. The estimators live in
``deep.estimator``, the training loop in ``deep.training``, architectures in one module each.
"""

from __future__ import annotations

from typing import Any


def _entry(cls: str, features: str, paper: str, description: str) -> tuple[str, dict[str, Any]]:
    return (f"deep.estimator:{cls}", {"family": "deep", "input": "frames",
                                      "default_features": features, "paper": paper,
                                      "description": description})


MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "dilated_cnn_bilstm": _entry("DilatedCnnBilstmClassifier", "mfcc13_frames", "000",
                                 "parallel dilated Conv2D + BiLSTM paths on MFCC-13 (paper 000)"),
    "emotech_cnn_bilstm": _entry("EmotechCnnBilstmClassifier", "mfcc13_frames", "000",
                                 "EmoTech baseline: paper 000's network without dilation"),
    "cnn": _entry("CnnClassifier", "mfcc13_frames", "000",
                  "paper 000 ablation: dilated Conv2D path only"),
    "lstm": _entry("LstmClassifier", "mfcc13_frames", "000",
                   "paper 000 ablation: 2 x 64 unidirectional LSTM path only"),
    "bilstm": _entry("BilstmClassifier", "mfcc13_frames", "000",
                     "paper 000 ablation: 2 x 64 BiLSTM path only"),
    "emoaugnet": _entry("EmoAugNetClassifier", "zcr_rms_mfcc_frames", "001",
                        "EmoAugNet Conv1D x 3 + LSTM x 2 + Dense (paper 001)"),
    "dycnn_bilstm_attn": _entry("DyCnnBilstmAttnClassifier", "logmel_frames", "002",
                                "dynamic convolution + Bi-LSTM + attention pooling (paper 002)"),
    "cnn_bilstm": _entry("CnnBilstmClassifier", "mfcc_mel_zcr_rms", "003",
                         "Conv1D stack + BiLSTM 256 over 350 frames (paper 003, Table V)"),
    "cnn_lstm_attn": _entry("CnnLstmAttnClassifier", "mel_mfcc_prosody", "004",
                            "CNN blocks + LSTM + additive attention (paper 004)"),
}

__all__ = ["MODELS"]
