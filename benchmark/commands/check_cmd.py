"""``check``: compare a run's metrics with a stored baseline (the accuracy regression)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "check"
HELP = "compare a run's metrics with a stored baseline (accuracy regression)"
EPILOG = ("examples:\n  python -m benchmark check runs/ci --baseline benchmark/regression_baselines/ci.json\n"
          "  python -m benchmark check runs/ci --baseline benchmark/regression_baselines/ci.json --bless")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("run_dir", type=Path)
    sp.add_argument("--baseline", type=Path, required=True)
    sp.add_argument("--tolerance", type=float, default=None, help="allowed drop in percentage points (default: the baseline's)")
    sp.add_argument("--bless", action="store_true", help="write the run's metrics as the new baseline")


def main(args: argparse.Namespace) -> int:
    from benchmark.regression import bless, check

    if args.bless:
        path = bless(args.run_dir, args.baseline, tolerance=args.tolerance)
        print(f"baseline written: {path}")
        return 0
    ok, text = check(args.run_dir, args.baseline, tolerance=args.tolerance)
    print(text)
    return 0 if ok else 1
