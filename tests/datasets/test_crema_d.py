"""CREMA-D: fields from the name; gender only from VideoDemographics.csv, never guessed."""

from __future__ import annotations

import pytest

from benchmark.datasets import crema_d
from benchmark.datasets.base import CorpusError

NAMES = ["AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1002_IEO_HAP_HI.wav", "AudioWAV/1003_TIE_DIS_LO.wav"]


def test_without_demographics_gender_is_na(tmp_path, wavs):
    wavs.tree(tmp_path, NAMES)
    m = crema_d.load(tmp_path).manifest.set_index("utt_id")
    assert m["gender"].isna().all()
    assert m.loc["1002_IEO_HAP_HI", ["speaker", "text_id", "raw_label", "label"]].tolist() == [
        "1002", "IEO", "happy", "happiness"]
    assert m.loc["1003_TIE_DIS_LO", "label"] == "disgust"


def test_demographics_give_gender(tmp_path, wavs):
    wavs.tree(tmp_path, NAMES)
    (tmp_path / "VideoDemographics.csv").write_text(
        "ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,Not Hispanic\n1002,21,Female,Caucasian,Not Hispanic\n")
    m = crema_d.load(tmp_path).manifest.set_index("utt_id")
    assert m["gender"].tolist()[:2] == ["male", "female"]
    assert m["gender"].isna().tolist() == [False, False, True]  # 1003 not listed -> NA


def test_malformed_demographics_is_an_error(tmp_path, wavs):
    wavs.tree(tmp_path, NAMES)
    (tmp_path / "VideoDemographics.csv").write_text("ActorID,Gender\n1001,Male\n")
    with pytest.raises(CorpusError, match="Sex"):
        crema_d.load(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        crema_d.load(tmp_path, demographics=tmp_path / "nope.csv")


def test_unknown_sentence_and_actor_are_problems(tmp_path, wavs):
    wavs.tree(tmp_path, [*NAMES, "AudioWAV/1001_XYZ_ANG_XX.wav", "AudioWAV/0999_DFA_ANG_XX.wav",
                         "AudioWAV/1001_DFA_ANG_ZZ.wav"])
    c = crema_d.load(tmp_path)
    assert len(c.manifest) == 3
    assert sorted(p.reason for p in c.problems) == [
        "unknown actor code: 0999", "unknown intensity code: ZZ", "unknown sentence code: XYZ"]
