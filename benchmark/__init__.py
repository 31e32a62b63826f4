"""serbench: an honest benchmark suite for speech emotion recognition.

The package owns the pipeline (corpus -> manifest -> protocol -> features -> augmentation ->
model -> record); ``baselines``, ``deep`` and ``reports`` are sibling packages.

Importing this package does two things every serbench process needs before anything else
runs (the CLI, a test, and every worker: spawned workers import ``benchmark`` to unpickle
their task, forked ones inherit the state):

* **Sibling packages resolve next to this one.** ``baselines``, ``deep`` and ``reports`` are
  imported from the folder that holds ``benchmark/`` (the repository, or site-packages), never
  from a same-named folder in the working directory: an empty ``baselines/`` there used to become
  a namespace package ahead of an editable install, and a user's own ``reports`` package ahead
  of a regular one. A meta-path finder handles exactly those three top-level names; nothing
  else on ``sys.path`` changes, so the user's own modules stay importable.
* **numba caches into a folder serbench owns** (see :mod:`benchmark.paths`): librosa compiles
  its JIT helpers with ``cache=True``, by default into site-packages, shared by every process
  and every serbench version; several processes compiling at once there could leave a
  corrupt cache that crashes later runs. ``NUMBA_CACHE_DIR`` must be set before numba is
  imported (numba reads it once, and librosa binds each function's cache location when it is
  decorated), which is why it is set here, at the first import of the package, and exported
  so child processes agree. A ``NUMBA_CACHE_DIR`` the user set is respected.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__version__ = "0.1.0"

SIBLING_PACKAGES: tuple[str, ...] = ("baselines", "deep", "reports")
_HOME = Path(__file__).resolve().parent.parent


class _SiblingFinder:
    """Finds the top-level sibling packages in the folder that holds ``benchmark/`` (only
    when they are really there, as regular packages); every other name is left alone."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        if path is not None or fullname not in SIBLING_PACKAGES:
            return None
        init = self.home / fullname / "__init__.py"
        if not init.is_file():
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(fullname, init, submodule_search_locations=[str(init.parent)])

    def __repr__(self) -> str:
        return f"serbench._SiblingFinder({str(self.home)!r})"


def _install_sibling_finder() -> None:
    if any(isinstance(f, _SiblingFinder) for f in sys.meta_path):
        return
    if any((_HOME / name / "__init__.py").is_file() for name in SIBLING_PACKAGES):
        sys.meta_path.insert(0, _SiblingFinder(_HOME))


def _configure_numba_cache() -> None:
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    from benchmark.paths import numba_cache_dir

    os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir())
    numba_config = getattr(sys.modules.get("numba"), "config", None)
    if numba_config is not None:  # numba came first: later-decorated functions still follow
        numba_config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


_install_sibling_finder()
_configure_numba_cache()
