"""Command-line interface: argument parsing only, ``main(argv) -> int`` so tests call it.

Each subcommand's work lives in the module that owns it; this file only parses arguments,
prints, and turns the project's own errors into one clear line and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from benchmark import __version__

EPILOG_MAIN = """\
examples:
  python -m benchmark list models
  python -m benchmark corpus info emodb --data-root ../shared/data/emodb
  python -m benchmark run --suite ablation
  python -m benchmark report runs/ablation
  python -m benchmark check runs/ci --baseline benchmark/regression_baselines/ci.json
"""


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="serbench: speech emotion recognition benchmark (classical vs deep, clean vs leaky protocols)",
        epilog=EPILOG_MAIN, formatter_class=_formatter,
    )
    p.add_argument("--version", action="version", version=f"serbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sp = sub.add_parser("list", help="list registered corpora, features, models, suites, protocols, augmentations",
                        formatter_class=_formatter,
                        epilog="examples:\n  python -m benchmark list features\n  python -m benchmark list models")
    sp.add_argument("what", choices=["corpora", "features", "models", "suites", "protocols", "augmentations"])

    sp = sub.add_parser("corpus", help="inspect or build corpora", formatter_class=_formatter,
                        epilog="examples:\n  python -m benchmark corpus info emodb --data-root ../shared/data/emodb\n"
                               "  python -m benchmark corpus info synthetic --size tiny\n"
                               "  python -m benchmark corpus synth --size default")
    csub = sp.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    ci = csub.add_parser("info", help="counts per label and speaker, total duration",
                         formatter_class=_formatter,
                         epilog="example:\n  python -m benchmark corpus info ravdess --data-root ~/data/RAVDESS")
    ci.add_argument("name", help="corpus name or fusion:a+b spec")
    ci.add_argument("--data-root", help="folder holding the corpus (real corpora)")
    ci.add_argument("--size", default=None, help="synthetic corpus size: tiny | default")
    ci.add_argument("--label-set", default=None, help="label set (e.g. ravdess7, iemocap4, crema_d6, core7)")
    ci.add_argument("--corpus-option", action="append", default=[], metavar="KEY=VALUE",
                    help="option for the corpus loader; repeatable")
    cs = csub.add_parser("synth", help="build the embedded synthetic corpus (reused when present)",
                         formatter_class=_formatter,
                         epilog="example:\n  python -m benchmark corpus synth --size tiny --seed 0")
    cs.add_argument("--size", default="default", help="tiny | default (default: default)")
    cs.add_argument("--seed", type=int, default=0)
    cs.add_argument("--cache-dir", type=Path, default=None, help="where to write it (default: $SERBENCH_CACHE/synthetic)")
    cs.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")

    sp = sub.add_parser("run", help="run a suite and write a run folder", formatter_class=_formatter,
                        epilog=textwrap.dedent("""\
                            examples:
                              python -m benchmark run --suite ablation
                              python -m benchmark run --suite classical --corpus emodb --data-root ../shared/data/emodb
                              python -m benchmark run --suite classical --only model=svm,knn --dry-run
                              python -m benchmark run --suite deep --out runs/deep --resume"""))
    sp.add_argument("--suite", required=True, help="suite name (see `list suites`) or path to a .toml file")
    sp.add_argument("--corpus", help="replace the suite's corpora (name or fusion:a+b)")
    sp.add_argument("--data-root", help="folder holding the corpus")
    sp.add_argument("--out", type=Path, help="run folder (default: runs/<suite>-<corpus>)")
    sp.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
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
    sp.add_argument("--dask-workers", type=int, metavar="N",
                    help="worker processes of the Dask LocalCluster (default: --jobs)")
    sp.add_argument("--resume", action="store_true", help="continue a run folder, skipping jobs recorded as ok")
    sp.add_argument("--dry-run", action="store_true", help="print the job grid and exit")
    sp.add_argument("--no-report", action="store_true", help="do not render the report at the end")
    sp.add_argument("--no-progress", action="store_true", help="no progress bars")
    sp.add_argument("--cache-dir", type=Path, help="cache root (default: $SERBENCH_CACHE or ~/.cache/serbench)")

    sp = sub.add_parser("report", help="render report.md, tables, figures and results.csv from run folders",
                        formatter_class=_formatter,
                        epilog="examples:\n  python -m benchmark report runs/ablation-synthetic\n"
                               "  python -m benchmark report runs/classical runs/deep --out runs/both")
    sp.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    sp.add_argument("--out", type=Path, help="report folder (required with several run folders)")
    sp.add_argument("--no-figures", action="store_true")

    sp = sub.add_parser("check", help="compare a run's metrics with a stored baseline (accuracy regression)",
                        formatter_class=_formatter,
                        epilog="examples:\n  python -m benchmark check runs/ci --baseline benchmark/regression_baselines/ci.json\n"
                               "  python -m benchmark check runs/ci --baseline benchmark/regression_baselines/ci.json --bless")
    sp.add_argument("run_dir", type=Path)
    sp.add_argument("--baseline", type=Path, required=True)
    sp.add_argument("--tolerance", type=float, default=None, help="allowed drop in percentage points (default: the baseline's)")
    sp.add_argument("--bless", action="store_true", help="write the run's metrics as the new baseline")

    sp = sub.add_parser("validate", help="validate suite files", formatter_class=_formatter,
                        epilog="examples:\n  python -m benchmark validate\n  python -m benchmark validate my_suite.toml")
    sp.add_argument("suites", nargs="*", help="suite names or .toml paths (default: every shipped suite)")

    sp = sub.add_parser("cache", help="feature cache size report or clearing", formatter_class=_formatter,
                        epilog="examples:\n  python -m benchmark cache info\n  python -m benchmark cache clear --feature compare_2016")
    sp.add_argument("action", choices=["info", "clear"])
    sp.add_argument("--feature", help="only this feature set (clear)")
    sp.add_argument("--numba", action="store_true",
                    help="clear serbench's numba JIT cache instead (after a native crash)")
    sp.add_argument("--cache-dir", type=Path)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "list": cmd_list, "corpus": cmd_corpus, "run": cmd_run, "report": cmd_report,
        "check": cmd_check, "validate": cmd_validate, "cache": cmd_cache,
    }[args.command]
    from benchmark.errors import USER_ERRORS

    try:
        return handler(args)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished jobs are in records.jsonl; rerun with --resume", file=sys.stderr)
        return 130


# ----------------------------------------------------------------------------- subcommands


def _table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*(str(x) for x in r)) for r in rows]
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    what = args.what
    if what == "corpora":
        from benchmark.datasets import CORPORA

        rows = [(n, "yes" if CORPORA.meta(n).get("needs_root") else "no", CORPORA.meta(n).get("description", ""))
                for n in CORPORA]
        print(_table(rows, ("name", "needs --data-root", "description")))
        print("\nfusion: join corpora on harmonised labels, e.g. fusion:ravdess+tess+crema_d+savee")
    elif what == "features":
        from benchmark.features import FEATURES

        rows = [(n, FEATURES.meta(n).get("kind"), FEATURES.meta(n).get("dim"), FEATURES.meta(n).get("paper") or "",
                 FEATURES.meta(n).get("description", "")) for n in FEATURES]
        print(_table(rows, ("name", "kind", "dim", "paper", "description")))
    elif what == "models":
        from benchmark.models import MODELS

        rows = [(n, MODELS.meta(n).get("family"), MODELS.meta(n).get("input"), MODELS.meta(n).get("default_features"),
                 MODELS.meta(n).get("description", "")) for n in MODELS]
        print(_table(rows, ("name", "family", "input", "default features", "description")))
    elif what == "protocols":
        from benchmark.splits import PROTOCOLS

        rows = [(n, "yes" if PROTOCOLS.meta(n).get("speaker_independent") else "no",
                 PROTOCOLS.meta(n).get("description", "")) for n in PROTOCOLS]
        print(_table(rows, ("name", "speaker-independent", "description")))
    elif what == "augmentations":
        from benchmark.transforms import AUGMENTATIONS

        rows = [(n, AUGMENTATIONS.meta(n).get("description", "")) for n in AUGMENTATIONS]
        print(_table(rows, ("name", "description")))
    else:  # suites
        from benchmark.config import load_suite, suite_names

        rows = []
        for n in suite_names():
            s = load_suite(n, check_names=False)
            rows.append((n, ",".join(s.corpora), ",".join(s.protocols), s.description))
        print(_table(rows, ("name", "corpora", "protocols", "description")))
    return 0


def cmd_corpus(args: argparse.Namespace) -> int:
    if args.corpus_command == "synth":
        from benchmark.datasets.synthetic import build

        path = build(size=args.size, seed=args.seed, cache_dir=args.cache_dir, jobs=args.jobs, progress=True)
        print(f"synthetic corpus ({args.size}, seed {args.seed}) ready at {path}")
        return 0
    from benchmark.datasets import load_corpus

    opts = {}
    if args.size is not None:
        opts["size"] = args.size
    if args.label_set is not None:
        opts["label_set"] = args.label_set
    from benchmark.datasets.options import parse_option_pairs

    opts.update(parse_option_pairs(args.corpus_option))
    corpus = load_corpus(args.name, args.data_root, **opts)
    print(corpus_info_text(corpus))
    return 0


def corpus_info_text(corpus) -> str:
    m = corpus.manifest
    total = float(m["duration_s"].sum())
    lines = [
        f"corpus: {corpus.name}" + (f"  (root: {corpus.root})" if corpus.root else ""),
        f"utterances: {len(m)}",
        f"speakers: {m['speaker'].nunique()}",
        f"emotions: {m['label'].nunique()} ({', '.join(sorted(m['label'].unique()))})",
        f"total duration: {total / 60:.1f} min (mean {m['duration_s'].mean():.2f} s per utterance)",
        "",
        "per label:",
    ]
    for label, n in m["label"].value_counts().sort_index().items():
        lines.append(f"  {label:<14} {n}")
    lines.append("per speaker (gender):")
    genders = m.groupby("speaker")["gender"].first()
    for spk, n in m["speaker"].value_counts().sort_index().items():
        g = genders.get(spk)
        lines.append(f"  {spk:<14} {n:>5}  ({'NA' if g is None or g is __import__('pandas').NA else g})")
    dependence = getattr(corpus, "dependence", None)
    if dependence is not None:
        lines += ["", dependence.describe()]
    if corpus.problems:
        lines += ["", corpus.problem_summary()]
    return "\n".join(lines)


def _default_out(suite: str, corpus: str | None) -> Path:
    tag = (corpus or "").replace(":", "-").replace("+", "-")
    return Path("runs") / (f"{suite}-{tag}" if tag else suite)


def _seeds(text: str | None) -> tuple[int, ...] | None:
    from benchmark.plan import RunError

    if not text:
        return None
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise RunError(f"--seeds expects comma-separated integers, got {text!r}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from benchmark.config import RunOptions, load_suite
    from benchmark.datasets.options import parse_option_pairs
    from benchmark.plan import RunError, expand_combos
    from benchmark.runner import run_suite

    suite = load_suite(args.suite)
    only = []
    for item in args.only:
        key, sep, val = item.partition("=")
        if not sep or not val:
            raise RunError(f"--only expects KEY=V1[,V2], got {item!r}")
        only.append((key.strip(), val.strip()))
    if args.dask_workers is not None and args.executor != "dask":
        raise RunError("--dask-workers needs --executor dask")
    opts = RunOptions(
        out=args.out or _default_out(suite.name, args.corpus), jobs=max(1, args.jobs),
        seeds=_seeds(args.seeds), corpus=args.corpus, data_root=args.data_root, only=tuple(only),
        protocols=tuple(args.protocols.split(",")) if args.protocols else None, resume=args.resume,
        dry_run=args.dry_run, profile=args.profile, report=not args.no_report,
        progress=not args.no_progress, cache_dir=args.cache_dir, label_set=args.label_set,
        corpus_options=tuple(parse_option_pairs(args.corpus_option).items()),
        device=args.device, executor=args.executor, scheduler=args.scheduler,
        dask_workers=args.dask_workers,
    )
    if args.dry_run:
        combos = expand_combos(suite, opts)
        rows = [(c.corpus, c.protocol, c.features, c.model, c.variant, c.augmentation, c.seed, ",".join(c.tables))
                for c in combos]
        print(_table(rows, ("corpus", "protocol", "features", "model", "variant", "augmentation", "seed", "tables")))
        print(f"\n{len(combos)} combination(s), each run once per fold of its protocol")
        return 0
    summary = run_suite(suite, opts)
    t = dict(summary.timings)
    if opts.report:
        import time

        from reports.render import render_report

        t0 = time.perf_counter()
        render_report(summary.out)
        t["report"] = time.perf_counter() - t0
    print(f"\nrun folder: {summary.out}")
    print(f"jobs: {summary.n_jobs} planned, {summary.n_skipped} already done, "
          f"{summary.n_ok} ok, {summary.n_failed} failed, {summary.n_refused} skipped with a reason")
    print("time breakdown (s): " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()))
    if (summary.out / "report.md").exists():
        print(f"report: {summary.out / 'report.md'}")
    return 0 if summary.n_failed == 0 else 1


def cmd_report(args: argparse.Namespace) -> int:
    from reports.render import render_report

    missing = [str(d) for d in args.run_dirs if not (d / "records.jsonl").is_file()]
    if missing:
        from benchmark.plan import RunError

        raise RunError(f"not a run folder (no records.jsonl): {', '.join(missing)}")
    if len(args.run_dirs) > 1 and args.out is None:
        from benchmark.plan import RunError

        raise RunError("report over several run folders needs --out DIR")
    dirs = args.run_dirs[0] if len(args.run_dirs) == 1 else args.run_dirs
    path = render_report(dirs, args.out, figures=not args.no_figures)
    print(f"report written: {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from benchmark.regression import bless, check

    if args.bless:
        path = bless(args.run_dir, args.baseline, tolerance=args.tolerance)
        print(f"baseline written: {path}")
        return 0
    ok, text = check(args.run_dir, args.baseline, tolerance=args.tolerance)
    print(text)
    return 0 if ok else 1


def cmd_validate(args: argparse.Namespace) -> int:
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


def cmd_cache(args: argparse.Namespace) -> int:
    from benchmark.cache import FeatureCache

    if args.numba:
        if args.action != "clear":
            from benchmark.plan import RunError

            raise RunError("--numba goes with `cache clear`")
        from benchmark.features.jit import clear_numba_cache

        folder, n = clear_numba_cache(args.cache_dir / "numba" if args.cache_dir else None)
        print(f"removed {n} compiled file(s) from {folder}; the next run recompiles librosa's JIT code")
        return 0
    cache = FeatureCache(args.cache_dir / "features") if args.cache_dir else FeatureCache()
    if args.action == "clear":
        n = cache.clear(args.feature)
        print(f"removed {n} cache entr{'y' if n == 1 else 'ies'} from {cache.root}")
        return 0
    info = cache.info()
    print(f"feature cache: {cache.root}")
    for k, v in info.items():
        if k != "per_feature":
            print(f"  {k}: {v}")
    for feat, stats in sorted((info.get("per_feature") or {}).items()):
        print(f"  {feat}: {stats}")
    return 0
