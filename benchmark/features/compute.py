"""Batch extraction: cache lookups in the calling process, misses over worker processes.

``compute_features`` plans one task per utterance (its audio is read once, then every missing
variant is augmented and extracted), looks every item up in the cache first (hits never start
a worker), and runs the misses in-process (``jobs=1``) or over a process pool in chunks, so
each worker builds its extractor (an openSMILE config, librosa's JIT-compiled kernels) once
and reuses it. The first misses are computed in the parent before the pool starts: on Linux the
pool forks, and the workers inherit that warm state instead of each paying for it; they also
time one task, and a batch estimated under ``POOL_MIN_WORK_S`` of work stays in-process. (When
torch is already imported the pool spawns instead: forking a process with torch's thread
pools is not safe.) Workers exit with the process that started them
(:func:`benchmark.processes.die_with_parent`), so a killed run leaves no orphan blocked on its
task pipe. A file that fails is recorded in ``FeatureTable.failures`` with its
reason and the batch goes on; if every file fails, that is a setup problem and it raises.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from benchmark.audio import DEFAULT_SR, load_audio
from benchmark.cache import FeatureCache, entry_key, file_sha256
from benchmark.features import get_extractor
from benchmark.features.base import FeatureError
from benchmark.features.declared import cache_folder, display_name


@dataclass
class FeatureTable:
    """Features of many items. With augmentation "none" item ids are utt_ids; otherwise the
    table holds only augmented copies, ids ``f"{utt_id}~{policy}~{k}"``; ``source`` maps every
    item id to the utterance it was made from, ``failures`` utt_id -> reason."""

    feature: str
    kind: str
    columns: list[str]
    values: dict[str, np.ndarray] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    n_cache_hits: int = 0
    n_computed: int = 0
    seconds: float = 0.0
    n_workers: int = 0  # worker processes actually started (0: all work done in this process)

    def __len__(self) -> int:
        return len(self.values)

    def ids(self) -> list[str]:
        return list(self.values)

    def matrix(self, ids: Iterable[str] | None = None) -> np.ndarray:
        """(n, dim) float32 array of functionals for ``ids`` (default: all, in table order)."""
        if self.kind != "functionals":
            raise ValueError(f"{self.feature} holds frames; use .frames()")
        keys = self.ids() if ids is None else list(ids)
        if not keys:
            return np.zeros((0, len(self.columns)), dtype=np.float32)
        return np.stack([self.values[i] for i in keys]).astype(np.float32, copy=False)

    def frames(self, ids: Iterable[str] | None = None) -> list[np.ndarray]:
        """List of (T_i, dim) arrays for ``ids`` (default: all, in table order)."""
        keys = self.ids() if ids is None else list(ids)
        return [self.values[i] for i in keys]


@dataclass(frozen=True)
class _Task:
    """One utterance to read once and the items (variant, cache key) still to compute."""

    utt_id: str
    path: str
    items: tuple[tuple[str, int | None, str | None], ...]


@dataclass(frozen=True)
class _Context:
    feature: str
    sr: int
    augmentation: str
    seed: int
    cache: FeatureCache | None


Result = tuple[str, np.ndarray | None, str | None]  # item id, array, failure reason

#: Below this much estimated serial work (seconds) the batch stays in this process: forking
#: workers, shipping tasks and results costs ~0.2-0.3 s of CPU on a 2-core machine.
POOL_MIN_WORK_S = 1.0


def compute_features(manifest: pd.DataFrame, feature: str, *, cache: FeatureCache | None,
                     jobs: int | None = 1, sr: int = DEFAULT_SR, augmentation: str = "none",
                     aug_seed: int = 0, progress: bool = True) -> FeatureTable:
    """Extract ``feature`` for every manifest row (or its ``augmentation`` copies).

    ``jobs``: worker processes (``None`` or 0: ``os.cpu_count()``); ``cache``: None disables
    caching. Returns a :class:`FeatureTable` in manifest (then variant) order.
    """
    t0 = time.perf_counter()
    ctx = _Context(feature, int(sr), augmentation, int(aug_seed), cache)
    table, order, tasks, n_variants = _lookup_cache(manifest, ctx)
    if tasks:  # something to compute: librosa's JIT code verified and warm before any worker
        from benchmark.features.jit import prepare

        prepare(feature, int(sr), augmentation)
    source_of = {item: t.utt_id for t in tasks for item, _, _ in t.items}
    run_info: dict[str, int] = {}
    for item_id, arr, reason in _run(tasks, ctx, jobs, progress, run_info):
        if arr is None:
            utt = source_of[item_id]
            table.failures.setdefault(utt, reason if item_id == utt else f"{item_id}: {reason}")
        else:
            table.values[item_id] = arr
            table.source[item_id] = source_of[item_id]
            table.n_computed += 1
    table.n_workers = run_info.get("n_workers", 0)
    table.values = {i: table.values[i] for i in order if i in table.values}
    table.source = {i: table.source[i] for i in table.values}
    if table.failures and not table.values and n_variants:
        first = next(iter(table.failures.items()))
        raise FeatureError(f"{display_name(feature)}: all {len(table.failures)} utterance(s) failed, e.g. "
                           f"{first[0]}: {first[1]}")
    table.seconds = time.perf_counter() - t0
    return table


def _lookup_cache(manifest: pd.DataFrame, ctx: _Context
                  ) -> tuple[FeatureTable, list[str], list[_Task], int]:
    """The table holding every cache hit, the items' order, one task per utterance with items
    still to compute (unreadable files are failures already), and the variants per utterance."""
    from benchmark.transforms import get_policy

    utt_ids, paths = _check_manifest(manifest)
    extractor = get_extractor(ctx.feature)
    policy = get_policy(ctx.augmentation)
    table = FeatureTable(ctx.feature, extractor.kind, list(extractor.column_names))
    variants: list[int | None] = [None] if ctx.augmentation == "none" else list(range(policy.n_variants))
    cache = ctx.cache
    order: list[str] = []
    tasks: list[_Task] = []
    for utt_id, path in zip(utt_ids, paths, strict=True):
        sha = None
        if cache is not None:
            try:
                sha = file_sha256(path)
            except OSError as exc:
                table.failures[utt_id] = _reason(exc)
                continue
        todo: list[tuple[str, int | None, str | None]] = []
        for v in variants:
            item_id = utt_id if v is None else f"{utt_id}~{ctx.augmentation}~{v}"
            order.append(item_id)
            key = None
            if cache is not None and sha is not None:
                spec = None if v is None else policy.cache_spec(ctx.seed, utt_id, v)
                key = entry_key(audio_sha256=sha, feature=ctx.feature, params=extractor.params,
                                sr=ctx.sr, augmentation=spec)
                arr = cache.load(cache_folder(ctx.feature), key, kind=extractor.kind, dim=extractor.dim)
                if arr is not None:
                    table.values[item_id] = arr
                    table.source[item_id] = utt_id
                    table.n_cache_hits += 1
                    continue
            todo.append((item_id, v, key))
        if todo:
            tasks.append(_Task(utt_id, str(path), tuple(todo)))
    return table, order, tasks, len(variants)


def _check_manifest(manifest: pd.DataFrame) -> tuple[list[str], list[str]]:
    missing = [c for c in ("utt_id", "path") if c not in manifest.columns]
    if missing:
        raise ValueError(f"manifest lacks column(s) {missing}")
    utt_ids = [str(u) for u in manifest["utt_id"]]
    seen: set[str] = set()
    dup = [u for u in utt_ids if u in seen or seen.add(u)]
    if dup:
        raise ValueError(f"manifest has duplicate utt_id(s), e.g. {dup[:3]}")
    return utt_ids, [str(p) for p in manifest["path"]]


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "..."


def _n_workers(jobs: int | None, n_tasks: int) -> int:
    if jobs is None or jobs <= 0:
        jobs = os.cpu_count() or 1
    return max(1, min(int(jobs), n_tasks))


def _mp_context() -> Any:
    method = "fork" if sys.platform.startswith("linux") and "torch" not in sys.modules else "spawn"
    return get_context(method)


def _run(tasks: list[_Task], ctx: _Context, jobs: int | None, progress: bool,
         info: dict[str, int]) -> Iterable[Result]:
    n_items = sum(len(t.items) for t in tasks)
    if not n_items:
        return
    name = display_name(ctx.feature)
    desc = name if ctx.augmentation == "none" else f"{name}+{ctx.augmentation}"
    with tqdm(total=n_items, desc=desc, unit="item", disable=not progress, smoothing=0.1) as bar:
        # The first two tasks run here: the first warms this process up for the forked workers
        # (JIT, configs), the second measures the warm cost of a task, in CPU time (wall time
        # on a busy machine would measure the neighbours).
        task_s = 0.0
        for task in tasks[:2]:
            t0 = time.process_time()
            with _one_blas_thread():
                results = _run_task(task, ctx)
            task_s = time.process_time() - t0
            bar.update(len(results))
            yield from results
        rest = tasks[2:]
        n_workers = _n_workers(jobs, len(rest))
        if task_s * len(rest) < POOL_MIN_WORK_S:  # starting workers would cost more than it saves
            n_workers = 1
        if n_workers <= 1 or not rest:
            with _one_blas_thread():
                for task in rest:
                    results = _run_task(task, ctx)
                    bar.update(len(results))
                    yield from results
            return
        size = max(1, min(64, math.ceil(len(rest) / (n_workers * 4))))
        chunks = [rest[i:i + size] for i in range(0, len(rest), size)]
        info["n_workers"] = n_workers
        with ProcessPoolExecutor(n_workers, mp_context=_mp_context(), initializer=_init_worker,
                                 initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_run_chunk, chunk, ctx): chunk for chunk in chunks}
            procs = list(getattr(pool, "_processes", {}).values())
            for fut in as_completed(futures):
                try:
                    results = fut.result()
                except BrokenProcessPool:  # a worker died from a signal: a native crash or a kill
                    raise _native_crash(desc, procs) from None
                bar.update(len(results))
                yield from results


def _native_crash(what: str, procs: list[Any]) -> Exception:
    """The error for a pool whose worker died: names the feature, the signal and the remedy."""
    from benchmark.features.jit import NativeCrashError, native_crash_message, signal_name

    # The pool's manager thread reaps the dead workers too; a join racing it can see the child
    # already reaped (ECHILD) before the manager has stored its status, so poll until each
    # status is stored rather than trusting the first answer.
    deadline = time.monotonic() + 10.0
    for p in procs:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
        while p.exitcode is None and time.monotonic() < deadline:
            time.sleep(0.05)
    codes = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
    how = ", ".join(sorted({f"worker {signal_name(c)}" for c in codes})) or "worker died, cause unknown"
    return NativeCrashError(native_crash_message(what, how))


def _init_worker(parent_pid: int) -> None:
    """Feature workers exit with the process that started them (no orphans after a kill)."""
    from benchmark.processes import die_with_parent

    die_with_parent(parent_pid)


def _one_blas_thread() -> Any:
    """BLAS limited to one thread while extracting. The matrices are small (mel filter bank x
    a few hundred frames): extra BLAS threads only spin, and on a busy machine they made
    MFCC extraction ~10x slower. Parallelism comes from worker processes instead."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _run_chunk(chunk: list[_Task], ctx: _Context) -> list[Result]:
    from benchmark.features.jit import prepare

    prepare(ctx.feature, ctx.sr, ctx.augmentation)  # no-op in forked workers: inherited warm
    with _one_blas_thread():
        return [r for task in chunk for r in _run_task(task, ctx)]


def _run_task(task: _Task, ctx: _Context) -> list[Result]:
    """Read one utterance, then augment/extract/cache each of its items. Never raises."""
    try:
        extractor = get_extractor(ctx.feature)
        audio = load_audio(task.path, sr=ctx.sr)
    except Exception as exc:  # unreadable file: every item of this utterance fails with it
        return [(item_id, None, _reason(exc)) for item_id, _, _ in task.items]
    policy = None
    out: list[Result] = []
    for item_id, variant, key in task.items:
        try:
            y = audio.y
            if variant is not None:
                if policy is None:
                    from benchmark.transforms import get_policy

                    policy = get_policy(ctx.augmentation)
                y = policy.apply(y, audio.sr, seed=ctx.seed, utt_id=task.utt_id, variant=variant)
            arr = extractor(y, audio.sr)
        except Exception as exc:  # one bad item must not stop the batch
            out.append((item_id, None, _reason(exc)))
            continue
        if ctx.cache is not None and key is not None:
            try:
                ctx.cache.store(cache_folder(ctx.feature), key, arr)
            except OSError as exc:  # the value is still good; say why it was not kept
                warnings.warn(f"feature cache write failed ({exc}); continuing uncached", stacklevel=2)
        out.append((item_id, arr, None))
    return out
