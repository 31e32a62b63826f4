"""Orchestration of one run: plan, fill the feature cache, run the jobs, keep the run folder.

Only this process writes the run folder. Each finished job's predictions and record are
written as soon as its result comes back (records appended with one fsynced line), so a kill
loses at most the jobs in flight and ``--resume`` skips every job recorded as ok or skipped.
A job whose worker dies is retried once, alone, and recorded as failed if it dies again; every
planned job ends as exactly one record. ``--resume`` refuses a folder whose corpus or folds differ
from the recorded ones. Rendering the report is the CLI's business.

The run folder: ``spec.json`` (what ran, corpus fingerprints, fold hashes), ``folds/*.json``,
``records.jsonl``, ``predictions/<run_id>.csv``, ``skipped.csv`` (files rejected at load time,
utterances whose features failed: dropped for every system of that corpus, so every row of a
table is scored on the same test utterances) and ``timings.json``.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from benchmark.config import RunOptions, Suite
from benchmark.jobs import Job
from benchmark.plan import Plan, RunError, plan_run
from benchmark.results import append_record, bad_lines, describe_bad_lines, finished_run_ids
from benchmark.worker import JobResult, WorkerContext, failed_record, run_job

RECORDS = "records.jsonl"
SPEC = "spec.json"
SKIPPED = "skipped.csv"
SPEC_VERSION = 2

__all__ = ["RECORDS", "RunError", "RunSummary", "run_jobs", "run_suite"]


@dataclass
class RunSummary:
    out: Path
    n_jobs: int
    n_skipped: int
    """Jobs already recorded (``--resume``)."""
    n_ok: int
    n_failed: int
    n_refused: int
    """Jobs recorded as skipped with a reason (e.g. speaker_norm refused)."""
    timings: dict[str, float]
    failures: list[dict[str, Any]] = field(default_factory=list)
    """The records of this invocation's failed jobs (their ``error`` says why)."""
    protocol_fallbacks: list[str] = field(default_factory=list)
    """One sentence per protocol replaced for a corpus with too few speakers."""


# ----------------------------------------------------------------------------- the run folder


def _spec(suite: Suite, opts: RunOptions, plan: Plan) -> dict[str, Any]:
    options = {k: v for k, v in vars(opts).items()}
    return {
        "spec_version": SPEC_VERSION,
        "suite": suite.name,
        "source": suite.source,
        "corpora": sorted(plan.corpora),
        "fingerprints": plan.fingerprints,
        "n_jobs": len(plan.jobs),
        "options": options,
        "fold_sets": {k: [f.hash for f in v] for k, v in plan.fold_sets.items()},
        "seeds": sorted({j.seed for j in plan.jobs}),
        "protocol_fallbacks": list(plan.protocol_fallbacks),
        "references": {table: dict(sel) for table, sel in suite.references},
        "corpus_summary": {name: _summary(c) for name, c in plan.corpora.items()},
    }


def _summary(corpus: Any) -> dict[str, Any]:
    summary = getattr(corpus, "summary", None)
    return summary() if callable(summary) else {}


def check_resumable(out: Path, plan: Plan) -> None:
    """Refuse ``--resume`` when the data differ from the recorded run (one line, no change)."""
    path = out / SPEC
    if not path.exists():
        return
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(f"--resume: {path} is unreadable ({exc}); start a new run with --out") from exc
    new_fp = plan.fingerprints
    for name, fp in (old.get("fingerprints") or {}).items():
        if name in new_fp and new_fp[name] != fp:
            raise RunError(f"--resume: corpus {name} differs from the one recorded in {out} (files "
                           "added, removed or relabelled); start a new run with --out NEW_FOLDER")
    old_seeds = old.get("seeds")
    new_seeds = sorted({j.seed for j in plan.jobs})
    if old_seeds is not None and sorted(old_seeds) != new_seeds:
        raise RunError(f"--resume: seeds {_csv(new_seeds)} differ from the seeds {_csv(old_seeds)} "
                       f"recorded in {out}; resume with --seeds {_csv(old_seeds)}, or start a new run "
                       "with --out NEW_FOLDER")
    new_folds = {k: [f.hash for f in v] for k, v in plan.fold_sets.items()}
    for key, hashes in (old.get("fold_sets") or {}).items():
        if key in new_folds and new_folds[key] != hashes:
            raise RunError(f"--resume: the folds of {key} differ from those recorded in {out}; "
                           "start a new run with --out NEW_FOLDER")


