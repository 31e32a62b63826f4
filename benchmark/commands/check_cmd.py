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
    sp.add_argument("--tolerance", type=tolerance_pts, default=None,
                    help="allowed drop in percentage points, a finite number >= 0 (default: the baseline's)")
    sp.add_argument("--bless", action="store_true", help="write the run's metrics as the new baseline")


def tolerance_pts(text: str) -> float:
    """argparse type: a finite, non-negative number of points (nan, inf, -1 are exit 2)."""
    from benchmark.regression import valid_tolerance

    try:
        return valid_tolerance(float(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc) if "tolerance" in str(exc)
                                         else f"expects a number, got {text!r}") from None


def main(args: argparse.Namespace) -> int:
    from benchmark.regression import bless, check

    if args.bless:
        path = bless(args.run_dir, args.baseline, tolerance=args.tolerance)
        print(f"baseline written: {path}")
        return 0
    ok, text = check(args.run_dir, args.baseline, tolerance=args.tolerance)
    print(text)
    return 0 if ok else 1
