"""What the report says about a split's audit and about the corpus's shortcuts.

Both come from the run folder only: an imported split's audit from the records'
``protocol_info`` (``audit``: verdict and counts), the shortcut probes from ``shortcuts.json``
(``Run.shortcuts``, written by the run's parent when a job asks for the ``shortcuts`` table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reports.aggregate import Record, protocol_info
from reports.tables import Cell, Table

TABLE_ID = "shortcuts"


def _where(s: Mapping[str, Any]) -> str:
    ls = f" (label set {s['label_set']})" if s.get("label_set") else ""
    return f"corpus {s.get('corpus')}{ls}, protocol {s.get('protocol')}, seed {s.get('seed')}"


def audit_lines(records: Iterable[Record]) -> list[str]:
    """One summary line per (corpus, protocol) whose records carry an imported split's audit."""
    seen: dict[tuple[Any, Any], str] = {}
    for r in records:
        info = protocol_info(r)
        if info is not None and info.audit:
            seen.setdefault((r.get("corpus"), r.get("protocol")), info.audit_summary or info.audit)
    return [f"- Imported split audit, {p} on {c}: {text}" for (c, p), text in sorted(seen.items(), key=str)]


def confound_lines(sets: Sequence[Mapping[str, Any]]) -> list[str]:
    """The summary's line per probe set: the properties named as possible confounds, or none."""
    out = []
    for s in sets:
        named = [p for p in s.get("probes", ()) if p.get("name") in (s.get("confounds") or ())]
        if named:
            parts = [f"{p['name']} (UA {100 * p['ua']:.1f} %, 95 % interval {100 * p['low']:.1f}–"
                     f"{100 * p['high']:.1f}, chance {100 * p['chance']:.1f})" for p in named]
            out.append(f"- Possible confounds ({_where(s)}): {'; '.join(parts)}: these file properties "
                       "predict the label above chance without any emotional content (see the shortcuts table)")
        else:
            out.append(f"- Shortcut probes ({_where(s)}): no file property predicts the label clearly above chance")
    return out


def shortcut_tables(sets: Sequence[Mapping[str, Any]]) -> list[Table]:
    """One table per probe set: property, UA and its interval, chance, named or not."""
    tables = []
    for s in sets:
        rows = []
        for p in s.get("probes", ()):
            note = "constant" if p.get("constant") else ("possible confound" if p.get("confound") else "–")
            rows.append((Cell(text=str(p["name"])), Cell(value=100 * p["ua"]), Cell(value=100 * p["low"]),
                         Cell(value=100 * p["high"]), Cell(value=100 * p["chance"]), Cell(text=note)))
        key = "__".join(str(x) for x in (TABLE_ID, s.get("corpus"), s.get("label_set"), s.get("protocol"),
                                         f"seed{s.get('seed')}") if x not in (None, ""))
        tables.append(Table(
            key="".join(ch if ch.isalnum() or ch in "_.-" else "-" for ch in key),
            title=f"Shortcut probes — {_where(s)}",
            caption=(f"Shortcut probes, {_where(s)}: how well each non-emotional file property, alone "
                     f"and all together, predicts the label under the run's folds ({s.get('method', '')}). "
                     "UA in %; a property whose interval's lower bound lies at least half a point above "
                     "chance is a possible confound. Above chance means the property and the label are "
                     "associated in this corpus, not that the property carries no emotion."),
            header=("property", "UA (%)", "95 % low", "95 % high", "chance (%)", "note"),
            rows=tuple(rows), n_label_cols=1,
        ))
    return tables


def shortcuts_layout() -> Any:
    """The catalogue's builder for the ``shortcuts`` table id (reads ``ctx.shortcuts``)."""
    def build(table_id: str, records: Sequence[Record], ctx: Any) -> list[Table]:
        return shortcut_tables(getattr(ctx, "shortcuts", ()) or ())

    return build
