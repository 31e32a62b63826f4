"""``validate``: load suite files and report every one that does not validate."""

from __future__ import annotations

import argparse

NAME = "validate"
HELP = "validate suite files"
EPILOG = "examples:\n  python -m benchmark validate\n  python -m benchmark validate my_suite.toml"


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("suites", nargs="*", help="suite names or .toml paths (default: every shipped suite)")


def main(args: argparse.Namespace) -> int:
    from benchmark.config import load_suite, suite_names

    names = args.suites or suite_names()
    failed = 0
    for n in names:
        try:
            s = load_suite(n)
        except Exception as exc:  # report every suite, then fail
            failed += 1
            print(f"FAIL {n}: {exc}")
            continue
        print(f"ok   {n}: {len(s.runs)} run block(s), protocols {', '.join(s.protocols)}")
    return 1 if failed else 0
