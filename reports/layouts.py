"""Which rows and columns each report table has, keyed by the table ids records carry.

``LAYOUTS`` maps a table id to a builder ``(table_id, records, predictions=None) ->
list[Table]``; ids not in it (and records tagged with no table) get the generic layout. Every builder splits by corpus
(and label set, and protocol where the columns are not protocols), orders rows with the known
orders of ``reports.aggregate`` and fills columns with ``reports.tables.metric_cells``
(``predictions``, when given, lets the † marker use the pooled per-utterance McNemar test).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from reports.aggregate import (
    METRICS,
    PROTOCOL_ORDER,
    SPEAKER_INDEPENDENT,
    SPLIT_FIELDS,
    SYSTEM_FIELDS,
    Record,
    column_augmentations,
    folds_and_seeds,
    group,
    protocol_row_fields,
    sort_values,
    summarise_metric,
    varying,
)
from reports.pooled import Predictions
from reports.tables import (
    ALPHA,
    MCNEMAR,
    PERMUTATION,
    WORSE_MARKER,
    Cell,
    Table,
    metric_cells,
    power_note,
)

Builder = Callable[..., list[Table]]  # (table_id, records, predictions=None) -> tables
GENERIC_ID = "results"

_LABEL_HEADERS = {
    "model": "model", "features": "features", "variant": "variant",
    "augmentation": "augmentation", "protocol": "protocol",
}

CELL_NOTE = (
    "Cells: mean ± 95 % CI half-width (Student t, n − 1 d.o.f.) over every (fold, seed) "
    "record; a cell from a single record shows the mean alone."
)


MCNEMAR_TEXT = f"exact McNemar test on pooled per-utterance predictions (p < {ALPHA:g})"
MCNEMAR_DETAIL = (
    "utterances matched by (seed, utt_id) over the (fold, seed) records both systems have; it "
    "tests WA-type disagreement (which utterances each system gets right) and is used as the "
    "marker for all score columns of this table, a row counting as worse when its pooled "
    "accuracy is lower"
)
PERMUTATION_TEXT = (
    "two-sided paired sign-flip permutation test on that column's per-fold values over "
    f"matched (fold, seed) pairs, p < {ALPHA:g}"
)


def _test_note(specs: Sequence[Any] = (), tests: Sequence[str] = ()) -> str:
    """Bold and † legend, naming the test(s) that actually produced this table's markers."""
    untested = [s.label for s in specs if not s.paired_test]
    scope = f" (scores only, not {', '.join(untested)})" if untested else ""
    lowest = " (lowest for times)" if any(s.better == "lower" for s in specs) else ""
    used = set(tests)
    if used == {MCNEMAR}:
        how = f"by the {MCNEMAR_TEXT}: {MCNEMAR_DETAIL}"
    elif used == {PERMUTATION}:
        how = f"by a {PERMUTATION_TEXT}"
    elif used:
        n_mc = sum(t == MCNEMAR for t in tests)
        how = (
            f"by the {MCNEMAR_TEXT} where both systems have prediction files ({n_mc} of "
            f"{len(tests)} comparisons; {MCNEMAR_DETAIL}), otherwise by a {PERMUTATION_TEXT}"
        )
    else:
        how = (
            f"by the {MCNEMAR_TEXT} where both systems have prediction files, otherwise by a "
            "paired sign-flip permutation test over folds (no comparison was made in this table)"
        )
    return (
        f"Bold: best in column{lowest}. {WORSE_MARKER}{scope}: significantly worse than the "
        f"column's best, {how}; no multiple-comparison correction."
    )


def _key(*parts: Any) -> str:
    raw = "__".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw)


def _where(split: dict[str, Any]) -> str:
    """"corpus emodb (label set ekman7), protocol speaker_kfold5" from the split fields."""
    out = f"corpus {split.get('corpus')}"
    if split.get("label_set"):
        out += f" (label set {split['label_set']})"
    if split.get("protocol"):
        out += f", protocol {split['protocol']}"
    return out


def _design(records: Sequence[Record]) -> str:
    """"5 folds × 2 seeds (0, 1); n per cell 10" (n range when folds failed)."""
    n_distinct, seeds = folds_and_seeds(records)
    declared = [r.get("n_folds") for r in records if isinstance(r.get("n_folds"), int)]
    k = max(declared) if declared else n_distinct
    per_system = [len(v) for v in group(records, SYSTEM_FIELDS + ("protocol",)).values()]
    lo, hi = min(per_system), max(per_system)
    n_text = f"{lo}" if lo == hi else f"{lo}–{hi}"
    seed_text = ", ".join(str(s) for s in seeds)
    return (
        f"{k} fold{'s' if k != 1 else ''} × {len(seeds)} seed{'s' if len(seeds) != 1 else ''} "
        f"({seed_text}); records per cell n = {n_text}"
    )


