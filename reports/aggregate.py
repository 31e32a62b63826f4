"""Group ok records into "systems" and summarise a metric over their folds and seeds.

A *system* is one (corpus, label_set, protocol, model, features, variant, augmentation); its
observations are its records, one per (fold, seed). Metric definitions (how to read a value
off a record, display scale, which direction is better, whether a paired test applies) live in
``METRICS`` so tables and figures use one definition. What a protocol is (speaker-independent?
leaky? which unit is independent?) comes from each record's ``protocol_info``, never from a
list of names here; the name orders below only fix the display order.

Intervals (``Summary.interval``) are corrected resampled t intervals over the distinct test
sets of a system (``benchmark.metrics.corrected_resampled_t``): records that share a test set
(seeds of a leave-one-speaker-out protocol) are averaged first; folds re-drawn per seed are
distinct test sets (the corrected repeated k-fold t). n_test / n_train comes from the run's
fold files, else from the records, else from n_folds as 1 / (k - 1).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmark.metrics import macro_average
from reports.stats import Interval, corrected_interval

Record = Mapping[str, Any]
#: record -> its fold as the run's fold files describe it (``reports.load.FoldInfo``) or None
FoldOf = Callable[[Record], Any]

#: Fields that name a system within one corpus/protocol (the rows of most tables).
SYSTEM_FIELDS = ("model", "features", "variant", "augmentation")
#: Fields that split tables (one table per distinct value tuple).
SPLIT_FIELDS = ("corpus", "label_set", "protocol")

# Row order. A record written since plugins exist carries ``order`` (its model's and feature
# set's rank: built-ins in registry order, then the suite's plugins in the order it names them,
# fixed at plan time), and :func:`group` sorts by it. MODEL_ORDER and FEATURE_ORDER order only
# records written before that (checked-in golden records); unknown names follow, sorted.
RANKED_FIELDS = ("model", "features")
MODEL_ORDER = (
    "dummy", "svm", "gmm", "hmm", "knn", "tree", "xgb", "mlp",
    "cnn", "lstm", "bilstm", "emotech_cnn_bilstm", "dilated_cnn_bilstm", "emoaugnet",
    "dycnn_bilstm_attn", "cnn_bilstm", "cnn_lstm_attn",
)
FEATURE_ORDER = (
    "mfcc13_stats", "mfcc13_frames", "mfcc39_frames", "logmel128_frames", "egemaps_v02",
    "compare_2016", "emotech141", "zcr_rms_mfcc_frames",
)
#: paper 002's ablation steps in the paper's order, then our own training variants
VARIANT_ORDER = (
    "default", "full", "relu", "elu", "dynamic", "dynamic_attention", "static_attention",
    "dynamic_no_attention", "static_no_attention", "unidirectional", "static", "no_attention",
)
#: paper 001's single components come before its full pipeline (``paper001``, all 10 variants)
AUGMENTATION_ORDER = (
    "none", "noise", "pitch", "stretch", "shift", "paper000", "paper001_noise", "paper001_pitch",
    "paper001_stretch", "paper001_roll", "paper001", "paper003", "paper004",
)
#: display order only (what a protocol *is* comes from the records' protocol_info)
PROTOCOL_ORDER = (
    "speaker_kfold5", "speaker_loso", "session_loso", "cross_corpus", "random_kfold5",
    "random_holdout_80_10_10", "leaky_augment_then_split",
)
FAMILY_ORDER = ("classical", "deep")
_ORDERS: dict[str, Sequence[str]] = {
    "model": MODEL_ORDER, "features": FEATURE_ORDER, "variant": VARIANT_ORDER,
    "augmentation": AUGMENTATION_ORDER, "protocol": PROTOCOL_ORDER, "family": FAMILY_ORDER,
}


def order_key(field_name: str, value: Any, ranks: Mapping[Any, int] | None = None) -> tuple[int, int, str]:
    """Sort key: missing values first, then values ranked by their records (``ranks``, see
    :func:`record_ranks`), then the known order, then by name."""
    if value is None:
        return (0, 0, "")
    s = str(value)
    if ranks and value in ranks:
        return (1, ranks[value], s)
    known = _ORDERS.get(field_name, ())
    return (2, known.index(s), s) if s in known else (3, 0, s)


def record_ranks(records: Iterable[Record]) -> dict[str, dict[Any, int]]:
    """field -> value -> rank, from the records' ``order`` (the lowest rank a value has)."""
    out: dict[str, dict[Any, int]] = {f: {} for f in RANKED_FIELDS}
    for rec in records:
        order = rec.get("order")
        if not isinstance(order, Mapping):
            continue
        for f in RANKED_FIELDS:
            rank = order.get(f)
            if isinstance(rank, int) and not isinstance(rank, bool):
                value = rec.get(f)
                out[f][value] = min(rank, out[f].get(value, rank))
    return out


