"""Accuracy regression: compare a run's aggregated metrics with a stored baseline.

The baseline is a JSON file of mean metrics and record counts ``n`` per (corpus, protocol,
model, features, variant, augmentation), written on purpose with ``check --bless``. ``check``
fails when any baseline metric drops by more than the tolerance (percentage points), when a
baseline system has no ok record in the run, when it has fewer ok records than the baseline's
``n`` (a run holding 1 of 4 folds is incomplete, its mean is not comparable), or when any job
of the run failed. Improvements never fail, but are shown; systems the baseline does not know
are listed as ``new``.

A baseline that cannot be used (unreadable, not JSON, no system, an entry without numeric
metrics or a positive integer ``n``) raises :class:`RegressionError`, which the CLI reports as
one line with exit code 2 (a usage error), distinct from exit 1 for a real regression.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmark.results import read_records

KEY_FIELDS = ("corpus", "protocol", "model", "features", "variant", "augmentation")
CHECKED_METRICS = ("wa", "ua", "macro_f1")
DEFAULT_TOLERANCE_PTS = 3.0
FORMAT_VERSION = 1


class RegressionError(ValueError):
    """A run folder or baseline file that cannot be compared (a usage error, exit 2)."""


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
        "tolerance_pts": DEFAULT_TOLERANCE_PTS if tolerance is None else valid_tolerance(tolerance),
        "key_fields": list(KEY_FIELDS),
        "metrics": {k: {m: round(v, 6) for m, v in ms.items()} for k, ms in sorted(means.items())},
    }
    baseline = Path(baseline)
    baseline.parent.mkdir(parents=True, exist_ok=True)
    baseline.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return baseline


def load_baseline(baseline: Path) -> dict[str, Any]:
    """Read and validate a baseline file; every defect is one :class:`RegressionError` line."""
    baseline = Path(baseline)
    if not baseline.exists():
        raise RegressionError(f"baseline {baseline} does not exist (create it with --bless)")
    try:
        doc = json.loads(baseline.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegressionError(f"baseline {baseline}: not a readable JSON file ({exc})") from None
    if not isinstance(doc, dict):
        raise RegressionError(f"baseline {baseline}: expected a JSON object, got {type(doc).__name__}")
    if doc.get("format_version") != FORMAT_VERSION:
        raise RegressionError(f"baseline {baseline}: unsupported format_version {doc.get('format_version')!r}")
    tol = doc.get("tolerance_pts", DEFAULT_TOLERANCE_PTS)
    if not _is_number(tol) or tol < 0:
        raise RegressionError(f"baseline {baseline}: tolerance_pts must be a non-negative number, got {tol!r}")
    metrics = doc.get("metrics")
    if not isinstance(metrics, dict):
        raise RegressionError(f"baseline {baseline}: 'metrics' must be an object of system -> metrics")
    if not metrics:
        raise RegressionError(f"baseline {baseline}: no system in 'metrics'; nothing to check against "
                              "(re-bless it from a complete run)")
    n_fields = len(doc.get("key_fields") or KEY_FIELDS)
    for key, ref in metrics.items():
        where = f"baseline {baseline}: system {key!r}"
        if len(key.split("|")) != n_fields:
            raise RegressionError(f"{where}: expected {n_fields} '|'-separated fields ({'|'.join(KEY_FIELDS)})")
        if not isinstance(ref, dict):
            raise RegressionError(f"{where}: expected an object of metrics, got {ref!r}")
        bad = {m: ref[m] for m in CHECKED_METRICS if m in ref and not _is_number(ref[m])}
        if bad:
            raise RegressionError(f"{where}: non-numeric metric(s) {bad}")
        if not any(m in ref for m in CHECKED_METRICS):
            raise RegressionError(f"{where}: none of the metrics {list(CHECKED_METRICS)}")
        n = ref.get("n")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise RegressionError(f"{where}: 'n' (number of ok records) must be a positive integer, got {n!r}")
    return doc


def valid_tolerance(tol: float) -> float:
    """``tol`` if it is a finite, non-negative number of points, else :class:`RegressionError`
    (nan would pass every drop, a negative tolerance would fail identical metrics)."""
    if not _is_number(tol) or tol < 0:
        raise RegressionError(f"tolerance must be a finite number of points >= 0, got {tol!r}")
    return float(tol)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check(run_dir: Path, baseline: Path, *, tolerance: float | None = None) -> tuple[bool, str]:
    """Returns (passed, diff table text); an unusable baseline raises :class:`RegressionError`."""
    if tolerance is not None:
        valid_tolerance(tolerance)
    doc = load_baseline(baseline)
    tol = float(doc.get("tolerance_pts", DEFAULT_TOLERANCE_PTS) if tolerance is None else tolerance)
    means, failed = aggregate(run_dir)
    rows: list[tuple[str, str, str, str, str, str]] = []
    ok = True
    for key, ref in sorted(doc["metrics"].items()):
        got = means.get(key)
        if got is None:
            rows.append((key, "system", "present", "missing", "", "FAIL"))
            ok = False
            continue
        short = got["n"] < ref["n"]
        ok &= not short
        rows.append((key, "n", str(ref["n"]), str(got["n"]), f"{got['n'] - ref['n']:+d}",
                     "FAIL" if short else "ok"))
        for m in CHECKED_METRICS:
            if m not in ref:
                continue
            if m not in got:
                rows.append((key, m, f"{ref[m]:.4f}", "missing", "", "FAIL"))
                ok = False
                continue
            delta = 100.0 * (got[m] - ref[m])
            bad = delta < -tol
            ok &= not bad
            rows.append((key, m, f"{ref[m]:.4f}", f"{got[m]:.4f}", f"{delta:+.2f}", "FAIL" if bad else "ok"))
    for key in sorted(set(means) - set(doc["metrics"])):
        rows.append((key, "system", "absent", "present", "", "new"))
    for r in failed:
        ok = False
        rows.append((_key(r), "status", "ok", "failed", "", "FAIL"))
    header = ("job (" + "|".join(KEY_FIELDS) + ")", "metric", "baseline", "run", "delta", "")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header)] + [fmt.format(*r) for r in rows]
    verdict = "PASS" if ok else "FAIL"
    lines.append(f"\n{verdict}: {sum(1 for r in rows if r[-1] == 'FAIL')} failing row(s), "
                 f"tolerance {tol:.1f} points, {len(doc['metrics'])} baseline job group(s)")
    return ok, "\n".join(lines)
