"""RAVDESS naming convention: fields, genders by actor parity, song/video rejected."""

from __future__ import annotations

from benchmark.datasets import ravdess


def test_fields_from_name(tmp_path, wavs):
    wavs.tree(tmp_path, [
        "Actor_01/03-01-01-01-01-01-01.wav",  # neutral, statement 1, actor 1 (male)
        "Actor_12/03-01-02-02-02-02-12.wav",  # calm, statement 2, actor 12 (female)
        "Actor_12/03-01-06-01-01-01-12.wav",  # fearful
    ])
    m = ravdess.load(tmp_path).manifest.set_index("utt_id")
    row = m.loc["03-01-01-01-01-01-01"]
    assert (row["speaker"], row["gender"], row["text_id"], row["raw_label"], row["label"]) == (
        "01", "male", "01", "neutral", "neutral")
    row = m.loc["03-01-02-02-02-02-12"]
    assert (row["speaker"], row["gender"], row["text_id"], row["label"]) == ("12", "female", "02", "calm")
    assert m.loc["03-01-06-01-01-01-12", "label"] == "fear"
    assert m["session"].isna().all()


def test_song_video_and_folder_mismatch_are_problems(tmp_path, wavs):
    wavs.tree(tmp_path, [
        "Actor_01/03-01-01-01-01-01-01.wav",
        "Actor_01/03-02-01-01-01-01-01.wav",  # song
        "Actor_01/01-01-01-01-01-01-01.wav",  # full audio-video
        "Actor_01/03-01-01-01-01-01-02.wav",  # actor 02 in Actor_01
        "Actor_25/03-01-01-01-01-01-25.wav",  # no actor 25
    ])
    c = ravdess.load(tmp_path)
    assert c.manifest["utt_id"].tolist() == ["03-01-01-01-01-01-01"]
    reasons = sorted(p.reason.split(":")[0] for p in c.problems)
    assert reasons == ["actor folder mismatch", "not audio-only", "not speech", "unknown actor code"]