def sort_values(field_name: str, values: Iterable[Any]) -> list[Any]:
    return sorted(set(values), key=lambda v: order_key(field_name, v))


# -------------------------------------------------------------------------------- protocols

UNITS = ("speaker", "session", "fold")


@dataclass(frozen=True)
class ProtocolInfo:
    """A protocol's flags as records carry them (``protocol_info``)."""

    speaker_independent: bool
    leaky: bool
    unit: str  # the independent unit of the paired test: "speaker" | "session" | "fold"
    audit: str = ""
    """An imported split's audit verdict ("leaky" | "speaker-independent"); "" for built-ins."""
    audit_summary: str = ""
    """The audit's one-line verdict with its counts (``benchmark.audit.leaks``)."""

    @property
    def leaky_split(self) -> bool:
        """An imported split whose audit found speakers or recordings on both sides."""
        return self.audit == "leaky"

    @property
    def kind(self) -> str:
        """"clean" (speaker-independent), "random" (speaker-dependent) or "leaky"."""
        if self.leaky:
            return "leaky"
        return "clean" if self.speaker_independent else "random"


def protocol_info(rec: Record) -> ProtocolInfo | None:
    """The record's ``protocol_info``; None when absent (records older than the field)."""
    info = rec.get("protocol_info")
    if not isinstance(info, Mapping) or "speaker_independent" not in info or "leaky" not in info:
        return None
    unit = str(info.get("unit") or "fold")
    audit = info.get("audit") if isinstance(info.get("audit"), Mapping) else {}
    return ProtocolInfo(bool(info["speaker_independent"]), bool(info["leaky"]),
                        unit if unit in UNITS else "fold", str(audit.get("verdict") or ""),
                        str(audit.get("summary") or ""))


def protocol_label(protocol: Any, info: ProtocolInfo | None) -> str:
    """The protocol's name as tables show it: an imported split that leaks says so."""
    return f"{protocol} (LEAKY split)" if info is not None and info.leaky_split else str(protocol)


def protocol_display(protocol: Any, records: Iterable[Record]) -> str:
    """:func:`protocol_label` from ``records`` of ``protocol`` (any of them flagging a leaky split)."""
    infos = (protocol_info(r) for r in records if r.get("protocol") == protocol)
    return protocol_label(protocol, next((i for i in infos if i is not None and i.leaky_split), None))


def protocol_infos(records: Iterable[Record]) -> dict[Any, ProtocolInfo | None]:
    """protocol -> its flags; None when no record of it carries them. Disagreeing is an error."""
    out: dict[Any, ProtocolInfo | None] = {}
    for rec in records:
        p, info = rec.get("protocol"), protocol_info(rec)
        if p not in out or out[p] is None:
            out[p] = info
        elif info is not None and info != out[p]:
            raise ValueError(f"records of protocol {p!r} disagree on protocol_info: {out[p]} vs {info}")
    return out


def is_transductive(rec: Record) -> bool:
    """True for records whose params say ``speaker_norm``: each test speaker was scaled by its
    own unlabelled test features, so the system saw the test set (transductive)."""
    params = rec.get("params")
    return isinstance(params, Mapping) and bool(params.get("speaker_norm"))


def fit_info(rec: Record) -> Mapping[str, Any]:
    info = rec.get("fit_info")
    return info if isinstance(info, Mapping) else {}


def budget_bound(rec: Record) -> bool | None:
    """``fit_info.budget_bound`` (the best epoch was the last allowed); None when not recorded."""
    v = fit_info(rec).get("budget_bound")
    return None if v is None else bool(v)


# ---------------------------------------------------------------------------------- metrics


