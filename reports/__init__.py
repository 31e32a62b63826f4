"""Reports: read run folders (records, prediction CSVs, fold files, spec.json, skipped.csv) and
write report.md, LaTeX tables, figures and results.csv. Entry point:
``reports.render.render_report(run_dirs, out=None, *, figures=True)`` (one run folder, or
several merged by ``reports.merge.load_runs``).

Never imports baselines/, deep/, the runner or torch: everything comes from the run folders.
"""
