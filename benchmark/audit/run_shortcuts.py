"""The ``shortcuts`` table of a run: the parent probes each fold set that a job tagged
``shortcuts`` uses and writes the results to ``<run>/shortcuts.json`` for the report.

Reports never import the runner or the audit: they read this file (``reports.shortcuts``).
The augment-then-split pool's fold sets are skipped: their rows include copies with no file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

TABLE = "shortcuts"
FILE = "shortcuts.json"
SCHEMA = 1


def write_shortcuts(out: Path, plan: Any) -> Path | None:
    """Probe every fold set a ``shortcuts`` job runs on; None when no job asks for the table."""
    from benchmark.audit.leaks import collect_facts
    from benchmark.audit.shortcuts import run_probes, shortcut_record
    from benchmark.splits import PROTOCOLS

    wanted: dict[str, Any] = {}
    for job in plan.jobs:
        if TABLE in job.tables and not PROTOCOLS.meta(job.protocol).get("leaky"):
            wanted.setdefault(job.fold_key, job)
    if not wanted:
        return None
    sets = []
    for key, job in sorted(wanted.items()):
        manifest = plan.manifests[job.corpus]
        folds = plan.fold_sets[key]
        used = sorted({u for f in folds for u in (*f.train, *f.val, *f.test)})
        labels = dict(zip(manifest["utt_id"].astype(str), manifest["label"].astype(str), strict=True))
        probes = run_probes(collect_facts(manifest, used), labels, folds, seed=job.seed)
        sets.append(shortcut_record(probes, corpus=job.corpus, label_set=job.label_set,
                                    protocol=job.protocol, seed=job.seed, fold_key=key,
                                    n_folds=len(folds)))
    path = out / FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"schema_version": SCHEMA, "sets": sets}, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path
