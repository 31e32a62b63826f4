"""A run killed during feature extraction must not leave feature workers behind.

Before, the feature pool's workers (forked by ``compute_features``) stayed blocked on their
task pipe forever after the parent was SIGKILLed (~110 MB each).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path

    import numpy as np
    import pandas as pd
    import soundfile as sf

    from benchmark.features import compute

    folder = Path(sys.argv[1])
    rows = []
    rng = np.random.default_rng(0)
    for i in range(40):
        p = folder / f"u{i}.wav"
        t = np.arange(16000) / 16000
        y = 0.3 * np.sin(2 * np.pi * (120 + i) * t) + 0.01 * rng.standard_normal(t.size)
        sf.write(p, y.astype(np.float32), 16000, subtype="PCM_16")
        rows.append((f"u{i}", str(p)))
    compute.POOL_MIN_WORK_S = 0.0  # always use the pool
    print("extracting", flush=True)
    compute.compute_features(pd.DataFrame(rows, columns=["utt_id", "path"]), "pitch_stats",
                             cache=None, jobs=2, progress=False)
    print("finished", flush=True)
""")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_feature_workers_die_with_a_killed_parent(tmp_path):
    script = tmp_path / "extract.py"
    script.write_text(SCRIPT)
    repo = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], cwd=repo,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and parent.poll() is None:
            kids = psutil.Process(parent.pid).children(recursive=True)
            workers = [k.pid for k in kids]
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, f"no feature workers started: {parent.communicate(timeout=30)}"
        time.sleep(0.5)  # let them pick up tasks
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        time.sleep(5)
        alive = [pid for pid in workers if _alive(pid)]
        assert not alive, f"orphan feature workers still alive 5 s after the parent was killed: {alive}"
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if parent.poll() is None:
            parent.kill()
