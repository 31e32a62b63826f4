"""Expand a suite into jobs, run them over worker processes, append one record per job.

The parent process loads corpora, draws and checks folds (saved into the run folder with
their hashes), fills the feature cache in parallel, then hands jobs to a process pool. Each
finished job is appended to ``records.jsonl`` at once by the parent, so killing the run loses
at most the jobs in flight; ``--resume`` skips run_ids already recorded as ok. A job that
raises is recorded as failed with its error and never stops the others.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmark.config import RunOptions, Suite
from benchmark.jobs import Job, freeze_params
from benchmark.results import append_record, empty_record, finished_run_ids

RECORDS = "records.jsonl"


class RunError(RuntimeError):
    """A run cannot start (bad options, existing run folder without --resume, ...)."""


# --------------------------------------------------------------------------------- planning


@dataclass
class Combo:
    """A job without its fold: what ``--dry-run`` prints."""

    corpus: str
    protocol: str
    model: str
    family: str
    features: str
    variant: str
    params: dict[str, Any]
    augmentation: str
    seed: int
    tables: tuple[str, ...]


def _matches_only(combo: Combo, only: tuple[tuple[str, str], ...]) -> bool:
    for key, allowed in only:
        value = getattr(combo, key, None)
        if str(value) not in allowed.split(","):
            return False
    return True


def expand_combos(suite: Suite, opts: RunOptions) -> list[Combo]:
    from benchmark.models import MODELS

    corpora = (opts.corpus,) if opts.corpus else suite.corpora
    seeds = opts.seeds or suite.seeds
    combos: list[Combo] = []
    for block in suite.runs:
        block_corpora = (opts.corpus,) if opts.corpus else (block.corpora or corpora)
        for corpus in block_corpora:
            for protocol in _protocols_for(suite, block, corpus, opts):
                for feat in block.features:
                    for model in block.models:
                        meta = MODELS.meta(model)
                        fname = meta.get("default_features") if feat == "default" else feat
                        for vname, vparams in block.variants:
                            params = {**dict(block.params), **dict(vparams)}
                            for aug in block.augmentation:
                                for seed in seeds:
                                    combos.append(Combo(
                                        corpus, protocol, model, meta.get("family", "classical"),
                                        str(fname), vname, params, aug, seed, block.tables,
                                    ))
    valid_keys = {"corpus", "protocol", "model", "family", "features", "variant", "augmentation", "seed"}
    for key, _ in opts.only:
        if key not in valid_keys:
            raise RunError(f"--only {key}=...: unknown key; use one of {sorted(valid_keys)}")
    return [c for c in combos if _matches_only(c, opts.only)]


def _protocols_for(suite: Suite, block: Any, corpus: str, opts: RunOptions) -> tuple[str, ...]:
    """CLI --protocols, else the block's, else the suite's per-corpus choice, else the suite's."""
    if opts.protocols:
        return opts.protocols
    if block.protocols:
        return block.protocols
    return dict(suite.corpus_protocols).get(corpus, suite.protocols)


@dataclass
class Plan:
    suite: Suite
    jobs: list[Job]
    manifests: dict[str, pd.DataFrame]
    fold_sets: dict[str, list]
    timings: dict[str, float] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def _load_corpora(suite: Suite, opts: RunOptions, names: Iterable[str]) -> dict[str, Any]:
    from benchmark.datasets import load_corpus

    loaded = {}
    for name in sorted(set(names)):
        kwargs: dict[str, Any] = {}
        if name == "synthetic":
            kwargs.update(dict(suite.corpus_options))
            kwargs.setdefault("progress", opts.progress)
            if opts.cache_dir is not None:
                kwargs.setdefault("cache_dir", opts.cache_dir / "synthetic")
        elif suite.label_set is not None and _has_label_sets(name):
            kwargs["label_set"] = suite.label_set
        corpus = load_corpus(name, opts.data_root, **kwargs)
        if corpus.problems:
            print(corpus.problem_summary(), file=sys.stderr)
        loaded[name] = corpus
    return loaded


