"""Accuracy regression: compare a run's aggregated metrics with a stored baseline.

The baseline is a JSON file of mean metrics per (corpus, protocol, model, features, variant,
augmentation), written on purpose with ``check --bless``. ``check`` fails when any baseline
metric drops by more than the tolerance (percentage points), when a baseline entry has no ok
record in the run, or when any job of the run failed. Improvements never fail, but are shown.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmark.results import read_records

KEY_FIELDS = ("corpus", "protocol", "model", "features", "variant", "augmentation")
CHECKED_METRICS = ("wa", "ua", "macro_f1")
DEFAULT_TOLERANCE_PTS = 3.0
FORMAT_VERSION = 1


class RegressionError(ValueError):
    """A run folder or baseline file that cannot be compared."""


def _key(rec: dict[str, Any]) -> str:
    return "|".join(str(rec.get(f)) for f in KEY_FIELDS)


def aggregate(run_dir: Path) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    path = Path(run_dir) / "records.jsonl"
    records = read_records(path)
    if not records:
        raise RegressionError(f"{path}: no records")
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    failed = [r for r in records if r.get("status") != "ok"]
    for r in records:
        if r.get("status") != "ok":
            continue
        for m in CHECKED_METRICS:
            if r.get(m) is not None:
                sums[_key(r)][m].append(float(r[m]))
    means = {k: {m: sum(v) / len(v) for m, v in ms.items()} | {"n": len(ms["ua"])} for k, ms in sums.items()}
    return means, failed


def bless(run_dir: Path, baseline: Path, *, tolerance: float | None = None) -> Path:
    means, failed = aggregate(run_dir)
    if failed:
        raise RegressionError(f"refusing to bless a run with {len(failed)} failed job(s)")
    doc = {
        "format_version": FORMAT_VERSION,
        "tolerance_pts": DEFAULT_TOLERANCE_PTS if tolerance is None else tolerance,
        "key_fields": list(KEY_FIELDS),
        "metrics": {k: {m: round(v, 6) for m, v in ms.items()} for k, ms in sorted(means.items())},
    }
    baseline = Path(baseline)
    baseline.parent.mkdir(parents=True, exist_ok=True)
    baseline.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return baseline


def check(run_dir: Path, baseline: Path, *, tolerance: float | None = None) -> tuple[bool, str]:
    """Returns (passed, diff table text)."""
    baseline = Path(baseline)
    if not baseline.exists():
        raise RegressionError(f"baseline {baseline} does not exist (create it with --bless)")
    doc = json.loads(baseline.read_text())
    if doc.get("format_version") != FORMAT_VERSION:
        raise RegressionError(f"{baseline}: unsupported format_version {doc.get('format_version')!r}")
    tol = float(doc.get("tolerance_pts", DEFAULT_TOLERANCE_PTS) if tolerance is None else tolerance)
    means, failed = aggregate(run_dir)
    rows: list[tuple[str, str, str, str, str, str]] = []
    ok = True
    for key, ref in sorted(doc["metrics"].items()):
        got = means.get(key)
        for m in CHECKED_METRICS:
            if m not in ref:
                continue
            if got is None or m not in got:
                rows.append((key, m, f"{ref[m]:.4f}", "missing", "", "FAIL"))
                ok = False
                continue
            delta = 100.0 * (got[m] - ref[m])
            bad = delta < -tol
            ok &= not bad
            rows.append((key, m, f"{ref[m]:.4f}", f"{got[m]:.4f}", f"{delta:+.2f}", "FAIL" if bad else "ok"))
    for r in failed:
        ok = False
        rows.append((_key(r), "status", "ok", "failed", "", "FAIL"))
    header = ("job (" + "|".join(KEY_FIELDS) + ")", "metric", "baseline", "run", "delta pts", "")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header)] + [fmt.format(*r) for r in rows]
    verdict = "PASS" if ok else "FAIL"
    lines.append(f"\n{verdict}: {sum(1 for r in rows if r[-1] == 'FAIL')} failing row(s), "
                 f"tolerance {tol:.1f} points, {len(doc['metrics'])} baseline job group(s)")
    return ok, "\n".join(lines)
