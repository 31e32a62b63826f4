"""Wall time of the same jobs on the local process pool and on a Dask LocalCluster, one invocation.

    nice python benchmarks/executor_overhead.py                      # the whole classical suite
    nice python benchmarks/executor_overhead.py --only features=mfcc13_stats --repeats 2

Runs the suite (default ``classical`` on the synthetic corpus) with ``--executor local`` and
``--executor dask`` in turn, ``--workers`` processes each (default 2), alternating the order
from one round to the next (local, dask, dask, local, ...) so that a change in the load of a
shared machine falls on both. Each run starts from an empty run folder; the feature cache is
filled first, untimed, so both measure the same thing: the job phase (starting the workers,
every fit, and closing them; ``timings.json``'s per-family entries), beside the run's whole
wall time. Prints each run, the median per executor and the ratio dask / local (the target of
serbench issue #12: within 15 %), and checks that both gave the same metrics job for job.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

METRICS = ("wa", "ua", "macro_f1", "confusion")


def parse_only(items: list[str]) -> tuple[tuple[str, str], ...]:
    only = []
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not val:
            raise SystemExit(f"--only expects KEY=V1[,V2], got {item!r}")
        only.append((key.strip(), val.strip()))
    return tuple(only)


def run_once(suite, executor: str, out: Path, args, only) -> dict[str, float]:
    """One run in this process; returns its job-phase and total wall times (s)."""
    from benchmark.config import RunOptions
    from benchmark.runner import run_suite

    opts = RunOptions(out=out, jobs=args.workers, only=only, corpus=args.corpus,
                      data_root=args.data_root, report=False, progress=False,
                      cache_dir=args.cache_dir, executor=executor,
                      dask_workers=args.workers if executor == "dask" else None)
    t0 = time.perf_counter()
    summary = run_suite(suite, opts)
    wall = time.perf_counter() - t0
    if summary.n_failed:
        raise SystemExit(f"{executor}: {summary.n_failed} job(s) failed; see {out}/records.jsonl")
    families = [k for k in ("classical", "deep") if k in summary.timings]
    return {"jobs": sum(summary.timings[k] for k in families), "wall": wall,
            "n": summary.n_jobs}


def records(out: Path) -> dict[str, dict]:
    from benchmark.results import read_records

    return {r["run_id"]: r for r in read_records(out / "records.jsonl")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="classical", help="suite name or .toml (default: classical)")
    ap.add_argument("--only", action="append", default=[], metavar="KEY=V1,V2",
                    help="keep a subset of the jobs, as `run --only`; repeatable")
    ap.add_argument("--corpus", help="replace the suite's corpora (default: the suite's, synthetic)")
    ap.add_argument("--data-root", help="folder holding --corpus")
    ap.add_argument("--workers", type=int, default=2, help="processes of each executor (default 2)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per executor (default 1)")
    ap.add_argument("--cache-dir", type=Path, help="cache root (default: $SERBENCH_CACHE)")
    ap.add_argument("--keep", type=Path, help="keep the run folders under this folder")
    args = ap.parse_args(argv)

    from benchmark.config import RunOptions, load_suite
    from benchmark.plan import plan_run
    from benchmark.runner import precompute_features

    suite = load_suite(args.suite)
    only = parse_only(args.only)
    # Fill the feature cache first (untimed), so neither executor pays for extraction.
    from benchmark.cache import FeatureCache

    opts = RunOptions(out=Path("unused"), jobs=args.workers, only=only, corpus=args.corpus,
                      data_root=args.data_root, progress=False, cache_dir=args.cache_dir)
    plan = plan_run(suite, opts)
    cache = FeatureCache(args.cache_dir / "features") if args.cache_dir else FeatureCache()
    precompute_features(plan, plan.jobs, cache, opts)
    print(f"{len(plan.jobs)} jobs of suite {suite.name!r}" + (f" ({', '.join(args.only)})" if only else "")
          + f", {args.workers} workers each, {args.repeats} run(s) per executor", flush=True)

    root = Path(tempfile.mkdtemp(prefix="executor_overhead-")) if args.keep is None else args.keep
    times: dict[str, list[dict[str, float]]] = {"local": [], "dask": []}
    try:
        for i in range(args.repeats):
            order = ("local", "dask") if i % 2 == 0 else ("dask", "local")
            for executor in order:
                out = root / f"{executor}-{i}"
                t = run_once(suite, executor, out, args, only)
                times[executor].append(t)
                print(f"  round {i + 1} {executor:5s}: jobs {t['jobs']:8.1f} s   whole run "
                      f"{t['wall']:8.1f} s", flush=True)
        a, b = records(root / "local-0"), records(root / "dask-0")
        same = a.keys() == b.keys() and all(a[k][m] == b[k][m] for k in a for m in METRICS)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    med = {k: statistics.median(t["jobs"] for t in v) for k, v in times.items()}
    wall = {k: statistics.median(t["wall"] for t in v) for k, v in times.items()}
    ratio = med["dask"] / med["local"]
    print(f"local pool       : {med['local']:.1f} s (whole run {wall['local']:.1f} s)")
    print(f"Dask LocalCluster: {med['dask']:.1f} s (whole run {wall['dask']:.1f} s)")
    print(f"ratio dask/local : {ratio:.3f} ({(ratio - 1) * 100:+.1f} %; target within +15 %)")
    print(f"same metrics job for job: {'yes' if same else 'NO'}")
    print(json.dumps({"jobs_s": med, "wall_s": wall, "ratio": round(ratio, 4), "same": same}))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
