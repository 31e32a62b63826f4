"""The table builders: how rows and columns are formed from the records of one table id.

A builder is ``(table_id, records, ctx) -> list[Table]``; ``reports.catalogue`` says which
table id gets which builder (ids it does not list, and records tagged with no table, get the
generic layout: systems × protocols). Every builder splits by corpus (and label set, and protocol where the columns are not protocols),
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
    protocol_info,
    protocol_label,
    sort_values,
    summarise_metric,
    varying,
)
from reports.foldcheck import fold_agreement
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

TRANSDUCTIVE_TAG = " + speaker norm (transductive)"
#: record fields a reference selector may name
SELECTOR_FIELDS = SYSTEM_FIELDS

_LABEL_HEADERS = {
    "model": "model", "features": "features", "variant": "variant",
    "augmentation": "augmentation", "protocol": "protocol", "corpus": "corpus",
    "label_set": "label set",
}


@dataclass(frozen=True)
class Context:
    """What tables need beyond the records: folds, predictions, references."""

    units: UnitScores | None = None
    fold_of: FoldOf | None = None
    references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: table ids whose merged runs named different references
    reference_conflicts: tuple[str, ...] = ()
    #: shortcut probe sets of the run (shortcuts.json), for the ``shortcuts`` table
    shortcuts: tuple[Mapping[str, Any], ...] = ()

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
                   references=refs, reference_conflicts=run.reference_conflicts,
                   shortcuts=tuple(run.shortcuts))

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
    if "corpus" not in split:
        return "all corpora" + (f", protocol {split['protocol']}" if split.get("protocol") else "")
    out = f"corpus {split.get('corpus')}"
    if split.get("label_set"):
        out += f" (label set {split['label_set']})"
    if split.get("protocol"):
        out += f", protocol {split.get('protocol_label', split['protocol'])}"
    return out


def _label_fields(records: Sequence[Record], always: Sequence[str], candidates: Sequence[str]) -> list[str]:
    vary = set(varying(records, candidates))
    return [f for f in candidates if f in always or f in vary]


def _splits(records: Sequence[Record], fields: Sequence[str]) -> list[tuple[dict[str, Any], list[Record]]]:
    out = []
    for k, v in group(records, fields).items():
        split = dict(zip(fields, k, strict=True))
        if "protocol" in split:  # an imported split that leaks is named so in every title
            label = protocol_label(split["protocol"], protocol_info(v[0]) if v else None)
            if label != str(split["protocol"]):
                split["protocol_label"] = label
        out.append((split, v))
    return out


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


def row_name(row: Row) -> str:
    """"svm / egemaps_v02" from a row's label values (for captions)."""
    return " / ".join(str(v) for v in row.key if v not in (None, "")) or "–"


@dataclass(frozen=True)
class RowTag:
    """A tag appended to one label cell of the rows it applies to; the caption says what it means."""

    field: str
    tag: str
    applies: Callable[[Row], bool]
    meaning: str


@dataclass(frozen=True)
class ExtraLabel:
    """A label column computed from a row (e.g. which paper model the row re-implements)."""

    header: str
    text: Callable[[Row], str]


def _label_cells(
    row: Row, is_reference: bool = False, *, fields: Sequence[str] = (), tags: Sequence[RowTag] = (),
    first: int = 0, extra: Sequence[ExtraLabel] = (),
) -> list[Cell]:
    """Label cells of a row; the transductive and reference tags and the budget marker go on
    label ``first`` (the first system field), ``tags`` on their own field's cell."""
    cells = [Cell(text="–" if v is None else str(v)) for v in row.key]
    for t in tags:
        if t.field in fields and t.applies(row):
            j = list(fields).index(t.field)
            cells[j] = Cell(text=(cells[j].text or "") + t.tag)
    if cells:
        text = cells[first].text or ""
        if row.transductive:
            text += TRANSDUCTIVE_TAG
        if is_reference:
            text += REFERENCE_TAG
        cells[first] = Cell(text=text, marker=BUDGET_MARKER if row.budget else "")
    return cells + [Cell(text=e.text(row)) for e in extra]


