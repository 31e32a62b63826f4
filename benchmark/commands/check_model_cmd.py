"""``check-model``: serbench's common checks on any model spec, one PASS/FAIL line per check."""

from __future__ import annotations

import argparse

NAME = "check-model"
HELP = "run serbench's common model checks on a built-in name, entry point or package.module:Class"
EPILOG = ("examples:\n  python -m benchmark check-model sklearn.naive_bayes:GaussianNB\n"
          "  python -m benchmark check-model sklearn.linear_model:LogisticRegression --param C=0.5\n"
          "  python -m benchmark check-model example_centroid\n"
          "exit status: 0 when every check passes, 1 when one fails, 2 when the spec does not resolve")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="built-in model name, serbench.models entry point, or package.module:Class")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="constructor parameter (VALUE read as TOML: 0.5, true, \"text\"; repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--profile", default="ci", help="deep models' training budget (default: ci)")


def parse_params(pairs: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` pairs; VALUE is a TOML value, else the bare string."""
    import tomllib

    from benchmark.config import ConfigError

    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {pair!r}: expected KEY=VALUE")
        try:
            out[key] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = value
    return out


def main(args: argparse.Namespace) -> int:
    from benchmark.model_checks import run_checks

    results = run_checks(args.spec, seed=args.seed, params=parse_params(args.param), profile=args.profile)
    for r in results:
        print(r.line())
    failed = sum(not r.ok for r in results)
    print(f"{args.spec}: {len(results) - failed}/{len(results)} checks passed")
    return 0 if not failed else 1
