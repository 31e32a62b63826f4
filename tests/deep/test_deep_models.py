"""Every registered deep model: output shape for two input lengths, overfits a tiny batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from deep_helpers import feature_dim, make_frames

from deep import MODELS
from deep.architectures import architecture
from deep.estimator import DeepClassifier
from deep.training import to_tensors

NAMES = sorted(MODELS)


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_row_resolves(name):
    arch = architecture(name)
    assert arch.name == name and callable(arch.network)
    arch.config_cls(**arch.preset)  # the preset names real config fields


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_for_two_input_lengths(name):
    spec = DeepClassifier(model=name, profile="ci")._resolve()
    config, settings = spec.config, spec.settings
    dim = feature_dim(name)
    torch.manual_seed(0)
    net = spec.arch.network(config, dim, 3).eval()
    for seed, (lo, hi) in enumerate([(12, 20), (45, 80)]):
        frames = make_frames(4, dim, seed, lo, hi)
        x, lengths = to_tensors(frames, config.n_frames, settings.max_frames,
                                torch.device("cpu"))
        with torch.no_grad():
            out = net(x, lengths)
        assert out.shape == (4, 3)
        assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", NAMES)
def test_overfits_a_tiny_batch(name):
    # 8 items of pure noise with arbitrary labels: only memorisation can fit them. lr 1e-3 for
    # all (paper 002's RMSprop at 1e-2 oscillates on 8 items; the optimiser is kept)
    dim = feature_dim(name)
    X = make_frames(8, dim, seed=3, lo=20, hi=40)
    y = np.array(["a", "b"] * 4)
    est = DeepClassifier(model=name, profile="ci", seed=0, val_fraction=0.0, batch_size=8,
                         max_epochs=60, patience=60, lr_patience=60, lr=1e-3)
    est.fit(X, y)
    losses = [row["train_loss"] for row in est.fit_info_["history"]]
    assert min(losses) < 0.5 * losses[0]
    assert (est.predict(X) == y).mean() == 1.0
