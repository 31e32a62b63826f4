"""The ``ssl`` feature family on tiny random-initialised wav2vec 2.0, HuBERT and WavLM models
saved into temporary folders: the real loading and extraction path, no weights downloaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers", reason="the ssl extra is not installed (pip install -e '.[ssl]')")

from benchmark.features.ssl import SslModelError, make_ssl_extractor, resolve_model  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
HIDDEN = 16
# A 2-layer encoder with a narrow three-conv front end at the real models' frame rate: stride
# 5 * 8 * 8 = 320 samples (20 ms), receptive field 10 + 7 * 5 + 7 * 40 = 325 samples.
SMALL = dict(hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
             conv_dim=(8, 8, 8), conv_stride=(5, 8, 8), conv_kernel=(10, 8, 8),
             num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2)


def save_tiny(folder: Path, arch: str, seed: int = 0) -> Path:
    """A random-initialised ``arch`` encoder saved as ``save_pretrained`` leaves it."""
    import torch
    import transformers as tf

    config_cls, model_cls = {"wav2vec2": (tf.Wav2Vec2Config, tf.Wav2Vec2Model),
                             "hubert": (tf.HubertConfig, tf.HubertModel),
                             "wavlm": (tf.WavLMConfig, tf.WavLMModel)}[arch]
    extra = {"num_buckets": 32, "max_bucket_distance": 64} if arch == "wavlm" else {}
    torch.manual_seed(seed)
    model_cls(config_cls(**SMALL, **extra)).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ssl_models")
    return {arch: save_tiny(root / arch, arch) for arch in ("wavlm", "wav2vec2", "hubert")}


def _audio(seconds: float, seed: int = 0, sr: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * 180 * t) + 0.02 * np.random.default_rng(seed).standard_normal(t.size)
    return y.astype(np.float32)


def _n_frames(n_samples: int) -> int:
    return (n_samples - 325) // 320 + 1


@pytest.mark.parametrize("arch", ["wav2vec2", "hubert", "wavlm"])
def test_pooled_and_frame_outputs(tiny_models, arch):
    y = _audio(1.0)
    mean = make_ssl_extractor(str(tiny_models[arch]), layer=1)
    mean_std = make_ssl_extractor(str(tiny_models[arch]), layer=2, pooling="mean_std")
    frames = make_ssl_extractor(str(tiny_models[arch]), layer="mean", frames=True)
    assert (mean.kind, mean.dim, mean_std.kind, mean_std.dim) == ("functionals", HIDDEN, "functionals", 2 * HIDDEN)
    assert (frames.kind, frames.dim) == ("frames", HIDDEN)
    f = frames(y, 16_000)
    assert f.shape == (_n_frames(y.size), HIDDEN) and f.dtype == np.float32
    # the pooled vectors are the frame statistics of their own layer
    f2 = make_ssl_extractor(str(tiny_models[arch]), layer=2, frames=True)(y, 16_000)
    np.testing.assert_allclose(mean_std(y, 16_000), np.r_[f2.mean(0), f2.std(0)], rtol=1e-5, atol=1e-6)
    assert mean.params["model_type"] == arch and mean.params["layer"] == 1
    assert set(mean.params["versions"]) == {"transformers", "torch"}


def test_frames_equal_the_library_forward_pass(tiny_models):
    import torch
    from transformers import AutoModel

    y = _audio(1.5, seed=3)
    net = AutoModel.from_pretrained(tiny_models["wav2vec2"], local_files_only=True).eval()
    x = (y - y.mean()) / np.sqrt(y.var() + 1e-7)  # Wav2Vec2FeatureExtractor's default
    with torch.inference_mode():
        want = net(torch.from_numpy(x)[None], output_hidden_states=True).hidden_states
    got1 = make_ssl_extractor(str(tiny_models["wav2vec2"]), layer=1, frames=True)(y, 16_000)
    np.testing.assert_allclose(got1, want[1][0].numpy(), rtol=1e-5, atol=1e-5)
    got_mean = make_ssl_extractor(str(tiny_models["wav2vec2"]), layer="mean", frames=True)(y, 16_000)
    np.testing.assert_allclose(got_mean, torch.stack(want).mean(0)[0].numpy(), rtol=1e-5, atol=1e-5)
    # audio at another rate is resampled to the model's 16 kHz first
    y8 = _audio(1.5, seed=3, sr=8_000)
    assert make_ssl_extractor(str(tiny_models["wav2vec2"]), layer=1, frames=True)(y8, 8_000).shape[0] \
        == _n_frames(y.size)


def test_long_audio_is_windowed_without_losing_or_repeating_frames(tiny_models):
    y = _audio(7.3, seed=1)
    whole = make_ssl_extractor(str(tiny_models["hubert"]), layer=2, frames=True, chunk_s=20.0)
    windowed = make_ssl_extractor(str(tiny_models["hubert"]), layer=2, frames=True, chunk_s=2.0)
    a, b = whole(y, 16_000), windowed(y, 16_000)
    assert a.shape == b.shape == (_n_frames(y.size), HIDDEN)
    assert whole.params != windowed.params  # the window is part of the cache key
    # frames deep inside the first window see the same samples; attention is global, so they
    # are close to the single pass, not equal
    assert np.corrcoef(a[:50].ravel(), b[:50].ravel())[0, 1] > 0.9


def test_preprocessor_config_sets_normalisation(tiny_models, tmp_path):
    from transformers import Wav2Vec2FeatureExtractor

    folder = tmp_path / "with_pre"
    shutil.copytree(tiny_models["wavlm"], folder)
    Wav2Vec2FeatureExtractor(do_normalize=False).save_pretrained(folder)
    y = 0.05 * _audio(1.0, seed=2) + 0.01  # not zero-mean, not unit variance
    bare = make_ssl_extractor(str(tiny_models["wavlm"]), layer=1)
    raw = make_ssl_extractor(str(folder), layer=1)
    forced = make_ssl_extractor(str(folder), layer=1, normalize=True)
    assert (bare.params["normalize"], raw.params["normalize"], forced.params["normalize"]) == (True, False, True)
    assert not np.allclose(raw(y, 16_000), bare(y, 16_000))
    np.testing.assert_allclose(forced(y, 16_000), bare(y, 16_000), rtol=1e-5, atol=1e-6)


def test_cache_key_follows_weight_content_not_path(tiny_models, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(tiny_models["wav2vec2"], moved)
    other = save_tiny(tmp_path / "other_seed", "wav2vec2", seed=1)
    key = make_ssl_extractor(str(tiny_models["wav2vec2"]), layer=1).params
    assert make_ssl_extractor(str(moved), layer=1).params == key
    assert make_ssl_extractor(str(other), layer=1).params["weights_sha256"] != key["weights_sha256"]
    assert make_ssl_extractor(str(moved), layer=2).params != key


def test_model_id_resolves_from_the_local_cache_only(tiny_models, tmp_path, monkeypatch):
    from huggingface_hub import constants

    snapshot = tmp_path / "hub" / "models--someone--tiny-w2v" / "snapshots" / "abc123"
    shutil.copytree(tiny_models["wav2vec2"], snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert resolve_model("someone/tiny-w2v").folder == snapshot
    assert make_ssl_extractor("someone/tiny-w2v", layer=1).dim == HIDDEN
    with pytest.raises(SslModelError, match="not a folder nor a model in the local Hugging Face cache|neither a folder nor"):
        resolve_model("someone/not-downloaded")
    assert os.environ["HF_HUB_OFFLINE"] == "1" and constants.HF_HUB_OFFLINE


def test_fine_tuned_checkpoint_loads_its_encoder_and_foreign_weights_are_refused(tmp_path):
    import torch
    import transformers as tf

    torch.manual_seed(0)
    tf.Wav2Vec2ForCTC(tf.Wav2Vec2Config(**SMALL, vocab_size=12)).save_pretrained(tmp_path / "ctc")
    y = _audio(1.0)
    assert make_ssl_extractor(str(tmp_path / "ctc"), layer=1)(y, 16_000).shape == (HIDDEN,)
    # a WavLM config over HuBERT weights: WavLM's relative-position weights would be random
    save_tiny(tmp_path / "mixed", "hubert")
    config = json.loads((tmp_path / "mixed" / "config.json").read_text())
    config.update(model_type="wavlm", architectures=["WavLMModel"], num_buckets=32, max_bucket_distance=64)
    (tmp_path / "mixed" / "config.json").write_text(json.dumps(config))
    with pytest.raises(SslModelError, match="not in the checkpoint"):
        make_ssl_extractor(str(tmp_path / "mixed"), layer=1)(y, 16_000)


def test_every_deep_model_takes_encoder_frames_of_any_width(tiny_models):
    """The registered head and the hybrids all build for the frame width an encoder gives."""
    import torch

    import deep
    from deep.architectures import architecture

    frames = make_ssl_extractor(str(tiny_models["wavlm"]), layer=2, frames=True)(_audio(1.2), 16_000)
    for name in deep.MODELS:
        arch = architecture(name)
        config = arch.config_cls(**arch.preset)
        n = config.n_frames or frames.shape[0]
        x = torch.from_numpy(np.resize(frames, (n, frames.shape[1])))[None].repeat(2, 1, 1)
        with torch.no_grad():
            out = arch.network(config, frames.shape[1], 4).eval()(x, torch.tensor([n, n - 5]))
        assert out.shape == (2, 4), name


def test_bad_declarations_are_one_line_errors(tiny_models, tmp_path):
    folder = str(tiny_models["wav2vec2"])
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [({"model": str(tmp_path / "nowhere"), "layer": 1}, "does not exist"),
             ({"model": str(empty), "layer": 1}, "holds no model"),
             ({"model": folder, "layer": 3}, "0..2"),
             ({"model": folder, "layer": True}, "0..2"),
             ({"model": folder, "layer": 1, "pooling": "max"}, "pooling"),
             ({"model": folder, "layer": 1, "frames": True, "pooling": "mean"}, "drop pooling"),
             ({"model": folder, "layer": 1, "device": "tpu"}, "device"),
             ({"model": folder}, "'layer' is required"),
             ({"model": folder, "layers": 1}, "did you mean 'layer'")]
    for params, match in cases:
        with pytest.raises(SslModelError, match=match) as err:
            make_ssl_extractor(**params)
        assert "\n" not in str(err.value)


def test_listing_and_other_runs_never_import_transformers():
    code = ("import sys; from benchmark.cli import main; "
            "assert main(['list', 'features']) in (0, None); assert main(['list', 'models']) in (0, None); "
            "assert main(['validate']) in (0, None); "
            "import benchmark.features.compute, benchmark.runner; "
            "heavy = [m for m in ('transformers', 'huggingface_hub') if m in sys.modules]; "
            "assert not heavy, heavy")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "ssl" in out.stdout


# ------------------------------------------------------------------------- through the CLI

def _suite(path: Path, models: dict[str, Path]) -> Path:
    path.write_text(f"""