def finite_float(v: Any) -> float | None:
    """``v`` as a finite float; None when it is missing, a bool, not a number, NaN or inf."""
    if v is None or isinstance(v, bool):
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _field(name: str) -> Callable[[Record], float | None]:
    def get(rec: Record) -> float | None:
        return finite_float(rec.get(name))

    return get


def record_classes(records: Iterable[Record]) -> list[str]:
    """The union of the records' class names, in order of first appearance."""
    classes: list[str] = []
    for r in records:
        for c in r.get("classes") or []:
            if c not in classes:
                classes.append(c)
    return classes


def weighted_average(per_class: Any, metric: str) -> float | None:
    """Mean of ``per_class[c][metric]`` weighted by each class's support (absent classes weigh
    nothing, the one class-set rule); None when a class lacks support or the metric."""
    if not isinstance(per_class, Mapping) or not per_class:
        return None
    total, acc = 0, 0.0
    for scores in per_class.values():
        if not isinstance(scores, Mapping) or scores.get("support") is None or scores.get(metric) is None:
            return None
        n = int(scores["support"])
        total += n
        acc += n * float(scores[metric])
    return acc / total if total > 0 else None


def _weighted_precision(rec: Record) -> float | None:
    return weighted_average(rec.get("per_class"), "precision")


def _macro_precision(rec: Record) -> float | None:
    """Mean per-class precision over the classes present in the fold's y_true (the one
    class-set rule of ``benchmark.metrics``); None without per-class support."""
    per_class = rec.get("per_class")
    if not isinstance(per_class, Mapping) or not per_class:
        return None
    return macro_average(per_class, "precision")


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is read, shown and compared."""

    key: str
    label: str  # column header
    get: Callable[[Record], float | None]
    scale: float = 1.0  # multiply for display (fractions -> percent)
    decimals: int = 1
    better: str | None = "higher"  # "higher" | "lower" | None (no bold)
    paired_test: bool = True  # rows are tested against the table's reference
    unit: str = ""
    #: key of the per-unit score (reports.units) when computed from predictions
    unit_key: str | None = None


METRICS: dict[str, MetricSpec] = {
    m.key: m
    for m in (
        MetricSpec("wa", "WA (%)", _field("wa"), scale=100.0, unit_key="wa"),
        MetricSpec("ua", "UA (%)", _field("ua"), scale=100.0, unit_key="ua"),
        MetricSpec("macro_f1", "macro F1 (%)", _field("macro_f1"), scale=100.0, unit_key="macro_f1"),
        MetricSpec("weighted_f1", "weighted F1 (%)", _field("weighted_f1"), scale=100.0,
                   unit_key="weighted_f1"),
        MetricSpec("macro_precision", "macro precision (%)", _macro_precision, scale=100.0,
                   unit_key="macro_precision"),
        MetricSpec("macro_recall", "macro recall = UA (%)", _field("ua"), scale=100.0, unit_key="ua"),
        # weighted recall is accuracy (WA) by definition: one column, both names
        MetricSpec("accuracy", "accuracy = weighted recall (%)", _field("wa"), scale=100.0,
                   unit_key="wa"),
        MetricSpec("weighted_precision", "weighted precision (%)", _weighted_precision,
                   scale=100.0, unit_key="weighted_precision"),
        MetricSpec("roc_auc", "ROC AUC (%)", _field("roc_auc"), scale=100.0),
        MetricSpec("n_params", "parameters", _field("n_params"), decimals=0, better=None,
                   paired_test=False),
        MetricSpec("fit_s", "fit (s/fold)", _field("fit_s"), decimals=2, better="lower",
                   paired_test=False, unit="s"),
        MetricSpec("feature_s", "features (s)", _field("feature_s"), decimals=2, better="lower",
                   paired_test=False, unit="s"),
        MetricSpec("predict_ms_per_utt", "predict (ms/utt)", _field("predict_ms_per_utt"),
                   decimals=2, better="lower", paired_test=False, unit="ms"),
    )
}
#: metrics whose value is UA (a pooled UA column goes beside them)
UA_KEYS = ("ua", "macro_recall")


# ---------------------------------------------------------------------------------- systems


def system_key(rec: Record, fields: Sequence[str] = SYSTEM_FIELDS) -> tuple[Any, ...]:
    return tuple(rec.get(f) for f in fields)


PairKey = tuple[Any, Any]


def pair_key(rec: Record) -> PairKey:
    """What makes two systems' records comparable: the same fold of the same seed."""
    return (rec.get("fold"), rec.get("seed"))


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