def _has_label_sets(spec: str) -> bool:
    """Only corpora with several label sets (IEMOCAP) take a label_set option."""
    from benchmark.datasets.labels import LABEL_SETS

    return spec.startswith("fusion:") or spec in LABEL_SETS


def _fold_key(corpus: str, protocol: str, seed: int, pool: str | None) -> str:
    return f"{corpus}__{protocol}__seed{seed}" + (f"__{pool}" if pool else "")


def plan_run(suite: Suite, opts: RunOptions, cache: Any) -> Plan:
    """Load corpora, draw/check/save folds and build the job list (no model is fitted)."""
    from benchmark.augment import leaky_pool
    from benchmark.splits import PROTOCOLS, check_fold, make_folds, save_folds

    combos = expand_combos(suite, opts)
    if not combos:
        raise RunError("no job matches the suite and --only filters")
    t0 = time.perf_counter()
    corpora = _load_corpora(suite, opts, (c.corpus for c in combos))
    timings = {"synthesis_or_load": time.perf_counter() - t0}
    manifests = {name: c.manifest for name, c in corpora.items()}
    fold_sets: dict[str, list] = {}
    pools: dict[str, pd.DataFrame] = {}
    jobs: dict[str, Job] = {}
    folds_dir = opts.out / "folds"
    t0 = time.perf_counter()
    for combo in combos:
        leaky = bool(PROTOCOLS.meta(combo.protocol).get("leaky"))
        pool_policy = combo.augmentation if leaky else None
        key = _fold_key(combo.corpus, combo.protocol, combo.seed, pool_policy)
        if key not in fold_sets:
            manifest = manifests[combo.corpus]
            if leaky:
                # The papers' mistake, reproduced on purpose: augment every utterance first.
                table = leaky_pool(manifest, combo.features, combo.augmentation, seed=combo.seed,
                                   cache=cache, jobs=opts.jobs, progress=opts.progress)
                manifest = _pool_manifest(manifest, table.source)
                pools[key] = manifest
            folds = make_folds(combo.protocol, manifest, combo.seed,
                               **dict(dict(suite.protocol_options).get(combo.protocol, ())))
            for fold in folds:
                check_fold(fold, manifest)
            if suite.max_folds is not None:
                folds = folds[: suite.max_folds]
            save_folds(folds_dir / f"{key}.json", folds,
                       {"corpus": combo.corpus, "protocol": combo.protocol, "seed": combo.seed,
                        "pool_policy": pool_policy})
            fold_sets[key] = folds
        folds = fold_sets[key]
        for fold in folds:
            job = Job(
                suite=suite.name, corpus=combo.corpus, label_set=suite.label_set,
                protocol=combo.protocol, fold=fold, n_folds=len(folds), fold_key=key,
                model=combo.model, family=combo.family, features=combo.features,
                variant=combo.variant, params=freeze_params(combo.params),
                augmentation=combo.augmentation, seed=combo.seed,
                profile=opts.profile or suite.profile, sr=suite.sr, tables=combo.tables,
            )
            prev = jobs.get(job.run_id)
            if prev is not None:  # the same job feeds several tables: run it once
                merged = tuple(dict.fromkeys(prev.tables + job.tables))
                jobs[job.run_id] = replace(prev, tables=merged)
            else:
                jobs[job.run_id] = job
    timings["folds"] = time.perf_counter() - t0
    manifests.update(pools)
    ordered = sorted(jobs.values(), key=lambda j: (j.family == "deep", j.corpus, j.features, j.model,
                                                   j.protocol, j.seed, j.fold.index))
    return Plan(suite, ordered, manifests, fold_sets, timings)


def _pool_manifest(manifest: pd.DataFrame, source: dict[str, str]) -> pd.DataFrame:
    """Original rows plus one row per augmented copy (same label/speaker, new utt_id)."""
    base = manifest.copy()
    base["source_utt_id"] = base["utt_id"]
    by_id = manifest.set_index("utt_id")
    ids = sorted(source)
    extra = by_id.loc[[source[i] for i in ids]].reset_index()
    extra["source_utt_id"] = extra["utt_id"]
    extra["utt_id"] = ids
    pool = pd.concat([base, extra], ignore_index=True)
    pool["source_utt_id"] = pool["source_utt_id"].astype("string")
    pool["utt_id"] = pool["utt_id"].astype("string")
    return pool