def _csv(values: Any) -> str:
    return ",".join(str(v) for v in values)


def _write_folds(out: Path, plan: Plan) -> None:
    from benchmark.splits import save_folds

    for key, folds in plan.fold_sets.items():
        save_folds(out / "folds" / f"{key}.json", folds, plan.fold_meta[key])


def _write_predictions(out: Path, run_id: str, rows: Any) -> None:
    path = out / "predictions" / f"{run_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    rows.to_csv(tmp, index=False)
    os.replace(tmp, path)


def _write_skipped(out: Path, rows: list[dict[str, str]]) -> None:
    from benchmark.datasets.base import SKIPPED_COLUMNS

    path = out / SKIPPED
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*SKIPPED_COLUMNS, "corpus", "feature"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in writer.fieldnames})


def warn_bad_lines(records_path: Path) -> None:
    """Say on stderr where records.jsonl holds lines that are not records (their jobs rerun)."""
    bad = bad_lines(records_path)
    if bad:
        print(f"warning: {describe_bad_lines(records_path, bad)}; the jobs they held, if any, "
              "are rerun", file=sys.stderr)


# --------------------------------------------------------------------------------- features


def precompute_features(plan: Plan, pending: list[Job], cache: Any, opts: RunOptions
                        ) -> tuple[dict[str, frozenset[str]], list[dict[str, str]]]:
    """Fill the cache for every (corpus, features), training augmentation and leaky pool the
    pending jobs need, over ``opts.jobs`` processes. Returns, per corpus, the utterances whose
    features failed for some feature set (dropped for every system) and their skipped rows."""
    from benchmark.augment import augment_training_folds, leaky_pool
    from benchmark.features import compute_features
    from benchmark.splits import PROTOCOLS
    from benchmark.transforms import AUGMENTATIONS

    failed: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    seen: set[tuple] = set()
    for job in pending:
        key = (job.corpus, job.features, job.sr)
        if key in seen:
            continue
        seen.add(key)
        table = compute_features(plan.manifests[job.corpus], job.features, cache=cache,
                                 jobs=opts.jobs, sr=job.sr, progress=opts.progress)
        for utt, reason in table.failures.items():
            failed[job.corpus].setdefault(utt, (job.features, reason))
        if table.failures:
            ex = "; ".join(f"{k}: {v}" for k, v in list(table.failures.items())[:3])
            print(f"warning: {len(table.failures)} utterance(s) failed {job.features} and are "
                  f"dropped for every system of {job.corpus} (see {SKIPPED}): {ex}", file=sys.stderr)
    # Copies: one pass per (corpus, features, policy, seed) over the training utterances of
    # every fold that needs them (one worker pool, balanced over the whole set, instead of one
    # per fold); the jobs then read them from the cache.
    train_folds: dict[tuple, dict[tuple, Any]] = defaultdict(dict)
    for job in pending:
        if job.augmentation == "none" or AUGMENTATIONS.meta(job.augmentation).get("spectrogram_only"):
            continue
        key = (job.corpus, job.features, job.augmentation, job.seed)
        if PROTOCOLS.meta(job.protocol).get("leaky"):
            if ("leaky", *key) not in seen:
                seen.add(("leaky", *key))
                leaky_pool(plan.manifests[job.corpus], job.features, job.augmentation,
                           seed=job.seed, cache=cache, jobs=opts.jobs, progress=opts.progress)
        else:
            train_folds[key][(job.fold_key, job.fold.index)] = job.fold
    for (corpus, features, policy, seed), folds in train_folds.items():
        augment_training_folds(list(folds.values()), plan.manifests[corpus], features, policy,
                               seed=seed, cache=cache, jobs=opts.jobs, progress=opts.progress)
    paths = {c: dict(zip(m["utt_id"].astype(str), m["path"].astype(str), strict=True))
             for c, m in plan.manifests.items() if c in plan.corpora}
    rows = [{"utt_id": utt, "path": paths.get(corpus, {}).get(utt, ""), "stage": "features",
             "reason": reason, "corpus": corpus, "feature": feature}
            for corpus, by_utt in failed.items() for utt, (feature, reason) in sorted(by_utt.items())]
    return {c: frozenset(v) for c, v in failed.items()}, rows


