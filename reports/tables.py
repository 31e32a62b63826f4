"""A neutral table (caption, header, rows of cells) rendered to Markdown and booktabs LaTeX.

Every table is built once as a ``Table`` of ``Cell`` objects (value, CI half-width, bold,
marker) and only then written out, so the Markdown and the LaTeX version cannot disagree.
``metric_cells`` turns one column of per-system summaries into cells: bold on the best,
a marker on rows significantly worse than the best under a paired test (exact McNemar on
pooled per-utterance predictions when both systems have them, else a sign-flip permutation
test over matched per-fold values).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from reports.aggregate import MetricSpec, Summary
from reports.pooled import Predictions
from reports.stats import min_attainable_p, paired_p

ALPHA = 0.05
WORSE_MARKER = "†"
#: Which test decided a comparison (``Column.tests``).
MCNEMAR = "mcnemar"
PERMUTATION = "permutation"
MISSING = "–"
CELL_NOTE_SHORT = "Mean ± 95 % CI half-width (Student t) over (fold, seed) records."

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    # a few non-ASCII symbols captions use, spelled as commands so any TeX engine copes
    "±": r"\textpm{}", "×": r"\texttimes{}", "†": r"\textdagger{}", "–": "--", "—": "---",
    "−": "--", "Δ": r"$\Delta$", "≥": r"$\geq$", "≤": r"$\leq$", "<": r"\textless{}",
    ">": r"\textgreater{}",
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

    def to_markdown(self) -> str:
        if self.text is not None:
            return markdown_escape(self.text)
        s = self.plain()
        if self.bold and self.value is not None:
            s = f"**{s}**"
        return f"{s} {self.marker}" if self.marker else s

    def to_latex(self) -> str:
        if self.text is not None:
            return latex_escape(self.text)
        if self.value is None:
            return "--"
        s = self.number(self.value)
        if s.startswith("-"):
            s = "$-$" + s[1:]
        if self.ci is not None:
            s += r" $\pm$ " + self.number(self.ci, signed=False)
        if self.bold:
            s = r"\textbf{" + s + "}"
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
        if self.notes:
            text += "\n" + "\n".join(f"_Note:_ {n}" for n in self.notes) + "\n"
        return text

    def to_latex(self) -> str:
        spec = "l" * self.n_label_cols + "r" * (len(self.header) - self.n_label_cols)
        caption = self.caption + ("" if not self.notes else " " + " ".join(self.notes))
        lines = [
            r"\begin{table}[htbp]",
            r"\centering",
            r"\small",
            r"\caption{" + latex_escape(caption) + "}",
            r"\label{tab:" + self.key + "}",
            r"\begin{tabular}{" + spec + "}",
            r"\toprule",
            " & ".join(latex_header(h) for h in self.header) + r" \\",
            r"\midrule",
        ]
        lines += [" & ".join(c.to_latex() for c in row) + r" \\" for row in self.rows]
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
        return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ one column of numbers


@dataclass(frozen=True)
class Column:
    cells: tuple[Cell, ...]
    n_pairs: tuple[int, ...]  # matched pairs used by each permutation test run in this column
    tests: tuple[str, ...] = ()  # MCNEMAR or PERMUTATION, one per comparison actually tested


def _display(spec: MetricSpec, value: float) -> float:
    return round(value, spec.decimals)


def metric_cells(
    summaries: Sequence[Summary | None], spec: MetricSpec, *, alpha: float = ALPHA,
    show_ci: bool = True, predictions: Predictions | None = None,
) -> Column:
    """Cells for one column: mean ± CI half-width, bold on the best, marker on worse rows.

    Best = highest (or lowest, per ``spec.better``) mean *as displayed*, so visible ties are
    all bold. The reference for the test is the best row by unrounded mean (first in row order
    on an exact tie); each other (non-bold) row is compared with it on the (fold, seed) records
    both have. With ``predictions`` and a CSV for every one of those records on both sides, the
    exact McNemar test on the pooled per-utterance predictions decides: marked when p < alpha
    and the row's pooled accuracy is lower. It tests which utterances each system gets right
    (WA-type), whatever the column's metric, so one test serves every score column. Otherwise,
    with at least 2 pairs, the two-sided sign-flip permutation test on the column's per-fold
    values decides: marked when p < alpha and the row's mean over those pairs is worse.
    """
    intervals = [s.interval if s is not None else None for s in summaries]
    means = [iv.mean if iv is not None else None for iv in intervals]
    bold = [False] * len(summaries)
    ref: int | None = None
    if spec.better in ("higher", "lower") and any(m is not None for m in means):
        sign = 1.0 if spec.better == "higher" else -1.0
        present = [i for i, m in enumerate(means) if m is not None]
        best_shown = max(sign * _display(spec, means[i]) for i in present)  # type: ignore[arg-type]
        bold = [m is not None and sign * _display(spec, m) == best_shown for m in means]
        ref = max(present, key=lambda i: (sign * means[i], -i))  # type: ignore[operator]
    markers = [""] * len(summaries)
    n_pairs: list[int] = []
    tests: list[str] = []
    if ref is not None and spec.paired_test:
        sign = 1.0 if spec.better == "higher" else -1.0
        best = summaries[ref]
        assert best is not None
        for i, s in enumerate(summaries):
            if i == ref or s is None or bold[i]:
                continue
            pooled = predictions.compare(best.run_ids, s.run_ids) if predictions is not None else None
            if pooled is not None:
                tests.append(MCNEMAR)
                if pooled.other_is_worse(alpha):
                    markers[i] = WORSE_MARKER
                continue
            common = sorted(set(best.values) & set(s.values), key=str)
            if len(common) < 2:
                continue
            a = [best.values[k] for k in common]
            b = [s.values[k] for k in common]
            n_pairs.append(len(common))
            tests.append(PERMUTATION)
            p = paired_p(a, b)
            if p < alpha and sign * (sum(a) - sum(b)) > 0:
                markers[i] = WORSE_MARKER
    cells = []
    for iv, b, mk in zip(intervals, bold, markers, strict=True):
        if iv is None:
            cells.append(Cell(value=None))
            continue
        cells.append(Cell(
            value=iv.mean, ci=iv.half_width if show_ci else None, decimals=spec.decimals,
            bold=b, marker=mk, thousands=spec.decimals == 0,
        ))
    return Column(cells=tuple(cells), n_pairs=tuple(n_pairs), tests=tuple(tests))


def power_note(n_pairs: Sequence[int], alpha: float = ALPHA) -> str | None:
    """A note when some paired tests could not possibly reach significance."""
    weak = sorted({n for n in n_pairs if min_attainable_p(n) >= alpha})
    if not weak:
        return None
    return (
        f"With {', '.join(map(str, weak))} matched pair(s) the two-sided permutation test cannot reach "
        f"p < {alpha:g} (smallest attainable p = {min_attainable_p(max(weak)):.3g}), so a missing "
        f"{WORSE_MARKER} there is not evidence of equality (with prediction files for both "
        "systems the pooled exact McNemar test decides instead)."
    )
