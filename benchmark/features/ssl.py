"""Pretrained speech encoders (wav2vec 2.0, HuBERT, WavLM, ...) as a parametrised feature family.

A suite declares one as ``[feature_sets.NAME]`` with ``extractor = "ssl"``; the registry
``benchmark.features.EXTRACTORS`` maps ``ssl`` to :func:`make_ssl_extractor`. The encoder is
any Hugging Face ``transformers`` audio encoder with a wav2vec 2.0-style convolutional front
end (``conv_kernel``/``conv_stride`` in its config: wav2vec2, HuBERT, WavLM, data2vec-audio,
UniSpeech(-SAT), SEW...), loaded from a local folder or from a model id already in the local
Hugging Face cache. Nothing is ever downloaded: offline mode is set here before
``huggingface_hub``/``transformers`` are imported, and every load passes
``local_files_only=True``; a folder without a model, or an id that is not cached, is a
:class:`SslModelError` (one line, exit 2) naming what was looked for and how to put it on disk.

Building the extractor reads only the folder's JSON files and hashes its weight files (once per
process), so a run whose features are all cached never imports ``transformers`` or loads the
network; the first extraction in a process loads it. ``transformers`` is imported only here,
only when an ``ssl`` feature set is used (it is the optional extra ``pip install -e ".[ssl]"``).

What one call does, per utterance:

- resample to the encoder's rate (16 kHz for every published checkpoint of these families);
- normalise as the folder's ``preprocessor_config.json`` says (``AutoFeatureExtractor``), or,
  when the folder has none (a bare ``save_pretrained`` of a model writes none), as the
  library's ``Wav2Vec2FeatureExtractor`` defaults do: zero mean, unit variance per utterance
  (``do_normalize=True``). Published checkpoints differ here (WavLM Base+ ships
  ``do_normalize=false``, wav2vec 2.0 Base ``true``), so a downloaded folder should keep its
  preprocessor config; ``normalize = true|false`` in the feature set overrides both;
- run the encoder in ``torch.inference_mode`` with ``output_hidden_states=True`` and take
  hidden state ``layer`` (0 = the input to the first transformer layer, L = the last layer's
  output) or the mean of all L + 1 hidden states (``layer = "mean"``);
- return the layer's frames (``frames = true``: T x D, one frame per 20 ms) or their mean
  (``pooling = "mean"``: D values) or mean and standard deviation (``"mean_std"``: 2D).

Long audio is cut into windows of ``chunk_s`` seconds (default 20) that overlap by one second
of context on each side; each window keeps only the frames that start inside its own span, so
the concatenation has exactly the frame count of a single pass and every frame sees at least a
second of context on both sides, and a 10-minute file costs the memory of one window, not of
the whole file (on a GPU, windows of equal length go through the network ``CHUNK_BATCH`` at a
time). Utterances under ``chunk_s`` (nearly all of an emotion corpus) are one pass.

Why one utterance per forward pass rather than a padded batch of utterances: a feature must
not depend on which other files shared its batch (it is cached by its own audio), and the
group-normalised front ends of wav2vec 2.0 Base and HuBERT Base normalise over the padded
length, so their outputs change with padding (the model cards say to pad without an attention
mask, which still shifts them). On CPU a padded batch also adds the padding's compute without
a speed-up; on a GPU, windows of long files are still batched.

The device is the feature set's ``device`` (``auto``: CUDA when torch sees one, else CPU);
feature extraction runs before and outside the deep jobs, so ``run --device`` does not reach it.
Results are cached like every feature: ``Extractor.params`` (the cache key) hold the weights'
content hash, the config's hash, the layer, pooling, frames, normalisation, window length and
the ``transformers`` and ``torch`` versions; never the folder's path, so moving the weights
keeps the cache.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.config import ConfigError
from benchmark.features.base import Extractor, FeatureError, make_extractor

POOLINGS = ("mean", "mean_std")
DEVICES = ("auto", "cpu", "cuda")
#: Files whose bytes are the weights (safetensors, or PyTorch's pickled state dicts).
WEIGHT_SUFFIXES = (".safetensors", ".bin")
#: Seconds of context each window carries on either side of its own span.
CONTEXT_S = 1.0
#: Windows of one long file sent through the network together on a GPU. On CPU they go one at
#: a time: the network's own threads already fill the cores, and the conv front end holds about
#: 0.6 GB of activations per 22 s window of a Base model, so a batch would multiply the peak.
CHUNK_BATCH = 4
#: The environment that keeps huggingface_hub and transformers from touching the network.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "HF_HUB_DISABLE_PROGRESS_BARS": "1"}

_HOW_TO_GET = ("put a Hugging Face model folder there (config.json + model.safetensors, e.g. "
               "`hf download facebook/wav2vec2-base --local-dir DIR` on a machine with network, "
               "then copy DIR)")


class SslModelError(ConfigError):
    """An ``ssl`` feature set names no usable local model, or bad parameters (one line, exit 2)."""


@dataclass(frozen=True)
class SslModel:
    """What a local model folder holds, read from its JSON files (no transformers import)."""

    source: str
    """The ``model`` value as declared (a folder or a cached model id)."""
    folder: Path
    """The folder the weights are loaded from."""
    model_type: str
    n_layers: int
    hidden_size: int
    sampling_rate: int
    stride: int
    """Input samples per output frame (product of the conv strides: 320 = 20 ms at 16 kHz)."""
    receptive: int
    """Input samples one output frame sees through the conv front end (400 = 25 ms)."""
    weights: tuple[Path, ...]
    do_normalize: bool
    """The normalisation the folder asks for (library default when it has no preprocessor)."""
    has_preprocessor: bool


def set_offline() -> None:
    """Offline mode for huggingface_hub/transformers, set before either is imported (they read
    it at import); an already imported huggingface_hub is switched as well."""
    os.environ.update(OFFLINE_ENV)
    import sys

    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None:
        hub.HF_HUB_OFFLINE = True


def resolve_model(model: str) -> SslModel:
    """The local folder for ``model`` (a path, or an id in the local Hugging Face cache)."""
    if not isinstance(model, str) or not model.strip():
        raise SslModelError(f"ssl: model must be a folder or a model id, got {model!r}")
    path = Path(model).expanduser()
    looks_like_path = path.is_absolute() or model.startswith((".", "~")) or path.exists() \
        or model.count("/") != 1
    if looks_like_path:
        if not path.is_dir():
            raise SslModelError(f"ssl: model folder {path} does not exist; {_HOW_TO_GET}")
        folder = path.resolve()
    else:
        folder = _cached_snapshot(model)
    return _read_folder(model, folder)


def _cached_snapshot(model_id: str) -> Path:
    try:
        set_offline()
        from huggingface_hub import try_to_load_from_cache
        from huggingface_hub.constants import HF_HUB_CACHE
    except ImportError:
        raise SslModelError(f"ssl: model {model_id!r} is not a folder, and reading the Hugging Face "
                            "cache needs the optional extra: pip install -e '.[ssl]'") from None
    found = try_to_load_from_cache(model_id, "config.json")
    if not isinstance(found, str):
        raise SslModelError(f"ssl: {model_id!r} is neither a folder nor a model in the local Hugging "
                            f"Face cache ({HF_HUB_CACHE}); serbench never downloads: run "
                            f"`hf download {model_id}` on a machine with network and copy that "
                            "cache, or give a local folder")
    return Path(found).parent


def _read_folder(source: str, folder: Path) -> SslModel:
    config_path = folder / "config.json"
    weights = tuple(sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES and p.is_file()))
    if not config_path.is_file() or not weights:
        missing = " and ".join(n for n, ok in (("config.json", config_path.is_file()),
                                               ("weights (*.safetensors or *.bin)", bool(weights)))
                               if not ok)
        raise SslModelError(f"ssl: {folder} holds no model ({missing} missing); {_HOW_TO_GET}")
    try:
        config = json.loads(config_path.read_text())
        kernels, strides = list(config["conv_kernel"]), list(config["conv_stride"])
        n_layers, hidden = int(config["num_hidden_layers"]), int(config["hidden_size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SslModelError(f"ssl: {config_path} is not a wav2vec 2.0-style audio encoder config "
                            f"(needs conv_kernel, conv_stride, num_hidden_layers, hidden_size; "
                            f"{type(exc).__name__}: {exc})") from None
    pre_path = folder / "preprocessor_config.json"
    pre = json.loads(pre_path.read_text()) if pre_path.is_file() else {}
    stride, receptive = 1, 1
    for k, s in zip(kernels, strides, strict=True):
        receptive += (int(k) - 1) * stride
        stride *= int(s)
    return SslModel(source=source, folder=folder, model_type=str(config.get("model_type", "?")),
                    n_layers=n_layers, hidden_size=hidden,
                    sampling_rate=int(pre.get("sampling_rate", 16_000)), stride=stride,
                    receptive=receptive, weights=weights,
                    do_normalize=bool(pre.get("do_normalize", True)),
                    has_preprocessor=pre_path.is_file())


_WEIGHT_HASHES: dict[tuple[str, ...], str] = {}


def weights_sha256(m: SslModel) -> str:
    """sha256 over the weight files' names and bytes plus config.json (once per process)."""
    key = tuple(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in (*m.weights, m.folder / "config.json"))
    if key not in _WEIGHT_HASHES:
        h = hashlib.sha256()
        for p in (*m.weights, m.folder / "config.json"):
            h.update(p.name.encode() + b"\0")
            with open(p, "rb") as fh:
                while block := fh.read(1 << 22):
                    h.update(block)
        _WEIGHT_HASHES[key] = h.hexdigest()
    return _WEIGHT_HASHES[key]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise SslModelError(f"ssl feature sets need the optional extra: pip install -e '.[ssl]' "
                            f"({dist} is not installed)") from None


