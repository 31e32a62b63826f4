"""librosa's numba JIT cache: serbench's own folder, safe under concurrency, survivable when
corrupt, and a native crash of a feature worker is explained instead of exiting 139 silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals and flock")

REPO = Path(__file__).resolve().parents[2]
JIT_FEATURES = ("pitch_stats", "chroma_stats", "librosa_stats", "mel_mfcc_prosody")

EXTRACT = textwrap.dedent("""
    import hashlib, os, sys
    from pathlib import Path

    import numpy as np
    import pandas as pd
    import soundfile as sf

    from benchmark.features import compute_features

    folder = Path(sys.argv[1]) / f"wav{os.getpid()}"
    folder.mkdir(parents=True)
    rows = []
    for i in range(2):
        t = np.arange(12000) / 16000
        y = 0.3 * np.sin(2 * np.pi * (140 + 40 * i) * t * (1 + 0.05 * np.sin(2 * np.pi * 3 * t)))
        sf.write(folder / f"u{i}.wav", y.astype(np.float32), 16000, subtype="PCM_16")
        rows.append((f"u{i}", str(folder / f"u{i}.wav")))
    h = hashlib.sha256()
    for feat in sys.argv[2].split(","):
        table = compute_features(pd.DataFrame(rows, columns=["utt_id", "path"]), feat,
                                 cache=None, jobs=1, progress=False)
        assert not table.failures, table.failures
        for arr in table.values.values():
            h.update(np.ascontiguousarray(arr).tobytes())
    print("DIGEST", h.hexdigest(), os.environ["NUMBA_CACHE_DIR"], flush=True)
""")


def _env(cache_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(SERBENCH_CACHE=str(cache_root), PYTHONPATH=str(REPO))
    return env


def _start(script: Path, work: Path, cache_root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(script), str(work), ",".join(JIT_FEATURES)],
                            cwd=REPO, env=_env(cache_root), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> tuple[str, str, str]:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode}: {err[-3000:]}"
    line = next(x for x in out.splitlines() if x.startswith("DIGEST"))
    _, digest, numba_dir = line.split()
    return digest, numba_dir, err


def _swap_pi_wrapper(numba_dir: Path) -> int:
    """Corrupt the cache as racing compilers do: the index of librosa's pYIN helper now points
    each signature at the other signature's object code (this segfaults on load)."""
    n = 0
    for one in numba_dir.rglob("*pitch._pi_wrapper-*.1.nbc"):
        two = one.with_name(one.name.replace(".1.nbc", ".2.nbc"))
        tmp = one.with_name("swap.tmp")
        one.rename(tmp)
        two.rename(one)
        tmp.rename(two)
        n += 1
    return n


def test_concurrent_cold_extractions_then_a_third_and_a_corrupt_cache(tmp_path):
    script = tmp_path / "extract.py"
    script.write_text(EXTRACT)
    cache_root = tmp_path / "serbench_cache"  # fresh: a cold numba cache nobody else uses
    # two extractions at once from a cold cache
    a, b = _start(script, tmp_path, cache_root), _start(script, tmp_path, cache_root)
    (da, dir_a, _), (db, dir_b, _) = _finish(a), _finish(b)
    assert da == db
    numba_dir = Path(dir_a)
    assert dir_a == dir_b and numba_dir.parent == cache_root / "numba"
    assert numba_dir.name.startswith("numba-") and "_librosa-" in numba_dir.name
    assert list(numba_dir.rglob("*pitch._pi_wrapper-*.nbi")), "librosa's JIT code was not cached there"
    # a third process still works, with the same numbers
    dc, _, _ = _finish(_start(script, tmp_path, cache_root))
    assert dc == da
    # a corrupt cache (what racing compilers leave) is detected, cleared and rebuilt
    assert _swap_pi_wrapper(numba_dir) >= 1
    dd, _, err = _finish(_start(script, tmp_path, cache_root))
    assert dd == da
    assert "JitCacheWarning" in err and "was corrupt" in err and "SIGSEGV" in err


CRASH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    import numpy as np
    import pandas as pd
    import soundfile as sf

    from benchmark.features import compute

    folder = Path(sys.argv[1])
    rows = []
    for i in range(8):
        t = np.arange(8000) / 16000
        sf.write(folder / f"u{i}.wav", (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), 16000)
        rows.append((f"u{i}", str(folder / f"u{i}.wav")))

    def crash(chunk, ctx):  # what a corrupt JIT cache does to a worker
        os.kill(os.getpid(), signal.SIGSEGV)

    compute._run_chunk = crash
    compute.POOL_MIN_WORK_S = 0.0
    try:
        compute.compute_features(pd.DataFrame(rows, columns=["utt_id", "path"]), "egemaps_v02",
                                 cache=None, jobs=2, progress=False)
    except Exception as exc:
        print(type(exc).__name__, exc)
        sys.exit(3)
""")


def test_a_native_crash_in_a_feature_worker_names_the_feature_and_the_remedy(tmp_path):
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    out = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 3, out.stderr[-2000:]
    msg = out.stdout.strip()
    assert msg.startswith("NativeCrashError egemaps_v02:"), msg
    assert "SIGSEGV" in msg and "python -m benchmark cache clear --numba" in msg


def test_native_crash_error_is_a_one_line_cli_error():
    from benchmark.errors import USER_ERRORS
    from benchmark.features.jit import NativeCrashError

    assert issubclass(NativeCrashError, USER_ERRORS)


def test_clear_numba_cache_removes_only_numba_files(tmp_path):
    from benchmark.features.jit import clear_numba_cache

    folder = tmp_path / "numba" / "numba-0.0_librosa-0.0_py311"
    (folder / "core_x").mkdir(parents=True)
    for name in ("a.py311.nbi", "a.py311.1.nbc", "a.py311.2.nbc"):
        (folder / "core_x" / name).write_bytes(b"x")
    (folder / "serbench-verified").mkdir()
    (folder / "serbench-verified" / "sr16000-none").write_text("fp")
    (folder / "keep.txt").write_text("not numba's")
    where, n = clear_numba_cache(tmp_path / "numba")
    assert where == tmp_path / "numba" and n == 3
    assert not list(folder.rglob("*.nb*")) and not (folder / "serbench-verified").exists()
    assert (folder / "keep.txt").read_text() == "not numba's"
    assert clear_numba_cache(tmp_path / "nothing-here") == (tmp_path / "nothing-here", 0)


def test_numba_cache_dir_is_set_before_numba_is_imported():
    code = ("import sys, os, benchmark; assert 'numba' not in sys.modules; "
            "import numba; print(os.environ['NUMBA_CACHE_DIR']); print(numba.config.CACHE_DIR)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=120, env={**env, "SERBENCH_CACHE": "/tmp/serbench-x"})
    assert out.returncode == 0, out.stderr
    env_dir, numba_dir = out.stdout.split()
    assert env_dir == numba_dir and env_dir.startswith("/tmp/serbench-x/numba/numba-")
