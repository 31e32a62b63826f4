"""Listing the classical models must not import heavy libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_baselines_is_light():
    code = (
        "import sys, baselines; "
        "heavy = [m for m in ('xgboost', 'hmmlearn', 'torch', 'sklearn') if m in sys.modules]; "
        "assert not heavy, heavy; print(len(baselines.MODELS))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == 8