# ------------------------------------------------------------------------------ execution


def run_jobs(jobs: list[Job], ctx: WorkerContext, executor: Any, on_result: Callable[[JobResult], None],
             *, progress: bool = True, gpu: Callable[[Job], bool] = lambda job: False,
             fn: Callable[..., JobResult] = run_job) -> tuple[int, int, int]:
    """Run ``jobs`` on ``executor`` (entered here); ``on_result`` gets every result, in the
    order they finish. Returns (n_ok, n_failed, n_skipped).

    When a worker dies, every job that was in flight on a broken pool is lost with it, and which
    one killed it is unknown: each lost job is retried once, alone (nothing else in flight), so
    a job that dies again is certainly the culprit and is recorded as failed, and the innocent
    ones complete."""
    counts = {"ok": 0, "failed": 0, "skipped": 0}
    if not jobs:
        return 0, 0, 0
    queue: deque[Job] = deque(jobs)
    suspects: deque[Job] = deque()
    bar = tqdm(total=len(jobs), desc="jobs", unit="job", disable=not progress, smoothing=0.1)

    def finish(result: JobResult) -> None:
        on_result(result)
        status = result.record["status"]
        counts[status] += 1
        bar.set_postfix_str(f"{result.record['model']} {status}", refresh=False)
        bar.update(1)

    with executor:
        in_flight: dict[Future, Job] = {}
        alone: Job | None = None  # the suspect running by itself, if any
        while queue or suspects or in_flight:
            try:
                if suspects and not in_flight:
                    alone = suspects.popleft()
                    in_flight[executor.submit(fn, alone, ctx, gpu=gpu(alone))] = alone
                while alone is None and not suspects and queue and len(in_flight) < executor.max_in_flight:
                    job = queue[0]
                    fut = executor.submit(fn, job, ctx, gpu=gpu(job))
                    queue.popleft()  # only once it is really in flight: nothing is lost
                    in_flight[fut] = job
            except BrokenProcessPool:
                pass  # handled below: the in-flight futures fail too
            lost_any = False
            lost_why = ""
            if in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = in_flight.pop(fut)
                    try:
                        finish(fut.result())
                    except executor.lost as exc:
                        lost_any = True
                        why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                        if job is alone:
                            finish(JobResult(failed_record(job, "the worker died running this job, "
                                                                f"alone, twice ({why})")))
                        else:
                            suspects.append(job)
                            lost_why = type(exc).__name__
                    if job is alone:
                        alone = None
            if lost_why:  # said by us, once, instead of the executor's own error logs
                tqdm.write(f"note: a worker died ({lost_why}); the job(s) it may have held are "
                           "retried one at a time", file=sys.stderr)
            if executor.broken or (lost_any and executor.loss_breaks_pool):
                suspects.extend(in_flight.values())
                if alone is not None and alone in suspects:
                    suspects.remove(alone)
                    finish(JobResult(failed_record(alone, "the worker died running this job, alone, twice")))
                    alone = None
                in_flight.clear()
                executor.restart()
    bar.close()
    return counts["ok"], counts["failed"], counts["skipped"]


def run_suite(suite: Suite, opts: RunOptions) -> RunSummary:
    """Plan, lock the run folder, fill the cache, run classical then deep jobs, write the run
    folder. The lock is held until the last record is written."""
    from benchmark.cache import FeatureCache
    from benchmark.run_folder import RunLock, check_out, make_out

    out = opts.out
    check_out(out, resume=opts.resume)  # fast, before planning; repeated once the folder is locked
    cache = FeatureCache(opts.cache_dir / "features") if opts.cache_dir else FeatureCache()
    t_start = time.perf_counter()
    plan = plan_run(suite, opts)  # before anything is written: a bad suite leaves no folder
    created = not out.exists()
    make_out(out)
    lock = RunLock(out)
    try:
        lock.acquire()
    except RunError:
        if created:  # our own empty folder, made a moment ago: leave nothing behind
            _remove_if_empty(out)
        raise
    try:
        return _run_locked(suite, opts, plan, cache, t_start)
    finally:
        lock.release()


