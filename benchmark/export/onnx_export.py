"""ONNX for the deep models: ``export --onnx`` writes ``model.onnx``; ``predict --backend onnx``
runs it with onnxruntime (the optional ``onnx`` extra), torch-free.

The graph is the network alone, inputs ``x`` (batch, frames, features: standardised, pooled,
cut as in training) and ``lengths`` (valid frames per item; a fixed-length network ignores it
and the graph then has no such input), output ``logits``. The frame pooling, standardisation and
batching around it are the estimator's own numpy steps (:func:`deep.data.pool_frames`,
:func:`deep.data.batch_arrays`), in the same length-sorted batches as
:func:`deep.training.predict_logits`, so both backends see identical batches: the export checks
the ONNX logits against PyTorch's within :data:`ATOL` before keeping the file.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.export import ExportError, require

#: Largest |ONNX - PyTorch| logit difference accepted (float32 kernels differ in summation order).
ATOL = 1e-4
OPSET = 17


def _batches(model_meta: dict[str, Any], frames: list[np.ndarray], mean: np.ndarray,
             std: np.ndarray) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """(order, [(index, x, lengths)]) exactly as the estimator batches for prediction."""
    from deep.data import batch_arrays, pool_frames
    from deep.training import EVAL_BATCH

    settings, config = model_meta["settings"], model_meta["config"]
    pooled = pool_frames(frames, int(settings["frame_pool"]))
    scaled = [((f - mean) / std).astype(np.float32) for f in pooled]
    order = np.argsort([f.shape[0] for f in scaled], kind="stable")
    size = max(int(settings["batch_size"]), EVAL_BATCH)
    out = []
    for start in range(0, len(order), size):
        idx = order[start:start + size]
        x, lengths = batch_arrays([scaled[i] for i in idx], config.get("n_frames"),
                                  settings.get("max_frames"))
        out.append((idx, x.astype(np.float32), lengths.astype(np.int64)))
    return order, out


def export_onnx(model: Any, saved: dict[str, Any], path: Path, sample: list[np.ndarray]) -> dict[str, Any]:
    """Write ``path`` from a fitted DeepClassifier and check it on ``sample`` (training frames)."""
    import torch

    require("onnx")
    ort = require("onnxruntime")
    network = copy.deepcopy(model.network_).eval().cpu()  # the fitted model stays where it is
    _, batches = _batches(saved, sample, model.scaler_.mean, model.scaler_.std)
    _, x, lengths = batches[0]
    try:
        with warnings.catch_warnings():
            # the TorchScript exporter's notes (deprecation, tracer notes on RNN size checks)
            # concern its internals, not this model; the check below compares the outputs
            warnings.simplefilter("ignore")
            torch.onnx.export(network, (torch.from_numpy(x), torch.from_numpy(lengths)), str(path),
                              input_names=["x", "lengths"], output_names=["logits"],
                              dynamic_axes={"x": {0: "batch", 1: "frames"}, "lengths": {0: "batch"},
                                            "logits": {0: "batch"}},
                              opset_version=OPSET, dynamo=False)
    except Exception as exc:  # an operator ONNX cannot express (e.g. per-input conv kernels)
        path.unlink(missing_ok=True)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"{saved['architecture']} cannot be exported to ONNX: {first[:300]}") from None
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    with torch.inference_mode():
        for _, xb, lb in batches:
            ref = network(torch.from_numpy(xb), torch.from_numpy(lb)).float().numpy()
            got = _run(session, xb, lb)
            worst = max(worst, float(np.abs(got - ref).max()))
    if worst > ATOL:
        path.unlink(missing_ok=True)
        raise ExportError(f"ONNX logits differ from PyTorch's by {worst:.2e} (> {ATOL}); not kept")
    return {"file": path.name, "opset": OPSET, "max_abs_logit_diff": worst, "atol": ATOL,
            "inputs": [i.name for i in session.get_inputs()]}


def _run(session: Any, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    names = {i.name for i in session.get_inputs()}
    feed = {"x": x, "lengths": lengths}
    return np.asarray(session.run(["logits"], {k: v for k, v in feed.items() if k in names})[0],
                      dtype=np.float32)


class OnnxModel:
    """``predict_proba`` over frames with onnxruntime (the deep estimator's contract, no torch)."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        ort = require("onnxruntime")
        self.saved = meta["deep"]
        self.classes_ = np.asarray(meta["classes"])
        scaler = np.load(path.with_name("scaler.npz"))
        self.mean, self.std = scaler["mean"], scaler["std"]
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one thread: the same sums, hence bytes, on every run
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def predict_proba(self, X: list[np.ndarray]) -> np.ndarray:
        order, batches = _batches(self.saved, list(X), self.mean, self.std)
        logits = np.empty((len(X), len(self.classes_)), dtype=np.float32)
        for idx, xb, lb in batches:
            logits[idx] = _run(self.session, xb, lb)
        z = logits.astype(np.float64)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, X: list[np.ndarray]) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
