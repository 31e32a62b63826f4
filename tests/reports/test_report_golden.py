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


def test_golden_markdown_and_latex(golden_run):
    md = render_report(golden_run, figures=False)
    _check(md.read_text(encoding="utf-8"), "expected_report.md")
    _check(_tex_bundle(golden_run / "tables"), "expected_tables.tex")


def test_rendering_is_deterministic(golden_run, tmp_path):
    first = render_report(golden_run, figures=False).read_text(encoding="utf-8")
    tex = _tex_bundle(golden_run / "tables")
    second = render_report(golden_run, figures=False).read_text(encoding="utf-8")
    assert first == second and tex == _tex_bundle(golden_run / "tables")
