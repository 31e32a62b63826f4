"""Golden tables: the checked-in records render to exactly the checked-in Markdown and LaTeX.

Regenerate on purpose (after a deliberate change to the report) with
    SERBENCH_REGEN_GOLDEN=1 python -m pytest tests/reports/test_report_golden.py
and review the diff of tests/reports/golden/expected_*. The records themselves come from
tests/reports/golden/make_records.py (see its docstring).
"""

from __future__ import annotations

import os
from pathlib import Path

from reports.render import render_report

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("SERBENCH_REGEN_GOLDEN") == "1"


def _tex_bundle(tables_dir: Path) -> str:
    """Every .tex file, sorted by name, each preceded by a header line naming it."""
    parts = []
    for p in sorted(tables_dir.glob("*.tex")):
        parts.append(f"%%%% file: {p.name}\n{p.read_text(encoding='utf-8')}")
    return "".join(parts)


def _check(actual: str, name: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from the rendered output; if the change is intended, regenerate with "
        "SERBENCH_REGEN_GOLDEN=1 and review the diff"
    )


def test_golden_markdown_and_latex(golden_report):
    _check((golden_report / "report.md").read_text(encoding="utf-8"), "expected_report.md")
    _check(_tex_bundle(golden_report / "tables"), "expected_tables.tex")


def test_rendering_is_deterministic(golden_run, golden_report):
    # a second render (another copy of the run) gives the same bytes as the first
    again = render_report(golden_run, figures=False).read_text(encoding="utf-8")
    assert again == (golden_report / "report.md").read_text(encoding="utf-8")
    assert _tex_bundle(golden_run / "tables") == _tex_bundle(golden_report / "tables")


def test_every_caption_states_what_a_reviewer_needs(golden_report):
    """The methods once at the top (interval and unit, test and unit, Holm, pooled UA, class-set
    rule, tags); each caption only its table's own facts, short: design, the reference and its
    number of comparisons (or that it is descriptive), intervals or none, seeds."""
    doc = (golden_report / "tables" / "report.tex").read_text(encoding="utf-8")
    methods = doc[doc.index(r"\subsection*{Methods}"):doc.index(r"\input{")]
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    for text in (methods, md[md.index("## Methods"):md.index("## Summary")]):
        for needed in ("interval", "test set", "sign-flip permutation test", "Holm",
                       "Pooled UA", "Class-set rule", "ransductive", "budget-bound", "n\\_fit"
                       if text is methods else "n_fit"):
            assert needed in text, needed
    captions = []
    for p in sorted((golden_report / "tables").glob("*.tex")):
        if p.name == "report.tex":
            continue
        tex = p.read_text(encoding="utf-8")
        captions.append((p.name, tex[tex.index(r"\caption{"):tex.index(r"\label{")]))
    assert len(captions) == 17
    for name, cap in captions:
        assert r"\texttimes{}" in cap and "records per cell" in cap, name  # folds × seeds
        assert "test sets" in cap or "no interval" in cap, name
        assert "Seeds per cell" in cap, name
        assert "Holm correction" not in cap and "Class-set rule" not in cap, name  # in Methods
        if "Reference (named in advance)" in cap:
            assert "Holm m =" in cap or "No other row" in cap or "No comparison" in cap, name
        else:
            assert "descriptive only" in cap, name
        words = len(cap.split())
        assert words <= 90, (name, words)
    # median about 60 words (LaTeX escapes such as "\\texttimes{}" count as words here)
    assert sorted(len(c.split()) for _n, c in captions)[len(captions) // 2] <= 70
    named = {n for n, c in captions if "Reference (named in advance)" in c}
    assert named == {
        "compare__synthetic.tex", "paper003_table7__synthetic.tex", "paper003_table9__synthetic.tex",
        "paper004_table3.tex", "paper004_table4__synthetic__speaker_kfold5.tex",
        "features__synthetic__random_kfold5.tex", "features__synthetic__speaker_kfold5.tex",
        "paper000_table1__synthetic__speaker_kfold5.tex", "paper000_table3__synthetic__speaker_kfold5.tex",
        "paper002__synthetic__speaker_kfold5.tex", "protocol__synthetic.tex",
    }
