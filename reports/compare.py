"""The headline table (table id ``compare``) and the data of its dot plot.

Rows are systems (model, features, variant, augmentation: the fields that vary; classical and
deep alike, with a family column); columns are UA under the speaker-independent protocol and
under the random protocol, the random minus speaker-independent gap in points, macro F1 under
the speaker-independent protocol, mean fit time per fold and the parameter count. What each
protocol is comes from the records' ``protocol_info`` (speaker-independent, not leaky: the
clean column; neither: the random column), so a corpus the suite maps to ``speaker_loso`` or
``session_loso`` gets those instead of ``speaker_kfold5``. Rows are sorted by fold-mean UA
under the clean protocol, highest first. The caption proves from the records' ``fold_hash``
that every row of a protocol was scored on the same folds (``reports.foldcheck``).

Statistics are those of every other table: fold-mean ± corrected resampled t interval,
[pooled UA], a reference named in advance (``spec.json["references"]["compare"]``) with
paired tests over the protocol's unit and Holm over the rows of each column, transductive
rows tagged, budget-bound deep rows marked, seeds per cell stated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports import captions
from reports.aggregate import (
    METRICS,
    SYSTEM_FIELDS,
    FoldOf,
    Record,
    Summary,
    protocol_display,
    protocol_infos,
    sort_values,
    summarise_metric,
)
from reports.foldcheck import fold_agreement
from reports.layouts import (
    _LABEL_HEADERS,
    Builder,
    Context,
    ExtraLabel,
    Row,
    _key,
    _label_cells,
    _label_fields,
    _pivot_columns,
    _reference_rows,
    _rows,
    _splits,
    _where,
    row_name,
)
from reports.tables import Cell, Table, metric_cells, power_note

COMPARE_ID = "compare"
TITLE = "Compare (headline): classical and deep systems, speaker-independent vs random protocol"


def family_of(row: Row) -> str:
    fams = sorted({str(r.get("family")) for r in row.records if r.get("family")})
    return "/".join(fams) or "–"


FAMILY = ExtraLabel("family", family_of)


@dataclass(frozen=True)
class CompareSplit:
    """One corpus (and label set) of the compare table, rows already sorted."""

    split: dict[str, Any]
    records: list[Record]
    clean: list[Any]  # speaker-independent, not leaky protocols (display order)
    random: list[Any]  # neither speaker-independent nor leaky
    left_out: list[Any]  # leaky, or without protocol_info: not shown
    labels: list[str]
    rows: list[Row]
    clean_ua: list[Summary | None]  # per row: UA under clean[0]
    random_ua: list[Summary | None]  # per row: UA under random[0]


def _ua(row: Row, protocol: Any, fold_of: FoldOf | None) -> Summary | None:
    if protocol is None:
        return None
    recs = [r for r in row.records if r.get("protocol") == protocol]
    s = summarise_metric(recs, "ua", fold_of) if recs else None
    return s if s is not None and s.n else None


def compare_splits(records: Sequence[Record], fold_of: FoldOf | None = None) -> list[CompareSplit]:
    """The compare table's content per corpus: protocols by kind, rows sorted by clean UA."""
    out = []
    for split, recs in _splits(records, ("corpus", "label_set")):
        infos = protocol_infos(recs)
        protocols = sort_values("protocol", (r.get("protocol") for r in recs))
        kind = {p: (infos[p].kind if infos.get(p) is not None else None) for p in protocols}
        clean = [p for p in protocols if kind[p] == "clean"]
        random = [p for p in protocols if kind[p] == "random"]
        left_out = [p for p in protocols if kind[p] not in ("clean", "random")]
        shown = [r for r in recs if r.get("protocol") in set(clean) | set(random)]
        if not shown:
            continue  # only leaky protocols or records without protocol_info: nothing to compare
        labels = _label_fields(shown, ("model", "features"), SYSTEM_FIELDS)
        rows = _rows(shown, labels)
        c0 = clean[0] if clean else None
        r0 = random[0] if random else None
        keyed = [(row, _ua(row, c0, fold_of), _ua(row, r0, fold_of)) for row in rows]
        # highest clean UA first; rows without one keep display order after the others
        order = sorted(range(len(keyed)), key=lambda i: (
            keyed[i][1] is None, -(keyed[i][1].interval.mean if keyed[i][1] is not None else 0.0), i))
        out.append(CompareSplit(
            split=split, records=shown, clean=clean, random=random, left_out=left_out, labels=labels,
            rows=[keyed[i][0] for i in order], clean_ua=[keyed[i][1] for i in order],
            random_ua=[keyed[i][2] for i in order],
        ))
    return out


