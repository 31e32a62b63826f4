"""Our openSMILE layer gives opensmile's own numbers on the same file."""

from __future__ import annotations

import numpy as np
import opensmile
import pytest

from benchmark.audio import load_audio
from benchmark.features import get_extractor


@pytest.mark.parametrize("name, feature_set, level", [
    ("egemaps_v02", "eGeMAPSv02", "Functionals"),
    ("egemaps_v02_lld_frames", "eGeMAPSv02", "LowLevelDescriptors"),
])
def test_matches_opensmile_process_file(wav_manifest, name, feature_set, level):
    path = str(wav_manifest.set_index("utt_id").loc["tone16k", "path"])  # 16 kHz mono float wav
    ref_smile = opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, feature_set),
                                feature_level=getattr(opensmile.FeatureLevel, level))
    ref = ref_smile.process_file(path)
    ex = get_extractor(name)
    a = load_audio(path)
    ours = ex(a.y, a.sr)
    assert list(ref.columns) == ex.column_names
    ref_values = ref.to_numpy(dtype=np.float32)
    np.testing.assert_allclose(ours, ref_values[0] if level == "Functionals" else ref_values,
                               rtol=1e-3, atol=1e-4)


def test_smile_object_is_built_once_per_process():
    from benchmark.features import opensmile_feats

    first = opensmile_feats.smile("eGeMAPSv02", "Functionals")
    assert opensmile_feats.smile("eGeMAPSv02", "Functionals") is first
