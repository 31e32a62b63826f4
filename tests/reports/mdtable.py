"""Read the Markdown tables of a rendered report.md back (for tests)."""

from __future__ import annotations


def md_table(md: str, title: str) -> tuple[str, list[str], list[list[str]]]:
    """(caption, header, body rows) of the Markdown table whose heading contains ``title``."""
    lines = md[md.index(title):].splitlines()
    caption = lines[2]
    rows = []
    for ln in lines[3:]:
        if ln.startswith("|"):
            rows.append([c.strip() for c in ln.strip().strip("|").split(" | ")])
        elif rows:
            break
    return caption, rows[0], rows[2:]


def number(cell: str) -> float:
    """The fold mean of a cell such as "**64.6 ± 14.9** [64.6] †"."""
    return float(cell.replace("*", "").split()[0])