def _remove_if_empty(out: Path) -> None:
    try:
        out.rmdir()
    except OSError:
        pass  # not empty (another run's lock file): it is that run's folder now


def _run_locked(suite: Suite, opts: RunOptions, plan: Plan, cache: Any, t_start: float) -> RunSummary:
    from benchmark.executors import make_executor
    from benchmark.models import MODELS
    from benchmark.run_folder import audio_hashes, check_audio, check_out, write_audio

    out = opts.out
    records_path = out / RECORDS
    check_out(out, resume=opts.resume)  # again: another run may have written here meanwhile
    if opts.resume:
        check_resumable(out, plan)
    hashes = audio_hashes({c: m for c, m in plan.manifests.items() if c in plan.corpora})
    if opts.resume:
        if not check_audio(out, hashes):
            write_audio(out, hashes)  # an older run folder: its audio is recorded from now on
    else:
        write_audio(out, hashes)
    _write_folds(out, plan)
    (out / SPEC).write_text(json.dumps(_spec(suite, opts, plan), indent=2, default=str))
    if opts.resume:
        warn_bad_lines(records_path)
    done = finished_run_ids(records_path) if opts.resume else set()
    todo = [j for j in plan.jobs if j.run_id not in done]
    timings = dict(plan.timings)
    t0 = time.perf_counter()
    excluded, feature_rows = precompute_features(plan, todo, cache, opts)
    timings["features"] = time.perf_counter() - t0
    load_rows = [{**row, "corpus": name} for name, c in plan.corpora.items()
                 for row in c.skipped_records()]
    _write_skipped(out, load_rows + feature_rows + plan.skipped)
    from benchmark.audit.run_shortcuts import write_shortcuts

    write_shortcuts(out, plan)  # the shortcuts table's probes, when a job asks for it

    n_workers = max(1, opts.dask_workers or opts.jobs) if opts.executor == "dask" else max(1, opts.jobs)
    threads = max(1, (os.cpu_count() or 1) // max(1, min(n_workers, len(todo) or 1)))
    ctx = WorkerContext(manifests=plan.manifests, fingerprints=plan.fingerprints,
                        cache_root=str(cache.root), threads=threads, device=opts.device,
                        excluded=excluded)

    failures: list[dict[str, Any]] = []

    def on_result(result: JobResult) -> None:
        rec = result.record
        if result.predictions is not None:
            _write_predictions(out, rec["run_id"], result.predictions)
        history = (rec.get("fit_info") or {}).get("history")
        if history:  # the learning curve beside the predictions, one row per epoch
            import pandas as pd

            _write_predictions(out, f"{rec['run_id']}.curve", pd.DataFrame(history))
        append_record(records_path, rec)
        if rec["status"] == "failed":
            failures.append(rec)

    def wants_gpu(job: Job) -> bool:
        return opts.device == "cuda" and "device" in MODELS.meta(job.model).get("run_options", ())

    counts: dict[str, int] = defaultdict(int)
    families = list(dict.fromkeys(j.family for j in plan.jobs))
    for family in families:  # cheap classical fits first: their results arrive early
        batch = [j for j in todo if j.family == family]
        t0 = time.perf_counter()
        executor = make_executor(opts.executor, n_workers=min(n_workers, max(1, len(batch))),
                                 scheduler=opts.scheduler)
        ok, failed, skipped = run_jobs(batch, ctx, executor, on_result, progress=opts.progress,
                                       gpu=wants_gpu)
        counts["ok"] += ok
        counts["failed"] += failed
        counts["skipped"] += skipped
        timings[family] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    (out / "timings.json").write_text(json.dumps(timings, indent=2))
    return RunSummary(out, len(plan.jobs), len(plan.jobs) - len(todo), counts["ok"],
                      counts["failed"], counts["skipped"], timings, failures,
                      list(plan.protocol_fallbacks))
