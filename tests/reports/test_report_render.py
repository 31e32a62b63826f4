"""End to end: report.md, figures, results.csv, LaTeX; robustness to odd runs."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys

import pytest

from reports.load import ReportError, load_run
from reports.render import render_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_full_report_with_figures(golden_report_figures):
    golden_run = golden_report_figures
    md = (golden_run / "report.md").read_text(encoding="utf-8")
    figures = sorted((golden_run / "figures").glob("*.png"))
    names = {p.name.split("__")[0] for p in figures}
    assert {"confusion_classical", "confusion_deep", "ua_by_protocol", "inflation", "cost_fit_s",
            "curves_speaker_kfold5", "curves_random_kfold5"} <= names
    for p in figures:
        assert p.read_bytes()[:8] == PNG_MAGIC
    # every relative link in report.md points to a file that exists
    links = re.findall(r"\]\(([^)]+)\)", md)
    assert links and all((golden_run / link).is_file() for link in links)
    assert "## Failures" in md and "loss is NaN" in md


def test_budget_bound_marker_and_learning_curves_on_golden(golden_report_figures):
    from reports.plots import learning_curves

    golden_run = golden_report_figures
    md = (golden_run / "report.md").read_text(encoding="utf-8")
    table = md[md.index("### paper001"):md.index("### paper002")]
    # emoaugnet relu + paper001_noise was budget-bound in fold 2: § on the relu row (columns
    # are augmentations) of both pivots (UA, WA), with its legend
    assert table.count("| emoaugnet § | relu |") == 2 and table.count("§") == 4
    assert "| emoaugnet | elu |" in table and "§ budget-bound: 1 of 2 deep row(s)" in table
    # the paper000 rows predate fit_info.budget_bound: the caption says so instead
    t3 = md[md.index("### paper000_table3"):md.index("### paper001")]
    assert "§" not in t3 and "Budget-bound status not recorded for 2 deep row(s)" in t3
    assert "\\textsuperscript{\\S{}}" in (golden_run / "tables" / "paper001__synthetic__speaker_kfold5.tex").read_text()
    # the curves figure: one panel per deep system, one line per (fold, seed)
    run = load_run(golden_run)
    curves = learning_curves([r for r in run.ok if r["protocol"] == "speaker_kfold5"])
    assert len(curves) == 21 and all(len(v) in (5, 10) for v in curves.values())  # both corpora
    noise = curves["emoaugnet / zcr_rms_mfcc_frames / relu / paper001_noise"]
    bound = [r for r, _x, _y in noise if r["fit_info"]["budget_bound"]]
    assert len(bound) == 1 and bound[0]["fit_info"]["best_epoch"] == len(bound[0]["fit_info"]["history"])
    png = golden_run / "figures" / "curves_speaker_kfold5__synthetic.png"
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert "Learning curves, synthetic, speaker_kfold5" in md


def test_results_csv_has_one_row_per_record(golden_report):
    with open(golden_report / "results.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(load_run(golden_report).records)
    assert {r["status"] for r in rows} == {"ok", "failed", "skipped"}


def test_rerender_removes_stale_outputs(golden_run):
    render_report(golden_run, figures=True)
    (golden_run / "tables" / "old_table.tex").write_text("stale")
    (golden_run / "figures" / "old.png").write_bytes(PNG_MAGIC)
    render_report(golden_run, figures=True)
    assert not (golden_run / "tables" / "old_table.tex").exists()
    assert not (golden_run / "figures" / "old.png").exists()


def test_only_failed_jobs(tmp_path, minimal, write_records):
    run = write_records(tmp_path, [minimal(status="failed", ua=None, error="ValueError: bad\ntrace")])
    md = render_report(run, figures=True).read_text(encoding="utf-8")
    assert "0 ok, 1 failed" in md and "No job finished successfully" in md and "ValueError: bad" in md
    assert "trace" not in md  # first line of the error only
    assert (run / "tables" / "report.tex").is_file()


def test_empty_records_file(tmp_path, write_records):
    md = render_report(write_records(tmp_path, []), figures=True).read_text(encoding="utf-8")
    assert "0 records" in md


def test_missing_optional_fields_render(tmp_path, minimal, write_records):
    recs = [minimal(run_id=f"r{f}{s}", fold=f, seed=s, ua=0.5 + 0.01 * f, family="classical", n_folds=3)
            for f in range(3) for s in range(2)]
    recs.append(minimal(run_id="d", model="cnn", family="deep", fold=0, seed=0, ua=0.6))
    recs.append(minimal(run_id="x", model="knn"))  # no family, fold or seed at all
    md = render_report(write_records(tmp_path, recs), figures=True).read_text(encoding="utf-8")
    # no protocol_info: each (seed, fold) is a test set, 6 values 50, 51, 52 (x2), s**2 = 0.8;
    # no sizes: n_test/n_train = 1/(3 - 1); half-width t_5 * sqrt((1/6 + 1/2) * 0.8) = 1.88
    assert "| svm | 51.0 ± 1.9 |" in md and "| cnn | **60.0** |" in md  # n = 1: mean alone
    assert "| knn | 50.0 |" in md and "3 folds × 2 seeds (0, 1)" in md
    assert "1/(k_folds − 1)" in md and "No protocol_info in the records of speaker_kfold5" in md
    assert "Budget-bound status not recorded" in md
    assert "### Headline" in md


def test_bad_record_names_the_line(tmp_path, minimal, write_records):
    write_records(tmp_path, [minimal(), minimal(run_id="r1", status="weird")])
    with pytest.raises(ReportError, match=r"records.jsonl:2"):
        render_report(tmp_path, figures=False)


def test_skipped_files_are_counted_by_stage_and_reason(golden_report):
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    line = next(x for x in md.splitlines() if x.startswith("- Skipped files"))
    assert "4, by stage and reason" in line
    assert "load: unreadable WAV header (2)" in line and "load: shorter than 0.1 s (1)" in line
    assert "features: egemaps_v02: openSMILE returned NaN (1)" in line


def test_notes_quote_the_records(golden_report):
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    notes = md[md.index("## Notes"):md.index("## Failures")]
    # wording from fit_info, not assumptions: classical selection method, deep validation
    assert '- svm: selection.method "inner_cv5", metric "ua"' in notes
    assert 'emoaugnet: validation "given", monitor "val_loss", stop_reason "patience"' in notes
    assert "knn: no fit_info.selection recorded" in notes
    # grid edges from fit_info.selection.on_edge; mlp's records predate it
    assert "svm / mfcc13_stats (speaker_kfold5): C in" in notes
    assert "23 classical record(s) do not record on_edge" in notes  # 22 mlp + the old knn record
    assert "Transductive systems" in notes and "speaker_norm" in notes


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(golden_run):
    render_report(golden_run, figures=False)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "report.tex"],
        cwd=golden_run / "tables", capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "Overfull" not in proc.stdout


def test_reports_never_import_models_or_torch():
    code = (
        "import sys, reports.render, reports.plots\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'baselines', 'deep')"
        " or m == 'benchmark.runner']\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cost_figure_is_tall_enough_for_its_legend(tmp_path, minimal):
    import struct

    from reports.plots import DPI, LEGEND_LINE_IN, plot_cost

    n = 30  # one legend line per system, more than the default 4.5-inch height holds
    records = [minimal(model=f"model_{i:02d}", family="deep", fold=f, fit_s=1.0 + i, ua=0.3 + 0.01 * f)
               for i in range(n) for f in range(2)]
    path = plot_cost(records, "fit_s", "cost", tmp_path / "cost.png")
    height_px = struct.unpack(">II", path.read_bytes()[16:24])[1]
    assert height_px >= LEGEND_LINE_IN * n * DPI