def _legend(*parts: str) -> str:
    """A table's legend from its parts (column and row notes, tag meanings), blank ones left out."""
    return " ".join(p.strip() for p in parts if p and p.strip())


def _tag_facts(facts: captions.Facts, rows: Sequence[Row], labels: Sequence[str], tags: Sequence[RowTag]) -> None:
    for t in tags:
        if t.field in labels:
            facts.tags.append((t.tag, sum(t.applies(r) for r in rows), t.meaning))


def _first_system_label(labels: Sequence[str], blocks: Sequence[str]) -> int:
    return next((i for i, f in enumerate(labels) if f not in blocks), 0)


def _blocks(rows: Sequence[Row], fields: Sequence[str]) -> list[tuple[str | None, list[int]]]:
    """Row indices by the values of ``fields`` (rows are compared only within a block), in row
    order; (None, all rows) when ``fields`` is empty or takes one value."""
    out: dict[tuple[Any, ...], list[int]] = {}
    for i, r in enumerate(rows):
        out.setdefault(tuple(r.records[0].get(f) for f in fields), []).append(i)
    if len(out) <= 1:
        return [(None, list(range(len(rows))))]
    return [(", ".join(str(v) for v in k if v not in (None, "")), idx) for k, idx in out.items()]


def support_cells(cells: Sequence[Sequence[Record]]) -> list[Cell]:
    """Test utterances per row: n_test summed over the folds of a seed, averaged over seeds."""
    out = []
    for recs in cells:
        by_seed: dict[Any, int] = {}
        for r in recs:
            n = r.get("n_test")
            if isinstance(n, int) and not isinstance(n, bool):
                by_seed[r.get("seed")] = by_seed.get(r.get("seed"), 0) + n
        value = sum(by_seed.values()) / len(by_seed) if by_seed else None
        out.append(Cell(value=value, decimals=0, thousands=True))
    return out


