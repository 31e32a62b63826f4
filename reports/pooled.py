"""Pooled per-utterance comparison of two systems: the exact McNemar test behind the † marker.

Per-fold scores give too few pairs for a paired test (5 folds × 1 seed: the smallest two-sided
sign-flip p is 0.0625), but each record's ``predictions/<run_id>.csv`` holds one prediction per
test utterance. ``Predictions.compare`` pools two systems' predictions over the (fold, seed)
records both have, matches utterances by (seed, utt_id) (a seed's folds partition its test
utterances, while different seeds may test the same utterance again) and runs
``benchmark.metrics.mcnemar_exact`` on the utterances both predicted. Results are cached per
pair of record sets and the last few pooled systems are kept, so a column's reference system
is read once while memory stays bounded on large runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reports.load import ReportError, Run, load_predictions
from reports.stats import mcnemar_exact

PairKey = tuple[Any, Any]  # (fold, seed), as reports.aggregate.pair_key
#: utterance key -> (y_true, y_pred); the key is (seed, utt_id)
Pooled = dict[tuple[str, str], tuple[str, str]]
#: Pooled systems kept in memory (the current references of a table's columns, mostly).
POOLED_CACHE_SIZE = 16


@dataclass(frozen=True)
class PooledComparison:
    """Exact McNemar on the pooled predictions both systems have (``ref`` vs ``other``)."""

    n_records: int  # matched (fold, seed) records pooled per system
    n_utts: int  # utterances both systems predicted
    acc_ref: float  # pooled accuracy (fraction correct) of the reference over those utterances
    acc_other: float
    p: float

    def other_is_worse(self, alpha: float) -> bool:
        return self.p < alpha and self.acc_other < self.acc_ref


class Predictions:
    """Prediction CSVs of one run, read on demand."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._pooled: OrderedDict[tuple[tuple[str, str], ...], Pooled | None] = OrderedDict()
        self._cache: dict[tuple[tuple[str, ...], tuple[str, ...]], PooledComparison | None] = {}

    def pooled(self, run_ids: Mapping[PairKey, str]) -> Pooled | None:
        """Predictions of the given records, keyed by (seed, utt_id); None if any CSV is missing."""
        key = tuple(sorted((str(k), r) for k, r in run_ids.items()))
        if key in self._pooled:
            self._pooled.move_to_end(key)
            return self._pooled[key]
        out = self._read(run_ids)
        self._pooled[key] = out
        if len(self._pooled) > POOLED_CACHE_SIZE:
            self._pooled.popitem(last=False)
        return out

    def _read(self, run_ids: Mapping[PairKey, str]) -> Pooled | None:
        out: Pooled = {}
        for (_fold, seed), run_id in sorted(run_ids.items(), key=lambda kv: str(kv[0])):
            rows = load_predictions(self.run, run_id)
            if rows is None:
                return None
            for row in rows:
                key = (str(seed), row["utt_id"])
                if key in out:
                    # one seed's folds must not test an utterance twice: the pooling (and the
                    # records' own scores) would count it twice
                    raise ReportError(
                        f"{self.run.predictions_path(run_id)}: utterance {row['utt_id']!r} of seed "
                        f"{seed} also appears in another fold's predictions of the same system"
                    )
                out[key] = (row["y_true"], row["y_pred"])
        return out

    def compare(
        self, ref: Mapping[PairKey, str], other: Mapping[PairKey, str]
    ) -> PooledComparison | None:
        """McNemar between two systems (``{(fold, seed): run_id}`` each) on pooled predictions.

        None when they share no (fold, seed) record, a shared record lacks its CSV, or no
        utterance was predicted by both: the caller then falls back to a per-fold test.
        """
        common = sorted(set(ref) & set(other), key=str)
        if not common:
            return None
        cache_key = (tuple(ref[k] for k in common), tuple(other[k] for k in common))
        if cache_key not in self._cache:
            self._cache[cache_key] = self._compare(
                {k: ref[k] for k in common}, {k: other[k] for k in common}
            )
        return self._cache[cache_key]

    def _compare(self, ref: Mapping[PairKey, str], other: Mapping[PairKey, str]) -> PooledComparison | None:
        a, b = self.pooled(ref), self.pooled(other)
        if a is None or b is None:
            return None
        utts = sorted(set(a) & set(b))
        if not utts:
            return None
        for u in utts:
            if a[u][0] != b[u][0]:
                raise ReportError(
                    f"utterance {u[1]!r} (seed {u[0]}) has y_true {a[u][0]!r} in run "
                    f"{_run_of(ref, u[0])} but {b[u][0]!r} in run {_run_of(other, u[0])}: the "
                    "two systems were not scored against the same labels"
                )
        y_true = [a[u][0] for u in utts]
        pred_a, pred_b = [a[u][1] for u in utts], [b[u][1] for u in utts]
        n = len(utts)
        return PooledComparison(
            n_records=len(ref), n_utts=n,
            acc_ref=sum(p == t for p, t in zip(pred_a, y_true, strict=True)) / n,
            acc_other=sum(p == t for p, t in zip(pred_b, y_true, strict=True)) / n,
            p=mcnemar_exact(y_true, pred_a, pred_b),
        )


def _run_of(run_ids: Mapping[PairKey, str], seed: str) -> str:
    """The run ids of one seed (for error messages)."""
    return "/".join(sorted(r for (_f, s), r in run_ids.items() if str(s) == seed))
