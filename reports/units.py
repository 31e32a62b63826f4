"""Scores per independent unit (speaker, session or fold) and pooled UA, for tests and cells.

Utterances of one speaker are not independent, and neither are the folds of one
cross-validation, so a paired test must resample the unit the protocol keeps apart: the
speaker (``protocol_info.unit == "speaker"``), the session (``"session"``), or, under a random
protocol where every speaker is in every fold, the fold (``"fold"``).

- Speaker / session: each record's ``predictions/<run_id>.csv`` is grouped by its
  ``speaker`` / ``session`` column and scored per group with
  ``benchmark.metrics.classification_metrics`` (so the one class-set rule holds per unit);
  a unit's scores over seeds are averaged (a speaker-independent protocol tests each speaker
  once per seed).
- Fold: the records' own per-fold scores, averaged over seeds within a fold index (folds of
  different seeds are re-drawn, so pairing them by index is the conservative choice: k units).

``compare`` runs the two-sided sign-flip permutation test over the units both systems have;
when the protocol's unit cannot be scored (no prediction file, no speaker column) it falls
back to the fold and says why. ``pooled_ua`` gives UA over all test utterances of a seed
(per-fold confusion matrices summed: the same as pooling the predictions).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmark.metrics import classification_metrics, macro_average, ua_from_confusion
from reports.aggregate import Record, Summary, protocol_info, record_classes, weighted_average
from reports.load import ReportError, Run, load_predictions
from reports.stats import paired_p

UnitScoresOf = dict[str, dict[str, float]]  # unit id -> {metric key: value (fraction)}
#: records whose per-unit scores are kept (scores are small; this bounds nothing big)
CACHE_SIZE = 4096


@dataclass(frozen=True)
class Comparison:
    """One row tested against the reference over paired units."""

    unit: str  # the unit actually used
    wanted: str  # the unit the protocol names
    reason: str | None  # why ``unit`` differs from ``wanted``
    n_units: int  # units both systems have
    diff: float | None  # mean over units of (row - reference), display units
    p: float | None  # None: fewer than 2 common units, not tested


@dataclass(frozen=True)
class Pooled:
    """UA over all test utterances of each complete seed, averaged over those seeds."""

    value: float  # display units (%)
    n_seeds: int  # seeds pooled
    n_seeds_total: int  # seeds the system has


def wanted_unit(records: Sequence[Record]) -> tuple[str, str | None]:
    """The unit the records' protocol names, or ("fold", reason) without protocol_info."""
    infos = {protocol_info(r) for r in records}
    if None in infos or not infos:
        return "fold", "records without protocol_info"
    units = {i.unit for i in infos if i is not None}
    if len(units) > 1:
        raise ReportError(f"records of one cell name different test units: {sorted(units)}")
    return units.pop(), None


