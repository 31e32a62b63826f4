"""Write a run's report: ``report.md``, ``tables/*.tex`` (+ ``tables/report.tex``),
``figures/*.png`` and ``results.csv``, all from the run folder(s) (records, prediction CSVs,
fold files, spec.json, skipped.csv).

Output is deterministic for a given run folder (no timestamps, stable ordering), which is
what the golden tests rely on. ``render_report`` is the entry point the CLI and runner call;
it takes one run folder or several (merged by ``reports.merge.load_runs``: records whose
folds agree are reported together, systems whose folds differ are refused and listed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reports import captions, plots
from reports.aggregate import (
    SPLIT_FIELDS,
    SYSTEM_FIELDS,
    Record,
    best_by_family,
    fit_info,
    folds_and_seeds,
    group,
    is_transductive,
    leakage_deltas,
    protocol_info,
    protocol_label,
    sort_values,
)
from reports.catalogue import build_tables
from reports.layouts import Context
from reports.load import Run, write_results_csv
from reports.merge import load_runs
from reports.shortcuts import audit_lines, confound_lines
from reports.stats import Interval
from reports.tables import BUDGET_MARKER, Table, latex_escape, markdown_escape
from reports.units import UnitScores

REPORT_MD = "report.md"
RESULTS_CSV = "results.csv"
TABLES_DIR = "tables"
FIGURES_DIR = "figures"
LATEX_MAIN = "report.tex"


def render_report(
    run_dirs: Path | str | Sequence[Path | str], out: Path | str | None = None, *,
    figures: bool = True,
) -> Path:
    """Render one report for one run folder or several, and return the path of ``report.md``.

    ``run_dirs``: a run folder, or a sequence of them (merged: records whose fold hashes agree
    are reported together; a system whose folds differ from those already merged is refused
    and listed in the report). ``out``: the folder to write into; defaults to the run folder
    when there is one, and is required for several.
    """
    dirs = [Path(run_dirs)] if isinstance(run_dirs, str | Path) else [Path(d) for d in run_dirs]
    if not dirs:
        raise ValueError("render_report needs at least one run folder")
    if out is None:
        if len(dirs) > 1:
            raise ValueError("several run folders need an output folder (out=...)")
        out = dirs[0]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run = load_runs(dirs)
    for r in run.refused:  # a merge that leaves records out says so where the user looks
        import sys

        print(f"warning: report leaves out {r.system} from {r.run_dir.name} ({r.n_records} record(s)): "
              f"{r.reason}", file=sys.stderr)
    ctx = Context.for_run(run)
    tables = build_tables(run.ok, ctx)
    tex_files = write_latex(tables, out / TABLES_DIR, title=_title(run))
    write_results_csv(run.records, out / RESULTS_CSV)
    figs: list[plots.FigureFile] = []
    if figures:
        figs = plots.render_figures(run, out / FIGURES_DIR, fold_of=ctx.fold_of)
    md = report_markdown(run, tables, figs, tex_files, ctx=ctx)
    path = out / REPORT_MD
    path.write_text(md, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------- LaTeX


def _clear(folder: Path, pattern: str) -> None:
    """Remove our own stale outputs so a re-render never mixes old and new tables."""
    if folder.is_dir():
        for f in sorted(folder.glob(pattern)):
            f.unlink()


def write_latex(tables: Sequence[tuple[str, list[Table]]], folder: Path, *, title: str) -> list[Path]:
    """One ``<key>.tex`` per table and a compilable ``report.tex`` that inputs them all."""
    folder.mkdir(parents=True, exist_ok=True)
    _clear(folder, "*.tex")
    written = []
    for _tid, group_tables in tables:
        for t in group_tables:
            path = folder / f"{t.key}.tex"
            path.write_text(t.to_latex(), encoding="utf-8")
            written.append(path)
    main = [
        r"% Compile from this folder: pdflatex report.tex",
        r"\documentclass[a4paper,10pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{booktabs}",
        r"\usepackage{graphicx}",
        r"\begin{document}",
        r"\section*{" + latex_escape(title) + "}",
        r"\subsection*{Methods}",
        r"\begin{itemize}",
        *(r"\item " + latex_escape(m) for m in captions.methods_lines()),
        r"\end{itemize}",
    ]
    main += [r"\input{" + p.name + "}" for p in written]
    if not written:
        main.append("No successful jobs, so no tables.")
    main.append(r"\end{document}")
    main_path = folder / LATEX_MAIN
    main_path.write_text("\n".join(main) + "\n", encoding="utf-8")
    return written + [main_path]


# -------------------------------------------------------------------------------- Markdown


def _title(run: Run) -> str:
    suites = sorted({str(r["suite"]) for r in run.records if r.get("suite")})
    return "serbench report" + (f": suite {', '.join(suites)}" if suites else "")


def _fmt_list(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values) if values else "–"


def _summary(run: Run, ctx: Context) -> list[str]:
    recs = run.records
    ok = run.ok
    counts = {s: sum(r["status"] == s for r in recs) for s in ("ok", "failed", "skipped")}
    corpora = []
    for (corpus, label_set), _ in group(recs, ("corpus", "label_set")).items():
        corpora.append(f"{corpus}" + (f" (label set {label_set})" if label_set else ""))
    protocols = []
    for p in sort_values("protocol", (r["protocol"] for r in recs)):
        nf = [r["n_folds"] for r in recs if r["protocol"] == p and isinstance(r.get("n_folds"), int)]
        folds = max(nf) if nf else folds_and_seeds([r for r in recs if r["protocol"] == p])[0]
        protocols.append(f"{_protocol_name(p, recs)} ({folds} fold{'s' if folds != 1 else ''})")
    seeds = folds_and_seeds(recs)[1]
    models = []
    for m in sort_values("model", (r["model"] for r in recs)):
        fams = sorted({str(r.get("family")) for r in recs if r["model"] == m and r.get("family")})
        models.append(f"{m}" + (f" ({'/'.join(fams)})" if fams else ""))
    features = sort_values("features", (r.get("features") for r in recs if r.get("features")))
    shas = sorted({str(r["git_sha"]) for r in recs if r.get("git_sha")})
    devices = sorted({str(r["device"]) for r in recs if r.get("device")})
    lines = ["## Summary", ""]
    if len(run.run_dirs) > 1:
        lines.append(f"- Run folders merged: {_fmt_list([d.name for d in run.run_dirs])}")
    lines += [
        f"- Corpus: {_fmt_list(corpora)}",
        f"- Protocols: {_fmt_list(protocols)}",
        f"- Seeds: {_fmt_list(seeds)} ({len(seeds)} seed{'s' if len(seeds) != 1 else ''})",
        f"- Models: {_fmt_list(models)}",
        f"- Features: {_fmt_list(features)}",
        f"- Jobs: {len(recs)} records: {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['skipped']} skipped",
    ]
    if shas or devices:
        lines.append(f"- Code: git {_fmt_list(shas)}; device(s): {_fmt_list(devices)}")
    if run.n_superseded:
        lines.append(f"- {run.n_superseded} earlier attempt(s) of re-run jobs superseded by their latest record")
    if run.torn_lines:
        lines.append(
            f"- Ignored {len(run.torn_lines)} line(s) of records.jsonl that are not valid JSON "
            f"(a write cut short by a kill, or text not written by serbench): line(s) "
            f"{_fmt_list(run.torn_lines)}"
        )
    lines += [f"- Protocol replaced: {note}" for note in (run.spec.get("protocol_fallbacks") or ())]
    lines += _skipped_lines(run)
    lines += _refused_lines(run)
    lines += audit_lines(recs) + confound_lines(run.shortcuts)
    lines.append("")
    if ok:
        lines += _headline(run, ctx)
    else:
        lines += ["No job finished successfully, so there are no tables or figures.", ""]
    return lines


def _protocol_name(protocol: Any, records: Sequence[Record]) -> str:
    """The protocol as the report names it: an imported split that leaks says so."""
    infos = [protocol_info(r) for r in records if r.get("protocol") == protocol]
    leaky = next((i for i in infos if i is not None and i.leaky_split), None)
    return protocol_label(protocol, leaky)


def _skipped_lines(run: Run) -> list[str]:
    """Counts of skipped.csv by stage and reason (files rejected at load, failed features)."""
    if not run.skipped:
        return []
    by = Counter((r["stage"] or "–", r["reason"] or "–") for r in run.skipped)
    parts = [f"{stage}: {reason} ({n})" for (stage, reason), n in sorted(by.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))]
    return [f"- Skipped files (skipped.csv): {len(run.skipped)}, by stage and reason: {'; '.join(parts)}"]


def _refused_lines(run: Run) -> list[str]:
    out = []
    for r in run.refused:
        out.append(f"- Refused from {r.run_dir.name}: {r.system} ({r.n_records} record(s)): {r.reason}")
    for tid in run.reference_conflicts:
        out.append(f"- The merged runs name different references for table {tid}: it has no markers")
    return out


def _system_name(key: tuple[Any, ...]) -> str:
    return " / ".join(str(v) for v in key if v not in (None, "", "none", "default"))


def _pm(iv: Interval | None) -> str:
    if iv is None:
        return "–"
    return f"{iv.mean:.1f}" + (f" ± {iv.half_width:.1f}" if iv.half_width is not None else "")


def _pooled(units: UnitScores | None, records: Sequence[Record]) -> str:
    p = units.pooled_ua(records) if units is not None else None
    return "–" if p is None else f"{p.value:.1f}"


def _headline(run: Run, ctx: Context) -> list[str]:
    lines = [
        "### Headline",
        "",
        "Best classical and best deep system (model / features / variant / augmentation) by "
        "fold-mean UA (%) per protocol, chosen on the test results: descriptive only, no test "
        "(transductive systems, params.speaker_norm, are never chosen). Fold-mean UA ± half-width "
        "of the 95 % corrected resampled t interval over the fold test sets (Nadeau & Bengio "
        "2003); pooled UA over all test utterances of a seed, averaged over seeds. Δ = deep minus "
        "classical fold-mean UA in percentage points.",
        "",
        "| corpus | protocol | best classical | fold-mean UA (%) | pooled UA (%) | best deep | fold-mean UA (%) | pooled UA (%) | Δ (pts) |",
        "|:--|:--|:--|--:|--:|:--|--:|--:|--:|",
    ]
    for (corpus, label_set, protocol), recs in group(run.ok, SPLIT_FIELDS).items():
        best = best_by_family(recs, ctx.fold_of)
        systems = group(recs, SYSTEM_FIELDS)
        c, d = best.get("classical"), best.get("deep")
        cells = [markdown_escape(plots.corpus_label(corpus, label_set)), _protocol_name(protocol, recs)]
        for fam in (c, d):
            if fam is None:
                cells += ["–", "–", "–"]
            else:
                cells += [markdown_escape(_system_name(fam[0])), _pm(fam[1].interval),
                          _pooled(ctx.units, systems[fam[0]])]
        if c and d:
            cells.append(f"{d[1].interval.mean - c[1].interval.mean:+.1f}")
        else:
            cells.append("–")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += _leakage_lines(run.ok, ctx)
    return lines


def _leakage_lines(records: Sequence[Record], ctx: Context) -> list[str]:
    """Mean over systems of the speaker- and copy-leakage Δ (fold-mean UA, pts)."""
    out = []
    for (corpus, label_set), recs in group(records, ("corpus", "label_set")).items():
        _fields, found = leakage_deltas(recs, ctx.fold_of)
        for pair, deltas in found:
            vals = list(deltas.values())
            aug = f" with {pair.minuend.augmentation}" if pair.minuend.augmented else ""
            how = ("same augmentation, applied to training only" if pair.kind == "speaker"
                   else "augment-then-split vs augmentation applied to training only")
            out.append(
                f"- {pair.kind.capitalize()} leakage on {plots.corpus_label(corpus, label_set)}{aug}: "
                f"{pair.minuend.protocol} − {pair.subtrahend.protocol} ({how}) = "
                f"{sum(vals) / len(vals):+.1f} pts fold-mean UA on average over {len(vals)} "
                f"system(s) (range {min(vals):+.1f} to {max(vals):+.1f})."
            )
    return out + [""] if out else []


# ------------------------------------------------------------------------------------ notes


def _system_where(rec: Record) -> str:
    name = _system_name(tuple(rec.get(f) for f in SYSTEM_FIELDS))
    return f"{name} ({rec.get('protocol')})"


def _quote(value: Any) -> str:
    return f'"{value}"'


def _selection_lines(records: Sequence[Record]) -> list[str]:
    """How each side used its training/validation data, in the records' own words."""
    classical: dict[str, Counter] = {}
    deep: dict[str, Counter] = {}
    for r in records:
        info = fit_info(r)
        model = str(r.get("model"))
        if r.get("family") == "classical":
            sel = info.get("selection")
            if isinstance(sel, dict) and sel.get("method") is not None:
                words = f"selection.method {_quote(sel['method'])}"
                for k in ("scheme", "metric", "rule"):  # rule: the default-vs-best margin
                    if sel.get(k) is not None:
                        words += f", {k} {_quote(sel[k])}"
            else:
                words = "no fit_info.selection recorded"
            classical.setdefault(model, Counter())[words] += 1
        elif r.get("family") == "deep":
            val = info.get("validation")
            words = f"validation {_quote(val)}" if val is not None else "no fit_info.validation recorded"
            for k in ("monitor", "stop_reason"):
                if info.get(k) is not None:
                    words += f", {k} {_quote(info[k])}"
            if (r.get("params") or {}).get("epoch_items") is not None:
                # augmented copies on the training side, epochs as long as the sources
                words += ", epochs of the source count (params.epoch_items)"
            deep.setdefault(model, Counter())[words] += 1
    lines = []
    for title, table in (("Classical rows (fit_info.selection: hyper-parameter choice on the "
                          "training side)", classical),
                         ("Deep rows (fit_info.validation: the data held out for early stopping)", deep)):
        if not table:
            continue
        lines.append(f"- {title}:")
        for model in sort_values("model", table):
            uses = "; ".join(f"{w} ({n} record{'s' if n != 1 else ''})"
                             for w, n in sorted(table[model].items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"  - {markdown_escape(model)}: {markdown_escape(uses)}")
    return lines


def _edge_lines(records: Sequence[Record]) -> list[str]:
    """Classical systems whose chosen hyper-parameter sits on an edge of its grid."""
    recs = [r for r in records if r.get("family") == "classical"]
    recorded = [r for r in recs if isinstance(fit_info(r).get("selection"), dict)
                and "on_edge" in fit_info(r)["selection"]]
    if not recs:
        return []
    if not recorded:
        return ["- Grid edges: not recorded (no classical record has fit_info.selection.on_edge)."]
    hits: dict[tuple[str, str], Counter] = {}
    totals: Counter = Counter()
    for r in recorded:
        where = _system_where(r)
        totals[where] += 1
        sel = fit_info(r)["selection"]
        for name in sel.get("on_edge") or []:
            chosen = (sel.get("chosen") or {}).get(name)
            hits.setdefault((where, str(name)), Counter())[str(chosen)] += 1
    if not hits:
        return [f"- Grid edges: no chosen hyper-parameter sits on a grid edge ({len(recorded)} classical record(s) checked)."]
    lines = ["- Chosen hyper-parameters on a grid edge (fit_info.selection.on_edge; the grid may be too narrow):"]
    for (where, name), chosen in sorted(hits.items()):
        n = sum(chosen.values())
        values = ", ".join(f"{v} ×{c}" for v, c in sorted(chosen.items()))
        lines.append(f"  - {markdown_escape(where)}: {markdown_escape(name)} in {n} of {totals[where]} record(s) (chosen {markdown_escape(values)})")
    unrecorded = len(recs) - len(recorded)
    if unrecorded:
        lines.append(f"  - {unrecorded} classical record(s) do not record on_edge.")
    return lines


def _budget_lines(records: Sequence[Record]) -> list[str]:
    deep = [r for r in records if r.get("family") == "deep"]
    if not deep:
        return []
    bound: Counter = Counter()
    total: Counter = Counter()
    unknown = 0
    for r in deep:
        flag = fit_info(r).get("budget_bound")
        if flag is None:
            unknown += 1
            continue
        total[_system_where(r)] += 1
        bound[_system_where(r)] += bool(flag)
    lines = []
    hit = {k: v for k, v in bound.items() if v}
    if hit:
        lines.append(f"- {BUDGET_MARKER} Budget-bound deep systems (fit_info.budget_bound: still improving when stopped):")
        lines += [f"  - {markdown_escape(k)}: {v} of {total[k]} record(s)" for k, v in sorted(hit.items())]
    elif total:
        lines.append(f"- Budget-bound deep records: none of {sum(total.values())}.")
    if unknown:
        lines.append(f"- Budget-bound status not recorded for {unknown} deep record(s) (they predate fit_info.budget_bound).")
    return lines


def _transductive_lines(records: Sequence[Record]) -> list[str]:
    names = sorted({_system_where(r) for r in records if is_transductive(r)})
    if not names:
        return []
    return [f"- Transductive systems (params.speaker_norm: each test speaker scaled by its own unlabelled "
            f"test features; tagged in every table, never a family's best): {markdown_escape(_fmt_list(names))}."]


def _notes(run: Run) -> list[str]:
    ok = run.ok
    lines = _selection_lines(ok) + _edge_lines(ok) + _budget_lines(ok) + _transductive_lines(ok)
    return ["## Notes", "", *lines, ""] if lines else []


def _failures(run: Run) -> list[str]:
    bad = run.not_ok
    if not bad:
        return []
    lines = [
        "## Failures",
        "",
        f"{len(bad)} job(s) did not produce results (first line of the error, at most 200 characters).",
        "",
        "| status | corpus | protocol | model | features | variant | augmentation | fold | seed | run_id | error |",
        "|:--|:--|:--|:--|:--|:--|:--|--:|--:|:--|:--|",
    ]
    fields = ("status", "corpus", "protocol", "model", "features", "variant", "augmentation", "fold", "seed", "run_id")
    key = [*SPLIT_FIELDS, *SYSTEM_FIELDS, "seed", "fold", "run_id"]
    for r in sorted(bad, key=lambda r: tuple(str(r.get(k)) for k in key)):
        err = str(r.get("error") or "").strip().splitlines()
        first = err[0][:200] if err else "–"
        cells = ["–" if r.get(f) is None else str(r.get(f)) for f in fields]
        lines.append("| " + " | ".join(markdown_escape(c) for c in [*cells, first]) + " |")
    return lines + [""]


def _figure_lines(f: plots.FigureFile) -> list[str]:
    rel = f"{FIGURES_DIR}/{f.path.name}"
    return [f"![{markdown_escape(f.title)}]({rel})", "", f"*{markdown_escape(f.caption)}*", ""]


def report_markdown(
    run: Run, tables: Sequence[tuple[str, list[Table]]], figures: Sequence[plots.FigureFile],
    tex_files: Sequence[Path] = (), *, ctx: Context | None = None,
) -> str:
    ctx = ctx if ctx is not None else Context.for_run(run)
    lines = [f"# {_title(run)}", "", "## Methods", "",
             "How every table below was computed; each caption states only its table's own facts.", ""]
    lines += [f"- {markdown_escape(m)}" for m in captions.methods_lines()] + [""]
    lines += _summary(run, ctx)
    placed = {f.table_id for f in figures if f.table_id is not None} & {tid for tid, _ in tables}
    if tables:
        lines += ["## Tables", ""]
        n = 0
        for tid, group_tables in tables:
            lines += [f"### {markdown_escape(tid)}", ""]
            for t in group_tables:
                n += 1
                lines += [
                    f"#### Table {n}. {markdown_escape(t.title)}",
                    "",
                    t.to_markdown().rstrip("\n"),
                    "",
                    f"LaTeX: [{TABLES_DIR}/{t.key}.tex]({TABLES_DIR}/{t.key}.tex)",
                    "",
                ]
            # a table's own figure (the compare dot plot) follows its tables
            for f in figures:
                if f.table_id == tid:
                    lines += _figure_lines(f)
        if tex_files:
            lines += [f"All tables in one document: [{TABLES_DIR}/{LATEX_MAIN}]({TABLES_DIR}/{LATEX_MAIN}).", ""]
    rest = [f for f in figures if f.table_id not in placed]
    if rest:
        lines += ["## Figures", ""]
        for f in rest:
            lines += _figure_lines(f)
    lines += _notes(run)
    lines += _failures(run)
    return "\n".join(lines).rstrip("\n") + "\n"
