"""Layouts that follow one paper's own tables (papers 000-004 of the seeds).

Each paper table is built from the generic builders of ``reports.layouts`` with the paper's
rows and columns; this module holds what is specific to a paper: which model of a paper a
row re-implements (paper 003, Table IX), which variants are ours rather than the paper's
(paper 002), and the per-class table (paper 003, Table VIII). Everything shown still comes
from the records; the paper only decides the layout and the labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reports import captions
from reports.aggregate import (
    SPLIT_FIELDS,
    MetricSpec,
    Record,
    finite_float,
    protocol_columns,
    summarise_metric,
)
from reports.layouts import (
    Builder,
    Context,
    ExtraLabel,
    Row,
    RowTag,
    _key,
    _protocol_header,
    _splits,
    _where,
    metric_columns_layout,
    pivot_layout,
    protocol_layout,
    row_name,
)
from reports.tables import Cell, Table, metric_cells

# ------------------------------------------------------------------------------ paper 001

PAPER001_NOTE = (
    "Rows: EmoAugNet's activation (variant relu / elu); columns: the augmentation applied to "
    "training only: none, the paper's single components (paper001_noise, paper001_pitch, "
    "paper001_stretch, paper001_roll) and paper001 = the paper's whole pipeline (all 10 "
    "variants). "
)

# ------------------------------------------------------------------------------ paper 002

OURS_TAG = " (ours, not the paper's)"


def _optimiser(params: Any) -> str:
    if not isinstance(params, Mapping):
        return ""
    return str(params.get("optimiser", params.get("optimizer")) or "").lower()


def is_ours_paper002(row: Row) -> bool:
    """A training variant of ours: its name says Adam, or its params set optimiser "adam"
    (paper 002 trains with RMSProp, lr 0.01)."""
    return any("adam" in str(r.get("variant") or "").lower() or _optimiser(r.get("params")) == "adam"
               for r in row.records)


PAPER002_OURS = RowTag(
    "variant", OURS_TAG, is_ours_paper002,
    "a training setting of ours, not one of paper 002's ablation steps (Adam, by the variant "
    "name or params.optimiser; the paper trains with RMSProp, learning rate 0.01)",
)
PAPER002_NOTE = (
    "Rows: paper 002's ablation steps (dynamic vs static convolution, with vs without attention; "
    "unidirectional = an LSTM instead of the Bi-LSTM) and any variant of ours, tagged. "
)

# ------------------------------------------------------------------------------ paper 003

#: which model of paper 003's Table IX each of our models re-implements
PAPER003_ROLES: dict[str, str] = {
    "mlp": "base paper's MLP",
    "cnn": "base paper's CNN",
    "cnn_bilstm": "base paper's CNN + BiLSTM, as paper 003 proposes it",
}
PAPER003_ROLE = ExtraLabel(
    "re-implements\n(paper 003,\nTable IX)",
    lambda row: " / ".join(sorted({PAPER003_ROLES.get(str(r.get("model")), "– (not in Table IX)")
                                   for r in row.records})),
)
PAPER003_TABLE7_NOTE = (
    "Paper 003's Table VII (accuracy, macro and weighted averages, total support) of its "
    "CNN-BiLSTM; here one row per (protocol, augmentation), so the paper's own protocol stands "
    "beside the speaker-independent one, with and without the paper's augmentation (applied to "
    "training only). Accuracy = weighted recall by definition (one column); precision, recall "
    "and F1 are macro and support-weighted averages over the classes of each fold's test set. "
)
PAPER003_TABLE9_NOTE = (
    "Paper 003's Table IX compares its CNN-BiLSTM with the base paper (Barhoumi & BenAyed 2024: "
    "MLP, CNN, CNN + BiLSTM). Every row here is our re-implementation, trained and scored by "
    "serbench on the folds stated below (no number is copied from either paper); the "
    "\"re-implements\" column names the model each row stands for: mlp (classical, on "
    "functionals) the base paper's MLP, cnn its CNN, cnn_bilstm (paper 003's Table V network) "
    "its CNN + BiLSTM as paper 003 proposes it. Cells: accuracy (WA) under each protocol. "
)

# ------------------------------------------------------------------------------ paper 004

PAPER004_METRICS = ["wa", "macro_precision", "macro_recall", "macro_f1"]
PAPER004_TABLE3_NOTE = (
    "Paper 004's Table 3 (accuracy, precision, recall, F1 per dataset) of its CNN-LSTM with "
    "attention, with and without the paper's augmentation (paper004, applied to training only); "
    "one row per (corpus, protocol, augmentation). Accuracy = WA; precision, recall and F1 are "
    "macro averages (the paper does not say which average: macro is our reading). "
)
PAPER004_TABLE4_NOTE = (
    "Paper 004's Table 4: its CNN-LSTM with attention against an SVM (on functionals) and an HMM "
    "(on frames), on the same folds. Accuracy = WA; precision, recall and F1 are macro averages. "
)

# ------------------------------------------------------------------------- per-class table

PER_CLASS_METRICS = (("precision", "precision (%)"), ("recall", "recall (%)"), ("f1", "F1 (%)"))
PER_CLASS_DESCRIPTIVE = (
    "Per-class scores of one system are not ranked or tested: no bold, no reference; "
    "descriptive only, no significance markers."
)


def per_class_value(rec: Record, label: str, metric: str) -> float | None:
    """``per_class[label][metric]``; None when absent, or when the class has support 0 in this
    fold's test set (nothing to score it on)."""
    per_class = rec.get("per_class")
    scores = per_class.get(label) if isinstance(per_class, Mapping) else None
    if not isinstance(scores, Mapping):
        return None
    support = scores.get("support")
    if support is not None and int(support) == 0:
        return None
    return finite_float(scores.get(metric))


