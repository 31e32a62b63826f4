"""The ``imported`` protocol inside a run: read, match and audit the folds once, in the parent.

:func:`plan_imported` is what the plan calls for a protocol whose registry entry says
``imported``: it imports the folds (``run --folds PATH`` wins over the suite's
``protocol_options.imported.path``), audits them (speakers, sentences, identical and
near-identical recordings) and writes the audit into every fold's ``info["protocol_info"]``,
which the worker copies into each record's ``protocol_info`` (the fold's hash covers only its
ids, so the note travels without changing it). The entries it could not match come back as
``skipped.csv`` rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from benchmark.splits import Fold, ProtocolError


def plan_imported(manifest: pd.DataFrame, options: Mapping[str, Any], cli_path: Path | str | None,
                  corpus: str) -> tuple[list[Fold], list[dict[str, str]]]:
    """(audited folds, skipped rows) of an imported split over ``manifest``."""
    from benchmark.audit.leaks import audit_folds, collect_facts
    from benchmark.fold_import import import_folds

    unknown = sorted(set(options) - {"path", "format"})
    if unknown:
        raise ProtocolError(f"imported: unknown option(s) {unknown}; accepted: ['format', 'path']")
    path = cli_path if cli_path is not None else options.get("path")
    if not path:
        raise ProtocolError("imported: no folds file; give run --folds PATH or "
                            "protocol_options = { imported = { path = \"...\" } }")
    imp = import_folds(path, manifest, fmt=options.get("format"))
    used = sorted({u for f in imp.folds for u in (*f.train, *f.val, *f.test)})
    audit = audit_folds(imp.folds, manifest, collect_facts(manifest, used))
    info = {**audit.protocol_info(), "imported": imp.summary()}
    per_fold = {a.fold: a for a in audit.folds}
    folds = [replace(f, info={**f.info, "protocol_info": info,
                              "audit": {k: v for k, v in vars(per_fold[f.index]).items()
                                        if k not in ("fold", "pairs")}})
             for f in imp.folds]
    rows = [{**r, "corpus": corpus} for r in imp.skipped]
    return folds, rows


def fold_protocol_info(fold: Any) -> Mapping[str, Any] | None:
    """The audited ``protocol_info`` an imported fold carries (None for built-in protocols)."""
    info = getattr(fold, "info", None) or {}
    found = info.get("protocol_info")
    return found if isinstance(found, Mapping) else None
