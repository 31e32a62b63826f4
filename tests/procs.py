"""Process helpers for tests that kill runs and workers: descendants, liveness and CPU time
from /proc, and reaping what a test left behind. A process may exit between two reads of
/proc: reading its files then raises FileNotFoundError or ProcessLookupError (ESRCH), and
both mean "gone"."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except (FileNotFoundError, ProcessLookupError):
            continue
        for t in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for k in map(int, kids):
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
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
