"""Table cells, Markdown/LaTeX rendering and the bold / significance-marker logic."""

from __future__ import annotations

import pytest

from reports.aggregate import METRICS, Summary
from reports.tables import (
    WORSE_MARKER,
    Cell,
    Table,
    latex_escape,
    latex_header,
    markdown_escape,
    metric_cells,
    power_note,
)

UA = METRICS["ua"]
FIT = METRICS["fit_s"]


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
    col = metric_cells([summary([2.0, 2.2], FIT), summary([1.0, 1.1], FIT)], FIT)
    assert [c.bold for c in col.cells] == [False, True]
    assert all(c.marker == "" for c in col.cells)  # no significance test on times


def test_marker_on_consistently_worse_row_with_enough_pairs():
    best = [0.70, 0.72, 0.68, 0.71, 0.69, 0.73]
    worse = [v - 0.10 + 0.01 * (i % 2) for i, v in enumerate(best)]
    close = [v - 0.005 * (-1) ** i for i, v in enumerate(best)]
    col = metric_cells([summary(best, seeds=(0, 1)), summary(worse, seeds=(0, 1)),
                        summary(close, seeds=(0, 1))], UA)
    assert col.cells[0].bold and col.cells[0].marker == ""
    assert col.cells[1].marker == WORSE_MARKER
    assert col.cells[2].marker == ""
    assert set(col.n_pairs) == {6}
    assert power_note(col.n_pairs) is None


def test_no_marker_when_test_cannot_reach_significance():
    best = [0.70, 0.72, 0.68, 0.71, 0.69]
    worse = [v - 0.20 for v in best]
    col = metric_cells([summary(best), summary(worse)], UA)
    assert col.cells[1].marker == ""  # 5 pairs: smallest two-sided p is 0.0625
    assert "cannot reach" in power_note(col.n_pairs)


def test_no_marker_without_matched_pairs():
    a = Summary(metric=UA, values={(f, 0): 70.0 + f for f in range(6)})
    b = Summary(metric=UA, values={(f, 1): 40.0 + f for f in range(6)})  # other seed: unpaired
    col = metric_cells([a, b], UA)
    assert col.cells[1].marker == "" and col.n_pairs == ()


def test_missing_summary_gives_empty_cell():
    col = metric_cells([summary([0.5, 0.6]), None], UA)
    assert col.cells[1].value is None and not col.cells[1].bold