class UnitScores:
    """Per-unit scores of a run's records, read from prediction CSVs on demand (cached)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._cache: OrderedDict[tuple[str, str], tuple[UnitScoresOf | None, str | None]] = OrderedDict()

    # ------------------------------------------------------------------------- one record

    def record_units(self, rec: Record, unit: str) -> tuple[UnitScoresOf | None, str | None]:
        """(unit id -> scores, None) or (None, why not) for one record and unit kind."""
        key = (str(rec.get("run_id")), unit)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        out = self._score(rec, unit)
        self._cache[key] = out
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return out

    def _score(self, rec: Record, unit: str) -> tuple[UnitScoresOf | None, str | None]:
        rows = load_predictions(self.run, str(rec.get("run_id")))
        if rows is None:
            return None, "prediction files missing"
        if not rows:
            return None, "empty prediction file"
        if unit not in rows[0]:
            return None, f"prediction files without a {unit} column"
        if any(not row[unit] for row in rows):
            return None, f"prediction files with an empty {unit} column"
        by_unit: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for row in rows:
            yt, yp = by_unit[row[unit]]
            yt.append(row["y_true"])
            yp.append(row["y_pred"])
        classes = list(dict.fromkeys([*(rec.get("classes") or []),
                                      *sorted({row["y_true"] for row in rows} | {row["y_pred"] for row in rows})]))
        out: UnitScoresOf = {}
        for u, (yt, yp) in by_unit.items():
            m = classification_metrics(yt, yp, classes)
            out[u] = {"wa": m["wa"], "ua": m["ua"], "macro_f1": m["macro_f1"],
                      "weighted_f1": m["weighted_f1"],
                      "macro_precision": macro_average(m["per_class"], "precision") or 0.0,
                      "weighted_precision": weighted_average(m["per_class"], "precision") or 0.0}
        return out, None

    # ------------------------------------------------------------------------- one system

    def unit_values(self, summary: Summary, unit: str) -> tuple[dict[Hashable, float] | None, str | None]:
        """Unit id -> the summary's metric (display units), seeds averaged within a unit."""
        if unit == "fold":
            by_fold: dict[Hashable, list[float]] = defaultdict(list)
            for (fold, _seed), v in summary.values.items():
                by_fold[fold].append(v)
            return {f: sum(v) / len(v) for f, v in by_fold.items()}, None
        metric_key = summary.metric.unit_key
        if metric_key is None:
            return None, f"{summary.metric.label} is not scored per {unit}"
        per: dict[Hashable, list[float]] = defaultdict(list)
        seen: set[tuple[Any, str]] = set()
        for (_fold, seed), rec in summary.records.items():
            scores, why = self.record_units(rec, unit)
            if scores is None:
                return None, why
            for u, m in scores.items():
                if (seed, u) in seen:
                    raise ReportError(
                        f"{unit} {u!r} is tested in two folds of seed {seed} of one system "
                        f"({rec.get('model')}/{rec.get('features')}, {rec.get('protocol')}); a "
                        f"protocol whose unit is the {unit} tests each {unit} once per seed"
                    )
                seen.add((seed, u))
                per[u].append(m[metric_key] * summary.metric.scale)
        return {u: sum(v) / len(v) for u, v in per.items()}, None

    def compare(self, ref: Summary, other: Summary) -> Comparison:
        """Two-sided sign-flip test of (other - ref) over the units both have."""
        wanted, reason = wanted_unit([*ref.records.values(), *other.records.values()])
        unit = wanted
        a, why_a = self.unit_values(ref, unit)
        b, why_b = self.unit_values(other, unit) if a is not None else (None, None)
        if a is None or b is None:
            reason = why_a or why_b
            unit = "fold"
            a, _ = self.unit_values(ref, unit)
            b, _ = self.unit_values(other, unit)
        assert a is not None and b is not None
        common = sorted(set(a) & set(b), key=str)
        if len(common) < 2:
            return Comparison(unit, wanted, reason, len(common), None, None)
        xa, xb = [a[u] for u in common], [b[u] for u in common]
        diff = float(np.mean(np.subtract(xb, xa)))
        return Comparison(unit, wanted, reason, len(common), diff, paired_p(xb, xa))

    # ------------------------------------------------------------------------- pooled UA

    def pooled_ua(self, records: Sequence[Record]) -> Pooled | None:
        """UA over all test utterances of each seed whose every fold has a record with a
        confusion matrix, averaged over those seeds; None when no seed is complete."""
        by_seed: dict[Any, list[Record]] = defaultdict(list)
        for r in records:
            by_seed[r.get("seed")].append(r)
        declared = [r["n_folds"] for r in records if isinstance(r.get("n_folds"), int)]
        n_folds = max(declared) if declared else None
        values = []
        for recs in by_seed.values():
            folds = {r.get("fold") for r in recs}
            if n_folds is not None and len(folds) < n_folds:
                continue
            total = _summed_confusion(recs)
            if total is not None:
                values.append(ua_from_confusion(total))
        if not values:
            return None
        return Pooled(100.0 * sum(values) / len(values), len(values), len(by_seed))


def _summed_confusion(records: Sequence[Record]) -> np.ndarray | None:
    """Sum of the records' confusion matrices with classes aligned by name; None if one lacks it."""
    classes = record_classes(records)
    index = {c: i for i, c in enumerate(classes)}
    total = np.zeros((len(classes), len(classes)))
    for r in records:
        conf, cls = r.get("confusion"), r.get("classes")
        if not conf or not cls or len(conf) != len(cls):
            return None
        idx = [index[c] for c in cls]
        total[np.ix_(idx, idx)] += np.asarray(conf, dtype=float)
    return total if total.sum() > 0 else None
