"""Where jobs run: a local process pool, or a Dask distributed cluster, behind one interface.

Both give a ``concurrent.futures`` executor (Dask's ``Client.get_executor()`` is one), so the
runner's submit/wait loop is the same. An executor also says which exceptions mean "the worker
running this job died" (the job is then retried once, and recorded as failed if it dies again)
and which mean "the whole executor is gone" (the local pool is then restarted).

Local workers are started with ``spawn`` (torch's thread pools make forking unsafe) and die with
their parent (``PR_SET_PDEATHSIG``), so a killed run leaves no orphan fitting a model.

Dask (``pip install serbench[dask]``; imported only when chosen, so the local path never
loads it): without a scheduler address a ``LocalCluster`` of N single-threaded worker
processes is started on this machine; with ``tcp://HOST:PORT`` the run joins an existing
cluster (e.g. one started by dask-jobqueue on Slurm). Workers read audio and the feature cache
from the paths the parent gives them, so on a real cluster those must be on a filesystem every
worker mounts at the same path. They return each job's record and predictions; only the parent
writes the run folder. Deep jobs ask for one ``GPU`` resource when the run trains on CUDA:
workers started with ``--resources GPU=1`` get them, the others the classical fits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

EXECUTORS = ("local", "dask")


#: Dask settings of the LocalCluster (read as its scheduler and worker processes start; never
#: set globally). Worker saturation 1.0: a queued job stays on the scheduler until a worker
#: thread is free, so a dying worker holds only the job it runs. The rest makes a worker cost
#: what a local pool process costs: no statistical profiler sampling the job's thread every
#: 10 ms, and glibc's default malloc trimming instead of Dask's MALLOC_TRIM_THRESHOLD_=64 KiB,
#: which returns freed numpy buffers to the OS at once and faults them back in on the next fit.
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


class ExecutorError(RuntimeError):
    """The executor cannot be started (unknown name, Dask not installed, scheduler down)."""


def _init_local_worker(parent_pid: int) -> None:
    from benchmark.processes import die_with_parent

    die_with_parent(parent_pid)


class LocalExecutor:
    """A process pool of ``n_workers`` spawned processes."""

    name = "local"
    #: a future raising one of these lost its worker; the pool itself is broken too
    lost = (BrokenProcessPool,)
    #: one lost worker breaks the whole pool (every future in flight fails with it)
    loss_breaks_pool = True

    def __init__(self, n_workers: int) -> None:
        self.n_workers = max(1, n_workers)
        self.max_in_flight = 2 * self.n_workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        self._pool = ProcessPoolExecutor(self.n_workers, mp_context=get_context("spawn"),
                                         initializer=_init_local_worker, initargs=(os.getpid(),))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)

    def submit(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Future:
        assert self._pool is not None
        return self._pool.submit(fn, *args)

    @property
    def broken(self) -> bool:
        return bool(self._pool is not None and getattr(self._pool, "_broken", False))

    def restart(self) -> None:
        """A fresh pool after a worker died hard (the old one refuses new work)."""
        self.__exit__(None, None, None)
        self.__enter__()

    def describe(self) -> str:
        return f"local process pool, {self.n_workers} worker(s)"


class DaskExecutor:
    """Jobs on a Dask distributed cluster: a ``LocalCluster`` of ``n_workers`` single-threaded
    worker processes, or the cluster whose scheduler is at ``scheduler`` (``tcp://HOST:PORT``).

    One job runs at a time per worker thread; at most two per worker thread are handed to the
    scheduler at once (the runner's ``max_in_flight``), so a worker's death costs at most its
    own jobs and an adaptive cluster that grows gets more. On the LocalCluster the scheduler
    gives up on a job at the first death of its worker (``allowed_failures=0``) and keeps
    queued jobs to itself (``worker-saturation`` 1.0), so the runner's rule (retry once alone,
    then record as failed) is the only one that applies; an external scheduler first applies
    its own ``distributed.scheduler.allowed-failures`` (default 3) before the runner's rule.

    ``submit(..., gpu=True)`` asks for one ``GPU`` resource on an external cluster (workers
    started with ``--resources GPU=1``). The LocalCluster, one machine like the local pool,
    ignores it: its workers declare no resource, and a restricted job would wait forever.
    """

    name = "dask"
    #: a dead Dask worker takes only its own jobs; the cluster replaces it and the rest go on
    loss_breaks_pool = False
    #: the client survives a dead worker; a lost scheduler is an ExecutorError from the job
    broken = False

    def __init__(self, n_workers: int, scheduler: str | None = None, *,
                 connect_timeout: float = 30.0) -> None:
        try:
            from distributed import KilledWorker
        except ImportError as exc:
            raise ExecutorError("--executor dask needs Dask distributed: "
                                "pip install 'serbench[dask]'") from exc
        self.lost: tuple[type[BaseException], ...] = (KilledWorker,)
        self.n_workers = max(1, n_workers)
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        self._client: Any = None
        self._cluster: Any = None
        self._executors: dict[bool, Any] = {}
        self._threads = (0, -1e9)  # (worker threads, when counted) on an external cluster
        self._warned_gpu = False

    # ------------------------------------------------------------------ start and stop

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        try:
            if self.scheduler is None:
                with dask.config.set(LOCAL_CLUSTER_CONFIG), _workers_ignore_ctrl_c():
                    self._cluster = LocalCluster(
                        n_workers=self.n_workers, threads_per_worker=1, processes=True,
                        # the runner says itself when a worker dies and what became of its
                        # job; the scheduler's ERROR line would also show for jobs whose
                        # retry then succeeds
                        host="127.0.0.1", dashboard_address=None, silence_logs=logging.CRITICAL,
                        # no memory manager: like the local pool, a job may use what it needs
                        memory_limit=0,
                        # no dashboard; its HTTP routes on a free port, never a shared 8787
                        scheduler_kwargs={"allowed_failures": 0, "dashboard_address": "127.0.0.1:0"})
                self._client = Client(self._cluster, set_as_default=False)
            else:
                self._client = Client(self.scheduler, timeout=self.connect_timeout,
                                      set_as_default=False)
                self._check_workers()
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            self.__exit__(None, None, None)
            where = self.scheduler or "a LocalCluster"
            raise ExecutorError(f"cannot start Dask on {where}: {exc}") from exc
        self._executors = {False: self._client.get_executor(pure=False),
                           True: self._client.get_executor(pure=False, resources={"GPU": 1})}
        return self

    def __exit__(self, *exc: Any) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        self._executors = {}
        if exc and exc[0] is not None and issubclass(exc[0], KeyboardInterrupt):
            self._close_now(client, cluster)
            return
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    @staticmethod
    def _close_now(client: Any, cluster: Any) -> None:
        """Ctrl-C: the user waits, and the jobs in flight are lost anyway (``--resume`` reruns
        them), so the LocalCluster's workers are killed rather than asked to finish first."""
        import multiprocessing

        if cluster is not None:
            for child in multiprocessing.active_children():
                if child.name.startswith("Dask Worker process"):
                    child.kill()
        for closable in (client, cluster):
            if closable is None:
                continue
            try:
                closable.close(timeout=5)
            except Exception:  # noqa: BLE001 - already interrupted: leave, say nothing more
                pass

    def restart(self) -> None:  # pragma: no cover - never broken
        pass

    # ------------------------------------------------------------------------ jobs

    @property
    def max_in_flight(self) -> int:
        """Two jobs per worker thread: the LocalCluster's, or the external cluster's now
        (counted at most every 2 s; an adaptive cluster grows and shrinks; at least 2)."""
        if self._cluster is not None or self._client is None:
            return 2 * self.n_workers
        n, when = self._threads
        if time.monotonic() - when > 2.0:
            n = sum(self._client.nthreads().values())
            self._threads = (n, time.monotonic())
        return 2 * max(1, n)

    def submit(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Future:
        """``fn(*args)`` on a worker (one with a ``GPU`` resource when ``gpu`` and the cluster
        is external). The future fails with one of :attr:`lost` when its worker died, and
        with :class:`ExecutorError` when Dask itself could not run it (lost scheduler, a
        worker unable to import serbench): ``fn`` returns every error of its own."""
        assert self._client is not None, "submit outside `with executor:`"
        restricted = gpu and self._cluster is None
        if restricted and not self._warned_gpu:
            self._warn_without_gpu()
        return self._relay(self._executors[restricted].submit(fn, *args))

    def _relay(self, inner: Future) -> Future:
        outer: Future = Future()
        outer.set_running_or_notify_cancel()
        where = self.scheduler or "the LocalCluster"

        def relay(done: Future) -> None:
            if done.cancelled():
                outer.set_exception(ExecutorError(
                    f"Dask cancelled a job (lost the scheduler {where}?); finished jobs are in "
                    "records.jsonl: rerun with --resume"))
                return
            exc = done.exception()
            if exc is None:
                outer.set_result(done.result())
            elif isinstance(exc, self.lost):
                outer.set_exception(exc)
            else:
                error = ExecutorError(f"Dask could not run a job on {where}: "
                                      f"{type(exc).__name__}: {exc} (is the same serbench "
                                      "installed on every worker?)")
                error.__cause__ = exc
                outer.set_exception(error)

        inner.add_done_callback(relay)
        return outer

    # ------------------------------------------------------------------ the cluster

    def _workers(self) -> dict[str, dict[str, Any]]:
        return dict(self._client.scheduler_info().get("workers", {}))

    def _check_workers(self) -> None:
        crowded = sorted(w.get("name", a) for a, w in self._workers().items()
                         if int(w.get("nthreads", 1)) > 1)
        if crowded:
            print(f"warning: Dask worker(s) {', '.join(map(str, crowded[:3]))} run several "
                  "threads: jobs sharing one process share its BLAS and torch thread pools; "
                  "start workers with --nthreads 1 (several processes per node instead)",
                  file=sys.stderr)

    def _warn_without_gpu(self) -> None:
        self._warned_gpu = True
        if not any((w.get("resources") or {}).get("GPU") for w in self._workers().values()):
            print(f"warning: no worker of {self.scheduler} has a GPU resource yet; the deep "
                  "jobs wait for one started with --resources GPU=1", file=sys.stderr)

    def describe(self) -> str:
        where = self.scheduler or f"LocalCluster of {self.n_workers} worker(s)"
        return f"Dask distributed, {where}"


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start the LocalCluster with SIGINT blocked in this thread: Dask's event-loop thread,
    created meanwhile, inherits the mask, and so does every worker process it spawns (now or
    when it replaces a dead one; a mask survives fork and exec). Ctrl-C reaches the whole
    process group, and only this process should act on it, by closing the cluster, instead of
    every worker printing a traceback. A Ctrl-C during the start is delivered once it is done."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def make_executor(name: str, *, n_workers: int, scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    if name == "local":
        if scheduler is not None:
            raise ExecutorError("--scheduler needs --executor dask")
        return LocalExecutor(n_workers)
    if name == "dask":
        return DaskExecutor(n_workers, scheduler)
    raise ExecutorError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")


__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "ExecutorError", "LocalExecutor", "make_executor"]
