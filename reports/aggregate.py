"""Group ok records into "systems" and summarise a metric over their folds and seeds.

A *system* is one (corpus, label_set, protocol, model, features, variant, augmentation); its
observations are its records, one per (fold, seed). Metric definitions (how to read a value
off a record, display scale, which direction is better, whether a paired test applies) live in
``METRICS`` so tables and figures use one definition. Orderings for stable output live here too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.stats import Interval, t_interval

Record = Mapping[str, Any]

#: Fields that name a system within one corpus/protocol (the rows of most tables).
SYSTEM_FIELDS = ("model", "features", "variant", "augmentation")
#: Fields that split tables (one table per distinct value tuple).
SPLIT_FIELDS = ("corpus", "label_set", "protocol")

# Known names, in the order tables list them; unknown names follow, sorted.
MODEL_ORDER = (
    "dummy", "svm", "gmm", "hmm", "knn", "tree", "xgb", "mlp",
    "cnn", "lstm", "bilstm", "emotech_cnn_bilstm", "dilated_cnn_bilstm", "emoaugnet",
    "dycnn_bilstm_attn", "cnn_bilstm", "cnn_lstm_attn",
)
FEATURE_ORDER = (
    "mfcc13_stats", "mfcc13_frames", "mfcc39_frames", "logmel128_frames", "egemaps_v02",
    "compare_2016", "emotech141", "zcr_rms_mfcc_frames",
)
VARIANT_ORDER = (
    "default", "full", "relu", "elu", "dynamic", "dynamic_attention", "dynamic_no_attention",
    "static", "static_attention", "static_no_attention", "no_attention",
)
AUGMENTATION_ORDER = ("none", "noise", "pitch", "stretch", "shift", "paper000", "paper001")
PROTOCOL_ORDER = (
    "speaker_kfold5", "speaker_loso", "session_loso", "cross_corpus", "random_kfold5",
    "random_holdout_80_10_10", "leaky_augment_then_split",
)
#: Protocols whose test speakers never appear in training, best first (figures use the first
#: one present for "the speaker-independent protocol").
SPEAKER_INDEPENDENT = ("speaker_kfold5", "speaker_loso", "session_loso", "cross_corpus")
FAMILY_ORDER = ("classical", "deep")
_ORDERS: dict[str, Sequence[str]] = {
    "model": MODEL_ORDER, "features": FEATURE_ORDER, "variant": VARIANT_ORDER,
    "augmentation": AUGMENTATION_ORDER, "protocol": PROTOCOL_ORDER, "family": FAMILY_ORDER,
}


def order_key(field_name: str, value: Any) -> tuple[int, int, str]:
    """Sort key: missing values first, then the known order, then by name."""
    if value is None:
        return (0, 0, "")
    known = _ORDERS.get(field_name, ())
    s = str(value)
    return (1, known.index(s), s) if s in known else (2, 0, s)


def sort_values(field_name: str, values: Iterable[Any]) -> list[Any]:
    return sorted(set(values), key=lambda v: order_key(field_name, v))


# ---------------------------------------------------------------------------------- metrics


def _field(name: str) -> Callable[[Record], float | None]:
    def get(rec: Record) -> float | None:
        v = rec.get(name)
        if v is None or isinstance(v, bool):
            return None
        try:
            v = float(v)
        except (TypeError, ValueError):
            return None
        return v if math.isfinite(v) else None

    return get


def _macro_precision(rec: Record) -> float | None:
    """Unweighted mean of per-class precision (classes in ``classes`` order when given)."""
    per_class = rec.get("per_class")
    if not isinstance(per_class, Mapping) or not per_class:
        return None
    labels = rec.get("classes") or sorted(per_class)
    vals = []
    for label in labels:
        p = per_class.get(label, {})
        v = p.get("precision") if isinstance(p, Mapping) else None
        if v is None:
            return None
        vals.append(float(v))
    return sum(vals) / len(vals)


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is read, shown and compared."""

    key: str
    label: str  # column header
    get: Callable[[Record], float | None]
    scale: float = 1.0  # multiply for display (fractions -> percent)
    decimals: int = 1
    better: str | None = "higher"  # "higher" | "lower" | None (no bold)
    paired_test: bool = True  # mark rows significantly worse than the column's best
    unit: str = ""


