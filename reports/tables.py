"""A neutral table (caption, header, rows of cells) rendered to Markdown and booktabs LaTeX.

Every table is built once as a ``Table`` of ``Cell`` objects (value, interval half-width,
pooled value, bold, marker) and only then written out, so the Markdown and the LaTeX version
cannot disagree. ``metric_cells`` turns one column of per-system summaries into cells: bold on
the best (descriptive), and, when the table has a reference system named in advance, a
marker on rows whose paired test against that reference is significant after Holm's
correction over the rows of the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmark.metrics import holm
from reports.aggregate import MetricSpec, Summary
from reports.stats import ALPHA, min_attainable_p
from reports.units import Comparison, UnitScores

WORSE_MARKER = "†"
BETTER_MARKER = "‡"
BUDGET_MARKER = "§"
REFERENCE_TAG = " (ref.)"
MISSING = "–"
#: tables with more columns are scaled to the text width in LaTeX (graphicx \resizebox)
WIDE_COLUMNS = 7

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    # a few non-ASCII symbols captions use, spelled as commands so any TeX engine copes
    "±": r"\textpm{}", "×": r"\texttimes{}", "†": r"\textdagger{}", "–": "--", "—": "---",
    "−": "--", "Δ": r"$\Delta$", "≥": r"$\geq$", "≤": r"$\leq$", "<": r"\textless{}",
    ">": r"\textgreater{}", "‡": r"\textdaggerdbl{}", "§": r"\S{}", "·": r"$\cdot$",
    "≠": r"$\neq$",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIALS))


def latex_escape(text: str) -> str:
    """Escape TeX special characters (and spell a few symbols) in plain text."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)


def _wrap_identifier(line: str, width: int = 12) -> list[str]:
    """Break a long snake_case name after underscores so narrow LaTeX headers stay narrow."""
    if len(line) <= width or "_" not in line:
        return [line]
    out, cur = [], ""
    for part in re.findall(r"[^_]+_?|_", line):
        if cur and len(cur) + len(part) > width:
            out.append(cur)
            cur = ""
        cur += part
    return out + ([cur] if cur else [])


def latex_header(text: str) -> str:
    """A header cell; "\n" in ``text`` (and long identifiers) become stacked lines."""
    lines = [w for line in text.split("\n") for w in _wrap_identifier(line)]
    if len(lines) == 1:
        return latex_escape(lines[0])
    # a nested tabular stacks lines with plain LaTeX (no extra package)
    return r"\begin{tabular}[b]{@{}c@{}}" + r" \\ ".join(latex_escape(x) for x in lines) + r"\end{tabular}"


