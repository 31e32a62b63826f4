"""Guarding a run folder: who may write into it, and whether ``--resume`` sees the same audio.

* :func:`check_out` (before planning, and again once locked): a run writes only into a new
  folder, an empty one, or, with ``--resume``, a folder serbench itself made (``spec.json`` or
  ``records.jsonl`` present); a folder holding anything else, a path under a file, or a folder
  that cannot be created is one :class:`RunError` line and nothing is touched.
* :class:`RunLock`: an exclusive ``fcntl.flock`` on ``<out>/.serbench.lock`` held for the run's
  life. The kernel drops it when the process dies, however it dies, so a killed run never
  leaves a stale lock; a second run into the same folder is refused naming the holder's pid.
* :func:`audio_hashes` / :func:`check_audio`: the sha256 of every audio file (the feature
  cache's own content hash, memoised per process, so the cache fill reuses it) is recorded in
  ``<out>/audio.json`` when the run starts; ``--resume`` refuses when a file changed in place
  (same name and label, other samples), which the manifest fingerprint cannot see.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from pathlib import Path
from typing import Any

from benchmark.plan import RunError

LOCK = ".serbench.lock"
AUDIO = "audio.json"
#: files whose presence marks a folder as one serbench wrote (``--resume`` may continue it)
RUN_MARKERS = ("spec.json", "records.jsonl")


def is_run_folder(out: Path) -> bool:
    return any((out / name).exists() for name in RUN_MARKERS)


def check_out(out: Path, *, resume: bool) -> None:
    """Refuse an ``--out`` this run must not write into (one line, nothing touched)."""
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out}: is a file, not a folder; choose a new folder")
    if out.is_dir():
        if is_run_folder(out):
            if not resume and (out / "records.jsonl").exists():
                raise RunError(f"{out} already holds a run; pass --resume to continue it or --out "
                               "to start another")
            return
        foreign = sorted(p.name for p in out.iterdir() if p.name != LOCK)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise RunError(f"--out {out}: the folder holds files that are not a serbench run "
                           f"({shown}); a run writes only into a new or empty folder: choose another --out")
        return
    parent = out.parent
    while not parent.exists():  # the nearest existing ancestor decides whether out can be made
        parent = parent.parent
    if not parent.is_dir():
        raise RunError(f"--out {out}: cannot be created, {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RunError(f"--out {out}: cannot be created, {parent} is not writable")


def make_out(out: Path) -> None:
    """Create ``out`` (and its parents); any OS refusal is one :class:`RunError` line."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"--out {out}: cannot be created ({exc.strerror or exc})") from None


class RunLock:
    """An exclusive advisory lock on a run folder for the life of this object's holder."""

    def __init__(self, out: Path) -> None:
        self.path = out / LOCK
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunError(f"--out {self.path.parent}: cannot write its lock file ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RunError(f"{self.path.parent} is in use by another serbench run (pid {holder}); "
                               "wait for it to finish (then --resume), or choose another --out") from None
            raise RunError(f"--out {self.path.parent}: cannot lock it ({exc.strerror or exc})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock; the file stays (it is harmless)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def audio_hashes(manifests: dict[str, Any]) -> dict[str, dict[str, str]]:
    """corpus -> {path: sha256 of its bytes} for every audio file of the run's corpora."""
    from benchmark.cache import file_sha256

    out: dict[str, dict[str, str]] = {}
    for name, m in manifests.items():
        hashes: dict[str, str] = {}
        for path in m["path"].astype(str):
            try:
                hashes[path] = file_sha256(path)
            except OSError:
                continue  # the cache fill reports it as a failed utterance
        out[name] = hashes
    return out


def write_audio(out: Path, hashes: dict[str, dict[str, str]]) -> None:
    tmp = out / f".{AUDIO}.tmp"
    tmp.write_text(json.dumps(hashes, indent=0, sort_keys=True))
    os.replace(tmp, out / AUDIO)


def check_audio(out: Path, hashes: dict[str, dict[str, str]]) -> bool:
    """Refuse ``--resume`` when a file recorded at the run's start now has other bytes.
    Returns False when the run folder has no record of its audio (an older run)."""
    path = out / AUDIO
    if not path.exists():
        return False
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(f"--resume: {path} is unreadable ({exc}); start a new run with --out NEW_FOLDER") from None
    for corpus, now in hashes.items():
        before = old.get(corpus) or {}
        changed = sorted(p for p, h in now.items() if p in before and before[p] != h)
        if changed:
            shown = ", ".join(Path(p).name for p in changed[:3]) + (", ..." if len(changed) > 3 else "")
            raise RunError(f"--resume: the audio of {len(changed)} file(s) of corpus {corpus} changed "
                           f"since the run started ({shown}); its old and new results would mix: "
                           "start a new run with --out NEW_FOLDER (or restore the files)")
    return True
