"""Job functions and process helpers for the Dask executor tests (a module of its own, so that
Dask's spawned workers can import the functions by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from benchmark.worker import JobResult, base_record


def _ok(job) -> JobResult:
    rec = base_record(job)
    rec["status"] = "ok"
    return JobResult(rec)


def ok_or_die(job, ctx):
    """The svm job of fold 0 kills its worker (``kill -9`` of itself): once (a marker file in
    $DASK_MARKER_DIR records it), or every time with $DASK_ALWAYS; every other job is ok."""
    marker = Path(os.environ["DASK_MARKER_DIR"]) / "died"
    if job.model == "svm" and job.fold.index == 0 and (os.environ.get("DASK_ALWAYS")
                                                         or not marker.exists()):
        marker.write_text("x")
        os.kill(os.getpid(), signal.SIGKILL)
    return _ok(job)


def where_ran(job, ctx):
    """An ok record whose ``error`` field names the Dask worker that ran the job."""
    from distributed import get_worker

    result = _ok(job)
    result.record["error"] = str(get_worker().name)
    return result


def sleep_then_ok(job, ctx):
    time.sleep(3)
    return _ok(job)


def raise_outside_run_job(job, ctx):
    raise RuntimeError("boom outside run_job")
