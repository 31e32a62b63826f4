"""``report``: render report.md, tables, figures and results.csv from one or more run folders."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "report"
HELP = "render report.md, tables, figures and results.csv from run folders"
EPILOG = ("examples:\n  python -m benchmark report runs/ablation-synthetic\n"
          "  python -m benchmark report runs/classical runs/deep --out runs/both")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    sp.add_argument("--out", type=Path, help="report folder (required with several run folders)")
    sp.add_argument("--no-figures", action="store_true")


def main(args: argparse.Namespace) -> int:
    from benchmark.plan import RunError
    from reports.render import render_report

    missing = [str(d) for d in args.run_dirs if not (d / "records.jsonl").is_file()]
    if missing:
        raise RunError(f"not a run folder (no records.jsonl): {', '.join(missing)}")
    if len(args.run_dirs) > 1 and args.out is None:
        raise RunError("report over several run folders needs --out DIR")
    dirs = args.run_dirs[0] if len(args.run_dirs) == 1 else args.run_dirs
    path = render_report(dirs, args.out, figures=not args.no_figures)
    print(f"report written: {path}")
    return 0
