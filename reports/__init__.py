"""Reports: read a run folder's records (and prediction CSVs) and write report.md, LaTeX tables,
figures and results.csv. Entry point: ``reports.render.render_report(run_dir, figures=True)``.

Never imports baselines/, deep/, the runner or torch: everything comes from the records.
"""
