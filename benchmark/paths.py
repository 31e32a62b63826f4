"""Where serbench keeps files it builds for the user (synthetic corpus, feature cache, JIT cache).

One function decides the cache root so every area agrees: ``$SERBENCH_CACHE`` when set,
otherwise ``~/.cache/serbench``. Nothing here creates folders; callers do when they write.

:func:`numba_cache_dir` is where numba stores the machine code of librosa's JIT helpers for
serbench processes: ``<cache root>/numba/numba-<v>_librosa-<v>_py<XY>``. The versions are in
the name, so an upgrade never loads code compiled by another numba or for another librosa,
and clearing it (``python -m benchmark cache clear --numba``) touches nothing but serbench's
own compiled code. ``benchmark/__init__.py`` exports it as ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CACHE_ENV = "SERBENCH_CACHE"
NUMBA_SUBDIR = "numba"


def default_cache_root() -> Path:
    """The user cache folder: ``$SERBENCH_CACHE`` or ``~/.cache/serbench``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "serbench"


def _version(dist: str) -> str:
    """Installed version of ``dist`` without importing it (importing numba is what we must
    not do before its cache folder is set)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "none"


def numba_cache_dir(root: str | Path | None = None) -> Path:
    """serbench's numba cache folder under ``root`` (default: :func:`default_cache_root`)."""
    base = Path(root).expanduser() if root is not None else default_cache_root()
    tag = (f"numba-{_version('numba')}_librosa-{_version('librosa')}"
           f"_py{sys.version_info.major}{sys.version_info.minor}")
    return base / NUMBA_SUBDIR / tag
