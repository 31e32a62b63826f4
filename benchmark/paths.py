"""Where serbench keeps files it builds for the user (synthetic corpus, feature cache).

One function decides the cache root so every area agrees: ``$SERBENCH_CACHE`` when set,
otherwise ``~/.cache/serbench``. Nothing here creates folders; callers do when they write.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "SERBENCH_CACHE"


def default_cache_root() -> Path:
    """The user cache folder: ``$SERBENCH_CACHE`` or ``~/.cache/serbench``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "serbench"