@dataclass(frozen=True)
class FoldFacts:
    """What the interval needs to know about one record's fold."""

    test_set: Hashable  # records sharing it were scored on the same test utterances
    n_train: int | None
    n_test: int | None
    source: str  # where n_train / n_test came from: "fold files" | "records" | "none"


def fold_facts(rec: Record, fold_of: FoldOf | None = None) -> FoldFacts:
    """Test-set identity and sizes: the fold file when the run has one, else the record.

    Without a fold file, a speaker-independent record's test set is its test speakers;
    otherwise each (seed, fold) is its own test set (folds re-drawn per seed differ).
    """
    fold = fold_of(rec) if fold_of is not None else None
    if fold is not None:
        return FoldFacts(("test", fold.test_key), fold.n_train, fold.n_test, "fold files")
    info = protocol_info(rec)
    speakers = rec.get("test_speakers")
    if info is not None and info.speaker_independent and isinstance(speakers, list) and speakers:
        test_set: Hashable = ("speakers", rec.get("corpus"), tuple(sorted(map(str, speakers))))
    else:
        test_set = ("fold", rec.get("seed"), rec.get("fold"))
    n_train, n_test = _int(rec.get("n_train")), _int(rec.get("n_test"))
    source = "records" if n_train and n_test is not None else "none"
    return FoldFacts(test_set, n_train, n_test, source)


@dataclass(frozen=True)
class Summary:
    """One metric of one system: values by (fold, seed) and their interval (display units).

    ``run_ids`` and ``records`` name the record behind each value (same keys), so per-unit
    scores can be read from its prediction CSV; ``facts`` holds each record's fold facts.
    """

    metric: MetricSpec
    values: dict[PairKey, float] = field(default_factory=dict)
    run_ids: dict[PairKey, str] = field(default_factory=dict)
    facts: dict[PairKey, FoldFacts] = field(default_factory=dict)
    records: dict[PairKey, Record] = field(default_factory=dict)
    n_folds: int | None = None  # declared folds per seed (records' n_folds)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def seeds(self) -> list[Any]:
        return sorted({k[1] for k in self.values}, key=str)

    def test_set_means(self) -> list[float]:
        """One value per distinct test set: the mean over the records (seeds) sharing it."""
        by_set: dict[Hashable, list[float]] = defaultdict(list)
        for k, v in self.values.items():
            facts = self.facts.get(k)
            by_set[facts.test_set if facts is not None else ("fold", k[1], k[0])].append(v)
        return [sum(v) / len(v) for _, v in sorted(by_set.items(), key=lambda kv: str(kv[0]))]

    @property
    def ratio(self) -> tuple[float | None, str]:
        """(n_test / n_train, where it came from): mean sizes over the records."""
        known = [f for f in self.facts.values() if f.n_train and f.n_test is not None]
        if known:
            sources = sorted({f.source for f in known})
            ratio = (sum(f.n_test for f in known) / len(known)) / (sum(f.n_train for f in known) / len(known))
            return ratio, " and ".join(sources)
        if self.n_folds and self.n_folds > 1:
            return 1.0 / (self.n_folds - 1), "n_folds"
        return None, "none"

    @property
    def interval(self) -> Interval | None:
        if not self.values:
            return None
        means = self.test_set_means()
        ratio, source = self.ratio
        return corrected_interval(means, ratio, n_records=self.n, ratio_source=source)


def summarise_metric(
    records: Iterable[Record], metric: MetricSpec | str, fold_of: FoldOf | None = None
) -> Summary:
    """Collect ``metric`` (scaled) per (fold, seed); records lacking it are left out.

    Two records with the same (fold, seed) would make pairing ambiguous: that is an error.
    """
    spec = METRICS[metric] if isinstance(metric, str) else metric
    values: dict[PairKey, float] = {}
    run_ids: dict[PairKey, str] = {}
    facts: dict[PairKey, FoldFacts] = {}
    recs: dict[PairKey, Record] = {}
    declared: list[int] = []
    for rec in records:
        v = spec.get(rec)
        if v is None:
            continue
        key = pair_key(rec)
        if key in values:
            raise ValueError(
                f"two ok records for the same system and (fold, seed)={key}: "
                f"{rec.get('model')}/{rec.get('features')}/{rec.get('variant')}/"
                f"{rec.get('augmentation')} on {rec.get('corpus')}/{rec.get('protocol')}"
            )
        values[key] = v * spec.scale
        run_ids[key] = str(rec.get("run_id"))
        facts[key] = fold_facts(rec, fold_of)
        recs[key] = rec
        if _int(rec.get("n_folds")):
            declared.append(rec["n_folds"])
    return Summary(metric=spec, values=values, run_ids=run_ids, facts=facts, records=recs,
                   n_folds=max(declared) if declared else None)


