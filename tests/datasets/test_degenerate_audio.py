"""Silent, constant, too-short and truncated files are recorded skips at load time, never rows
that would get constant features; each skip carries utt_id, path, stage and reason."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from benchmark import audio
from benchmark.audio import MIN_DURATION_S, MIN_RMS_DBFS, AudioError, load_audio
from benchmark.datasets import load_corpus
from benchmark.datasets.base import SKIPPED_COLUMNS, Problem

SR = 16_000


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(round(seconds * SR))) / SR
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def write_degenerate(folder):
    """name -> path of each kind of unusable file, plus one good file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "silence": np.zeros(2 * SR, dtype=np.float32),  # 2 s of digital silence
        "dc": np.full(SR, 0.25, dtype=np.float32),  # constant DC offset: silent once DC is removed
        "onesample": np.array([0.5], dtype=np.float32),
        "tenms": _tone(0.010),
        "good": _tone(0.5),
    }
    paths = {}
    for name, y in files.items():
        paths[name] = folder / f"{name}.wav"
        sf.write(paths[name], y, SR, subtype="PCM_16")
    full = folder / "full.wav"
    sf.write(full, _tone(1.0), SR, subtype="PCM_16")
    data = full.read_bytes()
    paths["truncated"] = folder / "truncated.wav"
    paths["truncated"].write_bytes(data[: len(data) // 2])  # header still says 16000 frames
    full.unlink()
    return paths


def test_csv_corpus_skips_degenerate_files_with_reasons(tmp_path):
    paths = write_degenerate(tmp_path / "audio")
    lines = ["path,label,speaker"] + [f"audio/{p.name},angry,s{i}" for i, p in enumerate(paths.values())]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    c = load_corpus("csv", tmp_path)
    assert c.manifest["utt_id"].tolist() == ["good"]
    why = {p.utt_id: p for p in c.problems}
    assert set(why) == {"silence", "dc", "onesample", "tenms", "truncated"}
    assert why["silence"].reason.startswith("silent audio: RMS -inf dBFS")
    assert why["dc"].reason.startswith("silent audio")
    assert why["onesample"].reason.startswith("too short: 0.0001 s")
    assert why["tenms"].reason == f"too short: 0.0100 s (minimum {MIN_DURATION_S} s)"
    assert why["truncated"].reason.startswith("truncated audio: header declares 16000 frames, the file holds 79")
    for p in c.problems:
        assert p.stage == "load" and p.path == str(paths[p.utt_id])
    rows = c.skipped_records()
    assert [tuple(r) for r in rows] == [SKIPPED_COLUMNS] * 5
    assert {r["utt_id"] for r in rows} == set(why) and {r["stage"] for r in rows} == {"load"}
    summary = c.problem_summary()
    assert "2 x silent audio" in summary and "2 x too short" in summary and "1 x truncated audio" in summary


def test_folder_loader_skips_silence_and_keeps_utt_ids(tmp_path, wavs):
    good = wavs.write(tmp_path / "Actor_01" / "03-01-01-01-01-01-01.wav")
    silent = tmp_path / "Actor_01" / "03-01-05-01-01-01-01.wav"
    sf.write(silent, np.zeros(SR, dtype=np.float32), SR, subtype="PCM_16")
    c = load_corpus("ravdess", tmp_path)
    assert c.manifest["path"].tolist() == [str(good)]
    [p] = c.problems
    assert (p.utt_id, p.path, p.stage) == ("03-01-05-01-01-01-01", str(silent), "load")
    assert p.reason.startswith("silent audio")


def test_name_problems_carry_the_file_stem_as_utt_id(tmp_path, wavs):
    wavs.write(tmp_path / "Actor_01" / "03-01-01-01-01-01-01.wav")
    bad = wavs.write(tmp_path / "Actor_01" / "badname.wav")
    c = load_corpus("ravdess", tmp_path)
    assert [(p.utt_id, p.path, p.stage) for p in c.problems] == [("badname", str(bad), "load")]
    assert Problem("x/y.wav", "r") == Problem("x/y.wav", "r", utt_id="y", stage="load")


@pytest.mark.parametrize("kind", ["silence", "dc", "onesample", "tenms", "truncated"])
def test_load_audio_refuses_degenerate_files(tmp_path, kind):
    paths = write_degenerate(tmp_path)
    with pytest.raises(AudioError, match=str(paths[kind].name)):
        load_audio(paths[kind])
    assert load_audio(paths["good"]).y.size == int(0.5 * SR)


def test_quiet_but_real_audio_is_kept(tmp_path):
    y = _tone(0.5) * 10 ** ((MIN_RMS_DBFS + 10) / 20) / 0.3 * np.sqrt(2)  # 10 dB above the floor
    path = tmp_path / "quiet.wav"
    sf.write(path, y.astype(np.float32), SR, subtype="FLOAT")
    assert audio.signal_problem(load_audio(path).y, SR) is None
