"""Session-wide fixtures: an isolated cache folder and the tiny synthetic corpus built once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_emodb() -> Path:
    """Where the real EmoDB lies: $SERBENCH_SHARED_DATA/emodb or ../shared/data/emodb."""
    base = os.environ.get("SERBENCH_SHARED_DATA")
    root = Path(base) if base else REPO.parent / "shared" / "data"
    return root / "emodb"


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory) -> Path:
    """One cache for the whole test session, never the user's own cache."""
    env = os.environ.get("SERBENCH_TEST_CACHE")
    root = Path(env) if env else tmp_path_factory.mktemp("serbench_cache")
    return root


@pytest.fixture(scope="session")
def tiny_corpus(cache_root):
    from benchmark.datasets.synthetic import load

    return load(size="tiny", seed=0, cache_dir=cache_root / "synthetic", progress=False)
