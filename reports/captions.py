"""Caption text every table carries, assembled from what the table actually did, and the
report's one "Methods" section that says once how every table's numbers were made.

A ``Facts`` object collects, while a table is built, the intervals it shows, the tests it ran
(and on which unit), whether it has a reference named in advance, pooled values, transductive
and budget-bound rows, seeds per cell and the training-set sizes of the final fits;
``Facts.text`` turns them into the caption's short statements of the table's own facts (the
reference, the number of comparisons and their units, the tags that occur), so a caption never
claims a test, unit or correction the table did not use. The methods themselves (interval,
test, Holm, pooled UA, class-set rule, the tags' meanings) are stated once by
:func:`methods_lines`, at the top of ``report.md`` and of the LaTeX document.
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


def methods_lines() -> list[str]:
    """The statistical methods every table uses, one statement each (Markdown list items
    without the bullet; the LaTeX document prints the same sentences)."""
    return [
        f"Cells: fold-mean ± half-width of the {INTERVAL_METHOD} over a cell's distinct test sets "
        "(unit: a fold's test set; records sharing a test set, i.e. seeds, averaged first); a cell "
        "with one test set shows the mean alone. With one seed the interval holds no training-seed "
        "variance.",
        f"Pooled UA (a column of its own, or [in brackets] after the fold mean): {POOLED_HOW}.",
        f"Class-set rule: {CLASS_SET_RULE}.",
        f"Significance: every row is tested against a reference named in advance in the suite "
        f"(spec.json references), tagged{REFERENCE_TAG}, by a two-sided sign-flip permutation test "
        "of the per-unit difference of the column's metric over the units both systems have (the "
        "speaker or session under a speaker-independent protocol, else the fold; seeds averaged "
        f"within a unit), Holm-corrected over the rows of each column (not across columns, never "
        f"across blocks of a table): {WORSE_MARKER} worse / {BETTER_MARKER} better at adjusted "
        f"p < {ALPHA:g}. Times and parameter counts are not tested. A table without a reference "
        "is descriptive.",
        "Bold: the best value of a column (lowest for times), chosen on the test results: "
        "descriptive.",
        f"Tags: (transductive): {TRANSDUCTIVE_NOTE}; {BUDGET_MARKER.strip()}: a budget-bound deep "
        "row: in at least one fold the best validation epoch was the last allowed "
        "(fit_info.budget_bound), so it was still improving when stopped.",
        "Training data: a classical model chooses its hyper-parameters by cross-validation over "
        "the training speakers (the library default is kept unless a candidate beats it by more "
        "than one standard error of the paired per-fold difference) and refits on the whole "
        "training side; a deep model early-stops on the validation speakers and, under the ci and "
        "default budgets, then refits on the whole training side for the best epoch count. "
        "fit_info.n_fit records the utterances each final model was fitted on.",
    ]


def n_fit_text(cells: Sequence[Sequence[Record]]) -> tuple[str, list[bool]]:
    """The caption's statement of the final fits' training-set sizes and, per row (cell), whether
    its ``fit_info.n_fit`` differs from the classical rows' in some fold (same corpus, protocol,
    fold and seed). Classical records refit on the whole training side, so they are the yardstick."""
    def key(r: Record) -> tuple[Any, ...]:
        return tuple(r.get(f) for f in ("corpus", "label_set", "protocol", "fold", "seed"))

    def n_fit(r: Record) -> Any:
        info = r.get("fit_info")
        return info.get("n_fit") if isinstance(info, dict) else None

    classical: dict[tuple[Any, ...], set[Any]] = {}
    for cell in cells:
        for r in cell:
            if r.get("family") == "classical" and n_fit(r) is not None:
                classical.setdefault(key(r), set()).add(n_fit(r))
    flags, unknown, sizes = [], 0, []
    for cell in cells:
        differs = False
        for r in cell:
            n = n_fit(r)
            if n is None:
                unknown += 1
                continue
            sizes.append(int(n))
            yard = classical.get(key(r))
            differs |= bool(yard) and n not in yard
        flags.append(differs)
    if not sizes:
        return "Final-fit sizes not recorded (fit_info.n_fit).", flags
    text = f"Final fits: n_fit = {_range(sizes)} per fold"
    n_diff = sum(flags)
    text += (f";{NFIT_TAG} ({n_diff}): unlike the classical rows' in some fold"
             if n_diff else ", equal across families in every fold")
    if unknown:
        text += f"; {unknown} record(s) without n_fit"
    return text + ".", flags


#: appended to a row whose final fit saw a different number of utterances than the classical
#: rows of the same fold
NFIT_TAG = " (≠n)"


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
    #: further short statements of this table's own (e.g. the final fits' n_fit)
    extra: list[str] = field(default_factory=list)
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
        """The table's own facts (the methods are in the report's Methods section)."""
        parts = [self._test(specs), self._interval(), self._pooled(), self._tags(),
                 self._transductive(), self._budget(), self._seeds(), *self.extra]
        if self.flags_missing:
            parts.append(f"No protocol_info in the records of {', '.join(self.flags_missing)}: "
                         "test unit taken to be the fold, no leakage Δ.")
        return " ".join(p for p in parts if p)

    def _interval(self) -> str:
        if not self.ks or max(self.ks) < 2:
            return "One test set per cell: no interval."
        text = f"Intervals over k = {_range(self.ks)} test sets"
        if "n_folds" in self.ratio_sources:  # a fallback, not the method: say it here
            text += " (n_test/n_train taken as 1/(k_folds − 1) where sizes are not recorded)"
        if self.no_ratio:
            text += f"; none in {self.no_ratio} cell(s) (n_test/n_train unknown)"
        return text + "."

    def _pooled(self) -> str:
        if self.pooled == "column":
            return "Pooled UA in its own column."
        if self.pooled == "brackets":
            return "[Brackets]: pooled UA."
        if self.pooled == "per_class":
            return ("Per-class fold means over the folds whose test set holds the class; support = "
                    "test utterances of the class per seed.")
        return ""

    def _test(self, specs: Sequence[MetricSpec]) -> str:
        if self.descriptive is not None:
            return self.descriptive
        within = f" within each {self.within}" if self.within else ""
        if self.conflict:
            return (f"The merged runs name different references for table {self.table_id}: "
                    "descriptive only, no markers.")
        if self.selector is None:
            return "No reference named in advance: descriptive only, no markers."
        ref = f"Reference (named in advance): {selector_text(self.selector)}{REFERENCE_TAG.rstrip()}"
        if self.within:
            ref += f"{within}"
        if self.ref_problems:
            where = "; ".join(f"{c}: {p}" if c else p for c, p in self.ref_problems)
            ref += f" (the selector {where}; no markers there)"
        if not self.n_ref_columns:
            return f"{ref}. No comparison was possible."
        if not self.units and not self.ms and not self._n_untestable:
            return f"{ref}. No other row to test against it."
        n = sum(self.units.values())
        used = ", ".join(
            f"{unit}{f' ({reason})' if reason else ''} {k}"
            for (unit, reason), k in sorted(self.units.items(), key=lambda kv: str(kv[0]))
        ) or "none could be paired"
        m = f"Holm m = {_range(self.ms)} per column" if self.ms else "Holm m = 0"
        return f"{ref}; {n} paired test{'s' if n != 1 else ''} (unit: {used}), {m}."

    def _never(self) -> str:
        return f"; rows of different {self.within} values are never compared" if self.within else ""

    def _tags(self) -> str:
        used = [f"{tag.strip()} ({n})" for tag, n, _what in self.tags if n]
        return f"Tags: {', '.join(used)}." if used else ""

    def tag_meanings(self) -> str:
        """What each tag that occurs means (for the table's legend)."""
        return " ".join(f"{tag.strip()}: {what}." for tag, n, what in self.tags if n)

    def _transductive(self) -> str:
        if not self.n_transductive:
            return ""
        return f"Transductive rows: {self.n_transductive} (see Methods)."

    def _budget(self) -> str:
        if not self.deep_rows:
            return ""
        if not self.budget[True] and not self.budget[False]:
            return f"Budget-bound status not recorded for {self.budget[None]} deep row(s)."
        if not self.budget[True]:
            return (f"Budget-bound status not recorded for {self.budget[None]} deep row(s)."
                    if self.budget[None] else "")
        text = f"{BUDGET_MARKER.strip()} budget-bound: {self.budget[True]} of {self.deep_rows} deep row(s)"
        if self.budget[None]:
            text += f" ({self.budget[None]} not recorded)"
        return text + "."

    def _seeds(self) -> str:
        lo, hi = self.seeds
        if not hi:
            return ""
        return f"Seeds per cell: {lo if lo == hi else f'{lo}–{hi}'}."