def per_class_spec(label: str, metric: str, header: str) -> MetricSpec:
    return MetricSpec(f"per_class.{label}.{metric}", header,
                      lambda rec: per_class_value(rec, label, metric),
                      scale=100.0, better=None, paired_test=False)


def class_support(records: Sequence[Record], label: str) -> float | None:
    """Test utterances of ``label`` summed over the folds of a seed, averaged over seeds."""
    by_seed: dict[Any, int] = {}
    for r in records:
        pc = r.get("per_class")
        scores = pc.get(label) if isinstance(pc, Mapping) else None
        if isinstance(scores, Mapping) and scores.get("support") is not None:
            by_seed[r.get("seed")] = by_seed.get(r.get("seed"), 0) + int(scores["support"])
    return sum(by_seed.values()) / len(by_seed) if by_seed else None


def class_order(records: Sequence[Record]) -> list[str]:
    """Classes in the records' ``classes`` order, then any other per_class key."""
    out: list[str] = []
    for r in records:
        for c in list(r.get("classes") or []) + list(r.get("per_class") or {}):
            if str(c) not in out:
                out.append(str(c))
    return out


def per_class_layout(title: str) -> Builder:
    """Rows = classes, one column group (precision, recall, F1, support) per (protocol,
    augmentation); one table per corpus and system. Cells: fold means ± interval of the
    records' ``per_class`` values."""

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        tables = []
        system_fields = [f for f in ("model", "features", "variant") if len({r.get(f) for r in records}) > 1]
        for split, recs in _splits(records, ("corpus", "label_set", *system_fields)):
            classes = class_order(recs)
            cols = protocol_columns(recs)
            facts = captions.Facts(table_id=table_id, descriptive=PER_CLASS_DESCRIPTIVE)
            facts.pooled = "per_class"
            header = ["class"]
            columns: list[list[Cell]] = []
            for col in cols:
                crecs = [r for r in recs if col.matches(r)]
                name = _protocol_header(col)
                for metric, label in PER_CLASS_METRICS:
                    cspecs = [per_class_spec(c, metric, label) for c in classes]
                    summaries = [summarise_metric(crecs, s, ctx.fold_of) for s in cspecs]
                    shown = [s if s.n else None for s in summaries]
                    facts.add_summaries(shown, paired=False)
                    header.append(f"{name}\n{label}")
                    # one spec per class; they differ only in what they read, so any formats
                    columns.append(list(metric_cells(shown, cspecs[0]).cells) if cspecs else [])
                header.append(f"{name}\nsupport")
                columns.append([Cell(value=class_support(crecs, c), decimals=0, thousands=True)
                                for c in classes])
                facts.add_cells([crecs])
            system = Row(tuple(recs[0].get(f) for f in ("model", "features", "variant")), tuple(recs))
            facts.add_rows([system], None)
            body = tuple((Cell(text=c), *(col[i] for col in columns)) for i, c in enumerate(classes))
            where = _where({k: split[k] for k in ("corpus", "label_set")})
            name = row_name(Row((recs[0].get("model"), *(split[f] for f in system_fields if f != "model")), ()))
            marker = " §" if system.budget else ""
            tables.append(Table(
                key=_key(table_id, *split.values()),
                title=f"{title} — {where}, {name}",
                caption=(f"{title}: {where}; system {name}{marker}; {captions.design(recs, None)}. "
                         f"{facts.text([])}"),
                header=tuple(header), rows=body, n_label_cols=1,
                legend=("Per-class precision, recall and F1 (each record's per_class) under each "
                        "protocol (and augmentation) side by side; a class absent from a fold's "
                        "test set (support 0) is left out of that fold's mean."),
            ))
        return tables

    return build


