"""The result record (versioned schema), its JSONL store and the resume logic.

One flat JSON object per finished job is appended to ``<run>/records.jsonl`` with a single
``write`` of one line followed by flush+fsync, so a kill at any moment leaves at most a torn
last line, which the reader detects and ignores (it is then rewritten by ``--resume``).
Identity is never parsed back out of file names: every field lives in the record.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

IDENTITY_FIELDS: tuple[str, ...] = (
    "schema_version", "run_id", "suite", "tables", "corpus", "label_set", "protocol", "fold",
    "fold_hash", "n_folds", "protocol_info", "test_speakers", "model", "family", "features",
    "variant", "augmentation", "seed", "params", "preprocessing",
)
DATA_FIELDS = ("n_train", "n_val", "n_test", "classes")
METRIC_FIELDS = ("wa", "ua", "macro_f1", "weighted_f1", "roc_auc", "per_class", "confusion")
COST_FIELDS = (
    "feature_s", "fit_s", "predict_s", "predict_ms_per_utt", "epochs", "best_epoch",
    "n_params", "peak_rss_mb",
)
OUTCOME_FIELDS = ("status", "error")
PROVENANCE_FIELDS = ("started_at", "finished_at", "git_sha", "versions", "device", "plugins")
RECORD_FIELDS: tuple[str, ...] = (
    IDENTITY_FIELDS + DATA_FIELDS + METRIC_FIELDS + COST_FIELDS + OUTCOME_FIELDS
    + PROVENANCE_FIELDS + ("fit_info", "order")
)
STATUSES = ("ok", "failed", "skipped")


def empty_record() -> dict[str, Any]:
    rec: dict[str, Any] = {k: None for k in RECORD_FIELDS}
    rec["schema_version"] = SCHEMA_VERSION
    return rec


def _clean(value: Any) -> Any:
    """JSON-safe copy: numpy scalars -> Python, NaN/inf -> None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if hasattr(value, "tolist"):
        return _clean(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record as one line; durable before returning."""
    unknown = set(record) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"record has fields outside schema v{SCHEMA_VERSION}: {sorted(unknown)}")
    if record.get("status") not in STATUSES:
        raise ValueError(f"record status must be one of {STATUSES}, got {record.get('status')!r}")
    line = json.dumps(_clean(record), sort_keys=True, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND makes the single write land at the end even with concurrent appenders.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        _repair_torn_tail(fd, path)
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _repair_torn_tail(fd: int, path: Path) -> None:
    """If a previous writer was killed mid-line, start ours on a fresh line."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        if fh.read(1) != b"\n":
            os.write(fd, b"\n")


def read_records(path: Path) -> list[dict[str, Any]]:
    """All complete records; torn or foreign lines are skipped (they cannot be trusted)."""
    return list(iter_records(path))


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and rec.get("schema_version") == SCHEMA_VERSION:
                yield rec


def bad_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, what is wrong) for every non-empty line of ``path`` that is not a record:
    "cut short" when the JSON ends early (a write interrupted by a kill: ``--resume`` reruns
    its job), else "not a serbench record" (text written by something else, or edited)."""
    out: list[tuple[int, str]] = []
    if not path.exists():
        return out
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line_no, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                cut = text.startswith("{") and exc.pos >= len(text) - 1
                out.append((line_no, "cut short by an interrupted write" if cut else "not valid JSON"))
                continue
            if not isinstance(rec, dict) or rec.get("schema_version") != SCHEMA_VERSION:
                out.append((line_no, f"not a schema v{SCHEMA_VERSION} record"))
    return out


def describe_bad_lines(path: Path, bad: list[tuple[int, str]]) -> str:
    """One line naming where the unreadable lines of ``path`` are and what they are."""
    by: dict[str, list[int]] = {}
    for line_no, why in bad:
        by.setdefault(why, []).append(line_no)
    parts = [f"line(s) {', '.join(map(str, nums[:5]))}{', ...' if len(nums) > 5 else ''} {why}"
             for why, nums in by.items()]
    return f"{path}: ignored {len(bad)} unreadable line(s): " + "; ".join(parts)


def finished_run_ids(path: Path) -> set[str]:
    """run_ids recorded as ok or skipped (a refusal with a reason, e.g. speaker_norm on
    speakers that do not cover the classes, is final): ``--resume`` skips exactly these."""
    return {r["run_id"] for r in iter_records(path) if r.get("status") in ("ok", "skipped")}