def markdown_escape(text: str) -> str:
    """Escape what would break a Markdown table cell or start emphasis."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("\n", " ")


@dataclass(frozen=True)
class Cell:
    """One table cell: either a label (``text``) or a number with optional CI half-width."""

    text: str | None = None
    value: float | None = None
    ci: float | None = None
    decimals: int = 1
    bold: bool = False
    marker: str = ""
    signed: bool = False  # show "+" on positive values (differences)
    thousands: bool = False  # "1,234,567"
    pooled: float | None = None  # a second value shown in brackets (pooled UA)

    def number(self, value: float, *, signed: bool | None = None) -> str:
        """Fixed decimals; no "-0.0"; "+" on positive values when ``signed``."""
        if round(value, self.decimals) == 0:
            value = 0.0  # avoid "-0.0"
        sign = "+" if (self.signed if signed is None else signed) and value > 0 else ""
        sep = "," if self.thousands else ""
        return sign + f"{value:{sep}.{self.decimals}f}"

    def plain(self) -> str:
        """Text without emphasis or marker."""
        if self.text is not None:
            return self.text
        if self.value is None:
            return MISSING
        s = self.number(self.value)
        if self.ci is not None:
            s += f" ± {self.number(self.ci, signed=False)}"
        return s

    def _pooled(self) -> str:
        if self.pooled is None:
            return ""
        return f" [{self.number(self.pooled, signed=False)}]"

    def to_markdown(self) -> str:
        if self.text is not None:
            s = markdown_escape(self.text)
            return f"{s} {self.marker}" if self.marker else s
        s = self.plain()
        if self.bold and self.value is not None:
            s = f"**{s}**"
        if self.value is not None:
            s += self._pooled()
        return f"{s} {self.marker}" if self.marker else s

    def to_latex(self) -> str:
        if self.text is not None:
            s = latex_escape(self.text)
            return s + (r"\textsuperscript{" + latex_escape(self.marker) + "}" if self.marker else "")
        if self.value is None:
            return "--"
        s = self.number(self.value)
        if s.startswith("-"):
            s = "$-$" + s[1:]
        if self.ci is not None:
            s += r" $\pm$ " + self.number(self.ci, signed=False)
        if self.bold:
            s = r"\textbf{" + s + "}"
        s += self._pooled()
        if self.marker:
            s += r"\textsuperscript{" + latex_escape(self.marker) + "}"
        return s


@dataclass(frozen=True)
class Table:
    """A captioned grid; the first ``n_label_cols`` columns are labels, the rest numbers."""

    key: str  # unique, file-name safe
    title: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    n_label_cols: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: how to read the columns and rows (what a column holds, how rows are sorted, fold
    #: agreement): printed under the table, so the caption keeps to the table's own facts
    legend: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.key):
            raise ValueError(f"table key must be file-name safe, got {self.key!r}")
        for i, row in enumerate(self.rows):
            if len(row) != len(self.header):
                raise ValueError(f"table {self.key}: row {i} has {len(row)} cells, header {len(self.header)}")

    def to_markdown(self) -> str:
        align = [":--"] * self.n_label_cols + ["--:"] * (len(self.header) - self.n_label_cols)
        lines = [
            "| " + " | ".join(markdown_escape(h.replace("\n", " ")) for h in self.header) + " |",
            "|" + "|".join(align) + "|",
        ]
        lines += ["| " + " | ".join(c.to_markdown() for c in row) + " |" for row in self.rows]
        text = f"{self.caption}\n\n" + "\n".join(lines) + "\n"
        if self.legend:
            text += f"\n_Reading the table:_ {self.legend.strip()}\n"
        if self.notes:
            text += "\n" + "\n".join(f"_Note:_ {n}" for n in self.notes) + "\n"
        return text

    def to_latex(self) -> str:
        spec = "l" * self.n_label_cols + "r" * (len(self.header) - self.n_label_cols)
        caption = self.caption
        below = " ".join(t for t in (self.legend.strip(), *self.notes) if t)
        wide = len(self.header) > WIDE_COLUMNS
        lines = [
            r"\begin{table}[htbp]",
            r"\centering",
            r"\small",
            r"\caption{" + latex_escape(caption) + "}",
            r"\label{tab:" + self.key + "}",
            *([r"\resizebox{\linewidth}{!}{%"] if wide else []),
            r"\begin{tabular}{" + spec + "}",
            r"\toprule",
            " & ".join(latex_header(h) for h in self.header) + r" \\",
            r"\midrule",
        ]
        lines += [" & ".join(c.to_latex() for c in row) + r" \\" for row in self.rows]
        lines += [r"\bottomrule", r"\end{tabular}" + ("}" if wide else "")]
        if below:  # the legend under the table, in small type, outside the caption
            lines += [r"\par\smallskip", r"{\footnotesize " + latex_escape(below) + "}"]
        lines += [r"\end{table}"]
        return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ one column of numbers


@dataclass(frozen=True)
class Tested:
    """A row's comparison with the reference, with its Holm-adjusted p."""

    row: int
    comparison: Comparison
    p_holm: float | None = None


