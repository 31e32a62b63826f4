"""TESS: label from the file name's last token; folder spellings of public copies accepted."""

from __future__ import annotations

from benchmark.datasets import tess


def test_folder_variants_and_pleasant_surprise(tmp_path, wavs):
    wavs.tree(tmp_path, [
        "OAF_Pleasant_surprise/OAF_back_ps.wav",
        "YAF_pleasant_surprised/YAF_back_ps.wav",
        "OAF_Fear/OAF_bath_fear.wav",
        "YAF_disgust/YAF_bath_disgust.wav",
        "YAF_neutral/YAF_Chair_neutral.wav",
    ])
    c = tess.load(tmp_path)
    m = c.manifest.set_index("utt_id")
    assert not c.problems
    assert m.loc["OAF_back_ps", ["speaker", "raw_label", "label", "text_id"]].tolist() == [
        "OAF", "pleasant_surprise", "surprise", "back"]
    assert m.loc["YAF_Chair_neutral", "text_id"] == "chair"
    assert set(m["gender"]) == {"female"}
    assert sorted(m["speaker"].unique()) == ["OAF", "YAF"]
    # the same word is the same text for both speakers, so sentence-independent splits can group it
    assert m.loc["OAF_back_ps", "text_id"] == m.loc["YAF_back_ps", "text_id"]


def test_contradicting_folder_and_unknown_speaker_are_problems(tmp_path, wavs):
    wavs.tree(tmp_path, [
        "OAF_angry/OAF_back_angry.wav",
        "OAF_angry/OAF_bath_sad.wav",  # sad file in angry folder
        "YAF_angry/OAF_bean_angry.wav",  # OAF file in YAF folder
        "MAF_angry/MAF_back_angry.wav",
    ])
    c = tess.load(tmp_path)
    assert c.manifest["utt_id"].tolist() == ["OAF_back_angry"]
    assert sorted(p.reason.split(":")[0] for p in c.problems) == [
        "folder mismatch", "folder mismatch", "unknown speaker code"]
