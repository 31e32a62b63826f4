"""CASIA: speaker/emotion folders, utt_id unique across folders, documented gender table."""

from __future__ import annotations

from benchmark.datasets import casia


def test_fields_and_unique_ids(tmp_path, wavs):
    wavs.tree(tmp_path, ["liuchanhg/angry/201.wav", "liuchanhg/sad/201.wav",
                         "wangzhe/Neutral/201.wav", "newspeaker/fear/210.wav"])
    c = casia.load(tmp_path)
    m = c.manifest.set_index("utt_id")
    assert not c.problems
    assert sorted(m.index) == ["liuchanhg_angry_201", "liuchanhg_sad_201", "newspeaker_fear_210",
                               "wangzhe_neutral_201"]
    assert m.loc["liuchanhg_sad_201", ["speaker", "gender", "text_id", "label"]].tolist() == [
        "liuchanhg", "female", "201", "sadness"]
    assert m.loc["wangzhe_neutral_201", "gender"] == "male"
    assert m["gender"].isna().tolist() == [False, False, True, False]  # unknown speaker -> NA


def test_wrong_depth_is_a_problem(tmp_path, wavs):
    wavs.tree(tmp_path, ["wangzhe/sad/201.wav", "wangzhe/201.wav", "extra/wangzhe/sad/202.wav"])
    c = casia.load(tmp_path)
    assert len(c.manifest) == 1
    assert [p.reason.split(":")[0] for p in c.problems] == ["wrong folder depth"] * 2