def _columns_text(cs: CompareSplit, cost_protocol: Any) -> str:
    c0 = cs.clean[0] if cs.clean else None
    parts = []
    if cs.clean:
        parts.append(f"UA under the speaker-independent protocol {', '.join(map(str, cs.clean))} "
                     "(protocol_info.speaker_independent)")
    if cs.random:
        parts.append(f"UA under the random protocol {', '.join(map(str, cs.random))} (speakers in "
                     "both training and test)")
    if cs.clean and cs.random:
        parts.append(f"Δ = random − speaker-independent ({', '.join(f'{q} − {c0}' for q in cs.random)}): "
                     "difference of fold-mean UA in percentage points (positive = what letting test "
                     "speakers into training adds), no interval")
    if cs.clean:
        parts.append(f"macro F1 under {', '.join(map(str, cs.clean))}")
    parts.append(f"fit (s/fold) = mean fit_s per fold and parameters = mean n_params, both under "
                 f"{cost_protocol} and without an interval (parameters – where a record holds none: "
                 "classical models)")
    text = "Columns: " + "; ".join(parts) + "."
    if not cs.clean:
        text += " No speaker-independent protocol in these records: no clean column, no Δ."
    if not cs.random:
        text += " No random protocol in these records: no random column, no Δ."
    if cs.left_out:
        text += (f" Not shown: records of {', '.join(map(str, cs.left_out))} (leaky, or without "
                 "protocol_info).")
    return text


def _rows_text(cs: CompareSplit) -> str:
    n = {f: sum(family_of(r) == f for r in cs.rows) for f in ("classical", "deep")}
    order = (f"sorted by fold-mean UA under {cs.clean[0]}, highest first (an order chosen on the test "
             "results: descriptive)" if cs.clean else "in display order")
    return (f"Rows: every system tagged {COMPARE_ID} ({n['classical']} classical, {n['deep']} deep; "
            f"family column), {order}.")


def _nfit_tagged(cells: list[Cell], unequal: bool) -> list[Cell]:
    """The label cells with ``captions.NFIT_TAG`` on the first one when the row's final fits saw
    a different number of utterances than the classical rows of the same fold."""
    if not unequal or not cells:
        return cells
    first = cells[0]
    return [Cell(text=(first.text or "") + captions.NFIT_TAG, marker=first.marker), *cells[1:]]


def compare_layout(title: str = TITLE) -> Builder:
    """The headline table; see the module docstring."""

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        for cs in compare_splits(records, ctx.fold_of):
            rows = cs.rows
            facts = captions.Facts(table_id=table_id, selector=ctx.selector(table_id),
                                   conflict=table_id in ctx.reference_conflicts)
            kinds = [(p, "speaker-independent") for p in cs.clean] + [(p, "random") for p in cs.random]
            filters = [(lambda r, p=p: r.get("protocol") == p) for p, _k in kinds]
            columns, tested, ua = _pivot_columns(table_id, rows, filters, ctx, facts,
                                                 [f"UA {p}" for p, _k in kinds], "ua")
            header = ([_LABEL_HEADERS[f] for f in cs.labels] + [FAMILY.header]
                      + [f"UA (%)\n{k}\n{protocol_display(p, cs.records)}" for p, k in kinds])
            if cs.clean:
                for j, q in enumerate(cs.random):
                    rand, clean = ua[len(cs.clean) + j], ua[0]
                    header.append(f"Δ random −\nspeaker-indep.\n{q} − {cs.clean[0]}\n(pts)"
                                  if len(cs.random) > 1 else "Δ random −\nspeaker-indep.\n(pts)")
                    columns.append([
                        Cell(value=a.interval.mean - b.interval.mean, signed=True)
                        if a is not None and b is not None else Cell(value=None)
                        for a, b in zip(rand, clean, strict=True)
                    ])
                f1_filters = [(lambda r, p=p: r.get("protocol") == p) for p in cs.clean]
                f1, f1_tested, _ = _pivot_columns(table_id, rows, f1_filters, ctx, facts,
                                                  [f"macro F1 {p}" for p in cs.clean], "macro_f1")
                header += [f"macro F1 (%)\n{p}" for p in cs.clean]
                columns += f1
                tested += f1_tested
            cost_protocol = (cs.clean or cs.random)[0]
            for key in ("fit_s", "n_params"):
                spec = METRICS[key]
                summaries = [summarise_metric([r for r in row.records if r.get("protocol") == cost_protocol],
                                              spec, ctx.fold_of) for row in rows]
                col = metric_cells([s if s.n else None for s in summaries], spec, show_ci=False)
                header.append(spec.label)
                columns.append(list(col.cells))
            facts.add_rows(rows, None)
            # equal training data: the final fits' sizes against the classical rows' per fold
            n_fit, unequal = captions.n_fit_text([row.records for row in rows])
            facts.extra.append(n_fit)
            refs = _reference_rows(tested, len(rows))
            body = tuple(
                tuple(_nfit_tagged(_label_cells(r, i in refs, extra=[FAMILY]), unequal[i]))
                + tuple(col[i] for col in columns)
                for i, r in enumerate(rows)
            )
            folds = fold_agreement([(row_name(r), r.records) for r in rows]).text()
            specs = [METRICS[m] for m in ("ua", "macro_f1", "fit_s", "n_params")]
            power = power_note(tested)
            tables.append(Table(
                key=_key(table_id, cs.split["corpus"], cs.split["label_set"]),
                title=f"Compare (headline) — {_where(cs.split)}",
                caption=(f"{title}: {_where(cs.split)}; {captions.design(cs.records, None)}. "
                         f"{facts.text(specs)}"),
                header=tuple(header), rows=body, n_label_cols=len(cs.labels) + 1,
                notes=(power,) if power else (),
                legend=f"{_columns_text(cs, cost_protocol)} {_rows_text(cs)} {folds}",
            ))
        return tables

    return build
