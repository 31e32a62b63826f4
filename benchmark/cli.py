"""Command-line interface: ``main(argv) -> int`` so tests call it directly.

Each subcommand is a module of :mod:`benchmark.commands` (its arguments and its work); this file
only builds the parser from that list, dispatches, and turns the project's own errors into one
clear line and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from benchmark import __version__
from benchmark.commands import COMMANDS
from benchmark.commands.common import formatter

EPILOG_MAIN = """\
examples:
  python -m benchmark list models
  python -m benchmark corpus info emodb --data-root ../shared/data/emodb
  python -m benchmark run --suite ablation
  python -m benchmark report runs/ablation
  python -m benchmark check runs/ci --baseline benchmark/regression_baselines/ci.json
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="serbench: speech emotion recognition benchmark (classical vs deep, clean vs leaky protocols)",
        epilog=EPILOG_MAIN, formatter_class=formatter,
    )
    p.add_argument("--version", action="version", version=f"serbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS:
        cmd = importlib.import_module(module_name)
        sp = sub.add_parser(cmd.NAME, help=cmd.HELP, epilog=getattr(cmd, "EPILOG", None),
                            formatter_class=formatter)
        cmd.add_arguments(sp)
        sp.set_defaults(handler=cmd.main)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from benchmark.errors import USER_ERRORS

    try:
        return args.handler(args)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished jobs are in records.jsonl; rerun with --resume", file=sys.stderr)
        return 130
