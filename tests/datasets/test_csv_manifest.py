"""CSV manifests: required columns, relative paths, label mapping and its clear errors."""

from __future__ import annotations

import pytest

from benchmark.datasets import csv_manifest, load_corpus
from benchmark.datasets.base import CorpusError


@pytest.fixture
def corpus_dir(tmp_path, wavs):
    wavs.tree(tmp_path, ["audio/a.wav", "audio/b.wav", "audio/c.wav"])
    return tmp_path


def _write(folder, text, name="manifest.csv"):
    path = folder / name
    path.write_text(text)
    return path


def test_folder_root_relative_paths_and_label_mapping(corpus_dir):
    _write(corpus_dir, "path,label,speaker,gender,text_id\n"
                       "audio/a.wav,angry,s1,F,t1\naudio/b.wav,Neutral,s2,male,t1\naudio/c.wav,sadness,s1,,t2\n")
    c = load_corpus("csv", corpus_dir)
    m = c.manifest.set_index("utt_id")
    assert sorted(m.index) == ["a", "b", "c"]  # utt_id defaults to the file stem
    assert m["label"].tolist() == ["anger", "neutral", "sadness"]
    assert m["raw_label"].tolist() == ["angry", "Neutral", "sadness"]  # raw label kept as written
    assert m["gender"].tolist()[:2] == ["female", "male"] and m["gender"].isna().tolist()[2]
    assert m.loc["a", "path"] == str(corpus_dir / "audio" / "a.wav")
    assert m["duration_s"].notna().all() and m["session"].isna().all()


def test_csv_file_root_with_ids_and_raw_labels(corpus_dir):
    csv = _write(corpus_dir, "utt_id,path,label,speaker,raw_label\n"
                             f"u1,{corpus_dir / 'audio/a.wav'},happiness,s1,joy\n"
                             "u2,audio/b.wav,fear,s2,\n", name="mine.csv")
    c = csv_manifest.load(csv, name="mycorpus")
    m = c.manifest.set_index("utt_id")
    assert c.name == "mycorpus" and (m["corpus"] == "mycorpus").all()
    assert m["raw_label"].tolist() == ["joy", "fear"]
    assert set(c.native_labels) == {"joy", "fear"}


def test_unknown_labels_are_listed_or_kept(corpus_dir):
    _write(corpus_dir, "path,label,speaker\naudio/a.wav,joyful,s1\naudio/b.wav,joyful,s1\naudio/c.wav,meh,s2\n")
    with pytest.raises(CorpusError, match=r"'joyful' x2, 'meh' x1"):
        csv_manifest.load(corpus_dir)
    m = csv_manifest.load(corpus_dir, keep_unknown_labels=True).manifest
    assert m["label"].tolist() == ["joyful", "joyful", "meh"]


@pytest.mark.parametrize(("text", "message"), [
    ("path,label\naudio/a.wav,angry\n", "required column"),
    ("path,label,speaker,speakr\naudio/a.wav,angry,s1,x\n", "unknown column"),
    ("path,label,speaker\naudio/a.wav,angry,\n", "empty 'speaker'"),
    ("path,label,speaker\naudio/a.wav,angry,s1\nother/a.wav,angry,s1\n", "duplicate utt_id"),
])
def test_malformed_manifest_errors(corpus_dir, text, message):
    _write(corpus_dir, text)
    with pytest.raises(CorpusError, match=message):
        csv_manifest.load(corpus_dir)


def test_extra_columns_can_be_ignored_and_bad_audio_is_a_problem(corpus_dir, wavs):
    wavs.zero_bytes(corpus_dir / "audio" / "z.wav")
    _write(corpus_dir, "path,label,speaker,note\naudio/a.wav,angry,s1,x\naudio/z.wav,angry,s1,y\n"
                       "audio/missing.wav,angry,s1,z\n")
    c = csv_manifest.load(corpus_dir, ignore_extra_columns=True)
    assert c.manifest["utt_id"].tolist() == ["a"]
    assert sorted(p.reason.split(":")[0] for p in c.problems) == ["empty file", "unreadable audio"]