def _label_fields(records: Sequence[Record], always: Sequence[str], candidates: Sequence[str]) -> list[str]:
    vary = set(varying(records, candidates))
    return [f for f in candidates if f in always or f in vary]


def _label_cells(key: tuple[Any, ...]) -> list[Cell]:
    return [Cell(text="–" if v is None else str(v)) for v in key]


def _splits(records: Sequence[Record], fields: Sequence[str]) -> list[tuple[dict[str, Any], list[Record]]]:
    return [(dict(zip(fields, k, strict=True)), v) for k, v in group(records, fields).items()]


# ------------------------------------------------------------------------------------ layouts


def metric_columns_layout(
    title: str, metrics: Sequence[str], always: Sequence[str] = ("model",),
    show_ci: Sequence[bool] | None = None,
) -> Builder:
    """Rows = systems, columns = ``metrics``; one table per corpus × label set × protocol."""
    specs = [METRICS[m] for m in metrics]
    cis = list(show_ci) if show_ci is not None else [True] * len(specs)

    def build(
        table_id: str, records: Sequence[Record], predictions: Predictions | None = None
    ) -> list[Table]:
        tables = []
        for split, recs in _splits(records, SPLIT_FIELDS):
            labels = _label_fields(recs, always, SYSTEM_FIELDS)
            systems = group(recs, labels)
            columns, pairs, tests = [], [], []
            for spec, ci in zip(specs, cis, strict=True):
                col = metric_cells(
                    [summarise_metric(v, spec) for v in systems.values()], spec, show_ci=ci,
                    predictions=predictions,
                )
                columns.append(col.cells)
                pairs += col.n_pairs
                tests += col.tests
            rows = tuple(
                tuple(_label_cells(k)) + tuple(col[i] for col in columns)
                for i, k in enumerate(systems)
            )
            note = power_note(pairs)
            tables.append(Table(
                key=_key(table_id, split["corpus"], split["label_set"], split["protocol"]),
                title=f"{title} — {_where(split)}",
                caption=f"{title}: {_where(split)}; {_design(recs)}. {CELL_NOTE} {_test_note(specs, tests)}",
                header=tuple(_LABEL_HEADERS[f] for f in labels) + tuple(s.label for s in specs),
                rows=rows, n_label_cols=len(labels), notes=(note,) if note else (),
            ))
        return tables

    return build


def pivot_layout(
    title: str, pivot: str, split_fields: Sequence[str], metric: str = "ua",
    extra: Callable[..., tuple[list[str], list[list[Cell]], str | None]] | None = None,
) -> Builder:
    """Rows = systems, one column per value of ``pivot`` (features or protocol), cells ``metric``.

    With protocols as columns, rows come from ``protocol_row_fields`` (the leaky protocol's
    augmentation then sits in its column header instead of splitting the row).
    """
    spec = METRICS[metric]
    row_candidates = tuple(f for f in SYSTEM_FIELDS + ("protocol",) if f != pivot and f not in split_fields)

    def build(
        table_id: str, records: Sequence[Record], predictions: Predictions | None = None
    ) -> list[Table]:
        tables = []
        for split, recs in _splits(records, split_fields):
            if pivot == "protocol":
                labels = protocol_row_fields(recs, [f for f in row_candidates if f in SYSTEM_FIELDS])
            else:
                labels = _label_fields(recs, ("model",), row_candidates)
            col_values = sort_values(pivot, (r.get(pivot) for r in recs))
            systems = group(recs, labels)
            summaries = {
                k: {c: summarise_metric([r for r in v if r.get(pivot) == c], spec) for c in col_values}
                for k, v in systems.items()
            }
            columns, pairs, tests = [], [], []
            for c in col_values:
                col = metric_cells(
                    [s[c] if s[c].n else None for s in summaries.values()], spec,
                    predictions=predictions,
                )
                columns.append(col.cells)
                pairs += col.n_pairs
                tests += col.tests
            header = [_LABEL_HEADERS[f] for f in labels] + [_column_header(pivot, c, spec, recs, labels) for c in col_values]
            rows = [list(_label_cells(k)) + [col[i] for col in columns] for i, k in enumerate(systems)]
            extra_note = None
            if extra is not None:
                extra_header, extra_cols, extra_note = extra(summaries, col_values)
                header += extra_header
                rows = [row + [col[i] for col in extra_cols] for i, row in enumerate(rows)]
            notes = tuple(n for n in (power_note(pairs),) if n)
            what = spec.label if pivot == "protocol" else f"{spec.label} by {pivot}"
            caption = (
                f"{title} ({what}): {_where(split)}; {_design(recs)}. "
                + (f"{extra_note} " if extra_note else "") + f"{CELL_NOTE} {_test_note((), tests)}"
            )
            tables.append(Table(
                key=_key(table_id, *(split[f] for f in split_fields)),
                title=f"{title} — {_where(split)}", caption=caption, header=tuple(header),
                rows=tuple(tuple(r) for r in rows), n_label_cols=len(labels), notes=notes,
            ))
        return tables

    return build