# ----------------------------------------------------------------------- feature precompute


def precompute_features(plan: Plan, cache: Any, opts: RunOptions) -> float:
    """Fill the cache for every (corpus, features) and training augmentation in parallel."""
    from benchmark.augment import AUGMENTATIONS, augment_training
    from benchmark.features import compute_features

    t0 = time.perf_counter()
    pending = [j for j in plan.jobs if j.run_id not in _already(opts)]
    seen: set[tuple] = set()
    for job in pending:
        key = (job.corpus, job.features)
        if key in seen:
            continue
        seen.add(key)
        table = compute_features(plan.manifests[job.corpus], job.features, cache=cache,
                                 jobs=opts.jobs, sr=job.sr, progress=opts.progress)
        if table.failures:
            ex = "; ".join(f"{k}: {v}" for k, v in list(table.failures.items())[:3])
            print(f"warning: {len(table.failures)} utterance(s) failed {job.features}: {ex}",
                  file=sys.stderr)
    for job in pending:
        if job.augmentation == "none" or AUGMENTATIONS.meta(job.augmentation).get("spectrogram_only"):
            continue
        if job.fold_key in {k for k in plan.fold_sets if "__" in k} and _is_leaky(job):
            continue
        key = (job.fold_key, job.fold.index, job.features, job.augmentation, job.seed)
        if key in seen:
            continue
        seen.add(key)
        augment_training(job.fold, plan.manifests[job.corpus], job.features, job.augmentation,
                         seed=job.seed, cache=cache, jobs=opts.jobs, progress=opts.progress)
    return time.perf_counter() - t0


def _is_leaky(job: Job) -> bool:
    from benchmark.splits import PROTOCOLS

    return bool(PROTOCOLS.meta(job.protocol).get("leaky"))


_ALREADY: dict[Path, set[str]] = {}


def _already(opts: RunOptions) -> set[str]:
    return _ALREADY.get(opts.out, set())


# ------------------------------------------------------------------------------ worker side

_W: dict[str, Any] = {}


def _die_with_parent() -> None:
    """Linux: have the kernel stop this worker when the run's parent process dies, so a
    killed run leaves no orphan still fitting a model."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        return


def _init_worker(manifests: dict[str, pd.DataFrame], cache_root: str | None, threads: int) -> None:
    from threadpoolctl import threadpool_limits

    _die_with_parent()
    from benchmark.cache import FeatureCache

    # BLAS and torch threads per worker: the pool already uses every core.
    os.environ["OMP_NUM_THREADS"] = str(threads)
    threadpool_limits(threads)
    _W.clear()
    _W.update(manifests=manifests, cache=FeatureCache(cache_root) if cache_root else FeatureCache(),
              threads=threads, tables=OrderedDict())


def _feature_table(corpus_key: str, manifest: pd.DataFrame, feature: str, sr: int) -> Any:
    """Per-worker LRU of feature tables (cache hits, but loading 2,000 files is not free)."""
    from benchmark.features import compute_features

    tables: OrderedDict = _W["tables"]
    key = (corpus_key, feature, sr)
    if key in tables:
        tables.move_to_end(key)
        return tables[key]
    table = compute_features(manifest, feature, cache=_W["cache"], jobs=1, sr=sr, progress=False)
    tables[key] = table
    while len(tables) > 2:
        tables.popitem(last=False)
    return table


def _stack(table: Any, ids: list[str], family: str) -> Any:
    """Model input: a matrix of functionals, or a list of (T, D) frame arrays.

    A deep model given functionals reads each vector as a one-frame sequence whose channels
    are the functionals (paper 000 fed its averaged 141-d vector to its network this way).
    """
    if table.kind == "functionals":
        matrix = np.stack([table.values[i] for i in ids]).astype(np.float32)
        return [row[None, :] for row in matrix] if family == "deep" else matrix
    return [table.values[i] for i in ids]


def protocol_info(protocol: str) -> dict[str, Any]:
    """The protocol's flags as the record carries them (reports read these, not a list)."""
    from benchmark.splits import PROTOCOLS

    meta = PROTOCOLS.meta(protocol)
    return {"speaker_independent": bool(meta.get("speaker_independent")),
            "leaky": bool(meta.get("leaky")), "unit": str(meta.get("unit", "fold"))}


