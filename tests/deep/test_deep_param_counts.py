"""Parameter counts: the papers' layer tables where they give one, snapshots elsewhere."""

from __future__ import annotations

import pytest
from deep_helpers import feature_dim

from deep import MODELS
from deep.architectures import architecture
from deep.cnn_bilstm import CnnBilstm, CnnBilstmConfig
from deep.emoaugnet import EmoAugNet, EmoAugNetConfig
from deep.layers import keras_layer_counts, keras_param_count, trainable_param_count

# Paper 001, Sec. IV layer table: (layer, parameters) for the (2376, 1) input, 7 classes.
EMOAUGNET_TABLE = [
    ("conv1", 1_536), ("bn1", 1_024), ("conv2", 393_728), ("bn2", 2_048), ("conv3", 393_472),
    ("bn3", 1_024), ("lstm1", 197_120), ("lstm2", 131_584), ("dense1", 16_512),
    ("dense1_bn", 512), ("dense2", 8_256), ("dense2_bn", 256), ("dense3", 2_080),
    ("dense3_bn", 128), ("out", 231),
]
# Paper 003, Table V parameter column (rows with parameters, in order), 350 x 1 input, 7 classes.
TABLE_V = [96, 2_592, 10_304, 256, 41_088, 788_480, 65_664, 512, 8_256, 455]

# Snapshot (trainable, Keras-convention) for each model's default config, its default feature
# dimension and 7 classes. Paper 000 states 313K for dilated_cnn_bilstm (see its docstring).
SNAPSHOT = {
    "dilated_cnn_bilstm": (1552583, 1553031),
    "emotech_cnn_bilstm": (1552583, 1553031),
    "cnn": (1348295, 1348743),
    "lstm": (160647, 160647),
    "bilstm": (279175, 279175),
    "emoaugnet": (1147015, 1149511),
    "dycnn_bilstm_attn": (710601, 710697),
    "cnn_bilstm": (928679, 929063),
    "cnn_lstm_attn": (199367, 199751),
    "ssl_head": (5383, 5383),  # at feature_dim 13: linear 13 -> 256, mean pooling, linear 256 -> 7
}


def test_emoaugnet_matches_the_paper_table_layer_by_layer():
    # 22 features (ZCR, RMS, 20 MFCC) x 108 frames, flattened = the paper's 2376-long input
    model = EmoAugNet(EmoAugNetConfig(n_frames=108, layout="flat"), n_features=22, n_classes=7)
    assert keras_layer_counts(model) == EMOAUGNET_TABLE
    assert keras_param_count(model) == sum(n for _, n in EMOAUGNET_TABLE)


def test_emoaugnet_activation_switch_keeps_counts():
    relu = EmoAugNet(EmoAugNetConfig(activation="relu"), 22, 7)
    elu = EmoAugNet(EmoAugNetConfig(activation="elu"), 22, 7)
    assert keras_param_count(relu) == keras_param_count(elu)
    with pytest.raises(ValueError, match="activation"):
        EmoAugNetConfig(activation="tanh")


@pytest.mark.parametrize("layout", ["channels", "flat"])
def test_cnn_bilstm_matches_table_v(layout):
    model = CnnBilstm(CnnBilstmConfig(n_frames=350, layout=layout), n_features=1, n_classes=7)
    assert [keras_param_count(m) for m in model.layer_counts()] == TABLE_V
    assert keras_param_count(model) == sum(TABLE_V)


def test_cnn_bilstm_pools_350_frames_to_43_steps():
    import torch

    model = CnnBilstm(CnnBilstmConfig(), n_features=1, n_classes=7).eval()
    assert model.convs(torch.zeros(1, 1, 350)).shape == (1, 128, 43)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_param_count_snapshot(name):
    arch = architecture(name)
    model = arch.network(arch.config_cls(**arch.preset), feature_dim(name), 7)
    assert (trainable_param_count(model), keras_param_count(model)) == SNAPSHOT[name]


def test_dilation_does_not_change_the_parameter_count():
    arch = architecture("dilated_cnn_bilstm")
    counts = {d: trainable_param_count(arch.network(arch.config_cls(dilation=d), 13, 7))
              for d in (1, 2)}
    assert counts[1] == counts[2]