def _column_header(pivot: str, value: Any, spec: Any, records: Sequence[Record], labels: Sequence[str]) -> str:
    if pivot != "protocol":
        return str(value)
    augs = [] if "augmentation" in labels else column_augmentations(records, value)
    return f"{value}\n(+{'/'.join(map(str, augs))})" if augs else str(value)


def reference_protocol(protocols: Sequence[Any]) -> str | None:
    """The speaker-independent protocol inflation is measured against (first present)."""
    return next((p for p in SPEAKER_INDEPENDENT if p in protocols), None)


def inflated_protocols(protocols: Sequence[Any]) -> list[str]:
    """Protocols that let test speakers into training (compared against the reference)."""
    return [p for p in protocols if p not in SPEAKER_INDEPENDENT and p in PROTOCOL_ORDER]


def _inflation_columns(summaries: dict, protocols: list[Any]) -> tuple[list[str], list[list[Cell]], str | None]:
    ref = reference_protocol(protocols)
    others = inflated_protocols(protocols)
    if ref is None or not others:
        return [], [], None
    header, cols = [], []
    for p in others:
        header.append(f"Δ {p}\n(pts)")
        col = []
        for s in summaries.values():
            a, b = s[p].interval, s[ref].interval
            col.append(Cell(value=None) if a is None or b is None else Cell(value=a.mean - b.mean, signed=True))
        cols.append(col)
    note = (
        f"Δ P = mean UA under P minus mean UA under {ref}, in percentage points "
        "(positive = the protocol inflates the score)."
    )
    return header, cols, note


LAYOUTS: dict[str, Builder] = {
    "paper000_table3": metric_columns_layout(
        "Paper 000, Table III (classification metrics)",
        ["macro_precision", "macro_recall", "macro_f1", "wa"],
    ),
    "paper000_table1": metric_columns_layout(
        "Paper 000, Table I (with and without augmentation)", ["wa", "ua", "macro_f1"],
        always=("model", "augmentation"),
    ),
    "paper001": metric_columns_layout(
        "Paper 001 (EmoAugNet activation and augmentation)", ["wa", "ua", "macro_f1"],
        always=("model", "variant", "augmentation"),
    ),
    "paper002": metric_columns_layout(
        "Paper 002 (dynamic convolution and attention ablation)", ["wa", "ua", "macro_f1"],
        always=("model", "variant"),
    ),
    "features": pivot_layout("Feature sets", pivot="features", split_fields=SPLIT_FIELDS),
    "protocol": pivot_layout(
        "Protocols", pivot="protocol", split_fields=("corpus", "label_set"), extra=_inflation_columns,
    ),
    "cost": metric_columns_layout(
        "Cost", ["n_params", "fit_s", "predict_ms_per_utt", "ua"], always=("model", "features"),
        show_ci=[False, True, True, True],
    ),
}


def generic_layout(
    table_id: str, records: Sequence[Record], predictions: Predictions | None = None
) -> list[Table]:
    """Any other table id: rows = systems, columns = protocols, cells UA."""
    title = "Results" if table_id == GENERIC_ID else f"Table {table_id}"
    build = pivot_layout(title, pivot="protocol", split_fields=("corpus", "label_set"))
    return build(table_id, records, predictions)


def table_ids(records: Sequence[Record]) -> list[str]:
    """Table ids in report order: known layouts as listed in LAYOUTS, then others by name."""
    ids = {t for r in records for t in r["tables"]} | ({GENERIC_ID} if any(not r["tables"] for r in records) else set())
    known = [t for t in LAYOUTS if t in ids]
    return known + sorted(ids - set(known))


def build_tables(
    records: Sequence[Record], predictions: Predictions | None = None
) -> list[tuple[str, list[Table]]]:
    """All tables for the ok ``records``, grouped by table id, in report order.

    Without ``predictions`` (the run's prediction CSVs) every † comes from the per-fold
    permutation test.
    """
    out = []
    for tid in table_ids(records):
        recs = [r for r in records if (tid in r["tables"]) or (tid == GENERIC_ID and not r["tables"])]
        out.append((tid, LAYOUTS.get(tid, generic_layout)(tid, recs, predictions)))
    return out