def group(
    records: Iterable[Record], fields: Sequence[str]
) -> dict[tuple[Any, ...], list[Record]]:
    """Records by the tuple of ``fields``, keys in stable display order."""
    out: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for rec in records:
        out[system_key(rec, fields)].append(rec)
    ranks = record_ranks(r for recs in out.values() for r in recs)
    keys = sorted(out, key=lambda k: tuple(order_key(f, v, ranks.get(f)) for f, v in zip(fields, k, strict=True)))
    return {k: out[k] for k in keys}


def varying(records: Sequence[Record], fields: Sequence[str]) -> list[str]:
    """The subset of ``fields`` that takes more than one value across ``records``."""
    return [f for f in fields if len({r.get(f) for r in records}) > 1]


def folds_and_seeds(records: Sequence[Record]) -> tuple[int, list[Any]]:
    """(number of distinct folds, sorted distinct seeds) among ``records``; unknown ones ignored."""
    folds = {r.get("fold") for r in records} - {None}
    seeds = sorted({r.get("seed") for r in records} - {None}, key=str)
    return max(1, len(folds)), seeds


def seeds_per_cell(cells: Iterable[Sequence[Record]]) -> tuple[int, int]:
    """(fewest, most) distinct seeds in a cell (a system's records in one column)."""
    counts = [len({r.get("seed") for r in recs}) for recs in cells if recs]
    return (min(counts), max(counts)) if counts else (0, 0)


def mean_ua_by_system(
    records: Iterable[Record], fields: Sequence[str] = SYSTEM_FIELDS, fold_of: FoldOf | None = None
) -> dict[tuple[Any, ...], Summary]:
    return {k: summarise_metric(v, "ua", fold_of) for k, v in group(records, fields).items()}


def protocol_row_fields(records: Sequence[Record], candidates: Sequence[str] = SYSTEM_FIELDS) -> list[str]:
    """Fields naming a row when protocols are compared side by side (model always first).

    The leaky protocol *is* "augment, then split", so its records carry an augmentation the
    clean protocols may not. When every (system without augmentation, protocol) pair has a
    single augmentation, augmentation belongs to the column and is left out of the row;
    otherwise it stays a row field. Fields that never vary are left out as well.
    """
    base = [f for f in candidates if f != "augmentation"]
    augs: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
    for r in records:
        augs[(*system_key(r, base), r.get("protocol"))].add(r.get("augmentation"))
    fields = base if all(len(v) == 1 for v in augs.values()) else list(candidates)
    vary = set(varying(records, fields))
    return [f for f in fields if f == "model" or f in vary]


def best_by_family(
    records: Sequence[Record], fold_of: FoldOf | None = None
) -> dict[str, tuple[tuple[Any, ...], Summary]]:
    """family -> (system key, UA summary) of its inductive system with the highest mean UA.

    Chosen on the test results, so descriptive only. Transductive systems (speaker_norm) are
    left out: they saw the test speakers' features. Exact ties go to the first system in
    display order, so the choice is stable.
    """
    out: dict[str, tuple[tuple[Any, ...], Summary]] = {}
    for fam in FAMILY_ORDER:
        best: tuple[float, tuple[Any, ...], Summary] | None = None
        fam_recs = [r for r in records if r.get("family") == fam]
        systems = group(fam_recs, SYSTEM_FIELDS)
        for key, s in mean_ua_by_system(fam_recs, fold_of=fold_of).items():
            if any(is_transductive(r) for r in systems[key]):
                continue
            iv = s.interval
            if iv is not None and (best is None or iv.mean > best[0]):
                best = (iv.mean, key, s)
        if best is not None:
            out[fam] = (best[1], best[2])
    return out