def make_ssl_extractor(model: str | None = None, layer: int | str | None = None,
                       pooling: str | None = None, frames: bool = False,
                       normalize: bool | None = None, device: str = "auto", chunk_s: float = 20.0,
                       **unknown: Any) -> Extractor:
    """An :class:`Extractor` over hidden state ``layer`` of the local encoder ``model``.

    ``pooling`` ("mean" | "mean_std", default "mean") gives functionals; ``frames=True`` gives
    the T x D frames instead (no pooling then). ``normalize`` overrides the folder's
    normalisation; ``device`` is auto | cpu | cuda; ``chunk_s`` is the window for long audio.
    Parameters come from a suite's table, so a missing or misspelt one is a one-line error.
    """
    if unknown:
        import difflib

        known = ("model", "layer", "pooling", "frames", "normalize", "device", "chunk_s")
        bad = sorted(unknown)[0]
        close = difflib.get_close_matches(bad, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
        raise SslModelError(f"ssl: unknown parameter {bad!r}{hint}")
    for required, value in (("model", model), ("layer", layer)):
        if value is None:
            raise SslModelError(f"ssl: '{required}' is required (model = a local folder or cached "
                                'model id; layer = a hidden state index or "mean")')
    if not isinstance(frames, bool):
        raise SslModelError(f"ssl: frames must be true or false, got {frames!r}")
    if frames and pooling is not None:
        raise SslModelError("ssl: frames = true returns the frame sequence; drop pooling (it is "
                            "for functionals)")
    pooling = "mean" if pooling is None else pooling
    if pooling not in POOLINGS:
        raise SslModelError(f"ssl: pooling must be one of {POOLINGS}, got {pooling!r}")
    if device not in DEVICES:
        raise SslModelError(f"ssl: device must be one of {DEVICES}, got {device!r}")
    if normalize is not None and not isinstance(normalize, bool):
        raise SslModelError(f"ssl: normalize must be true or false, got {normalize!r}")
    if isinstance(chunk_s, bool) or not isinstance(chunk_s, int | float) or not chunk_s >= 2 * CONTEXT_S:
        raise SslModelError(f"ssl: chunk_s must be a number of seconds >= {2 * CONTEXT_S:g}, got {chunk_s!r}")
    m = resolve_model(model)
    if layer != "mean" and (isinstance(layer, bool) or not isinstance(layer, int)
                            or not 0 <= layer <= m.n_layers):
        raise SslModelError(f"ssl: layer must be an int in 0..{m.n_layers} ({m.folder.name} has "
                            f"{m.n_layers} layers) or \"mean\", got {layer!r}")
    versions = {"transformers": _version("transformers"), "torch": _version("torch")}
    do_normalize = m.do_normalize if normalize is None else normalize
    params = {"model_type": m.model_type, "weights_sha256": weights_sha256(m), "layer": layer,
              "pooling": None if frames else pooling, "frames": frames, "normalize": do_normalize,
              "chunk_s": float(chunk_s), "versions": versions}
    tag = f"l{layer}"
    if frames:
        kind, cols = "frames", [f"{tag}_{i}" for i in range(m.hidden_size)]
    else:
        stats = ("mean",) if pooling == "mean" else ("mean", "std")
        kind, cols = "functionals", [f"{tag}_{i}_{s}" for s in stats for i in range(m.hidden_size)]
    encoder = _Encoder(m, device, do_normalize, float(chunk_s))

    def fn(y: np.ndarray, sr: int, **_key: Any) -> np.ndarray:
        hidden = encoder(y, sr, layer)
        if frames:
            return hidden
        parts = [hidden.mean(axis=0)] + ([hidden.std(axis=0)] if pooling == "mean_std" else [])
        return np.concatenate(parts)

    return make_extractor("ssl", kind, cols, fn, **params)


def describe_model(model: str) -> dict[str, Any]:
    """What ``features describe`` shows about a declared encoder (reads JSON files only)."""
    m = resolve_model(model)
    return {"folder": str(m.folder), "model_type": m.model_type, "layers": m.n_layers,
            "hidden_size": m.hidden_size, "frame_ms": 1000 * m.stride / m.sampling_rate,
            "preprocessor_config": m.has_preprocessor,
            "weights_mb": round(sum(p.stat().st_size for p in m.weights) / 2**20, 2)}


class _Encoder:
    """The network and its normaliser, loaded on first use in each process."""

    def __init__(self, m: SslModel, device: str, do_normalize: bool, chunk_s: float) -> None:
        self.m, self.device, self.do_normalize = m, device, do_normalize
        # window and context in whole frames, so windows start on the frame grid
        self.context = m.stride * max(1, math.ceil(max(CONTEXT_S * m.sampling_rate, m.receptive) / m.stride))
        self.window = m.stride * max(1, round(chunk_s * m.sampling_rate / m.stride))

    def __call__(self, y: np.ndarray, sr: int, layer: int | str) -> np.ndarray:
        import torch

        net, normaliser, device = _load(self.m.folder, self.device)
        rate = self.m.sampling_rate
        if sr != rate:
            import soxr

            y = soxr.resample(y, sr, rate, quality="HQ").astype(np.float32)
        if y.size < self.m.receptive:
            raise FeatureError(f"ssl: {y.size / rate * 1000:.1f} ms of audio is shorter than one "
                               f"frame's {self.m.receptive / rate * 1000:.0f} ms receptive field")
        if normaliser.do_normalize != self.do_normalize:  # ``normalize`` in the feature set
            normaliser = copy.copy(normaliser)
            normaliser.do_normalize = self.do_normalize
        x = normaliser(y, sampling_rate=rate, return_tensors="np")
        x = np.asarray(x["input_values"], dtype=np.float32).reshape(-1)
        windows = list(self._windows(x.size))
        out: list[np.ndarray | None] = [None] * len(windows)
        with torch.inference_mode():
            for group in _same_length_groups(windows, CHUNK_BATCH if device != "cpu" else 1):
                batch = torch.from_numpy(np.stack([x[s:e] for _, s, e, _, _ in group])).to(device)
                states = net(batch, output_hidden_states=True).hidden_states
                h = states[layer] if layer != "mean" else torch.stack(states).mean(dim=0)
                h = h.float().cpu().numpy()
                for row, (i, _, _, j0, j1) in enumerate(group):
                    out[i] = h[row, j0:j1]
        return np.concatenate([o for o in out if o is not None and len(o)], axis=0)

    def _windows(self, n: int) -> Iterator[tuple[int, int, int, int, int]]:
        """(index, start, end, first kept frame, end of kept frames) per window of ``n`` samples."""
        w, c, stride = self.window, self.context, self.m.stride
        count = max(1, math.ceil(n / w))
        for k in range(count):
            s, e = max(0, k * w - c), min(n, (k + 1) * w + c)
            local = (e - s - self.m.receptive) // stride + 1  # frames the network will return
            j0 = (k * w - s) // stride
            j1 = local if k == count - 1 else min(local, ((k + 1) * w - s) // stride)
            yield k, s, e, j0, max(j0, j1)


def _same_length_groups(windows: list[tuple[int, int, int, int, int]], size: int
                        ) -> Iterator[list[tuple[int, int, int, int, int]]]:
    by_len: dict[int, list[tuple[int, int, int, int, int]]] = {}
    for win in windows:
        by_len.setdefault(win[2] - win[1], []).append(win)
    for group in by_len.values():
        for i in range(0, len(group), size):
            yield group[i:i + size]


@cache
def _load(folder: Path, device: str) -> tuple[Any, Any, str]:
    """(network in eval mode, normaliser, torch device) for ``folder``, once per process."""
    set_offline()
    import torch

    try:
        from transformers import AutoFeatureExtractor, AutoModel, Wav2Vec2FeatureExtractor
    except ImportError:
        raise SslModelError("ssl feature sets need the optional extra: pip install -e '.[ssl]'") from None
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        raise SslModelError("ssl: device = \"cuda\" but torch sees no CUDA device")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # one bar per process and load: noise in a run's log
    net, info = AutoModel.from_pretrained(str(folder), local_files_only=True, output_loading_info=True)
    if info.get("missing_keys"):  # randomly initialised weights would pass silently otherwise
        missing = sorted(info["missing_keys"])
        raise SslModelError(f"ssl: {folder}: {len(missing)} weight(s) of {type(net).__name__} are "
                            f"not in the checkpoint, e.g. {missing[:3]}")
    net = net.float().eval().to(device)  # float32: a half-precision checkpoint is slow on CPU
    if (folder / "preprocessor_config.json").is_file():
        normaliser = AutoFeatureExtractor.from_pretrained(str(folder), local_files_only=True)
    else:  # the library's defaults for these architectures (a bare save_pretrained writes none)
        normaliser = Wav2Vec2FeatureExtractor()
    return net, normaliser, device
