"""librosa's numba JIT code: compiled once, under a lock, verified, and warm before workers fork.

librosa compiles its helpers with numba ``cache=True`` (``librosa.core.pitch._pi_wrapper``,
the Viterbi decoder behind pYIN, peak picking, ...): some at import, the rest at first call,
and stores the machine code on disk. Two processes compiling the same function into one cache
at once can leave an index that points at the other's object code; every later process that
loads it dies with SIGSEGV (exit 139) and no message. serbench therefore:

1. caches into a folder it owns (``NUMBA_CACHE_DIR``, set in ``benchmark/__init__.py``);
2. compiles only under an exclusive file lock on that folder (``.serbench.lock``), so
   concurrent serbench processes fill it one at a time and never read a half-written state;
3. verifies the cache once per folder, sample rate and augmentation in a *separate process*
   (the canary): it imports librosa and runs every JIT-using extractor (and the augmentation's
   variants) on a short test signal. A canary killed by a signal means the cache is corrupt:
   when this process has not loaded librosa's compiled code yet and the folder is serbench's
   own, the folder is cleared with a :class:`JitCacheWarning` and the canary runs again on a
   fresh compile; otherwise :class:`NativeCrashError` names the feature and the remedy
   (``python -m benchmark cache clear --numba``). A verified folder gets a marker holding a
   fingerprint of its files (name, inode, size, mtime); it is checked again only when that
   changes (numba replaces files atomically, so any rewrite changes an inode);
4. warms the same code in this process (:func:`prepare`), so forked feature workers inherit
   it compiled and never touch the disk cache.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from benchmark.features.base import FeatureError

CLEAR_COMMAND = "python -m benchmark cache clear --numba"
LOCK_NAME = ".serbench.lock"
VERIFIED_DIR = "serbench-verified"
WARM_SECONDS = 0.5
#: librosa modules whose import compiles or loads numba code (vectorize/guvectorize with
#: explicit signatures are compiled when decorated, i.e. at import).
JIT_MODULE_PREFIXES = ("librosa.core", "librosa.util", "librosa.sequence", "librosa.feature",
                       "librosa.filters", "librosa.effects", "librosa.beat")

_READY: set[tuple[str, int, str]] = set()


class NativeCrashError(FeatureError):
    """Feature extraction died from a signal (a native crash), not from a Python error."""


class JitCacheWarning(UserWarning):
    """A corrupt numba cache was found and cleared."""


def numba_cache_path() -> Path:
    """The numba cache folder this process uses (``$NUMBA_CACHE_DIR``)."""
    from benchmark.paths import numba_cache_dir

    return Path(os.environ.get("NUMBA_CACHE_DIR") or numba_cache_dir())


def is_serbench_owned(folder: Path) -> bool:
    from benchmark.paths import NUMBA_SUBDIR

    return folder.parent.name == NUMBA_SUBDIR and folder.name.startswith("numba-")


@contextmanager
def numba_lock(folder: Path | None = None) -> Iterator[None]:
    """Exclusive lock on the numba cache folder, across processes (POSIX ``flock``).

    Where ``fcntl`` does not exist (Windows) there is no lock, only the in-process order.
    """
    folder = folder or numba_cache_path()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(folder / LOCK_NAME, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def signal_name(returncode: int) -> str:
    """"SIGSEGV" for -11 (a child killed by a signal); "exit code N" otherwise."""
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def native_crash_message(feature: str, how: str, *, stage: str = "extracting") -> str:
    """The one-line explanation of a native crash of feature extraction, with the remedy."""
    if "SIGKILL" in how:
        return (f"{feature}: a feature worker was killed ({how}) while {stage}, usually by the "
                "out-of-memory killer; rerun with fewer --jobs")
    return (f"{feature}: feature extraction crashed natively ({how}) while {stage}; this is "
            f"usually a corrupt numba JIT cache (librosa's compiled code in {numba_cache_path()}). "
            f"Clear it with `{CLEAR_COMMAND}` and rerun")


def uses_jit(feature: str) -> bool:
    from benchmark.features import FEATURES

    return bool(FEATURES.meta(feature).get("jit"))


def warm_signal(sr: int) -> np.ndarray:
    """A deterministic voiced test signal: 150 Hz harmonics with vibrato and faint noise."""
    t = np.arange(int(WARM_SECONDS * sr)) / sr
    phase = 2 * np.pi * np.cumsum(150 + 10 * np.sin(2 * np.pi * 5 * t)) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 6))
    y = 0.3 * y / np.max(np.abs(y)) + 0.003 * np.random.default_rng(0).standard_normal(t.size)
    return y.astype(np.float32)


def warm_here(features: list[str], sr: int, augmentation: str = "none") -> None:
    """Run ``features`` (and every variant of ``augmentation``) once on the test signal in
    this process: compiles or loads every JIT function they use."""
    from benchmark.features import FEATURES

    y = warm_signal(sr)
    if augmentation != "none":
        from benchmark.transforms import get_policy

        policy = get_policy(augmentation)
        for v in range(policy.n_variants):
            policy.apply(y, sr, seed=0, utt_id="serbench-jit-warmup", variant=v)
    for name in features:
        FEATURES.get(name)()(y, sr)  # the factory, not get_extractor: that calls prepare()


def jit_features() -> list[str]:
    from benchmark.features import FEATURES

    return [n for n in FEATURES if FEATURES.meta(n).get("jit")]


def _marker(folder: Path, sr: int, augmentation: str) -> Path:
    return folder / VERIFIED_DIR / f"sr{sr}-{augmentation}"


def _fingerprint(folder: Path) -> str:
    import hashlib

    lines = []
    for f in sorted(folder.rglob("*.nb[ic]")):
        try:
            st = f.stat()
        except FileNotFoundError:
            continue
        lines.append(f"{f.relative_to(folder)}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _canary(sr: int, augmentation: str) -> subprocess.CompletedProcess:
    home = str(Path(__file__).resolve().parents[2])
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from benchmark.features import jit; "
            "jit.warm_here(jit.jit_features(), int(sys.argv[2]), sys.argv[3])")
    return subprocess.run([sys.executable, "-c", code, home, str(sr), augmentation],
                          capture_output=True, text=True, env=dict(os.environ))


def _jit_loaded() -> bool:
    return any(m.startswith(JIT_MODULE_PREFIXES) for m in sys.modules)


def verify(feature: str, sr: int, augmentation: str = "none") -> None:
    """Check, in a separate process, that the numba cache runs every JIT extractor (once per
    cache folder, rate and augmentation; call under :func:`numba_lock`)."""
    folder = numba_cache_path()
    marker = _marker(folder, sr, augmentation)
    if marker.is_file() and marker.read_text() == _fingerprint(folder):
        return
    what = feature if augmentation == "none" else f"{feature} with augmentation {augmentation}"
    for attempt in (1, 2):
        out = _canary(sr, augmentation)
        if out.returncode == 0:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(_fingerprint(folder))
            return
        tail = " ".join(out.stderr.strip().splitlines()[-1:])
        if out.returncode > 0:  # a Python error: not the cache; the extractor will say more
            raise FeatureError(f"{what}: warming up librosa's JIT code failed: {tail or signal_name(out.returncode)}")
        how = signal_name(out.returncode)
        if attempt == 1 and is_serbench_owned(folder) and not _jit_loaded():

            _, n = clear_numba_cache(folder, lock=False)
            warnings.warn(f"numba cache {folder} was corrupt (warming up {what} died with {how}); "
                          f"removed {n} compiled file(s), recompiling", JitCacheWarning, stacklevel=3)
            continue
        if attempt == 2:
            raise NativeCrashError(f"{what}: feature extraction still crashes natively ({how}) after "
                                   f"clearing the numba cache {folder}; the librosa/numba installation "
                                   "itself looks broken (reinstall them)")
        raise NativeCrashError(native_crash_message(what, how, stage="warming up librosa's JIT code"))


def prepare(feature: str, sr: int, augmentation: str = "none") -> None:
    """Make ``feature``'s JIT code (and ``augmentation``'s) safe and warm in this process.

    Once per process and (feature, sr, augmentation); a no-op for extractors that use no
    numba code (openSMILE). Forked workers inherit the result.
    """
    key = (feature, int(sr), augmentation)
    if key in _READY:
        return
    if uses_jit(feature) or augmentation != "none":
        with numba_lock():
            verify(feature, int(sr), augmentation)
            warm_here([feature] if uses_jit(feature) else [], int(sr), augmentation)
    _READY.add(key)


#: what clear_numba_cache deletes: numba's index and object files (and serbench's markers)
NUMBA_FILE_PATTERNS = ("*.nbi", "*.nbc")


def clear_numba_cache(folder: str | Path | None = None, *, lock: bool = True) -> tuple[Path, int]:
    """Delete the compiled numba code serbench's processes use; returns (folder, files removed).

    ``folder`` defaults to this process's numba cache (``$NUMBA_CACHE_DIR``, which
    ``benchmark/__init__.py`` sets to ``<cache root>/numba/numba-<v>_librosa-<v>_py<XY>``);
    pass ``<cache root>/numba`` to clear every version's. Only numba's ``*.nbi``/``*.nbc``
    files and serbench's markers are removed, so a ``NUMBA_CACHE_DIR`` the user pointed at a
    folder of their own loses nothing else. The next extraction recompiles (about half a
    minute for librosa's pYIN/chroma helpers). ``lock``: hold the cache's compile lock while
    deleting, so no serbench process loads a half-deleted cache.
    """
    target = Path(folder).expanduser() if folder is not None else numba_cache_path()
    if not target.is_dir():
        return target, 0

    def remove() -> int:
        n = 0
        for pattern in NUMBA_FILE_PATTERNS:
            for f in target.rglob(pattern):
                f.unlink(missing_ok=True)
                n += 1
        for d in target.rglob(VERIFIED_DIR):
            shutil.rmtree(d, ignore_errors=True)
        for d in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            if not any(d.iterdir()):
                d.rmdir()
        return n

    active = numba_cache_path()
    if lock and (active == target or target in active.parents):
        with numba_lock(active):
            return target, remove()
    return target, remove()
