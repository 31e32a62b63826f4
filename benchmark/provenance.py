"""Provenance fields of a record: git commit, package versions, compute device, peak memory,
and the origin of every plugin a job runs (import path, distribution and version)."""

from __future__ import annotations

import functools
import resource
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

_PACKAGES = ("serbench", "numpy", "scikit-learn", "librosa", "opensmile", "torch", "xgboost", "hmmlearn", "pandas")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@functools.cache
def git_sha() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True,
            text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha or None


@functools.cache
def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def plugin_provenance(model: str, features: str) -> tuple[tuple[tuple[str, Any], ...], ...]:
    """What the job of ``model`` on the feature key ``features`` runs from outside serbench
    (and any suite-declared feature set): one frozen dict per plugin, role first. Empty for
    built-ins, so their job ids do not change."""
    from benchmark.features import FEATURES
    from benchmark.models import MODELS

    out: list[dict[str, Any]] = []
    if not MODELS.is_builtin(model):
        meta = MODELS.meta(model)
        out.append({**meta["plugin"], "role": "model", "family": meta["family"]})
    if not FEATURES.is_builtin(features):
        meta = FEATURES.meta(features)
        item: dict[str, Any] = dict(meta.get("plugin") or {})
        declared = meta.get("declared")
        if declared:
            item.update(name=declared["name"], extractor=declared["extractor"],
                        params=tuple(sorted(declared["params"].items())))
            if "plugin" not in meta:  # a built-in family: what it resolved (weights hash, versions)
                item["resolved"] = dict(FEATURES.get(features)().params)
        out.append({**item, "role": "features"})
    return tuple(tuple(sorted(d.items())) for d in out)
