"""From a benchmark row to a model that labels new audio: ``export`` and ``predict``.

``export`` refits one system of a run folder on the whole corpus of that run, with the run's
own recipe (:mod:`benchmark.export.recipe`), and writes a self-describing model folder
(:mod:`benchmark.export.artefacts`): ``model.json`` (classes, feature extractor and its
parameters, sample rate, versions, the corpus fingerprint, the run's fold hashes and the
cross-validated UA the run measured for that system) beside the fitted model, a skops file for
a classical pipeline or a ``state_dict`` for a deep network, and optionally ONNX
(:mod:`benchmark.export.onnx_export`). ``predict`` (:mod:`benchmark.export.predict`) loads that
folder, checks every file's SHA-256 and labels audio files, folders or a CSV manifest.

Nothing here is imported by ``run``; the heavy libraries (skops, torch, onnxruntime) load only
when a model of their kind is saved or loaded.
"""

from __future__ import annotations

from benchmark.plan import RunError


class ExportError(RunError):
    """A system cannot be exported or a model folder cannot be used (one line, exit 2)."""


#: The one line that says how to install an optional extra, per missing module.
EXTRAS = {"skops": "export", "onnx": "onnx", "onnxruntime": "onnx"}


def require(module: str) -> object:
    """Import ``module`` or raise :class:`ExportError` naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(module.split(".")[0], module)
        raise ExportError(f"{module} is not installed (optional extra {extra!r}); install it with: "
                          f"pip install -e '.[{extra}]' (from the serbench checkout)") from None


__all__ = ["EXTRAS", "ExportError", "require"]
