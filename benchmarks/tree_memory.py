"""Peak memory of a whole process tree (a run's parent and its worker processes), Linux only.

    python benchmarks/tree_memory.py -- python -m benchmark run --suite ablation --out runs/x

Runs the command, samples every ``--interval`` seconds the processes descended from it (threads
are not counted twice) and prints the peak of the summed PSS (shared pages split between the
processes that map them: the honest total) and of the summed RSS (shared pages counted in every
process: an upper bound). ``/usr/bin/time -v`` reports only the largest single process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from the parent pids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])  # comm may hold spaces
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we read
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rollup_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) in kB of one process, (0, 0) if it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("give the command to measure after --")
    if not os.path.exists("/proc/self/smaps_rollup"):
        ap.error("needs Linux /proc/PID/smaps_rollup")
    proc = subprocess.Popen(command)
    peak_rss = peak_pss = peak_procs = 0
    start = time.perf_counter()
    while proc.poll() is None:
        pids = descendants(proc.pid)
        totals = [rollup_kb(p) for p in pids]
        peak_rss = max(peak_rss, sum(t[0] for t in totals))
        peak_pss = max(peak_pss, sum(t[1] for t in totals))
        peak_procs = max(peak_procs, len(pids))
        time.sleep(args.interval)
    wall = time.perf_counter() - start
    print(f"exit {proc.returncode}; wall {wall:.1f} s; peak tree PSS {peak_pss / 1024:.0f} MB, "
          f"peak tree RSS {peak_rss / 1024:.0f} MB, up to {peak_procs} processes", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
