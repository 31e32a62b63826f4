"""Job functions for the executor tests; a module of its own so spawned workers import it."""

from __future__ import annotations

import os
from pathlib import Path

from benchmark.worker import JobResult, base_record


def is_culprit(job) -> bool:
    return job.model == "svm" and job.fold.index == 0


def ok_or_die(job, ctx):
    """The svm job of fold 0 kills its worker: once (as a ``kill -9`` from outside would; a
    marker file in $REL_MARKER_DIR records it), or every time with $REL_ALWAYS; every other job
    returns an ok record."""
    marker = Path(os.environ["REL_MARKER_DIR"]) / "died"
    if is_culprit(job) and (os.environ.get("REL_ALWAYS") or not marker.exists()):
        marker.write_text("x")
        os._exit(9)
    rec = base_record(job)
    rec["status"] = "ok"
    return JobResult(rec)
