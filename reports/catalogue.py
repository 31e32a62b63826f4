"""Which table ids the report knows, in report order, and the builder of each.

Order of report.md: the headline comparison first (``compare``), then the papers' own tables
(000: I, III; 001; 002; 003: VII, VIII, IX; 004: 3, 4), then the benchmark's own tables
(features, protocol, cost), then any other table id by name (generic layout: systems ×
protocols, UA) and ``results`` for records tagged with no table.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.aggregate import SPLIT_FIELDS, Record
from reports.compare import COMPARE_ID, compare_layout
from reports.layouts import Builder, Context, metric_columns_layout, pivot_layout, protocol_layout
from reports.papers import PAPER_LAYOUTS
from reports.shortcuts import TABLE_ID as SHORTCUTS_ID
from reports.shortcuts import shortcuts_layout
from reports.tables import Table

GENERIC_ID = "results"

LAYOUTS: dict[str, Builder] = {
    COMPARE_ID: compare_layout(),
    **{tid: PAPER_LAYOUTS[tid] for tid in (
        "paper000_table1", "paper000_table3", "paper001", "paper002",
        "paper003_table7", "paper003_table8", "paper003_table9",
        "paper004_table3", "paper004_table4",
    )},
    "features": pivot_layout("Feature sets", pivot="features", split_fields=SPLIT_FIELDS),
    "protocol": protocol_layout("Protocols"),
    "cost": metric_columns_layout(
        "Cost", ["n_params", "fit_s", "predict_ms_per_utt", "ua"], always=("model", "features"),
        show_ci=[False, True, True, True],
    ),
    SHORTCUTS_ID: shortcuts_layout(),
}


def generic_layout(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
    """Any other table id: rows = systems, columns = (protocol, augmentation), cells UA."""
    title = "Results" if table_id == GENERIC_ID else f"Table {table_id}"
    return protocol_layout(title)(table_id, records, ctx)


def table_ids(records: Sequence[Record]) -> list[str]:
    """Table ids in report order: known layouts as listed in LAYOUTS, then others by name."""
    ids = {t for r in records for t in r["tables"]} | ({GENERIC_ID} if any(not r["tables"] for r in records) else set())
    known = [t for t in LAYOUTS if t in ids]
    return known + sorted(ids - set(known))


def build_tables(records: Sequence[Record], ctx: Context | None = None) -> list[tuple[str, list[Table]]]:
    """All tables for the ok ``records``, grouped by table id, in report order.

    Without a ``ctx`` (no run folder: no fold files, predictions or references) there are
    no markers and intervals use the records' own sizes.
    """
    ctx = ctx if ctx is not None else Context()
    out = []
    for tid in table_ids(records):
        recs = [r for r in records if (tid in r["tables"]) or (tid == GENERIC_ID and not r["tables"])]
        out.append((tid, LAYOUTS.get(tid, generic_layout)(tid, recs, ctx)))
    return out
