"""Write a run's report: ``report.md``, ``tables/*.tex`` (+ ``tables/report.tex``),
``figures/*.png`` and ``results.csv``, all from ``records.jsonl`` (and prediction CSVs).

Output is deterministic for a given records file (no timestamps, stable ordering), which is
what the golden tests rely on. ``render_report`` is the entry point the CLI and runner call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reports import plots
from reports.aggregate import (
    SPLIT_FIELDS,
    SYSTEM_FIELDS,
    Record,
    best_by_family,
    folds_and_seeds,
    group,
    mean_ua_by_system,
    protocol_row_fields,
    sort_values,
)
from reports.layouts import build_tables, inflated_protocols, reference_protocol
from reports.load import Run, load_run, write_results_csv
from reports.pooled import Predictions
from reports.stats import paired_p
from reports.tables import CELL_NOTE_SHORT, Table, latex_escape, markdown_escape

REPORT_MD = "report.md"
RESULTS_CSV = "results.csv"
TABLES_DIR = "tables"
FIGURES_DIR = "figures"
LATEX_MAIN = "report.tex"


def render_report(run_dir: Path, *, figures: bool = True) -> Path:
    """Render everything for ``run_dir`` and return the path of ``report.md``."""
    run_dir = Path(run_dir)
    run = load_run(run_dir)
    predictions = Predictions(run)
    tables = build_tables(run.ok, predictions)
    tex_files = write_latex(tables, run_dir / TABLES_DIR, title=_title(run))
    write_results_csv(run.records, run_dir / RESULTS_CSV)
    figs: list[plots.FigureFile] = []
    if figures:
        figs = plots.render_figures(run, run_dir / FIGURES_DIR)
    md = report_markdown(run, tables, figs, tex_files, predictions=predictions)
    out = run_dir / REPORT_MD
    out.write_text(md, encoding="utf-8")
    return out


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
        r"\begin{document}",
        r"\section*{" + latex_escape(title) + "}",
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


def _summary(run: Run, predictions: Predictions) -> list[str]:
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
        protocols.append(f"{p} ({folds} fold{'s' if folds != 1 else ''})")
    seeds = folds_and_seeds(recs)[1]
    models = []
    for m in sort_values("model", (r["model"] for r in recs)):
        fams = sorted({str(r.get("family")) for r in recs if r["model"] == m and r.get("family")})
        models.append(f"{m}" + (f" ({'/'.join(fams)})" if fams else ""))
    features = sort_values("features", (r.get("features") for r in recs if r.get("features")))
    shas = sorted({str(r["git_sha"]) for r in recs if r.get("git_sha")})
    devices = sorted({str(r["device"]) for r in recs if r.get("device")})
    lines = [
        "## Summary",
        "",
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
            f"- Ignored {len(run.torn_lines)} unreadable line(s) of records.jsonl "
            f"(torn by an interrupted write): line(s) {_fmt_list(run.torn_lines)}"
        )
    lines.append("")
    if ok:
        lines += _headline(run, predictions)
    else:
        lines += ["No job finished successfully, so there are no tables or figures.", ""]
    return lines


def _system_name(key: tuple[Any, ...]) -> str:
    return " / ".join(str(v) for v in key if v not in (None, "", "none", "default"))


def _pm(s: Any) -> str:
    iv = s.interval
    return f"{iv.mean:.1f}" + (f" ± {iv.half_width:.1f}" if iv.half_width is not None else "")


def _headline(run: Run, predictions: Predictions) -> list[str]:
    lines = [
        "### Headline",
        "",
        "Best classical and best deep system (model / features / variant / augmentation) by mean "
        f"UA (%) per protocol. {CELL_NOTE_SHORT} Δ = deep minus classical in percentage points; "
        "p: two-sided paired sign-flip permutation test on per-fold UA over the (fold, seed) "
        "pairs both systems have (n pairs).",
        "",
        "| corpus | protocol | best classical | UA (%) | best deep | UA (%) | Δ (pts) | p (n pairs) |",
        "|:--|:--|:--|--:|:--|--:|--:|--:|",
    ]
    for (corpus, label_set, protocol), recs in group(run.ok, SPLIT_FIELDS).items():
        best = best_by_family(recs)
        c, d = best.get("classical"), best.get("deep")
        cells = [markdown_escape(plots.corpus_label(corpus, label_set)), protocol]
        cells += [markdown_escape(_system_name(c[0])), _pm(c[1])] if c else ["–", "–"]
        cells += [markdown_escape(_system_name(d[0])), _pm(d[1])] if d else ["–", "–"]
        if c and d:
            cells.append(f"{d[1].interval.mean - c[1].interval.mean:+.1f}")
            common = sorted(set(c[1].values) & set(d[1].values), key=str)
            if len(common) >= 2:
                p = paired_p([d[1].values[k] for k in common], [c[1].values[k] for k in common])
                cells.append(f"{p:.3f} ({len(common)})")
            else:
                cells.append(f"– ({len(common)})")
        else:
            cells += ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += _inflation_lines(run.ok)
    lines += _mcnemar_lines(run, predictions)
    return lines


def _inflation_lines(records: Sequence[Record]) -> list[str]:
    """Mean over systems of (UA under a leaky/random protocol) − (UA under the reference)."""
    out = []
    for (corpus, label_set), recs in group(records, ("corpus", "label_set")).items():
        protocols = sort_values("protocol", (r["protocol"] for r in recs))
        ref = reference_protocol(protocols)
        if ref is None:
            continue
        fields = (*protocol_row_fields(recs), "protocol")
        ua = {k: s.interval.mean for k, s in mean_ua_by_system(recs, fields).items()}
        systems = {k[:-1] for k in ua}
        for p in inflated_protocols(protocols):
            deltas = [ua[(*k, p)] - ua[(*k, ref)] for k in sorted(systems, key=str) if (*k, p) in ua and (*k, ref) in ua]
            if deltas:
                where = plots.corpus_label(corpus, label_set)
                out.append(
                    f"- Inflation on {where}: {p} scores {sum(deltas) / len(deltas):+.1f} pts UA "
                    f"versus {ref} on average over {len(deltas)} system(s) "
                    f"(range {min(deltas):+.1f} to {max(deltas):+.1f})."
                )
    return out + [""] if out else []


def _mcnemar_lines(run: Run, predictions: Predictions) -> list[str]:
    """Pooled exact McNemar, best classical vs best deep, where both have prediction CSVs."""
    out = []
    for (corpus, label_set, protocol), recs in group(run.ok, SPLIT_FIELDS).items():
        best = best_by_family(recs)
        if "classical" not in best or "deep" not in best:
            continue
        c = predictions.compare(best["classical"][1].run_ids, best["deep"][1].run_ids)
        if c is None:
            continue
        where = plots.corpus_label(corpus, label_set)
        out.append(
            f"- Pooled exact McNemar test on {where}, {protocol}: best classical vs best deep over "
            f"{c.n_utts} test utterances of {c.n_records} matched (fold, seed) record(s), pooled "
            f"accuracy {100 * c.acc_ref:.1f} % vs {100 * c.acc_other:.1f} %, p = {c.p:.3g}."
        )
    return out + [""] if out else []


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


def report_markdown(
    run: Run, tables: Sequence[tuple[str, list[Table]]], figures: Sequence[plots.FigureFile],
    tex_files: Sequence[Path] = (), *, predictions: Predictions | None = None,
) -> str:
    lines = [f"# {_title(run)}", ""]
    lines += _summary(run, predictions if predictions is not None else Predictions(run))
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
        if tex_files:
            lines += [f"All tables in one document: [{TABLES_DIR}/{LATEX_MAIN}]({TABLES_DIR}/{LATEX_MAIN}).", ""]
    if figures:
        lines += ["## Figures", ""]
        for f in figures:
            rel = f"{FIGURES_DIR}/{f.path.name}"
            lines += [f"![{markdown_escape(f.title)}]({rel})", "", f"*{markdown_escape(f.caption)}*", ""]
    lines += _failures(run)
    return "\n".join(lines).rstrip("\n") + "\n"