def execute_job(job: Job, out_dir: str) -> dict[str, Any]:
    """Run one job in a worker; always returns a record (failed ones carry the error)."""
    from benchmark.provenance import git_sha, peak_rss_mb, utc_now, versions

    rec = empty_record()
    rec.update(
        run_id=job.run_id, suite=job.suite, tables=list(job.tables), corpus=job.corpus,
        label_set=job.label_set, protocol=job.protocol, fold=job.fold.index, n_folds=job.n_folds,
        protocol_info=protocol_info(job.protocol), model=job.model, family=job.family, features=job.features, variant=job.variant,
        augmentation=job.augmentation, seed=job.seed, params=job.param_dict,
        started_at=utc_now(), git_sha=git_sha(), versions=versions(), device="cpu",
    )
    try:
        rec.update(_fit_and_score(job, Path(out_dir)))
        rec["status"] = "ok"
    except Exception as exc:  # one bad job must not stop the others
        rec["status"] = "failed"
        tb = traceback.format_exc(limit=6)
        rec["error"] = f"{type(exc).__name__}: {exc}\n{tb[-2000:]}"
    rec["peak_rss_mb"] = peak_rss_mb()
    rec["finished_at"] = utc_now()
    return rec


def _fit_and_score(job: Job, out_dir: Path) -> dict[str, Any]:
    from benchmark.augment import AUGMENTATIONS, augment_training, leaky_pool, spec_augment
    from benchmark.metrics import classification_metrics
    from benchmark.models import make_model

    manifest: pd.DataFrame = _W["manifests"][job.fold_key if _is_leaky(job) else job.corpus]
    base_manifest: pd.DataFrame = _W["manifests"][job.corpus]
    t0 = time.perf_counter()
    table = _feature_table(job.corpus, base_manifest, job.features, job.sr)
    values = dict(table.values)
    source: dict[str, str] = {}  # augmented item id -> the utterance it was made from
    aug_meta = AUGMENTATIONS.meta(job.augmentation) if job.augmentation != "none" else {}
    extra_train: list[str] = []
    if _is_leaky(job):
        pool = leaky_pool(base_manifest, job.features, job.augmentation, seed=job.seed,
                          cache=_W["cache"], jobs=1, progress=False)
        values.update(pool.values)
        source.update(pool.source)
    elif job.augmentation != "none" and not aug_meta.get("spectrogram_only"):
        aug = augment_training(job.fold, base_manifest, job.features, job.augmentation,
                               seed=job.seed, cache=_W["cache"], jobs=1, progress=False)
        values.update(aug.values)
        source.update(aug.source)
        extra_train = sorted(aug.values)
    feature_s = time.perf_counter() - t0
    label_of = dict(zip(manifest["utt_id"].astype(str), manifest["label"].astype(str), strict=True))
    speaker_of = dict(zip(manifest["utt_id"].astype(str), manifest["speaker"].astype(str), strict=True))

    def usable(ids: Iterable[str]) -> list[str]:
        return [i for i in ids if i in values]

    train_ids = usable(job.fold.train) + extra_train
    val_ids, test_ids = usable(job.fold.val), usable(job.fold.test)
    if not train_ids or not test_ids:
        raise RuntimeError(f"empty train or test set after feature extraction ({len(train_ids)}/{len(test_ids)})")
    def label(i: str) -> str:
        return label_of[i] if i in label_of else label_of[source[i]]

    y_train = np.array([label(i) for i in train_ids])
    y_val = np.array([label(i) for i in val_ids]) if val_ids else None
    y_test = np.array([label_of[i] for i in test_ids])
    params = job.param_dict
    if params.pop("speaker_norm", False):
        if table.kind != "functionals":
            raise ValueError("speaker_norm applies to functionals only")
        from benchmark.speaker_norm import normalise

        spk = {i: speaker_of[i] if i in speaker_of else speaker_of[source[i]] for i in values}
        values = normalise(values, [train_ids, val_ids, test_ids], spk)
    tab = replace_values(table, values)
    X_train, X_test = _stack(tab, train_ids, job.family), _stack(tab, test_ids, job.family)
    X_val = _stack(tab, val_ids, job.family) if val_ids else None

    if job.family == "deep":
        params.update(profile=job.profile, threads=_W["threads"])
        if aug_meta.get("spectrogram"):
            params["spec_augment"] = spec_augment
    model = make_model(job.model, seed=job.seed, **params)
    t0 = time.perf_counter()
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    y_pred = np.asarray(model.predict(X_test)).astype(str)
    proba = np.asarray(model.predict_proba(X_test), dtype=float)
    predict_s = time.perf_counter() - t0
    classes = [str(c) for c in model.classes_]
    unseen = sorted(set(y_test) - set(classes))
    if unseen:
        # A speaker split can leave a class out of training; score it (recall 0) rather than fail.
        classes = classes + unseen
        proba = np.hstack([proba, np.zeros((len(proba), len(unseen)))])
    metrics = classification_metrics(y_test, y_pred, classes, proba=proba)
    session_of = (dict(zip(manifest["utt_id"].astype(str), manifest["session"].astype("string"), strict=True))
                  if "session" in manifest.columns else {})
    groups = pd.DataFrame({"speaker": [speaker_of[i] for i in test_ids],
                           "session": [session_of.get(i) for i in test_ids]})
    _write_predictions(out_dir / "predictions" / f"{job.run_id}.csv", test_ids, y_test, y_pred,
                       proba, classes, groups)
    info = dict(getattr(model, "fit_info_", {}) or {})
    return {
        **metrics,
        "classes": classes,
        "params": {**job.param_dict, **(info.get("params") or {})},
        "n_train": len(train_ids), "n_val": len(val_ids), "n_test": len(test_ids),
        "test_speakers": sorted({speaker_of[i] for i in test_ids}),
        "feature_s": feature_s, "cache_hit": True, "fit_s": fit_s, "predict_s": predict_s,
        "predict_ms_per_utt": 1000.0 * predict_s / len(test_ids),
        "epochs": info.get("epochs"), "best_epoch": info.get("best_epoch"),
        "n_params": info.get("n_params"), "device": info.get("device", "cpu"),
        "fit_info": {k: v for k, v in info.items() if k not in ("params",)},
    }


