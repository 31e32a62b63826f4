"""Real audio: a few EmoDB files through the batch path (skips when the shared data is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.cache import FeatureCache
from benchmark.features import compute_features


def _emodb() -> Path:
    base = os.environ.get("SERBENCH_SHARED_DATA")
    root = Path(base) if base else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return root / "emodb"


pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def emodb_sample() -> pd.DataFrame:
    files = sorted((_emodb() / "wav").glob("*.wav"))[::67][:8]
    if not files:
        pytest.skip(f"EmoDB not found under {_emodb()} (set SERBENCH_SHARED_DATA)")
    return pd.DataFrame({"utt_id": [f.stem for f in files], "path": [str(f) for f in files]})


@pytest.mark.parametrize("feature", ["egemaps_v02", "mfcc13_frames", "emotech141"])
def test_emodb_sample_extracts_cleanly(emodb_sample, feature, tmp_path):
    table = compute_features(emodb_sample, feature, cache=FeatureCache(tmp_path), jobs=2, progress=False)
    assert table.failures == {}
    assert table.ids() == list(emodb_sample["utt_id"])
    for v in table.values.values():
        assert np.isfinite(v).all() and v.shape[-1] == len(table.columns)
    if table.kind == "frames":  # 2.000 s at 10 ms hop, centred frames
        assert {v.shape[0] for v in table.values.values()} == {201}
