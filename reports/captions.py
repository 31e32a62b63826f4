"""Caption text every table carries, assembled from what the table actually did.

A ``Facts`` object collects, while a table is built, the intervals it shows, the tests it ran
(and on which unit), whether it has a reference named in advance, pooled values, transductive
and budget-bound rows and seeds per cell; ``Facts.text`` turns them into the caption's
statements, so a caption never claims a test, unit or correction the table did not use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmark.metrics import CLASS_SET_RULE
from reports.aggregate import (
    SPLIT_FIELDS,
    SYSTEM_FIELDS,
    MetricSpec,
    ProtocolColumn,
    Record,
    Summary,
    folds_and_seeds,
    group,
    seeds_per_cell,
)
from reports.stats import ALPHA
from reports.tables import BETTER_MARKER, BUDGET_MARKER, REFERENCE_TAG, WORSE_MARKER, Column

INTERVAL_METHOD = (
    "95 % corrected resampled t interval (Nadeau & Bengio 2003: variance × (1/k + n_test/n_train))"
)
POOLED_HOW = (
    "UA over all test utterances of a seed pooled across its folds (summed confusion matrices), "
    "averaged over the seeds with every fold present"
)
TRANSDUCTIVE_NOTE = (
    "each test speaker's features were normalised with that speaker's own unlabelled test "
    "features (params.speaker_norm), so the system saw the test set: not comparable with "
    "inductive rows, and never chosen as a family's best"
)


def _range(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def design(records: Sequence[Record], _cells: Any = None) -> str:
    """"5 folds × 2 seeds (0, 1); records per cell n = 10" (n range when folds failed;
    "1–5 folds (by protocol)" when the table holds protocols with different fold counts)."""
    n_distinct, seeds = folds_and_seeds(records)
    declared = sorted({r["n_folds"] for r in records if isinstance(r.get("n_folds"), int)})
    k = max(declared) if declared else n_distinct
    folds = f"{k} fold{'s' if k != 1 else ''}"
    if len(declared) > 1:
        folds = f"{declared[0]}–{declared[-1]} folds (by protocol)"
    per_system = [len(v) for v in group(records, (*SPLIT_FIELDS, *SYSTEM_FIELDS)).values()]
    seed_text = ", ".join(str(s) for s in seeds)
    return (
        f"{folds} × {len(seeds)} seed{'s' if len(seeds) != 1 else ''} "
        f"({seed_text}); records per cell n = {_range(per_system)}"
    )


def selector_text(selector: Mapping[str, Any]) -> str:
    return " / ".join(f"{k} {v}" for k, v in selector.items()) or "(empty selector)"


@dataclass
class Facts:
    """What one table showed and did, for its caption."""

    table_id: str
    selector: Mapping[str, Any] | None = None
    conflict: bool = False  # merged runs named different references
    pooled: str | None = None  # None | "column" | "brackets" | "not_ua" | "per_class"
    ks: list[int] = field(default_factory=list)  # test sets per shown interval
    ratio_sources: set[str] = field(default_factory=set)
    no_ratio: int = 0  # cells with >= 2 test sets but no n_test / n_train
    units: Counter = field(default_factory=Counter)  # (unit, reason) -> comparisons
    ms: list[int] = field(default_factory=list)  # tests per column (Holm's m)
    ref_problems: list[tuple[str | None, str]] = field(default_factory=list)
    n_ref_columns: int = 0
    seeds: tuple[int, int] = (0, 0)
    n_transductive: int = 0
    deep_rows: int = 0
    budget: Counter = field(default_factory=Counter)  # True / False / None -> deep rows
    flags_missing: list[str] = field(default_factory=list)
    #: rows are compared (bold, reference, Holm) only within each value of this, e.g. "protocol"
    within: str | None = None
    #: replaces the bold / reference / test statement (tables that rank and test nothing)
    descriptive: str | None = None
    #: (tag shown on the row, rows tagged, what it means)
    tags: list[tuple[str, int, str]] = field(default_factory=list)
    _n_untestable: int = 0  # comparisons with fewer than 2 paired units

    # -------------------------------------------------------------------------- collecting

    def add_summaries(self, summaries: Sequence[Summary | None], *, paired: bool) -> None:
        for s in summaries:
            iv = s.interval if s is not None else None
            if iv is None:
                continue
            self.ks.append(iv.n)
            if iv.n >= 2:
                if iv.ratio is None:
                    self.no_ratio += 1
                else:
                    self.ratio_sources.add(iv.ratio_source)

    def add_columns(self, columns: Sequence[Column]) -> None:
        for col in columns:
            if col.reference is not None:
                self.n_ref_columns += 1
            m = col.n_tests
            if m:
                self.ms.append(m)
            for t in col.tested:
                c = t.comparison
                if c.p is not None:
                    self.units[(c.unit, c.reason)] += 1
                else:
                    self._n_untestable += 1

    def add_reference_problem(self, problem: str | None, column: str | None) -> None:
        if problem is not None:
            self.ref_problems.append((column, problem))

    def add_cells(self, cells: Sequence[Sequence[Record]]) -> None:
        lo, hi = seeds_per_cell(cells)
        if hi:
            self.seeds = (min(lo, self.seeds[0]) if self.seeds[1] else lo, max(hi, self.seeds[1]))

    def add_rows(self, rows: Sequence[Any], cells: Sequence[Sequence[Record]] | None) -> None:
        if cells is not None:
            self.add_cells(cells)
        self.n_transductive = sum(r.transductive for r in rows)
        deep = [r for r in rows if r.deep]
        self.deep_rows = len(deep)
        self.budget = Counter(r.budget for r in deep)

    def protocol_flags(self, cols: Sequence[ProtocolColumn]) -> None:
        self.flags_missing = sorted({str(c.protocol) for c in cols if c.info is None})

    # ------------------------------------------------------------------------------ text

    def text(self, specs: Sequence[MetricSpec]) -> str:
        parts = [self._interval(), self._pooled(), f"Class-set rule: {CLASS_SET_RULE}.",
                 self._test(specs), self._tags(), self._transductive(), self._budget(), self._seeds()]
        if self.flags_missing:
            parts.append(
                f"No protocol_info in the records of {', '.join(self.flags_missing)} (they predate "
                "it): their test unit is taken to be the fold and they enter no leakage Δ."
            )
        return " ".join(p for p in parts if p)

    def _interval(self) -> str:
        if not self.ks or max(self.ks) < 2:
            return "Cells: fold means; one test set per cell, so no interval."
        where = " and ".join(sorted(self.ratio_sources)).replace("n_folds", "1/(k_folds − 1)")
        where = f"; n_test/n_train from {where}" if where else ""
        text = (
            f"Cells: fold-mean ± half-width of the {INTERVAL_METHOD} over k = {_range(self.ks)} "
            f"distinct test sets (interval unit: a fold's test set; records sharing a test set, "
            f"i.e. seeds, averaged first{where}); a cell with one test set shows the mean alone"
        )
        if self.no_ratio:
            text += f"; {self.no_ratio} cell(s) show no interval: n_test/n_train unknown"
        return text + "."

    def _pooled(self) -> str:
        if self.pooled == "column":
            return f"The pooled UA column holds {POOLED_HOW}; every other score column holds fold means."
        if self.pooled == "brackets":
            return f"[Brackets]: pooled UA, {POOLED_HOW}; the number before them is the fold mean."
        if self.pooled == "not_ua":
            return "Every score is a fold mean (pooled UA is shown in UA tables only)."
        if self.pooled == "per_class":
            return ("Every precision, recall and F1 is a fold mean over the folds whose test set "
                    "holds the class (pooled UA not shown: the table is per class); support = test "
                    "utterances of the class over all folds of a seed, averaged over the seeds.")
        return "Every score is a fold mean (pooled UA not shown: no record with a confusion matrix)."

    def _test(self, specs: Sequence[MetricSpec]) -> str:
        if self.descriptive is not None:
            return self.descriptive
        within = f" within each {self.within}" if self.within else ""
        bold = f"Bold: best in column{within}, chosen on the test results (descriptive)"
        if any(s.better == "lower" for s in specs):
            bold += "; lowest for times"
        if self.conflict:
            return (f"{bold}. The merged runs name different references for table {self.table_id}: "
                    "no reference, descriptive only, no significance markers.")
        if self.selector is None:
            return (f"{bold}. No reference system named in advance for table {self.table_id} "
                    "(spec.json references): best chosen on test results; descriptive only, no "
                    "significance markers.")
        ref = f"Reference named in advance (spec.json): {selector_text(self.selector)}, tagged{REFERENCE_TAG}"
        if self.within:
            ref += f" (the row it selects within each {self.within})"
        if self.ref_problems:
            where = "; ".join(f"{c}: {p}" if c else p for c, p in self.ref_problems)
            ref += f" (the selector {where}; no markers there)"
        if not self.n_ref_columns:
            return f"{bold}. {ref}. No comparison was possible."
        if not self.units and not self.ms and not self._n_untestable:
            return f"{bold}. {ref}. No other row to test against it."
        untested = [s.label for s in specs if not s.paired_test]
        scope = f" (score columns only, not {', '.join(untested)})" if untested else ""
        if self.units:
            used = "; ".join(
                f"{unit}{f' ({reason})' if reason else ''}: {n} comparison{'s' if n != 1 else ''}"
                for (unit, reason), n in sorted(self.units.items(), key=lambda kv: str(kv[0]))
            )
        else:
            used = "none (no row could be paired with the reference)"
        m = f"m = {_range(self.ms)}" if self.ms else "m = 0"
        return (
            f"{ref}. {WORSE_MARKER} worse / {BETTER_MARKER} better than the reference{scope}: "
            "two-sided sign-flip permutation test of the per-unit difference of the column's "
            "metric over the units both systems have (seeds averaged within a unit); test unit: "
            f"{used}; Holm correction over the rows of each column{within} ({m}; not across "
            f"columns{self._never()}), adjusted p < {ALPHA:g}. {bold}."
        )

    def _never(self) -> str:
        return f"; rows of different {self.within} values are never compared" if self.within else ""

    def _tags(self) -> str:
        return " ".join(f"Rows tagged {tag.strip()} ({n}): {what}." for tag, n, what in self.tags if n)

    def _transductive(self) -> str:
        if not self.n_transductive:
            return "Transductive rows: none."
        return f"Rows tagged (transductive) ({self.n_transductive}): {TRANSDUCTIVE_NOTE}."

    def _budget(self) -> str:
        if not self.deep_rows:
            return ""
        parts = []
        if not self.budget[True] and not self.budget[False]:
            return (f"Budget-bound status not recorded for the {self.budget[None]} deep row(s) "
                    "(records predate fit_info.budget_bound).")
        if self.budget[True]:
            parts.append(
                f"{BUDGET_MARKER}: budget-bound deep row ({self.budget[True]}): in at least one fold "
                "the best validation epoch was the last allowed (fit_info.budget_bound), so it was "
                "still improving when stopped"
            )
        else:
            parts.append("Budget-bound deep rows (fit_info.budget_bound): none")
        if self.budget[None]:
            parts.append(
                f"budget-bound status not recorded for {self.budget[None]} deep row(s) (records "
                "predate fit_info.budget_bound)"
            )
        return "; ".join(parts) + "."

    def _seeds(self) -> str:
        lo, hi = self.seeds
        if not hi:
            return ""
        text = f"Seeds per cell: {lo if lo == hi else f'{lo}–{hi}'}"
        if lo == 1:
            text += (
                "; with one seed the interval holds no training-seed variance (the initialisation "
                "and data-order variance of deep rows is hidden)"
            )
        return text + "."