SUPPORT_HEADER = "test utterances"
SUPPORT_NOTE = ("Test utterances: n_test summed over the folds of a seed (every test utterance once), "
                "averaged over the seeds.")


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
    show_ci: Sequence[bool] | None = None, *, split_fields: Sequence[str] = SPLIT_FIELDS,
    blocks: Sequence[str] = (), support: bool = False, tags: Sequence[RowTag] = (),
    fold_check: bool = False, note: str = "",
) -> Builder:
    """Rows = systems, columns = ``metrics`` (+ pooled UA after UA); one table per ``split_fields``.

    ``blocks``: record fields (e.g. protocol, corpus) that may differ between the rows of one
    table; rows are compared (bold, reference, paired tests, Holm) only within a block, since
    rows of different protocols or corpora share no test unit. ``support`` adds the number
    of test utterances; ``tags`` label some rows (caption explains); ``fold_check`` proves in
    the caption that the rows of a block were scored on the same folds (records' fold_hash).
    """
    specs = [METRICS[m] for m in metrics]
    cis = list(show_ci) if show_ci is not None else [True] * len(specs)
    candidates = (*blocks, *(f for f in SYSTEM_FIELDS if f not in blocks))

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        for split, recs in _splits(records, split_fields):
            labels = _label_fields(recs, always, candidates)
            rows = _rows(recs, labels)
            cells_recs = [list(r.records) for r in rows]
            selector = ctx.selector(table_id)
            parts = _blocks(rows, blocks)
            within = [_LABEL_HEADERS.get(f, f) for f in varying(recs, blocks)]
            facts = captions.Facts(table_id=table_id, selector=selector,
                                   conflict=table_id in ctx.reference_conflicts,
                                   within=" and ".join(within) if len(parts) > 1 else None)
            refs: set[int] = set()
            for name, idx in parts:
                ref, ref_problem = find_reference(selector, [cells_recs[i] for i in idx])
                facts.add_reference_problem(ref_problem, name)
                if ref is not None:
                    refs.add(idx[ref])
            header = [_LABEL_HEADERS[f] for f in labels]
            columns: list[list[Cell]] = []
            tested: list[Column] = []
            for spec, ci in zip(specs, cis, strict=True):
                summaries = [summarise_metric(c, spec, ctx.fold_of) for c in cells_recs]
                cells: list[Cell] = [Cell(value=None)] * len(rows)
                for _name, idx in parts:
                    ref = next((j for j, i in enumerate(idx) if i in refs), None)
                    col = metric_cells([summaries[i] for i in idx], spec, show_ci=ci, reference=ref,
                                       units=ctx.units)
                    for j, i in enumerate(idx):
                        cells[i] = col.cells[j]
                    tested.append(col)
                header.append(spec.label)
                columns.append(cells)
                facts.add_summaries(summaries if ci else [], paired=spec.paired_test)
                if spec.key in UA_KEYS and not any(s in UA_KEYS for s in metrics[:metrics.index(spec.key)]):
                    pooled = _pooled_values(ctx.units, cells_recs)
                    if any(p is not None for p in pooled):
                        header.append("pooled UA (%)")
                        columns.append([Cell(value=p) for p in pooled])
                        facts.pooled = "column"
            extra = ""
            if support:
                header.append(SUPPORT_HEADER)
                columns.append(support_cells(cells_recs))
                extra += SUPPORT_NOTE + " "
            if fold_check:
                extra += " ".join(
                    fold_agreement([(row_name(rows[i]), cells_recs[i]) for i in idx]).text(name)
                    for name, idx in parts
                ) + " "
            if not any(m in UA_KEYS for m in metrics):
                facts.pooled = "not_ua"
            facts.add_columns(tested)
            facts.add_rows(rows, cells_recs)
            _tag_facts(facts, rows, labels, tags)
            first = _first_system_label(labels, blocks)
            body = tuple(
                tuple(_label_cells(r, i in refs, fields=labels, tags=tags, first=first))
                + tuple(col[i] for col in columns)
                for i, r in enumerate(rows)
            )
            note_out = power_note(tested)
            tables.append(Table(
                key=_key(table_id, *split.values()),
                title=f"{title} — {_where(split)}",
                caption=f"{title}: {_where(split)}; {captions.design(recs, cells_recs)}. {facts.text(specs)}",
                header=tuple(header), rows=body, n_label_cols=len(labels),
                notes=(note_out,) if note_out else (),
                legend=_legend(note, extra, facts.tag_meanings()),
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
        pooled = _pooled_values(ctx.units, cells_recs) if metric in UA_KEYS else [None] * len(rows)
        if any(p is not None for p in pooled):
            facts.pooled = "brackets"
        elif metric not in UA_KEYS and facts.pooled is None:
            facts.pooled = "not_ua"
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


def pivot_layout(
    title: str, pivot: str, split_fields: Sequence[str], metric: str = "ua", *,
    always: Sequence[str] = ("model",), suffix: str | None = None, note: str = "",
    tags: Sequence[RowTag] = (),
) -> Builder:
    """Rows = systems, one column per value of ``pivot`` (e.g. features), cells ``metric``.

    ``suffix`` goes into the table key (a second pivot of the same table id on another metric).
    """
    row_candidates = tuple(f for f in SYSTEM_FIELDS + ("protocol",) if f != pivot and f not in split_fields)

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        for split, recs in _splits(records, split_fields):
            labels = _label_fields(recs, always, row_candidates)
            rows = _rows(recs, labels)
            values = sort_values(pivot, (r.get(pivot) for r in recs))
            facts = captions.Facts(table_id=table_id, selector=ctx.selector(table_id),
                                   conflict=table_id in ctx.reference_conflicts)
            filters = [(lambda r, v=v: r.get(pivot) == v) for v in values]
            columns, tested, _ = _pivot_columns(table_id, rows, filters, ctx, facts,
                                                [str(v) for v in values], metric)
            facts.add_rows(rows, None)
            _tag_facts(facts, rows, labels, tags)
            refs = _reference_rows(tested, len(rows))
            body = [list(_label_cells(r, i in refs, fields=labels, tags=tags)) + [col[i] for col in columns]
                    for i, r in enumerate(rows)]
            power = power_note(tested)
            spec = METRICS[metric]
            tables.append(Table(
                key=_key(table_id, *(split[f] for f in split_fields), suffix),
                title=f"{title} — {spec.label}, {_where(split)}" if suffix else f"{title} — {_where(split)}",
                caption=(f"{title} ({spec.label} by {pivot}): {_where(split)}; "
                         f"{captions.design(recs, None)}. {facts.text([spec])}"),
                header=tuple([_LABEL_HEADERS[f] for f in labels] + [str(v) for v in values]),
                rows=tuple(tuple(r) for r in body), n_label_cols=len(labels),
                notes=(power,) if power else (), legend=_legend(note, facts.tag_meanings()),
            ))
        return tables

    return build


# ----------------------------------------------------------------------------- protocol table


def _protocol_header(col: ProtocolColumn) -> str:
    if not col.augmented:
        return protocol_label(col.protocol, col.info)
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


def protocol_layout(
    title: str, metric: str = "ua", *, deltas: bool = True, extra: Sequence[ExtraLabel] = (),
    fold_check: bool = False, note: str = "",
) -> Builder:
    """Rows = systems, columns = (protocol, augmentation), then the leakage Δ columns.

    Speaker leakage compares a random protocol with a speaker-independent one under the same
    augmentation; copy leakage compares augment-then-split with the random protocol whose
    augmentation touched training only. What each protocol is comes from protocol_info.
    ``metric`` fills the cells (Δ columns only for UA, and only with ``deltas``); ``extra``
    adds computed label columns; ``fold_check`` proves in the caption that the rows of each
    column were scored on the same folds.
    """

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        spec = METRICS[metric]
        for split, recs in _splits(records, ("corpus", "label_set")):
            labels = _label_fields(recs, ("model",), [f for f in SYSTEM_FIELDS if f != "augmentation"])
            rows = _rows(recs, labels)
            cols = protocol_columns(recs)
            facts = captions.Facts(table_id=table_id, selector=ctx.selector(table_id),
                                   conflict=table_id in ctx.reference_conflicts)
            names = [_protocol_header(c).replace("\n", " ") for c in cols]
            columns, tested, summaries = _pivot_columns(table_id, rows, [c.matches for c in cols], ctx,
                                                        facts, names, metric)
            facts.add_rows(rows, None)
            facts.protocol_flags(cols)
            pairs, missing = leakage_pairs(cols) if deltas and metric in UA_KEYS else ([], [])
            header = ([_LABEL_HEADERS[f] for f in labels] + [e.header for e in extra]
                      + [_protocol_header(c) for c in cols])
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
            body = [list(_label_cells(r, i in refs, extra=extra)) + [col[i] for col in columns]
                    for i, r in enumerate(rows)]
            delta = ""
            if pairs:
                delta = ("; ".join(_delta_definition(p) for p in pairs)
                         + "; differences of fold-mean UA in percentage points (positive = the leak "
                         "inflates the score), no interval. ")
            if missing:
                delta += "Not computed: " + "; ".join(missing) + ". "
            if fold_check:
                delta += fold_agreement([(row_name(r), r.records) for r in rows]).text() + " "
            power = power_note(tested)
            tables.append(Table(
                key=_key(table_id, split["corpus"], split["label_set"]),
                title=f"{title} — {_where(split)}",
                caption=(f"{title} ({spec.label}): {_where(split)}; {captions.design(recs, None)}. "
                         f"{facts.text([spec])}"),
                header=tuple(header), rows=tuple(tuple(r) for r in body),
                n_label_cols=len(labels) + len(extra), notes=(power,) if power else (),
                legend=_legend(note, delta),
            ))
        return tables

    return build
