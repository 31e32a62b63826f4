"""``run``: parse the run options, run a suite into a run folder, render its report."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from benchmark.commands.common import text_table

NAME = "run"
HELP = "run a suite and write a run folder"
EPILOG = textwrap.dedent("""\
    examples:
      python -m benchmark run --suite ablation
      python -m benchmark run --suite classical --corpus emodb --data-root ../shared/data/emodb
      python -m benchmark run --suite classical --only model=svm,knn --dry-run
      python -m benchmark run --suite deep --out runs/deep --resume""")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--suite", required=True, help="suite name (see `list suites`) or path to a .toml file")
    sp.add_argument("--corpus", help="replace the suite's corpora (name or fusion:a+b)")
    sp.add_argument("--data-root", help="folder holding the corpus (--corpus csv: the manifest CSV or the "
                    "folder holding manifest.csv; relative paths in it resolve against the CSV's folder)")
    sp.add_argument("--out", type=Path, help="run folder (default: runs/<suite>-<corpus>)")
    sp.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1,
                    help="worker processes, 1 or more (default: all cores)")
    sp.add_argument("--seeds", help="comma-separated seeds replacing the suite's")
    sp.add_argument("--protocols", help="comma-separated protocols replacing the suite's")
    sp.add_argument("--only", action="append", default=[], metavar="KEY=V1,V2",
                    help="keep jobs whose KEY (model, features, protocol, augmentation, variant, family, seed, corpus) is one of the values; repeatable")
    from deep.profiles import PROFILE_NAMES

    sp.add_argument("--profile", choices=list(PROFILE_NAMES), help="deep training budget profile")
    sp.add_argument("--label-set", help="label set for every corpus that has it (e.g. ravdess7, iemocap4, core7)")
    sp.add_argument("--corpus-option", action="append", default=[], metavar="KEY=VALUE",
                    help="option for the corpus loader (e.g. keep_unknown_labels=true); repeatable")
    sp.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                    help="deep training device (default: CUDA when present)")
    sp.add_argument("--executor", choices=["local", "dask"], default="local",
                    help="where jobs run: a local process pool (default) or a Dask cluster")
    sp.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                    help="Dask scheduler to join (default with --executor dask: start a LocalCluster)")
    sp.add_argument("--dask-workers", type=positive_int, metavar="N",
                    help="worker processes of the Dask LocalCluster, 1 or more (default: --jobs)")
    sp.add_argument("--resume", action="store_true", help="continue a run folder, skipping jobs recorded as ok")
    sp.add_argument("--dry-run", action="store_true", help="print the job grid and exit")
    sp.add_argument("--no-report", action="store_true", help="do not render the report at the end")
    sp.add_argument("--no-progress", action="store_true", help="no progress bars")
    sp.add_argument("--folds", type=Path, metavar="PATH",
                    help="run on imported folds (serbench folds .json, CSV utt_id,fold,split, or an EmoBox "
                         "folder); replaces the suite's protocols with 'imported' (see audit-split)")
    sp.add_argument("--cache-dir", type=Path, help="cache root (default: $SERBENCH_CACHE or ~/.cache/serbench)")


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1 (argparse turns the error into exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects an integer of at least 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expects an integer of at least 1, got {value}")
    return value


def check_device(device: str, executor: str) -> None:
    """``--device cuda`` on a local run needs CUDA here: refuse at once, before any planning
    (on a Dask cluster the workers' GPUs count, and the executor warns when there are none)."""
    if device != "cuda" or executor != "local":
        return
    from benchmark.plan import RunError

    try:
        import torch
    except ImportError:
        raise RunError("--device cuda: PyTorch is not installed; use --device cpu") from None
    if not torch.cuda.is_available():
        raise RunError(f"--device cuda: no CUDA device is available to torch {torch.__version__} on this "
                       "machine; use --device cpu (or auto)")


def default_out(suite: str, corpus: str | None) -> Path:
    tag = (corpus or "").replace(":", "-").replace("+", "-")
    return Path("runs") / (f"{suite}-{tag}" if tag else suite)


def parse_seeds(text: str | None) -> tuple[int, ...] | None:
    from benchmark.plan import RunError

    if not text:
        return None
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise RunError(f"--seeds expects comma-separated integers, got {text!r}") from None


def parse_only(items: list[str]) -> tuple[tuple[str, str], ...]:
    from benchmark.plan import RunError

    only = []
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not val:
            raise RunError(f"--only expects KEY=V1[,V2], got {item!r}")
        only.append((key.strip(), val.strip()))
    return tuple(only)


def run_options(args: argparse.Namespace, suite_name: str):
    """The :class:`~benchmark.config.RunOptions` the command line asks for."""
    from benchmark.config import RunOptions
    from benchmark.datasets.options import parse_option_pairs
    from benchmark.plan import RunError

    if args.dask_workers is not None and args.executor != "dask":
        raise RunError("--dask-workers needs --executor dask")
    return RunOptions(
        out=args.out or default_out(suite_name, args.corpus), jobs=args.jobs,
        seeds=parse_seeds(args.seeds), corpus=args.corpus, data_root=args.data_root,
        only=parse_only(args.only),
        protocols=tuple(args.protocols.split(",")) if args.protocols else None, resume=args.resume,
        dry_run=args.dry_run, profile=args.profile, report=not args.no_report,
        progress=not args.no_progress, cache_dir=args.cache_dir, label_set=args.label_set,
        corpus_options=tuple(parse_option_pairs(args.corpus_option).items()),
        device=args.device, executor=args.executor, scheduler=args.scheduler,
        dask_workers=args.dask_workers, folds=args.folds,
    )


def print_dry_run(suite, opts) -> None:
    from benchmark.plan import expand_combos

    combos = expand_combos(suite, opts)
    rows = [(c.corpus, c.protocol, c.features, c.model, c.variant, c.augmentation, c.seed, ",".join(c.tables))
            for c in combos]
    print(text_table(rows, ("corpus", "protocol", "features", "model", "variant", "augmentation", "seed", "tables")))
    print(f"\n{len(combos)} combination(s), each run once per fold of its protocol")


def main(args: argparse.Namespace) -> int:
    import time

    from benchmark.config import load_suite
    from benchmark.runner import run_suite

    suite = load_suite(args.suite)
    opts = run_options(args, suite.name)
    if args.dry_run:
        print_dry_run(suite, opts)
        return 0
    check_device(opts.device, opts.executor)
    try:
        with terminate_as_interrupt():
            summary = run_suite(suite, opts)
    except KeyboardInterrupt as exc:
        why = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"{why}: finished jobs are in {opts.out / 'records.jsonl'}; continue with the same "
              f"command plus --resume (--out {opts.out} --resume)", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    t = dict(summary.timings)
    if opts.report:
        from reports.render import render_report

        t0 = time.perf_counter()
        render_report(summary.out)
        t["report"] = time.perf_counter() - t0
    for note in summary.protocol_fallbacks:
        print(f"protocol: {note}")
    if summary.failures:
        print(failure_line(summary.failures), file=sys.stderr)
    print(f"\nrun folder: {summary.out}")
    print(f"jobs: {summary.n_jobs} planned, {summary.n_skipped} already done, "
          f"{summary.n_ok} ok, {summary.n_failed} failed, {summary.n_refused} skipped with a reason")
    print("time breakdown (s): " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()))
    if (summary.out / "report.md").exists():
        print(f"report: {summary.out / 'report.md'}")
    return 0 if summary.n_failed == 0 else 1


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so the pools shut down cleanly (no
    leaked semaphores) and the user is told how to continue."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding application): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def failure_line(failures: list[dict]) -> str:
    """One stderr line: how many jobs failed and the first reason, with where the rest are."""
    first = failures[0]
    reason = (str(first.get("error") or "no reason recorded").strip().splitlines() or [""])[-1]
    return (f"error: {len(failures)} job(s) failed; first: {first.get('model')} on {first.get('corpus')} "
            f"{first.get('protocol')} fold {first.get('fold')}: {reason[:300]} "
            "(every reason is in records.jsonl and report.md)")
