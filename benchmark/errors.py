"""The errors the CLI reports as one clear line (exit 2) instead of a traceback.

Imported lazily per class so that the CLI does not pull heavy modules for ``--help``.
"""

from __future__ import annotations

from benchmark.config import ConfigError
from benchmark.datasets.base import CorpusError
from benchmark.registry import RegistryError


def _optional(module: str, name: str) -> type[BaseException] | None:
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


USER_ERRORS: tuple[type[BaseException], ...] = tuple(
    e for e in (
        ConfigError, CorpusError, RegistryError,
        _optional("benchmark.plan", "RunError"),
        _optional("benchmark.executors", "ExecutorError"),
        _optional("benchmark.splits", "ProtocolError"),
        _optional("reports.load", "ReportError"),
        _optional("benchmark.splits", "LeakageError"),
        _optional("benchmark.audio", "AudioError"),
        _optional("benchmark.regression", "RegressionError"),
        _optional("benchmark.features.jit", "NativeCrashError"),
        FileNotFoundError,
    ) if e is not None
)