METRICS: dict[str, MetricSpec] = {
    m.key: m
    for m in (
        MetricSpec("wa", "WA (%)", _field("wa"), scale=100.0),
        MetricSpec("ua", "UA (%)", _field("ua"), scale=100.0),
        MetricSpec("macro_f1", "macro F1 (%)", _field("macro_f1"), scale=100.0),
        MetricSpec("weighted_f1", "weighted F1 (%)", _field("weighted_f1"), scale=100.0),
        MetricSpec("macro_precision", "macro precision (%)", _macro_precision, scale=100.0),
        MetricSpec("macro_recall", "macro recall = UA (%)", _field("ua"), scale=100.0),
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


# ---------------------------------------------------------------------------------- systems


def system_key(rec: Record, fields: Sequence[str] = SYSTEM_FIELDS) -> tuple[Any, ...]:
    return tuple(rec.get(f) for f in fields)


def pair_key(rec: Record) -> tuple[Any, Any]:
    """What makes two systems' records comparable: the same fold of the same seed."""
    return (rec.get("fold"), rec.get("seed"))


@dataclass(frozen=True)
class Summary:
    """One metric of one system: values by (fold, seed) and their t interval (display units).

    ``run_ids`` names the record behind each value (same keys), so a pooled per-utterance test
    can find the records' prediction CSVs.
    """

    metric: MetricSpec
    values: dict[tuple[Any, Any], float] = field(default_factory=dict)
    run_ids: dict[tuple[Any, Any], str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def interval(self) -> Interval | None:
        return t_interval(list(self.values.values())) if self.values else None


def summarise_metric(records: Iterable[Record], metric: MetricSpec | str) -> Summary:
    """Collect ``metric`` (scaled) per (fold, seed); records lacking it are left out.

    Two records with the same (fold, seed) would make pairing ambiguous: that is an error.
    """
    spec = METRICS[metric] if isinstance(metric, str) else metric
    values: dict[tuple[Any, Any], float] = {}
    run_ids: dict[tuple[Any, Any], str] = {}
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
    return Summary(metric=spec, values=values, run_ids=run_ids)


def group(
    records: Iterable[Record], fields: Sequence[str]
) -> dict[tuple[Any, ...], list[Record]]:
    """Records by the tuple of ``fields``, keys in stable display order."""
    out: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for rec in records:
        out[system_key(rec, fields)].append(rec)
    keys = sorted(out, key=lambda k: tuple(order_key(f, v) for f, v in zip(fields, k, strict=True)))
    return {k: out[k] for k in keys}


def varying(records: Sequence[Record], fields: Sequence[str]) -> list[str]:
    """The subset of ``fields`` that takes more than one value across ``records``."""
    return [f for f in fields if len({r.get(f) for r in records}) > 1]


def folds_and_seeds(records: Sequence[Record]) -> tuple[int, list[Any]]:
    """(number of distinct folds, sorted distinct seeds) among ``records``; unknown ones ignored."""
    folds = {r.get("fold") for r in records} - {None}
    seeds = sorted({r.get("seed") for r in records} - {None}, key=str)
    return max(1, len(folds)), seeds


def mean_ua_by_system(
    records: Iterable[Record], fields: Sequence[str] = SYSTEM_FIELDS
) -> dict[tuple[Any, ...], Summary]:
    return {k: summarise_metric(v, "ua") for k, v in group(records, fields).items()}


def protocol_row_fields(records: Sequence[Record], candidates: Sequence[str] = SYSTEM_FIELDS) -> list[str]:
    """Fields naming a row when protocols are compared side by side (model always first).

    The leaky protocol *is* "augment, then split", so its records carry an augmentation the
    clean protocols do not. When every (system without augmentation, protocol) pair has a
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


def column_augmentations(records: Sequence[Record], protocol: Any) -> list[Any]:
    """Augmentations used under ``protocol`` other than "none" (for column headers)."""
    return sort_values(
        "augmentation",
        (r.get("augmentation") for r in records
         if r.get("protocol") == protocol and r.get("augmentation") not in (None, "none")),
    )


def best_by_family(records: Sequence[Record]) -> dict[str, tuple[tuple[Any, ...], Summary]]:
    """family -> (system key, UA summary) of its system with the highest mean UA.

    Exact ties go to the first system in display order, so the choice is stable.
    """
    out: dict[str, tuple[tuple[Any, ...], Summary]] = {}
    for fam in FAMILY_ORDER:
        best: tuple[float, tuple[Any, ...], Summary] | None = None
        for key, s in mean_ua_by_system([r for r in records if r.get("family") == fam]).items():
            iv = s.interval
            if iv is not None and (best is None or iv.mean > best[0]):
                best = (iv.mean, key, s)
        if best is not None:
            out[fam] = (best[1], best[2])
    return out
