"""Helpers for serbench's worker processes (feature extraction pools, job pools).

:func:`die_with_parent` makes a worker exit when the process that started it dies, so a run
killed with SIGKILL (or by the OOM killer) leaves no orphan blocked on its task pipe. Call it
first thing in a pool's ``initializer``, passing the parent's pid read *in the parent*
(``os.getpid()`` when building the pool): that closes the race in which the parent dies
before the worker has asked the kernel to watch it.
"""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent(parent_pid: int | None = None, sig: int = signal.SIGTERM) -> None:
    """Linux: ask the kernel to send ``sig`` to this process when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``); exit at once if the parent is already gone.

    The kernel's "parent" is the *thread* that forked this process; pools started from a
    thread that outlives them (as serbench's are) are fine. No-op on other platforms.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    PR_SET_PDEATHSIG = 1
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before prctl took effect: nobody is waiting for us
