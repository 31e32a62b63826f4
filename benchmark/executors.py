"""Where jobs run: a local process pool, or a Dask distributed cluster, behind one interface.

Both give a ``concurrent.futures`` executor (Dask's ``Client.get_executor()`` is one), so the
runner's submit/wait loop is the same. An executor also says which exceptions mean "the worker
running this job died" (the job is then retried once, and recorded as failed if it dies again)
and which mean "the whole executor is gone" (the local pool is then restarted).

Local workers are started with ``spawn`` (torch's thread pools make forking unsafe) and die with
their parent (``PR_SET_PDEATHSIG``), so a killed run leaves no orphan fitting a model.

Dask (``pip install serbench[dask]``; imported only when chosen): without a scheduler address a
``LocalCluster`` of N single-threaded worker processes is started; with ``tcp://HOST:PORT`` the
run joins an existing cluster (e.g. one started by dask-jobqueue on Slurm). Workers read audio
and the feature cache from the paths the parent gives them, so on a real cluster those must be
on a filesystem every worker mounts at the same path. Deep jobs ask for one ``GPU`` resource
when the run trains on CUDA: workers started with ``--resources GPU=1`` get them, the others
the classical fits.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

EXECUTORS = ("local", "dask")


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
    """Jobs on a Dask distributed cluster (a LocalCluster when no scheduler is given)."""

    name = "dask"
    #: a dead Dask worker takes only its own tasks; the cluster replaces it
    loss_breaks_pool = False

    def __init__(self, n_workers: int, scheduler: str | None = None) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise ExecutorError("--executor dask needs Dask distributed: pip install 'serbench[dask]'") from exc
        from distributed import KilledWorker

        self.lost = (KilledWorker,)
        self.n_workers = max(1, n_workers)
        self.scheduler = scheduler
        self.max_in_flight = 2 * self.n_workers
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        try:
            if self.scheduler is None:
                # our own retry-once rule decides what a lost job becomes, not the scheduler's
                dask.config.set({"distributed.scheduler.allowed-failures": 0,
                                 "distributed.worker.daemon": False})
                self._cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             silence_logs=40)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler, timeout=30)
                self.max_in_flight = 2 * max(1, len(self._client.scheduler_info().get("workers", {})))
        except OSError as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler {self.scheduler}: {exc}") from exc
        self._plain = self._client.get_executor(pure=False)
        self._gpu = self._client.get_executor(pure=False, resources={"GPU": 1})
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def submit(self, fn: Callable[..., Any], *args: Any, gpu: bool = False) -> Future:
        return (self._gpu if gpu else self._plain).submit(fn, *args)

    @property
    def broken(self) -> bool:
        return False  # a dead Dask worker is replaced by the cluster; the client goes on

    def restart(self) -> None:  # pragma: no cover - never broken
        pass

    def describe(self) -> str:
        where = self.scheduler or f"LocalCluster of {self.n_workers} worker(s)"
        return f"Dask distributed, {where}"


def make_executor(name: str, *, n_workers: int, scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    if name == "local":
        if scheduler is not None:
            raise ExecutorError("--scheduler needs --executor dask")
        return LocalExecutor(n_workers)
    if name == "dask":
        return DaskExecutor(n_workers, scheduler)
    raise ExecutorError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")


__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "ExecutorError", "LocalExecutor", "make_executor"]