# ----------------------------------------------------------------------------------- leakage


@dataclass(frozen=True)
class ProtocolColumn:
    """One column of a protocol comparison: a protocol run with one augmentation."""

    protocol: Any
    augmentation: Any
    info: ProtocolInfo | None
    n_folds: int | None

    def matches(self, rec: Record) -> bool:
        return rec.get("protocol") == self.protocol and rec.get("augmentation") == self.augmentation

    @property
    def augmented(self) -> bool:
        return self.augmentation not in (None, "none")


def protocol_columns(records: Sequence[Record]) -> list[ProtocolColumn]:
    """Every (protocol, augmentation) the records hold, in display order."""
    infos = protocol_infos(records)
    pairs = {(r.get("protocol"), r.get("augmentation")) for r in records}
    cols = []
    for p, a in sorted(pairs, key=lambda pa: (order_key("protocol", pa[0]), order_key("augmentation", pa[1]))):
        nf = [r["n_folds"] for r in records if r.get("protocol") == p and _int(r.get("n_folds"))]
        cols.append(ProtocolColumn(p, a, infos.get(p), max(nf) if nf else None))
    return cols


@dataclass(frozen=True)
class LeakPair:
    """A Δ between two columns with the same augmentation that differ in one leak only.

    ``speaker``: random (speaker-dependent) minus speaker-independent protocol, same
    augmentation applied to training only. ``copy``: augment-then-split minus the random
    protocol with that augmentation applied to training only.
    """

    kind: str  # "speaker" | "copy"
    minuend: ProtocolColumn
    subtrahend: ProtocolColumn


def _partner(col: ProtocolColumn, candidates: Sequence[ProtocolColumn]) -> ProtocolColumn | None:
    """Same augmentation; the same number of folds preferred, then display order."""
    same = [c for c in candidates if c.augmentation == col.augmentation]
    if not same:
        return None
    return next((c for c in same if c.n_folds == col.n_folds), same[0])


def leakage_pairs(columns: Sequence[ProtocolColumn]) -> tuple[list[LeakPair], list[str]]:
    """The Δ columns the protocol flags allow, and why others could not be formed.

    Columns without protocol_info enter no Δ (the caption says so separately)."""
    kinds = {c: (c.info.kind if c.info is not None else None) for c in columns}
    clean = [c for c in columns if kinds[c] == "clean"]
    random = [c for c in columns if kinds[c] == "random"]
    pairs: list[LeakPair] = []
    missing: list[str] = []
    for r in random:
        c = _partner(r, clean)
        if c is not None:
            pairs.append(LeakPair("speaker", r, c))
    for leak in (c for c in columns if kinds[c] == "leaky"):
        r = _partner(leak, random)
        if r is not None:
            pairs.append(LeakPair("copy", leak, r))
        else:
            missing.append(
                f"copy leakage of {leak.protocol} (+{leak.augmentation}) needs a random protocol "
                f"with {leak.augmentation} applied to training only, which this run lacks"
            )
    if random and not clean:
        missing.append("speaker leakage needs a speaker-independent protocol, which this run lacks")
    return pairs, missing


def leakage_deltas(
    records: Sequence[Record], fold_of: FoldOf | None = None
) -> tuple[list[str], list[tuple[LeakPair, dict[tuple[Any, ...], float]]]]:
    """(row fields, [(pair, {system key: Δ fold-mean UA})]) for the systems with both columns.

    Uses the protocol table's records when there are any (the designed comparison), else all.
    """
    recs = [r for r in records if "protocol" in (r.get("tables") or ())] or list(records)
    pairs, _missing = leakage_pairs(protocol_columns(recs))
    fields = [f for f in protocol_row_fields(recs) if f != "augmentation"] or ["model"]
    out = []
    for pair in pairs:
        deltas = {}
        for key, srecs in group(recs, fields).items():
            a = summarise_metric([r for r in srecs if pair.minuend.matches(r)], "ua", fold_of).interval
            b = summarise_metric([r for r in srecs if pair.subtrahend.matches(r)], "ua", fold_of).interval
            if a is not None and b is not None:
                deltas[key] = a.mean - b.mean
        if deltas:
            out.append((pair, deltas))
    return fields, out
