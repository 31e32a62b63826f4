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


# ------------------------------------------------------------------------------ processes


def descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except FileNotFoundError:
            continue
        for t in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except FileNotFoundError:
                continue
            for k in map(int, kids):
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
    except FileNotFoundError:
        return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawned_workers(pid: int) -> set[int]:
    """The multiprocessing-spawned children of ``pid`` (Dask's worker processes)."""
    return {k for k in descendants(pid) if "spawn_main" in cmdline(k)}


def reap(pids: set[int], within: float) -> list[int]:
    """Wait up to ``within`` seconds for ``pids`` to exit; SIGKILL and return the survivors."""
    deadline = time.time() + within
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    survivors = [p for p in pids if alive(p)]
    for p in survivors:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return survivors
