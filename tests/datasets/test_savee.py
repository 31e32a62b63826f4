"""SAVEE: flat and nested layouts give the same manifest; text_id is prefix + number."""

from __future__ import annotations

import pandas as pd

from benchmark.datasets import savee

FLAT = ["DC_a01.wav", "DC_sa01.wav", "JE_su03.wav", "KL_n30.wav", "JK_d02.wav"]


def test_flat_and_nested_agree(tmp_path, wavs):
    wavs.tree(tmp_path / "flat", FLAT)
    wavs.tree(tmp_path / "nested", [n.replace("_", "/", 1) for n in FLAT])
    flat = savee.load(tmp_path / "flat").manifest
    nested = savee.load(tmp_path / "nested").manifest
    cols = ["utt_id", "label", "raw_label", "speaker", "gender", "text_id"]
    pd.testing.assert_frame_equal(flat[cols], nested[cols])
    m = flat.set_index("utt_id")
    assert m.loc["DC_sa01", ["label", "text_id"]].tolist() == ["sadness", "sa01"]
    assert m.loc["DC_a01", "text_id"] != m.loc["DC_sa01", "text_id"]  # numbers restart per emotion
    assert m.loc["JE_su03", "label"] == "surprise"
    assert set(m["gender"]) == {"male"}


def test_unknown_speaker_is_a_problem(tmp_path, wavs):
    wavs.tree(tmp_path, ["DC_a01.wav", "XY_a01.wav", "ALL/a02.wav"])
    c = savee.load(tmp_path)
    assert len(c.manifest) == 1
    assert sorted(p.reason for p in c.problems) == ["unknown speaker code: ALL", "unknown speaker code: XY"]