def replace_values(table: Any, values: dict[str, Any]) -> Any:
    try:
        return replace(table, values=values)
    except TypeError:
        table.values = values
        return table


def _write_predictions(path: Path, ids: list[str], y_true: np.ndarray, y_pred: np.ndarray,
                       proba: np.ndarray, classes: list[str], groups: pd.DataFrame) -> None:
    """One row per test utterance: its speaker and session (the units of the paired tests),
    the true and predicted labels and the class probabilities."""
    df = pd.DataFrame({"utt_id": ids, "speaker": groups["speaker"].to_numpy(),
                       "session": groups["session"].to_numpy(), "y_true": y_true, "y_pred": y_pred})
    for k, c in enumerate(classes):
        df[f"proba_{c}"] = proba[:, k]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    df.to_csv(tmp, index=False)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------- execution


@dataclass
class RunSummary:
    out: Path
    n_jobs: int
    n_skipped: int
    n_ok: int
    n_failed: int
    timings: dict[str, float]


def run_jobs(jobs: list[Job], plan: Plan, opts: RunOptions, cache_root: str | None,
             on_record: Callable[[dict], None]) -> tuple[int, int]:
    """Run ``jobs`` over ``opts.jobs`` processes; returns (n_ok, n_failed)."""
    if not jobs:
        return 0, 0
    n_workers = max(1, min(opts.jobs, len(jobs)))
    threads = max(1, (os.cpu_count() or 1) // n_workers)
    n_ok = n_failed = 0
    bar = tqdm(total=len(jobs), desc="jobs", unit="job", disable=not opts.progress, smoothing=0.1)
    queue = list(jobs)
    ctx = get_context("spawn")
    while queue:
        with ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(plan.manifests, cache_root, threads)) as pool:
            in_flight: dict[Future, Job] = {}
            try:
                while queue or in_flight:
                    while queue and len(in_flight) < 2 * n_workers:
                        job = queue.pop(0)
                        in_flight[pool.submit(execute_job, job, str(opts.out))] = job
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        job = in_flight.pop(fut)
                        try:
                            rec = fut.result()
                        except BrokenProcessPool as exc:
                            rec = _crashed(job, exc)
                        on_record(rec)
                        n_ok += rec["status"] == "ok"
                        n_failed += rec["status"] != "ok"
                        bar.set_postfix_str(f"{job.model} {rec['status']}", refresh=False)
                        bar.update(1)
            except BrokenProcessPool:
                # A worker died hard (e.g. out of memory): record what was in flight, go on.
                for job in in_flight.values():
                    rec = _crashed(job, RuntimeError("worker process died"))
                    on_record(rec)
                    n_failed += 1
                    bar.update(1)
                continue
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    bar.close()
    return n_ok, n_failed


