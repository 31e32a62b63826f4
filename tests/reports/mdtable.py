"""Read the Markdown tables of a rendered report.md back (for tests)."""

from __future__ import annotations

LEGEND = "_Reading the table:_ "


def md_table(md: str, title: str) -> tuple[str, list[str], list[list[str]]]:
    """(caption, header, body rows) of the Markdown table whose heading contains ``title``; the
    caption is followed by the table's legend (the paragraph under it), which is what the
    table says about itself beyond the Methods section."""
    lines = md[md.index(title):].splitlines()
    caption = lines[2]
    rows = []
    end = len(lines)
    for k, ln in enumerate(lines[3:], start=3):
        if ln.startswith("|"):
            rows.append([c.strip() for c in ln.strip().strip("|").split(" | ")])
        elif rows:
            end = k
            break
    legend = next((ln[len(LEGEND):] for ln in lines[end:end + 2] if ln.startswith(LEGEND)), "")
    return (f"{caption} {legend}" if legend else caption), rows[0], rows[2:]


def said(table) -> str:
    """A ``reports.tables.Table``'s caption and legend, as a reader sees them together."""
    return f"{table.caption} {table.legend}"


def number(cell: str) -> float:
    """The fold mean of a cell such as "**64.6 ± 14.9** [64.6] †"."""
    return float(cell.replace("*", "").split()[0])