# ------------------------------------------------------------------------------- builders

PAPER_LAYOUTS: dict[str, Builder] = {
    "paper000_table1": metric_columns_layout(
        "Paper 000, Table I (with and without augmentation)", ["wa", "ua", "macro_f1"],
        always=("model", "augmentation"),
    ),
    "paper000_table3": metric_columns_layout(
        "Paper 000, Table III (classification metrics)",
        ["macro_precision", "macro_recall", "macro_f1", "wa"],
    ),
}


def both(*builders: Builder) -> Builder:
    """One table id, the tables of several builders in turn (e.g. one pivot per metric)."""

    def build(table_id: str, records: Sequence[Record], ctx: Context) -> list[Table]:
        return [t for b in builders for t in b(table_id, records, ctx)]

    return build


_P001 = "Paper 001 (EmoAugNet activation and augmentation)"
PAPER_LAYOUTS.update({
    # the paper reports UA and WA: one pivot (rows activation, columns augmentation) for each
    "paper001": both(
        pivot_layout(_P001, pivot="augmentation", split_fields=SPLIT_FIELDS, always=("model", "variant"),
                     note=PAPER001_NOTE),
        pivot_layout(_P001, pivot="augmentation", split_fields=SPLIT_FIELDS, metric="wa",
                     always=("model", "variant"), suffix="wa", note=PAPER001_NOTE),
    ),
    "paper002": metric_columns_layout(
        "Paper 002 (dynamic convolution and attention ablation)", ["wa", "ua", "macro_f1"],
        always=("model", "variant"), tags=[PAPER002_OURS], note=PAPER002_NOTE,
    ),
    "paper003_table7": metric_columns_layout(
        "Paper 003, Table VII (overall classification performance)",
        ["accuracy", "macro_precision", "macro_recall", "macro_f1", "weighted_precision", "weighted_f1"],
        always=("protocol", "augmentation"), split_fields=("corpus", "label_set"), blocks=("protocol",),
        support=True, note=PAPER003_TABLE7_NOTE,
    ),
    "paper003_table8": per_class_layout("Paper 003, Table VIII (classification report per class)"),
    "paper003_table9": protocol_layout(
        "Paper 003, Table IX (our re-implementations of the base paper's models)", metric="wa",
        deltas=False, extra=[PAPER003_ROLE], fold_check=True, note=PAPER003_TABLE9_NOTE,
    ),
    "paper004_table3": metric_columns_layout(
        "Paper 004, Table 3 (performance per dataset)", PAPER004_METRICS,
        always=("corpus", "protocol", "augmentation"), split_fields=(), blocks=SPLIT_FIELDS,
        note=PAPER004_TABLE3_NOTE,
    ),
    "paper004_table4": metric_columns_layout(
        "Paper 004, Table 4 (comparison with traditional methods)", PAPER004_METRICS,
        always=("model", "features"), fold_check=True, note=PAPER004_TABLE4_NOTE,
    ),
})