@dataclass(frozen=True)
class Column:
    cells: tuple[Cell, ...]
    reference: int | None = None  # row index of the reference cell in this column
    tested: tuple[Tested, ...] = ()  # every comparison made (untestable ones have p None)

    @property
    def n_tests(self) -> int:
        return sum(t.comparison.p is not None for t in self.tested)


def _display(spec: MetricSpec, value: float) -> float:
    return round(value, spec.decimals)


def metric_cells(
    summaries: Sequence[Summary | None], spec: MetricSpec, *, alpha: float = ALPHA,
    show_ci: bool = True, reference: int | None = None, units: UnitScores | None = None,
    pooled: Sequence[float | None] | None = None,
) -> Column:
    """Cells for one column: mean ± interval half-width, bold on the best, markers vs reference.

    Bold = best mean *as displayed* (highest, or lowest per ``spec.better``), so visible ties
    are all bold; it is chosen on the test results and is descriptive only.
    With ``reference`` (the row of the system named in advance) and ``units``, every other
    row with a value is compared with it by ``UnitScores.compare`` (two-sided sign-flip
    permutation test over the protocol's unit); the p-values of the column are Holm-adjusted
    together and a row is marked † (worse) or ‡ (better) when its adjusted p < ``alpha``.
    ``pooled`` adds a bracketed second value per row (pooled UA).
    """
    intervals = [s.interval if s is not None else None for s in summaries]
    means = [iv.mean if iv is not None else None for iv in intervals]
    bold = [False] * len(summaries)
    sign = 1.0 if spec.better != "lower" else -1.0
    if spec.better in ("higher", "lower") and any(m is not None for m in means):
        present = [i for i, m in enumerate(means) if m is not None]
        best_shown = max(sign * _display(spec, means[i]) for i in present)  # type: ignore[arg-type]
        bold = [m is not None and sign * _display(spec, m) == best_shown for m in means]
    ref = reference if reference is not None and summaries[reference] is not None else None
    markers = [""] * len(summaries)
    tested: list[Tested] = []
    if ref is not None and units is not None and spec.paired_test:
        base = summaries[ref]
        assert base is not None
        raw = [(i, units.compare(base, s)) for i, s in enumerate(summaries) if i != ref and s is not None]
        ps = [c.p for _i, c in raw if c.p is not None]
        adjusted = iter(holm(ps))
        for i, c in raw:
            p_adj = next(adjusted) if c.p is not None else None
            tested.append(Tested(i, c, p_adj))
            if p_adj is not None and p_adj < alpha and c.diff:
                markers[i] = WORSE_MARKER if sign * c.diff < 0 else BETTER_MARKER
    cells = []
    for i, (iv, b, mk) in enumerate(zip(intervals, bold, markers, strict=True)):
        if iv is None:
            cells.append(Cell(value=None))
            continue
        cells.append(Cell(
            value=iv.mean, ci=iv.half_width if show_ci else None, decimals=spec.decimals,
            bold=b, marker=mk, thousands=spec.decimals == 0,
            pooled=pooled[i] if pooled is not None else None,
        ))
    return Column(cells=tuple(cells), reference=ref, tested=tuple(tested))


def power_note(columns: Sequence[Column], alpha: float = ALPHA) -> str | None:
    """A note when some tests could not possibly reach significance (too few units)."""
    weak = sorted({t.comparison.n_units for col in columns for t in col.tested
                   if t.comparison.p is not None and min_attainable_p(t.comparison.n_units) >= alpha})
    untestable = sum(t.comparison.p is None for col in columns for t in col.tested)
    parts = []
    if weak:
        parts.append(
            f"With {', '.join(map(str, weak))} paired unit(s) the two-sided sign-flip test cannot reach "
            f"p < {alpha:g} even before Holm's correction (smallest attainable p = "
            f"{min_attainable_p(max(weak)):.3g}), so a missing marker there is not evidence of equality."
        )
    if untestable:
        parts.append(f"{untestable} comparison(s) had fewer than 2 paired units and were not tested.")
    return " ".join(parts) or None
