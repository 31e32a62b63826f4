"""Table cells, Markdown/LaTeX rendering and the bold / significance-marker logic."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.metrics import holm
from reports.aggregate import METRICS, Summary
from reports.load import Run
from reports.tables import (
    BETTER_MARKER,
    BUDGET_MARKER,
    WORSE_MARKER,
    Cell,
    Table,
    latex_escape,
    latex_header,
    markdown_escape,
    metric_cells,
    power_note,
)
from reports.units import UnitScores

UA = METRICS["ua"]
FIT = METRICS["fit_s"]
#: records without protocol_info: the unit is the fold, read from the summaries' values
UNITS = UnitScores(Run(run_dir=Path("."), records=()))


def summary(values, spec=UA, seeds=(0,)):
    """Summary over folds 0..k-1 (x seeds), values given in display units / spec.scale."""
    keys = [(f, s) for s in seeds for f in range(len(values) // len(seeds))]
    return Summary(metric=spec, values={k: v * spec.scale for k, v in zip(keys, values, strict=True)})


# ------------------------------------------------------------------------------ escaping


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a_b", r"a\_b"),
        ("50% & $x$ #1", r"50\% \& \$x\$ \#1"),
        ("{x}", r"\{x\}"),
        ("~^", r"\textasciitilde{}\textasciicircum{}"),
        ("back\\slash", r"back\textbackslash{}slash"),
        ("± †", r"\textpm{} \textdagger{}"),
    ],
)
def test_latex_escape(raw, escaped):
    assert latex_escape(raw) == escaped


def test_latex_escape_is_single_pass():
    # the backslash produced for "_" must not be escaped again
    assert latex_escape("\\_") == r"\textbackslash{}\_"


def test_latex_header_stacks_lines_and_wraps_long_names():
    assert latex_header("UA") == "UA"
    h = latex_header("leaky_augment_then_split\n(pts)")
    assert h.startswith(r"\begin{tabular}") and h.count(r"\\") == 3
    assert r"leaky\_" in h and "(pts)" in h


def test_markdown_escape_pipes_and_stars():
    assert markdown_escape("a|b*c") == r"a\|b\*c"


# ---------------------------------------------------------------------------------- cells


def test_cell_formatting():
    assert Cell(value=61.234, ci=4.04).plain() == "61.2 ± 4.0"
    assert Cell(value=-0.04).plain() == "0.0"  # never "-0.0"
    assert Cell(value=3.0, signed=True).plain() == "+3.0"
    assert Cell(value=-3.0, signed=True).plain() == "-3.0"
    assert Cell(value=1234567, decimals=0, thousands=True).plain() == "1,234,567"
    assert Cell(value=None).plain() == "–"
    c = Cell(value=50.0, ci=2.0, bold=True, marker=WORSE_MARKER)
    assert c.to_markdown() == "**50.0 ± 2.0** †"
    assert c.to_latex() == r"\textbf{50.0 $\pm$ 2.0}\textsuperscript{\textdagger{}}"
    assert Cell(value=-2.5, signed=True).to_latex() == "$-$2.5"
    assert Cell(text="emotech_cnn_bilstm").to_latex() == r"emotech\_cnn\_bilstm"


def test_table_markdown_and_latex_share_rows():
    t = Table(
        key="t1", title="T", caption="Cap_tion 5%", header=("model", "UA (%)"),
        rows=((Cell(text="svm"), Cell(value=60.0, ci=1.0, bold=True)),
              (Cell(text="cnn"), Cell(value=50.0, ci=1.0, marker=WORSE_MARKER))),
    )
    md, tex = t.to_markdown(), t.to_latex()
    assert "| svm | **60.0 ± 1.0** |" in md and "| cnn | 50.0 ± 1.0 † |" in md
    assert r"\toprule" in tex and r"\bottomrule" in tex and r"\caption{Cap\_tion 5\%}" in tex
    assert r"svm & \textbf{60.0 $\pm$ 1.0} \\" in tex
    assert tex.count(r" \\") == 3  # header + 2 rows


def test_table_rejects_ragged_rows_and_bad_keys():
    with pytest.raises(ValueError):
        Table(key="t", title="", caption="", header=("a", "b"), rows=((Cell(text="x"),),))
    with pytest.raises(ValueError):
        Table(key="bad key/", title="", caption="", header=("a",), rows=())


# --------------------------------------------------------------------- bold and markers


def test_bold_marks_the_highest_mean_and_display_ties():
    col = metric_cells([summary([0.50, 0.52]), summary([0.6, 0.62]), summary([0.61, 0.6099])], UA)
    assert [c.bold for c in col.cells] == [False, True, True]  # 61.0 and 60.995 both show 61.0


def test_bold_marks_the_lowest_time():
    col = metric_cells([summary([2.0, 2.2], FIT), summary([1.0, 1.1], FIT)], FIT, reference=0, units=UNITS)
    assert [c.bold for c in col.cells] == [False, True]
    assert all(c.marker == "" for c in col.cells) and col.tested == ()  # no test on times


def test_no_reference_no_markers():
    best = [0.70, 0.72, 0.68, 0.71, 0.69, 0.73, 0.70]
    col = metric_cells([summary(best), summary([v - 0.2 for v in best])], UA, units=UNITS)
    assert col.tested == () and all(c.marker == "" for c in col.cells)


def test_markers_against_the_reference_with_holm():
    ref = [0.60, 0.62, 0.58, 0.61, 0.59, 0.63, 0.60]  # 7 folds: exact min p = 2/128 = 0.0156
    worse = [v - 0.10 for v in ref]
    better = [v + 0.10 for v in ref]
    mixed = [v + 0.01 * (-1) ** i for i, v in enumerate(ref)]
    col = metric_cells([summary(worse), summary(ref), summary(better), summary(mixed)], UA,
                       reference=1, units=UNITS)
    assert col.reference == 1 and [t.row for t in col.tested] == [0, 2, 3]
    raw = [t.comparison.p for t in col.tested]
    assert raw[0] == pytest.approx(2 / 128) and raw[1] == pytest.approx(2 / 128)
    # Holm over the 3 rows of the column: 3 x 0.0156 = 0.047 (< 0.05) for the first of the tie
    assert [t.p_holm for t in col.tested] == pytest.approx(holm(raw))
    assert col.tested[0].p_holm == pytest.approx(3 * 2 / 128)
    assert [c.marker for c in col.cells] == [WORSE_MARKER, "", BETTER_MARKER, ""]
    assert col.cells[2].bold and not col.cells[1].bold  # bold is descriptive, not the reference
    assert {t.comparison.unit for t in col.tested} == {"fold"}


def test_holm_removes_a_marker_the_raw_p_would_give():
    ref = [0.60, 0.62, 0.58, 0.61, 0.59, 0.63]  # 6 folds: min p = 2/64 = 0.031 < 0.05
    rows = [summary([v - 0.1 for v in ref]), summary(ref), summary([v - 0.2 for v in ref])]
    col = metric_cells(rows, UA, reference=1, units=UNITS)
    assert all(t.comparison.p == pytest.approx(2 / 64) for t in col.tested)
    assert all(t.p_holm == pytest.approx(2 * 2 / 64) for t in col.tested)  # 0.0625: no marker
    assert [c.marker for c in col.cells] == ["", "", ""]


def test_power_note_when_test_cannot_reach_significance():
    best = [0.70, 0.72, 0.68, 0.71, 0.69]
    col = metric_cells([summary(best), summary([v - 0.20 for v in best])], UA, reference=0, units=UNITS)
    assert col.cells[1].marker == ""  # 5 units: smallest two-sided p is 0.0625
    assert "cannot reach" in power_note([col])


def test_no_common_units_is_not_tested():
    a = Summary(metric=UA, values={(f, 0): 70.0 + f for f in range(6)})
    b = Summary(metric=UA, values={(f + 10, 0): 40.0 + f for f in range(6)})  # other folds
    col = metric_cells([a, b], UA, reference=0, units=UNITS)
    assert col.cells[1].marker == "" and col.tested[0].comparison.p is None and col.n_tests == 0
    assert "fewer than 2 paired units" in power_note([col])


def test_missing_summary_gives_empty_cell():
    col = metric_cells([summary([0.5, 0.6]), None], UA)
    assert col.cells[1].value is None and not col.cells[1].bold


def test_pooled_value_in_brackets_and_budget_marker_on_labels():
    c = Cell(value=60.44, ci=8.3, pooled=61.26, bold=True, marker=WORSE_MARKER)
    assert c.to_markdown() == "**60.4 ± 8.3** [61.3] †"
    assert c.to_latex() == r"\textbf{60.4 $\pm$ 8.3} [61.3]\textsuperscript{\textdagger{}}"
    label = Cell(text="emoaugnet", marker=BUDGET_MARKER)
    assert label.to_markdown() == "emoaugnet §" and label.to_latex() == r"emoaugnet\textsuperscript{\S{}}"