name = "ssl_tiny"
description = "three tiny random encoders"
corpora = ["synthetic"]
corpus_options = {{ size = "tiny" }}
protocols = ["speaker_loso"]
seeds = [0]
profile = "ci"
max_folds = 1

[feature_sets.w2v_l1]
extractor = "ssl"
model = {json.dumps(str(models["wav2vec2"]))}
layer = 1
pooling = "mean"

[feature_sets.hubert_ms]
extractor = "ssl"
model = {json.dumps(str(models["hubert"]))}
layer = "mean"
pooling = "mean_std"

[feature_sets.wavlm_frames]
extractor = "ssl"
model = {json.dumps(str(models["wavlm"]))}
layer = 2
frames = true

[[runs]]
models = ["svm"]
features = ["w2v_l1", "hubert_ms"]

[[runs]]
models = ["ssl_head"]
features = ["wavlm_frames"]
""")
    return path


def test_suite_with_three_encoders_runs_twice_second_from_cache(tiny_models, tmp_path, monkeypatch):
    from benchmark.cli import main
    from benchmark.features import ssl
    from benchmark.results import read_records

    suite = _suite(tmp_path / "ssl.toml", tiny_models)
    cache = tmp_path / "cache"  # its own feature cache: the first run must compute every entry
    args = ["run", "--suite", str(suite), "--jobs", "1", "--no-progress", "--no-report",
            "--cache-dir", str(cache)]
    for attempt in ("first", "second"):
        if attempt == "second":  # any extraction now fails its utterance, and with it the run
            monkeypatch.setattr(ssl, "_load", _no_model_load)
            before = {p: p.stat().st_mtime_ns for p in (cache / "features").rglob("*.npy")}
        out = tmp_path / attempt
        assert main([*args, "--out", str(out)]) == 0
        recs = read_records(out / "records.jsonl")
        assert len(recs) == 3 and all(r["status"] == "ok" for r in recs), [r["error"] for r in recs]
        assert {r["features"] for r in recs} == {"w2v_l1", "hubert_ms", "wavlm_frames"}
        assert {r["model"] for r in recs} == {"svm", "ssl_head"}
        n_entries = {d.name: len(list(d.rglob("*.npy"))) for d in (cache / "features").iterdir()}
        assert n_entries == {"w2v_l1": 56, "hubert_ms": 56, "wavlm_frames": 56}
    assert {p: p.stat().st_mtime_ns for p in (cache / "features").rglob("*.npy")} == before


def _no_model_load(*args):
    raise AssertionError("the second run loaded an encoder: a feature was not read from the cache")


def test_features_describe_shows_the_declaration_without_loading_the_model(tiny_models, tmp_path, capsys):
    from benchmark.cli import main

    suite = _suite(tmp_path / "ssl.toml", tiny_models)
    assert main(["features", "describe", str(suite), "wavlm_frames", "--cache-dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for line in ("kind: frames", "dim: 16", "layer: 2", "encoder: wavlm, 2 layers, hidden size 16, 20 ms frames",
                 "cache: 0 entries", "library default"):
        assert line in text
    assert main(["features", "describe", str(suite), "w2v_l2", "--cache-dir", str(tmp_path)]) == 2
    assert "no feature set 'w2v_l2'" in capsys.readouterr().err


def test_missing_model_folder_is_one_line_and_writes_nothing(tiny_models, tmp_path, capsys):
    from benchmark.cli import main

    models = {**tiny_models, "hubert": tmp_path / "not_downloaded"}
    suite = _suite(tmp_path / "ssl.toml", models)
    out = tmp_path / "run"
    rc = main(["run", "--suite", str(suite), "--out", str(out), "--no-progress",
               "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and not out.exists()
    assert len(err.splitlines()) == 1 and "not_downloaded" in err and "does not exist" in err


def test_bench_script_runs_on_a_tiny_encoder(tiny_models):
    """benchmarks/bench_ssl.py's two measurements, on a tiny model (the script's own default
    builds a Base-sized one)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_ssl
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    rate = bench_ssl.throughput(tiny_models["wav2vec2"], 2, 1)
    assert rate["utt_per_s_per_core_cpu"] > 0 and rate["audio_s"] > 0
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_ssl.py"), "--_child",
                          str(tiny_models["wav2vec2"]), "0.75", "1", "2"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    long = json.loads(out.stdout.strip().splitlines()[-1])
    assert long["peak_rss_mb"] >= long["rss_after_load_mb"] > 0 and long["dim"] == HIDDEN
