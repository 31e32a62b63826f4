"""EmoDB: fields from the name, both layouts, and the real corpus when it is available."""

from __future__ import annotations

import pytest

from benchmark.datasets import emodb


def test_fields_from_name_and_flat_layout(tmp_path, wavs):
    wavs.tree(tmp_path, ["03a01Fa.wav", "08b10Lb.wav", "wav/16a07Ec.wav"])
    m = emodb.load(tmp_path).manifest.set_index("utt_id")
    assert sorted(m.index) == ["03a01Fa", "08b10Lb", "16a07Ec"]
    assert m.loc["03a01Fa", ["speaker", "gender", "text_id", "raw_label", "label"]].tolist() == [
        "03", "male", "a01", "Freude", "happiness"]
    assert m.loc["08b10Lb", ["gender", "label"]].tolist() == ["female", "boredom"]
    assert m.loc["16a07Ec", "label"] == "disgust"


def test_unknown_speaker_and_text_are_problems(tmp_path, wavs):
    wavs.tree(tmp_path, ["wav/03a01Fa.wav", "wav/04a01Fa.wav", "wav/03a03Fa.wav"])
    c = emodb.load(tmp_path)
    assert sorted(p.reason for p in c.problems) == ["unknown speaker code: 04", "unknown text code: a03"]


@pytest.mark.shared_data
def test_real_emodb(emodb_root):
    c = emodb.load(emodb_root)
    m = c.manifest
    assert not c.problems
    assert len(m) == 535
    assert m["speaker"].nunique() == 10 and m["text_id"].nunique() == 10
    assert m["label"].value_counts().to_dict() == {
        "anger": 127, "boredom": 81, "neutral": 79, "happiness": 71, "fear": 69, "sadness": 62, "disgust": 46}
    genders = m.drop_duplicates("speaker")["gender"].value_counts().to_dict()
    assert genders == {"male": 5, "female": 5}
    assert m["duration_s"].to_numpy() == pytest.approx(2.0, abs=1e-3)  # this copy is cut to 2 s


def test_probe_false_skips_reading_audio(tmp_path, wavs):
    wavs.tree(tmp_path, ["wav/03a01Fa.wav"])
    wavs.zero_bytes(tmp_path / "wav" / "03a01Wa.wav")
    c = emodb.load(tmp_path, probe=False)
    assert len(c.manifest) == 2 and not c.problems  # names only: audio is not opened
    assert c.manifest["duration_s"].isna().all()
