"""Read a run folder: ``records.jsonl`` and ``predictions/<run_id>.csv``, nothing else.

Records are normalised once here (every known field present, None when absent, ``tables`` a
list) so the rest of the report never has to guess which optional fields a job wrote.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.results import RECORD_FIELDS, SCHEMA_VERSION, STATUSES

RECORDS_FILE = "records.jsonl"
PREDICTIONS_DIR = "predictions"

REQUIRED_FIELDS = ("run_id", "status", "model", "corpus", "protocol")
#: An ok record without these cannot appear in any table.
REQUIRED_OK_FIELDS = ("ua",)


class ReportError(ValueError):
    """The run folder or one of its records cannot be reported on; the message says where."""


@dataclass(frozen=True)
class Run:
    """All records of one run folder, in file order, normalised."""

    run_dir: Path
    records: tuple[dict[str, Any], ...]
    #: line numbers of records.jsonl that were not valid JSON (torn by a killed writer)
    torn_lines: tuple[int, ...] = ()
    #: earlier attempts of a run_id replaced by a later record (``--resume`` re-runs failures)
    n_superseded: int = 0

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] == "ok"]

    @property
    def not_ok(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] != "ok"]

    def predictions_path(self, run_id: str) -> Path:
        return self.run_dir / PREDICTIONS_DIR / f"{run_id}.csv"


def normalise_record(raw: Mapping[str, Any], where: str = "record") -> dict[str, Any]:
    """Return a copy with every contract field present; validate the few that must be there."""
    if not isinstance(raw, Mapping):
        raise ReportError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ReportError(f"{where}: schema_version {version!r}, this report reads {SCHEMA_VERSION}")
    missing = [k for k in REQUIRED_FIELDS if raw.get(k) in (None, "")]
    if missing:
        raise ReportError(f"{where}: missing required field(s) {missing}")
    rec: dict[str, Any] = {k: raw.get(k) for k in RECORD_FIELDS}
    # keep unknown (newer-schema) fields too: results.csv should not drop information
    for k, v in raw.items():
        if k not in rec:
            rec[k] = v
    if rec["status"] not in STATUSES:
        raise ReportError(f"{where}: status must be one of {STATUSES}, got {rec['status']!r}")
    tables = rec["tables"]
    if tables is None:
        rec["tables"] = []
    elif isinstance(tables, str):
        rec["tables"] = [tables]
    elif isinstance(tables, list) and all(isinstance(t, str) for t in tables):
        rec["tables"] = list(tables)
    else:
        raise ReportError(f"{where}: 'tables' must be a list of strings, got {tables!r}")
    if rec["status"] == "ok":
        for k in REQUIRED_OK_FIELDS:
            v = rec.get(k)
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                raise ReportError(f"{where}: ok record {rec['run_id']} has no numeric {k!r}: {v!r}")
    return rec


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """Parse a JSONL file: (normalised records, line numbers of lines that are not JSON).

    A killed writer can leave a torn line (benchmark.results repairs the tail and goes on), so
    unparsable lines are returned for the report to list rather than aborting; a line that
    parses but is not a valid record is an error naming the file and line.
    """
    out: list[dict[str, Any]] = []
    torn: list[int] = []
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                torn.append(line_no)
                continue
            out.append(normalise_record(raw, where=f"{path}:{line_no}"))
    return out, torn


def load_run(run_dir: Path | str) -> Run:
    """Load ``<run_dir>/records.jsonl``. An empty file gives a Run with no records."""
    run_dir = Path(run_dir)
    path = run_dir / RECORDS_FILE
    if not path.is_file():
        raise ReportError(f"no {RECORDS_FILE} in {run_dir} (is this a serbench run folder?)")
    records, torn = read_records(path)
    kept = latest_attempts(records)
    return Run(run_dir=run_dir, records=tuple(kept), torn_lines=tuple(torn),
               n_superseded=len(records) - len(kept))


def latest_attempts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per run_id, in file order: the last ok one if any, else the last one.

    ``--resume`` re-runs jobs that are not ok, so a run_id may appear as failed and then ok.
    """
    chosen: dict[str, int] = {}
    for i, rec in enumerate(records):
        prev = chosen.get(rec["run_id"])
        if prev is None or rec["status"] == "ok" or records[prev]["status"] != "ok":
            chosen[rec["run_id"]] = i
    return [records[i] for i in sorted(chosen.values())]


def load_predictions(run: Run, run_id: str) -> list[dict[str, str]] | None:
    """Rows of ``predictions/<run_id>.csv`` (utt_id, y_true, y_pred, proba_*), or None if absent."""
    path = run.predictions_path(run_id)
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"utt_id", "y_true", "y_pred"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise ReportError(f"{path}: needs columns {sorted(need)}, has {reader.fieldnames}")
        return list(reader)


# ---------------------------------------------------------------------------------- results.csv

_SCALAR = (str, int, float, bool, type(None))


def _cell(value: Any) -> Any:
    if isinstance(value, _SCALAR):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def flatten_record(rec: Mapping[str, Any]) -> dict[str, Any]:
    """One flat row: dicts become ``key.sub[.subsub]`` columns, lists JSON strings.

    ``params`` and ``versions`` are flattened one level, ``per_class`` two levels
    (``per_class.<label>.<metric>``); anything deeper is JSON-encoded.
    """
    row: dict[str, Any] = {}
    for key, value in rec.items():
        if isinstance(value, Mapping) and key == "per_class":
            for label, metrics in value.items():
                if isinstance(metrics, Mapping):
                    for m, v in metrics.items():
                        row[f"per_class.{label}.{m}"] = _cell(v)
                else:
                    row[f"per_class.{label}"] = _cell(metrics)
        elif isinstance(value, Mapping):
            for sub, v in value.items():
                row[f"{key}.{sub}"] = _cell(v)
        else:
            row[key] = _cell(value)
    return row


def _column_order(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: set[str] = set()
    for r in rows:
        seen.update(r)
    head = [k for k in RECORD_FIELDS if k in seen]
    rank = {k: i for i, k in enumerate(RECORD_FIELDS)}

    def key(col: str) -> tuple[int, str]:
        # flattened columns sit where their parent field sits, then alphabetically
        return (rank.get(col.split(".", 1)[0], len(rank)), col)

    return head + sorted((c for c in seen if c not in head), key=key)


def write_results_csv(records: Iterable[Mapping[str, Any]], path: Path) -> Path:
    """Write one row per record (all statuses) with a stable column order."""
    rows = [flatten_record(r) for r in records]
    cols = _column_order(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
    return path
