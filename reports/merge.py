"""Merge several run folders into one report: systems are compared only on identical folds.

``load_runs([A, B, ...])`` reads each folder with ``reports.load.load_run`` and keeps every
system (corpus, label set, protocol, model, features, variant, augmentation) of A, then of B,
and so on, as long as its folds agree with what is already kept: wherever two runs have a
record on the same fold (corpus, label set, protocol, seed, fold index and, for the leaky
protocol, augmentation pool) the two fold hashes (``folds/*.json``, listed in
``spec.json["fold_sets"]``) must be equal. A system whose folds differ, or cannot be checked
because a run has no fold files, is refused as a whole (all its records) with a message
naming both runs and hashes; so is a system whose (fold, seed) is already held under another
run_id. The same run_id in two folders is one job: it is kept once (and so is a row of
skipped.csv that two folders share). References
(``spec.json["references"]``) are merged; a table whose runs name different references gets
none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from reports.aggregate import SPLIT_FIELDS, SYSTEM_FIELDS, group, protocol_info
from reports.load import SKIPPED_COLUMNS, FoldInfo, Refusal, Run, load_run

FoldKey = tuple[Any, ...]


def _fold_key(run: Run, rec: Mapping[str, Any]) -> tuple[FoldKey, str | None, FoldInfo | None]:
    """(where the record's fold sits, its hash or None, the fold) for agreement checks."""
    found = run.folds.locate(rec)
    if found is not None:
        fold_set, fold = found
        pool = fold_set.pool_policy
    else:
        fold = None
        info = protocol_info(rec)
        pool = rec.get("augmentation") if info is not None and info.leaky else None
    key = (rec.get("corpus"), rec.get("label_set"), rec.get("protocol"), str(rec.get("seed")),
           rec.get("fold"), pool)
    return key, (fold.hash if fold is not None else None), fold


def _system_name(key: Sequence[Any]) -> str:
    corpus, label_set, protocol, *system = key
    name = " / ".join(str(v) for v in system if v not in (None, "", "none", "default"))
    where = f"{corpus}" + (f" ({label_set})" if label_set else "")
    return f"{name} on {where}, {protocol}"


def _merge_references(runs: Sequence[Run]) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    merged: dict[str, dict[str, Any]] = {}
    conflicts: set[str] = set()
    for run in runs:
        for tid, sel in run.references.items():
            if tid in merged and merged[tid] != sel:
                conflicts.add(tid)
            merged.setdefault(tid, sel)
    return {t: s for t, s in merged.items() if t not in conflicts}, tuple(sorted(conflicts))


def load_runs(run_dirs: Sequence[Path | str]) -> Run:
    """One Run from one or several run folders (see the module docstring)."""
    dirs = [Path(d) for d in run_dirs]
    if not dirs:
        raise ValueError("load_runs needs at least one run folder")
    runs = [load_run(d) for d in dirs]
    if len(runs) == 1:
        return runs[0]
    kept: list[dict[str, Any]] = []
    sources: dict[str, Path] = {}
    fold_map: dict[str, FoldInfo | None] = {}
    folds_held: dict[FoldKey, tuple[str | None, Path]] = {}  # fold -> (hash, first run)
    obs_held: dict[tuple[Any, ...], tuple[str, Path]] = {}  # (system, fold, seed) -> run_id
    refused: list[Refusal] = []
    for run in runs:
        for key, recs in group(run.records, (*SPLIT_FIELDS, *SYSTEM_FIELDS)).items():
            fresh = [r for r in recs if str(r["run_id"]) not in sources]
            if not fresh:
                continue  # the same jobs, already kept from an earlier folder
            checked = [(r, *_fold_key(run, r)) for r in fresh]
            reason = _conflict(run, key, checked, folds_held, obs_held)
            if reason is not None:
                refused.append(Refusal(run.run_dir, _system_name(key), reason, len(fresh)))
                continue
            for r, fkey, fhash, fold in checked:
                kept.append(r)
                sources[str(r["run_id"])] = run.run_dir
                fold_map[str(r["run_id"])] = fold
                folds_held.setdefault(fkey, (fhash, run.run_dir))
                if r["status"] == "ok":
                    obs_held.setdefault((*key, r.get("fold"), r.get("seed")), (str(r["run_id"]), run.run_dir))
    references, conflicts = _merge_references(runs)
    return Run(
        run_dir=dirs[0], records=tuple(kept), torn_lines=(),
        n_superseded=sum(r.n_superseded for r in runs), spec={"references": references},
        skipped=_unique_rows(row for r in runs for row in r.skipped), sources=sources,
        shortcuts=tuple(s for r in runs for s in r.shortcuts),
        run_dirs=tuple(dirs), refused=tuple(refused), reference_conflicts=conflicts,
        fold_map=fold_map,
    )


def _unique_rows(rows: Iterable[Mapping[str, str]]) -> tuple[dict[str, str], ...]:
    """skipped.csv rows of all runs; the same file skipped by two runs of a corpus counts once."""
    seen: dict[tuple[str, ...], dict[str, str]] = {}
    for row in rows:
        seen.setdefault(tuple(row.get(c, "") for c in SKIPPED_COLUMNS), dict(row))
    return tuple(seen.values())


def _conflict(
    run: Run, key: tuple[Any, ...], checked: Sequence[tuple[Any, FoldKey, str | None, Any]],
    folds_held: Mapping[FoldKey, tuple[str | None, Path]],
    obs_held: Mapping[tuple[Any, ...], tuple[str, Path]],
) -> str | None:
    """Why this system's records cannot join what is kept, or None."""
    for rec, fkey, fhash, _fold in checked:
        held = folds_held.get(fkey)
        if held is not None and held[1] != run.run_dir:
            held_hash, held_run = held
            where = f"fold {rec.get('fold')} of seed {rec.get('seed')}"
            if held_hash is None or fhash is None:
                missing = held_run if held_hash is None else run.run_dir
                return (f"{where} cannot be checked against {held_run.name}: {missing.name} has no "
                        "fold file for it (folds/*.json), so the folds may differ")
            if held_hash != fhash:
                return (f"its folds differ from those of {held_run.name} ({where}: hash "
                        f"{fhash[:12]} here, {held_hash[:12]} there); systems on different folds "
                        "cannot be compared")
        if rec["status"] == "ok":
            obs = obs_held.get((*key, rec.get("fold"), rec.get("seed")))
            if obs is not None and obs[0] != str(rec["run_id"]):
                return (f"fold {rec.get('fold')} of seed {rec.get('seed')} is already reported from "
                        f"{obs[1].name} under run_id {obs[0]} (this one is {rec['run_id']}: the job "
                        "differs, e.g. in its parameters)")
    return None
