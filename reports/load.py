"""Read a run folder: ``records.jsonl``, ``predictions/<run_id>.csv``, ``spec.json``,
``folds/*.json`` and ``skipped.csv``; nothing else.

Records are normalised once here (every known field present, None when absent, ``tables`` a
list) so the rest of the report never has to guess which optional fields a job wrote.
``spec.json`` gives the references named in advance (``references``: table id -> system
selector) and the fold hashes (``fold_sets``); ``folds/*.json`` (written by the runner with
``benchmark.splits.save_folds``, hashes verified on load) say which fold each record used:
its hash (for merging runs), its test set and its sizes (for the corrected interval).
Optional files that are absent (older runs) give empty values; the report says so.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark.results import RECORD_FIELDS, SCHEMA_VERSION, STATUSES
from benchmark.splits import load_folds

RECORDS_FILE = "records.jsonl"
PREDICTIONS_DIR = "predictions"
SPEC_FILE = "spec.json"
FOLDS_DIR = "folds"
SKIPPED_FILE = "skipped.csv"
SHORTCUTS_FILE = "shortcuts.json"
SKIPPED_COLUMNS = ("utt_id", "path", "stage", "reason")

REQUIRED_FIELDS = ("run_id", "status", "model", "corpus", "protocol")
#: An ok record without these cannot appear in any table.
REQUIRED_OK_FIELDS = ("ua",)


class ReportError(ValueError):
    """The run folder or one of its records cannot be reported on; the message says where."""


@dataclass(frozen=True)
class FoldInfo:
    """One fold of a run as its ``folds/*.json`` file holds it."""

    index: int
    hash: str  # over train, val and test ids (benchmark.splits.fold_hash)
    test_key: str  # over the test ids alone: records with the same test set share it
    n_train: int
    n_val: int
    n_test: int


@dataclass(frozen=True)
class FoldSet:
    """The folds of one (corpus, protocol, seed[, leaky pool policy]) and where they came from."""

    corpus: str
    protocol: str
    seed: Any
    pool_policy: str | None
    folds: tuple[FoldInfo, ...]
    path: Path


@dataclass(frozen=True)
class FoldIndex:
    """Finds the fold a record used, from its corpus, protocol, seed, augmentation and index."""

    sets: tuple[FoldSet, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sets)

    def locate(self, rec: Mapping[str, Any]) -> tuple[FoldSet, FoldInfo] | None:
        """The record's fold set and fold, or None when no fold file matches (older runs).

        A record naming its ``fold_hash`` is matched by hash. Otherwise by (corpus, protocol,
        seed) and fold index; where a protocol has several fold sets for one seed (the leaky
        protocol draws one per augmentation pool) the set whose pool policy is the record's
        augmentation is used.
        """
        h = rec.get("fold_hash")
        if h:
            return next(((s, f) for s in self.sets for f in s.folds if f.hash == h), None)
        cands = [s for s in self.sets if s.corpus == rec.get("corpus") and s.protocol == rec.get("protocol")
                 and str(s.seed) == str(rec.get("seed"))]
        if len(cands) > 1:
            cands = [s for s in cands if s.pool_policy == rec.get("augmentation")]
        if len(cands) != 1:
            return None
        fold = next((f for f in cands[0].folds if f.index == rec.get("fold")), None)
        return None if fold is None else (cands[0], fold)

    def fold_of(self, rec: Mapping[str, Any]) -> FoldInfo | None:
        found = self.locate(rec)
        return None if found is None else found[1]


def _test_key(test: Iterable[str]) -> str:
    return hashlib.sha1("\n".join(sorted(test)).encode("utf-8")).hexdigest()


def load_fold_index(run_dir: Path) -> FoldIndex:
    """Every ``folds/*.json`` of a run (hashes verified by ``benchmark.splits.load_folds``)."""
    folder = Path(run_dir) / FOLDS_DIR
    if not folder.is_dir():
        return FoldIndex()
    sets = []
    for path in sorted(folder.glob("*.json")):
        try:
            folds, meta = load_folds(path)
        except (ValueError, KeyError, TypeError) as exc:
            raise ReportError(f"{path}: unreadable folds file: {exc}") from exc
        infos = tuple(
            FoldInfo(index=f.index, hash=f.hash, test_key=_test_key(f.test), n_train=len(f.train),
                     n_val=len(f.val), n_test=len(f.test))
            for f in folds
        )
        sets.append(FoldSet(corpus=str(meta.get("corpus")), protocol=str(meta.get("protocol")),
                            seed=meta.get("seed"), pool_policy=meta.get("pool_policy"),
                            folds=infos, path=path))
    return FoldIndex(tuple(sets))


def load_spec(run_dir: Path) -> dict[str, Any]:
    """``spec.json`` as a dict ({} when absent)."""
    path = Path(run_dir) / SPEC_FILE
    if not path.is_file():
        return {}
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return spec


def check_fold_sets(spec: Mapping[str, Any], folds: FoldIndex, run_dir: Path) -> None:
    """Every fold file's hashes must be among ``spec.json["fold_sets"]`` (when both exist)."""
    listed = spec.get("fold_sets")
    if not isinstance(listed, Mapping) or not folds:
        return
    known = {str(h) for hashes in listed.values() if isinstance(hashes, list) for h in hashes}
    for s in folds.sets:
        stray = [f.index for f in s.folds if f.hash not in known]
        if stray:
            raise ReportError(
                f"{s.path}: fold(s) {stray} have hashes that {Path(run_dir) / SPEC_FILE} does not "
                "list under fold_sets: the folds were redrawn after the spec was written"
            )


def load_skipped(run_dir: Path) -> tuple[dict[str, str], ...]:
    """Rows of ``skipped.csv`` (utt_id, path, stage, reason); () when absent."""
    path = Path(run_dir) / SKIPPED_FILE
    if not path.is_file():
        return ()
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            return ()
        missing = [c for c in ("stage", "reason") if c not in reader.fieldnames]
        if missing:
            raise ReportError(f"{path}: needs columns {list(SKIPPED_COLUMNS)}, has {reader.fieldnames}")
        return tuple({c: (row.get(c) or "") for c in SKIPPED_COLUMNS} for row in reader)


@dataclass(frozen=True)
class Refusal:
    """Records of one system left out of a multi-run report, and why."""

    run_dir: Path
    system: str
    reason: str
    n_records: int


@dataclass(frozen=True)
class Run:
    """All records of one run folder (or of several merged ones), in file order, normalised."""

    run_dir: Path
    records: tuple[dict[str, Any], ...]
    #: line numbers of records.jsonl that were not valid JSON (torn by a killed writer)
    torn_lines: tuple[int, ...] = ()
    #: earlier attempts of a run_id replaced by a later record (``--resume`` re-runs failures)
    n_superseded: int = 0
    #: spec.json (references, fold_sets, ...); {} when absent
    spec: Mapping[str, Any] = field(default_factory=dict)
    folds: FoldIndex = field(default_factory=FoldIndex)
    #: rows of skipped.csv
    skipped: tuple[dict[str, str], ...] = ()
    #: shortcut probe sets of shortcuts.json (``reports.shortcuts``); () when absent
    shortcuts: tuple[dict[str, Any], ...] = ()
    #: run_id -> the folder holding its predictions (merged runs); run_dir when absent
    sources: Mapping[str, Path] = field(default_factory=dict)
    #: every folder the records come from (one unless merged)
    run_dirs: tuple[Path, ...] = ()
    #: systems left out of a merged report
    refused: tuple[Refusal, ...] = ()
    #: table ids whose merged runs named different references (no markers there)
    reference_conflicts: tuple[str, ...] = ()
    #: run_id -> its fold, resolved in its own folder (merged runs); else ``folds`` is used
    fold_map: Mapping[str, FoldInfo | None] = field(default_factory=dict)

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] == "ok"]

    @property
    def not_ok(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] != "ok"]

    def predictions_path(self, run_id: str) -> Path:
        return self.sources.get(run_id, self.run_dir) / PREDICTIONS_DIR / f"{run_id}.csv"

    def fold_of(self, rec: Mapping[str, Any]) -> FoldInfo | None:
        if self.fold_map:
            return self.fold_map.get(str(rec.get("run_id")))
        return self.folds.fold_of(rec)

    @property
    def has_folds(self) -> bool:
        return bool(self.folds) or any(v is not None for v in self.fold_map.values())

    @property
    def references(self) -> dict[str, dict[str, Any]]:
        """table id -> system selector named in advance (spec.json ``references``)."""
        refs = self.spec.get("references") if isinstance(self.spec, Mapping) else None
        if not isinstance(refs, Mapping):
            return {}
        out = {}
        for tid, sel in refs.items():
            if not isinstance(sel, Mapping):
                raise ReportError(f"spec.json references[{tid!r}] must be an object, got {sel!r}")
            out[str(tid)] = dict(sel)
        return out


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
    """Load a run folder. An empty records file gives a Run with no records."""
    run_dir = Path(run_dir)
    path = run_dir / RECORDS_FILE
    if not path.is_file():
        raise ReportError(f"no {RECORDS_FILE} in {run_dir} (is this a serbench run folder?)")
    records, torn = read_records(path)
    kept = latest_attempts(records)
    spec = load_spec(run_dir)
    folds = load_fold_index(run_dir)
    check_fold_sets(spec, folds, run_dir)
    return Run(run_dir=run_dir, records=tuple(kept), torn_lines=tuple(torn),
               n_superseded=len(records) - len(kept), spec=spec, folds=folds,
               skipped=load_skipped(run_dir), run_dirs=(run_dir,), shortcuts=load_shortcuts(run_dir))


def load_shortcuts(run_dir: Path) -> tuple[dict[str, Any], ...]:
    """The probe sets of ``shortcuts.json`` (written by the run for the shortcuts table)."""
    path = run_dir / SHORTCUTS_FILE
    if not path.is_file():
        return ()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: unreadable ({exc})") from exc
    return tuple(doc.get("sets") or ())


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
    """Rows of ``predictions/<run_id>.csv`` (utt_id, [speaker, session,] y_true, y_pred,
    proba_*), or None if absent."""
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
