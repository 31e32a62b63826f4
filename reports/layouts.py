"""Which rows and columns each report table has, keyed by the table ids records carry.

``LAYOUTS`` maps a table id to a builder ``(table_id, records, ctx) -> list[Table]``; ids not
in it (and records tagged with no table) get the generic layout (systems × protocols). Every
builder splits by corpus (and label set, and protocol where the columns are not protocols),
orders rows with the known orders of ``reports.aggregate`` and fills columns with
``reports.tables.metric_cells``. ``Context`` carries what the records alone do not: the run's
fold files (interval), prediction files (per-unit tests) and the references named in advance
in ``spec.json``. Every caption states the interval and its unit, the test and its unit, the
reference and the correction, pooled vs fold-mean, the class-set rule, transductive rows,
budget-bound deep rows and how many seeds a cell has (``reports.captions``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports import captions
from reports.aggregate import (
    METRICS,
    SPLIT_FIELDS,
    SYSTEM_FIELDS,
    UA_KEYS,
    FoldOf,
    LeakPair,
    ProtocolColumn,
    Record,
    Summary,
    budget_bound,
    group,
    is_transductive,
    leakage_pairs,
    protocol_columns,
    sort_values,
    summarise_metric,
    varying,
)
from reports.load import ReportError, Run
from reports.tables import (
    BUDGET_MARKER,
    REFERENCE_TAG,
    Cell,
    Column,
    Table,
    metric_cells,
    power_note,
)
from reports.units import UnitScores

GENERIC_ID = "results"
TRANSDUCTIVE_TAG = " + speaker norm (transductive)"
#: record fields a reference selector may name
SELECTOR_FIELDS = SYSTEM_FIELDS

_LABEL_HEADERS = {
    "model": "model", "features": "features", "variant": "variant",
    "augmentation": "augmentation", "protocol": "protocol",
}


@dataclass(frozen=True)
class Context:
    """What tables need beyond the records: folds, predictions, references."""

    units: UnitScores | None = None
    fold_of: FoldOf | None = None
    references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: table ids whose merged runs named different references
    reference_conflicts: tuple[str, ...] = ()

    @classmethod
    def for_run(cls, run: Run) -> Context:
        refs = run.references
        for tid, sel in refs.items():
            unknown = sorted(set(sel) - set(SELECTOR_FIELDS))
            if unknown:
                raise ReportError(
                    f"spec.json references[{tid!r}] names {unknown}; a reference selects a system "
                    f"by {list(SELECTOR_FIELDS)}"
                )
        return cls(units=UnitScores(run), fold_of=run.fold_of if run.has_folds else None,
                   references=refs, reference_conflicts=run.reference_conflicts)

    def selector(self, table_id: str) -> Mapping[str, Any] | None:
        if table_id in self.reference_conflicts:
            return None
        return self.references.get(table_id)


Builder = Callable[[str, Sequence[Record], Context], list[Table]]


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


def _label_fields(records: Sequence[Record], always: Sequence[str], candidates: Sequence[str]) -> list[str]:
    vary = set(varying(records, candidates))
    return [f for f in candidates if f in always or f in vary]


def _splits(records: Sequence[Record], fields: Sequence[str]) -> list[tuple[dict[str, Any], list[Record]]]:
    return [(dict(zip(fields, k, strict=True)), v) for k, v in group(records, fields).items()]


# ----------------------------------------------------------------------------- rows, reference


@dataclass(frozen=True)
class Row:
    """One table row: its label values and all its records (every column)."""

    key: tuple[Any, ...]
    records: tuple[Record, ...]

    @property
    def transductive(self) -> bool:
        return any(is_transductive(r) for r in self.records)

    @property
    def deep(self) -> bool:
        return any(r.get("family") == "deep" for r in self.records)

    @property
    def budget(self) -> bool | None:
        """True if budget-bound in any fold, False if recorded and never, None if unrecorded."""
        flags = [budget_bound(r) for r in self.records if r.get("family") == "deep"]
        if any(f is True for f in flags):
            return True
        return False if flags and all(f is False for f in flags) else None


def _rows(records: Sequence[Record], fields: Sequence[str]) -> list[Row]:
    return [Row(k, tuple(v)) for k, v in group(records, fields).items()]


def _label_cells(row: Row, is_reference: bool = False) -> list[Cell]:
    cells = [Cell(text="–" if v is None else str(v)) for v in row.key]
    if cells:
        text = cells[0].text or ""
        if row.transductive:
            text += TRANSDUCTIVE_TAG
        if is_reference:
            text += REFERENCE_TAG
        cells[0] = Cell(text=text, marker=BUDGET_MARKER if row.budget else "")
    return cells


def _matches(rec: Record, selector: Mapping[str, Any]) -> bool:
    return all(str(rec.get(k)) == str(v) for k, v in selector.items())


def find_reference(selector: Mapping[str, Any] | None, cells: Sequence[Sequence[Record]]) -> tuple[int | None, str | None]:
    """The row whose cell holds the selected system, or (None, why not) for this column."""
    if selector is None:
        return None, None
    hits = [i for i, recs in enumerate(cells) if recs and all(_matches(r, selector) for r in recs)]
    if len(hits) == 1:
        return hits[0], None
    return None, "matches no cell" if not hits else f"matches {len(hits)} cells"


# ------------------------------------------------------------------------------ metric columns


def _pooled_values(units: UnitScores | None, cells: Sequence[Sequence[Record]]) -> list[float | None]:
    if units is None:
        return [None] * len(cells)
    out = []
    for recs in cells:
        p = units.pooled_ua(recs) if recs else None
        out.append(p.value if p is not None else None)
    return out


def metric_columns_layout(
    title: str, metrics: Sequence[str], always: Sequence[str] = ("model",),
    show_ci: Sequence[bool] | None = None,
) -> Builder:
    """Rows = systems, columns = ``metrics`` (+ pooled UA after UA); one table per split."""
    specs = [METRICS[m] for m in metrics]
    cis = list(show_ci) if show_ci is not None else [True] * len(specs)

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        for split, recs in _splits(records, SPLIT_FIELDS):
            labels = _label_fields(recs, always, SYSTEM_FIELDS)
            rows = _rows(recs, labels)
            cells_recs = [list(r.records) for r in rows]
            selector = ctx.selector(table_id)
            ref, ref_problem = find_reference(selector, cells_recs)
            facts = captions.Facts(table_id=table_id, selector=selector,
                                   conflict=table_id in ctx.reference_conflicts)
            facts.add_reference_problem(ref_problem, None)
            header = [_LABEL_HEADERS[f] for f in labels]
            columns: list[list[Cell]] = []
            tested: list[Column] = []
            for spec, ci in zip(specs, cis, strict=True):
                summaries = [summarise_metric(c, spec, ctx.fold_of) for c in cells_recs]
                col = metric_cells(summaries, spec, show_ci=ci, reference=ref, units=ctx.units)
                header.append(spec.label)
                columns.append(list(col.cells))
                tested.append(col)
                facts.add_summaries(summaries if ci else [], paired=spec.paired_test)
                if spec.key in UA_KEYS and not any(s in UA_KEYS for s in metrics[:metrics.index(spec.key)]):
                    pooled = _pooled_values(ctx.units, cells_recs)
                    if any(p is not None for p in pooled):
                        header.append("pooled UA (%)")
                        columns.append([Cell(value=p) for p in pooled])
                        facts.pooled = "column"
            facts.add_columns(tested)
            facts.add_rows(rows, cells_recs)
            body = tuple(
                tuple(_label_cells(r, i == ref)) + tuple(col[i] for col in columns)
                for i, r in enumerate(rows)
            )
            note = power_note(tested)
            tables.append(Table(
                key=_key(table_id, split["corpus"], split["label_set"], split["protocol"]),
                title=f"{title} — {_where(split)}",
                caption=f"{title}: {_where(split)}; {captions.design(recs, cells_recs)}. {facts.text(specs)}",
                header=tuple(header), rows=body, n_label_cols=len(labels),
                notes=(note,) if note else (),
            ))
        return tables

    return build


# -------------------------------------------------------------------------------- pivot tables


def _pivot_columns(
    table_id: str, rows: Sequence[Row], col_filters: Sequence[Callable[[Record], bool]],
    ctx: Context, facts: captions.Facts, col_names: Sequence[str], metric: str = "ua",
) -> tuple[list[list[Cell]], list[Column], list[list[Summary | None]]]:
    """Cells of one pivot table (fold-mean UA ± interval [pooled UA]), one list per column."""
    spec = METRICS[metric]
    selector = ctx.selector(table_id)
    columns, tested, all_summaries = [], [], []
    for keep, name in zip(col_filters, col_names, strict=True):
        cells_recs = [[r for r in row.records if keep(r)] for row in rows]
        ref, problem = find_reference(selector, cells_recs)
        facts.add_reference_problem(problem, name)
        summaries = [summarise_metric(c, spec, ctx.fold_of) if c else None for c in cells_recs]
        summaries = [s if s is not None and s.n else None for s in summaries]
        pooled = _pooled_values(ctx.units, cells_recs)
        if any(p is not None for p in pooled):
            facts.pooled = "brackets"
        col = metric_cells(summaries, spec, reference=ref, units=ctx.units, pooled=pooled)
        columns.append(list(col.cells))
        tested.append(col)
        all_summaries.append(summaries)
        facts.add_summaries([s for s in summaries if s is not None], paired=True)
        facts.add_cells(cells_recs)
    facts.add_columns(tested)
    return columns, tested, all_summaries


def _reference_rows(tested: Sequence[Column], n_rows: int) -> set[int]:
    """Rows that are the reference in every column where they have a cell."""
    refs = {c.reference for c in tested if c.reference is not None}
    return {i for i in refs if i < n_rows}


def pivot_layout(title: str, pivot: str, split_fields: Sequence[str], metric: str = "ua") -> Builder:
    """Rows = systems, one column per value of ``pivot`` (e.g. features), cells ``metric``."""
    row_candidates = tuple(f for f in SYSTEM_FIELDS + ("protocol",) if f != pivot and f not in split_fields)

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        for split, recs in _splits(records, split_fields):
            labels = _label_fields(recs, ("model",), row_candidates)
            rows = _rows(recs, labels)
            values = sort_values(pivot, (r.get(pivot) for r in recs))
            facts = captions.Facts(table_id=table_id, selector=ctx.selector(table_id),
                                   conflict=table_id in ctx.reference_conflicts)
            filters = [(lambda r, v=v: r.get(pivot) == v) for v in values]
            columns, tested, _ = _pivot_columns(table_id, rows, filters, ctx, facts,
                                                [str(v) for v in values], metric)
            facts.add_rows(rows, None)
            refs = _reference_rows(tested, len(rows))
            body = [list(_label_cells(r, i in refs)) + [col[i] for col in columns] for i, r in enumerate(rows)]
            note = power_note(tested)
            spec = METRICS[metric]
            tables.append(Table(
                key=_key(table_id, *(split[f] for f in split_fields)),
                title=f"{title} — {_where(split)}",
                caption=(f"{title} ({spec.label} by {pivot}): {_where(split)}; "
                         f"{captions.design(recs, None)}. {facts.text([spec])}"),
                header=tuple([_LABEL_HEADERS[f] for f in labels] + [str(v) for v in values]),
                rows=tuple(tuple(r) for r in body), n_label_cols=len(labels),
                notes=(note,) if note else (),
            ))
        return tables

    return build


# ----------------------------------------------------------------------------- protocol table


def _protocol_header(col: ProtocolColumn) -> str:
    if not col.augmented:
        return str(col.protocol)
    where = "before split" if col.info is not None and col.info.leaky else "train only"
    if col.info is None:
        where = "augmented"
    return f"{col.protocol}\n+{col.augmentation}\n({where})"


def _delta_header(pair: LeakPair, pairs: Sequence[LeakPair]) -> str:
    same_kind = [p for p in pairs if p.kind == pair.kind and p.minuend.augmentation == pair.minuend.augmentation]
    what = f"Δ {pair.kind}\nleakage\n(+{pair.minuend.augmentation})" if pair.minuend.augmented \
        else f"Δ {pair.kind}\nleakage"
    if len(same_kind) > 1:  # several random / leaky protocols: name them
        what += f"\n{pair.minuend.protocol}"
    return what + "\n(pts)"


def _delta_definition(pair: LeakPair) -> str:
    aug = pair.minuend.augmentation
    if pair.kind == "speaker":
        both = "without augmentation" if not pair.minuend.augmented else f"both with {aug} applied to training only"
        return (f"Δ speaker leakage{f' (+{aug})' if pair.minuend.augmented else ''} = "
                f"{pair.minuend.protocol} − {pair.subtrahend.protocol}, {both}")
    return (f"Δ copy leakage (+{aug}) = {pair.minuend.protocol} (+{aug} applied before the split, "
            f"so copies of a test utterance can train) − {pair.subtrahend.protocol} (+{aug} applied "
            "to training only)")


def protocol_layout(title: str) -> Builder:
    """Rows = systems, columns = (protocol, augmentation), then the leakage Δ columns.

    Speaker leakage compares a random protocol with a speaker-independent one under the same
    augmentation; copy leakage compares augment-then-split with the random protocol whose
    augmentation touched training only. What each protocol is comes from protocol_info.
    """

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        for split, recs in _splits(records, ("corpus", "label_set")):
            labels = _label_fields(recs, ("model",), [f for f in SYSTEM_FIELDS if f != "augmentation"])
            rows = _rows(recs, labels)
            cols = protocol_columns(recs)
            facts = captions.Facts(table_id=table_id, selector=ctx.selector(table_id),
                                   conflict=table_id in ctx.reference_conflicts)
            names = [_protocol_header(c).replace("\n", " ") for c in cols]
            columns, tested, summaries = _pivot_columns(table_id, rows, [c.matches for c in cols], ctx,
                                                        facts, names)
            facts.add_rows(rows, None)
            facts.protocol_flags(cols)
            pairs, missing = leakage_pairs(cols)
            header = [_LABEL_HEADERS[f] for f in labels] + [_protocol_header(c) for c in cols]
            index = {c: j for j, c in enumerate(cols)}
            for pair in pairs:
                header.append(_delta_header(pair, pairs))
                a, b = summaries[index[pair.minuend]], summaries[index[pair.subtrahend]]
                columns.append([
                    Cell(value=x.interval.mean - y.interval.mean, signed=True)
                    if x is not None and y is not None else Cell(value=None)
                    for x, y in zip(a, b, strict=True)
                ])
            refs = _reference_rows(tested, len(rows))
            body = [list(_label_cells(r, i in refs)) + [col[i] for col in columns] for i, r in enumerate(rows)]
            delta = ""
            if pairs:
                delta = ("; ".join(_delta_definition(p) for p in pairs)
                         + "; differences of fold-mean UA in percentage points (positive = the leak "
                         "inflates the score), no interval. ")
            if missing:
                delta += "Not computed: " + "; ".join(missing) + ". "
            note = power_note(tested)
            tables.append(Table(
                key=_key(table_id, split["corpus"], split["label_set"]),
                title=f"{title} — {_where(split)}",
                caption=(f"{title} (UA (%)): {_where(split)}; {captions.design(recs, None)}. {delta}"
                         f"{facts.text([METRICS['ua']])}"),
                header=tuple(header), rows=tuple(tuple(r) for r in body), n_label_cols=len(labels),
                notes=(note,) if note else (),
            ))
        return tables

    return build


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
    "protocol": protocol_layout("Protocols"),
    "cost": metric_columns_layout(
        "Cost", ["n_params", "fit_s", "predict_ms_per_utt", "ua"], always=("model", "features"),
        show_ci=[False, True, True, True],
    ),
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