def _crashed(job: Job, exc: BaseException) -> dict[str, Any]:
    from benchmark.provenance import utc_now

    rec = empty_record()
    rec.update(run_id=job.run_id, suite=job.suite, tables=list(job.tables), corpus=job.corpus,
               label_set=job.label_set, protocol=job.protocol, fold=job.fold.index,
               n_folds=job.n_folds, protocol_info=protocol_info(job.protocol), model=job.model, family=job.family, features=job.features,
               variant=job.variant, augmentation=job.augmentation, seed=job.seed,
               params=job.param_dict, status="failed", error=f"{type(exc).__name__}: {exc}",
               finished_at=utc_now())
    return rec


def run_suite(suite: Suite, opts: RunOptions) -> RunSummary:
    """Plan, fill the cache, run classical then deep jobs, and write the report."""
    from benchmark.cache import FeatureCache

    out = opts.out
    records_path = out / RECORDS
    if records_path.exists() and not opts.resume:
        raise RunError(f"{out} already holds a run; pass --resume to continue it or --out to start another")
    out.mkdir(parents=True, exist_ok=True)
    cache = FeatureCache(opts.cache_dir / "features") if opts.cache_dir else FeatureCache()
    cache_root = str(cache.root)
    t_start = time.perf_counter()
    plan = plan_run(suite, opts, cache)
    done = finished_run_ids(records_path) if opts.resume else set()
    _ALREADY[out] = done
    todo = [j for j in plan.jobs if j.run_id not in done]
    (out / "spec.json").write_text(json.dumps(_spec_dict(suite, opts, plan), indent=2, default=str))
    timings = dict(plan.timings)
    timings["features"] = precompute_features(plan, cache, opts)

    def on_record(rec: dict) -> None:
        append_record(records_path, rec)

    counts = defaultdict(int)
    for family in ("classical", "deep"):
        batch = [j for j in todo if j.family == family]
        t0 = time.perf_counter()
        ok, failed = run_jobs(batch, plan, opts, cache_root, on_record)
        counts["ok"] += ok
        counts["failed"] += failed
        timings[family] = time.perf_counter() - t0
    if opts.report:
        t0 = time.perf_counter()
        from reports.render import render_report

        render_report(out)
        timings["report"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    (out / "timings.json").write_text(json.dumps(timings, indent=2))
    return RunSummary(out, len(plan.jobs), len(plan.jobs) - len(todo), counts["ok"], counts["failed"], timings)


def _spec_dict(suite: Suite, opts: RunOptions, plan: Plan) -> dict[str, Any]:
    return {
        "suite": suite.name,
        "source": suite.source,
        "corpora": sorted(plan.manifests),
        "n_jobs": len(plan.jobs),
        "options": {k: v for k, v in vars(opts).items() if k != "extra"},
        "fold_sets": {k: [f.hash for f in v] for k, v in plan.fold_sets.items()},
    }
