"""The model folder: ``model.json`` beside the fitted model, written and read safely.

* classical: the fitted estimator in ``model.skops`` (:func:`skops.io.dump`; no pickle). Loading
  lists the file's types with :func:`skops.io.get_untrusted_types` and trusts them only when
  every one is in :data:`TRUSTED_ROOTS` *and* among the types recorded at export; anything else
  is refused, never trusted blindly.
* deep: the network's ``state_dict`` and the training-frame standardiser in ``weights.pt``
  (tensors only, read with ``torch.load(weights_only=True)``), rebuilt from the registry name of
  its architecture, its config and its estimator parameters recorded in ``model.json``.
* ``model.json`` lists every artefact with its SHA-256; a missing or altered file stops the load
  with one line. A number-changing library whose major version (for 0.x: major.minor) differs
  from the one at export gives a :class:`VersionWarning`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.export import ExportError, require

FORMAT = "serbench-model"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
SKOPS_FILE = "model.skops"
WEIGHTS_FILE = "weights.pt"
ONNX_FILE = "model.onnx"

#: Packages whose classes a classical model file may hold (their modules' first component).
TRUSTED_ROOTS = ("baselines", "sklearn", "numpy", "scipy", "xgboost", "hmmlearn")
#: Single types trusted besides those packages: standard-library containers the baselines hold
#: (hmmlearn's convergence monitor keeps a deque) and the adapter of classical plugins.
TRUSTED_TYPES = ("collections.deque", "collections.OrderedDict",
                 "benchmark.plugin_model.PluginClassifier")
#: Libraries whose version changes the numbers a model gives (features, fit, inference).
NUMERIC_LIBRARIES = ("numpy", "scipy", "scikit-learn", "librosa", "opensmile", "soxr",
                     "soundfile", "torch", "xgboost", "hmmlearn", "onnxruntime")


class VersionWarning(UserWarning):
    """A library that changes numbers has another major version than at export."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """serbench, Python and every installed library of :data:`NUMERIC_LIBRARIES` (+ skops)."""
    from benchmark.provenance import versions

    found = dict(versions())
    for name in (*NUMERIC_LIBRARIES, "skops", "onnx"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return dict(sorted(found.items()))


def _major(version: str) -> tuple[str, ...]:
    parts = version.split("+")[0].split(".")
    return tuple(parts[:2]) if parts[0] == "0" else (parts[0],)


def check_versions(saved: Mapping[str, str], where: Path) -> list[str]:
    """Warn (:class:`VersionWarning`) for each number-changing library whose major version
    differs from the one recorded at export; returns the messages."""
    now = library_versions()
    notes = []
    for lib in NUMERIC_LIBRARIES:
        if lib in saved and lib in now and _major(saved[lib]) != _major(now[lib]):
            notes.append(f"{where}: exported with {lib} {saved[lib]}, this environment has "
                         f"{now[lib]}: predictions may differ from the exported model's")
    for note in notes:
        warnings.warn(note, VersionWarning, stacklevel=2)
    return notes


def _plugin_root(model: str) -> str | None:
    """The package of a plugin model (``pkg.mod:Class``), which the user chose to export; never
    a standard-library module."""
    import sys

    if ":" not in model:
        return None
    root = model.split(":")[0].split(".")[0]
    return None if root in sys.stdlib_module_names or root == "builtins" else root


def _trusted(type_name: str, plugin_root: str | None = None) -> bool:
    root = type_name.split(".")[0]
    return type_name in TRUSTED_TYPES or root in TRUSTED_ROOTS or root == plugin_root


# ------------------------------------------------------------------------------------ saving


def save_classical(model: Any, folder: Path, name: str) -> dict[str, Any]:
    """``model.skops``; refuses (one line) a model holding types outside the trusted roots
    (``name``: the model's registry name, whose package is trusted when it is a plugin)."""
    sio = require("skops.io")
    path = folder / SKOPS_FILE
    sio.dump(model, path)
    types = sorted(sio.get_untrusted_types(file=path))
    foreign = [t for t in types if not _trusted(t, _plugin_root(name))]
    if foreign:
        path.unlink()
        raise ExportError(f"{type(model).__name__} holds types a loader would have to trust blindly "
                          f"({', '.join(foreign)}); only {', '.join(TRUSTED_ROOTS)} are trusted")
    return {"file": SKOPS_FILE, "skops_types": types}


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def save_deep(model: Any, folder: Path) -> dict[str, Any]:
    """``weights.pt`` (state_dict + standardiser) and what rebuilds the network."""
    import torch

    state = {f"network.{k}": v.detach().cpu() for k, v in model.network_.state_dict().items()}
    state["scaler.mean"] = torch.from_numpy(np.asarray(model.scaler_.mean, dtype=np.float32))
    state["scaler.std"] = torch.from_numpy(np.asarray(model.scaler_.std, dtype=np.float32))
    torch.save(state, folder / WEIGHTS_FILE)
    # run-time settings (threads, on-the-fly SpecAugment) shape training only; the rest rebuilds
    # the model
    params = {k: v for k, v in model.get_params().items()
              if _jsonable(v) and k not in ("seed", "threads")}
    return {
        "file": WEIGHTS_FILE,
        "architecture": params["model"],
        "estimator_params": params,
        "seed": model.seed,
        "config": dataclasses.asdict(model.config_),
        "settings": {k: v for k, v in dataclasses.asdict(model.settings_).items() if _jsonable(v)},
        "n_features": int(model.n_features_in_),
    }


def write_model_json(folder: Path, meta: dict[str, Any]) -> Path:
    """``model.json`` with the SHA-256 of every artefact already in ``folder``."""
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != MODEL_JSON)
    meta = {**meta, "artefacts": {name: {"sha256": sha256(folder / name)} for name in files}}
    path = folder / MODEL_JSON
    path.write_text(json.dumps(meta, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------- loading


@dataclass
class LoadedModel:
    """A model folder ready to predict: its ``model.json`` and the estimator."""

    folder: Path
    meta: dict[str, Any]
    estimator: Any

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.meta["classes"]]


def read_model_json(folder: Path) -> dict[str, Any]:
    """``model.json``, its artefacts present and unaltered (SHA-256), else one-line errors."""
    path = folder / MODEL_JSON
    if not folder.is_dir():
        raise ExportError(f"{folder}: no such model folder")
    if not path.is_file():
        raise ExportError(f"{path}: missing; {folder} is not a model folder written by `export`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: unreadable ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ExportError(f"{path}: not a serbench model description")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ExportError(f"{path}: format version {meta.get('format_version')!r}, this serbench "
                          f"reads {FORMAT_VERSION}")
    for name, entry in (meta.get("artefacts") or {}).items():
        p = folder / name
        if not p.is_file():
            raise ExportError(f"{p}: missing (model.json lists it); export the model again")
        if sha256(p) != entry.get("sha256"):
            raise ExportError(f"{p}: altered since export (SHA-256 differs from model.json); "
                              "export the model again")
    return meta


def load_model(folder: str | Path, *, backend: str = "native") -> LoadedModel:
    """Load a model folder (see the module docstring); ``backend`` "onnx" runs a deep model's
    ``model.onnx`` with onnxruntime instead of torch."""
    folder = Path(folder)
    meta = read_model_json(folder)
    check_versions(meta.get("versions") or {}, folder)
    family = meta["system"]["family"]
    if backend == "onnx":
        from benchmark.export.onnx_export import OnnxModel

        if ONNX_FILE not in (meta.get("artefacts") or {}):
            raise ExportError(f"{folder}: holds no {ONNX_FILE}; export it with --onnx")
        return LoadedModel(folder, meta, OnnxModel(folder / ONNX_FILE, meta))
    if backend != "native":
        raise ExportError(f"backend must be native or onnx, got {backend!r}")
    if family == "deep":
        return LoadedModel(folder, meta, _load_deep(folder, meta))
    return LoadedModel(folder, meta, _load_classical(folder, meta))


def _load_classical(folder: Path, meta: dict[str, Any]) -> Any:
    sio = require("skops.io")
    saved = meta.get("classical") or {}
    path = folder / str(saved.get("file", SKOPS_FILE))
    types = sorted(sio.get_untrusted_types(file=path))
    expected = set(saved.get("skops_types") or ())
    plugin = _plugin_root(str(meta["system"]["model"]))
    refused = [t for t in types if not _trusted(t, plugin) or t not in expected]
    if refused:
        raise ExportError(f"{path}: refusing to load types that neither serbench trusts nor "
                          f"model.json lists: {', '.join(refused)}")
    return sio.load(path, trusted=types)


def _load_deep(folder: Path, meta: dict[str, Any]) -> Any:
    import torch

    from deep.architectures import architecture
    from deep.data import Standardiser
    from deep.estimator import DeepClassifier
    from deep.training import TrainSettings

    saved = meta["deep"]
    state = torch.load(folder / saved["file"], map_location="cpu", weights_only=True)
    arch = architecture(saved["architecture"])
    # JSON turned the config's tuples into lists; the frozen config dataclasses hold tuples
    config = arch.config_cls(**{k: tuple(v) if isinstance(v, list) else v
                                for k, v in saved["config"].items()})
    classes = np.asarray(meta["classes"])
    network = arch.network(config, int(saved["n_features"]), len(classes))
    network.load_state_dict({k.removeprefix("network."): v for k, v in state.items()
                             if k.startswith("network.")})
    network.eval()
    # one torch thread: the same kernels and sums, hence the same bytes, on every call
    model = DeepClassifier(seed=int(saved["seed"]), **{**saved["estimator_params"], "threads": 1})
    # the fitted attributes DeepClassifier.fit sets, on the CPU: predict_proba is unchanged
    model.classes_ = classes
    model.n_features_in_ = int(saved["n_features"])
    model.config_ = config
    model.settings_ = TrainSettings(**{**saved["settings"], "device": "cpu"})
    model.device_ = torch.device("cpu")
    model.network_ = network
    model.scaler_ = Standardiser(state["scaler.mean"].numpy(), state["scaler.std"].numpy())
    return model
