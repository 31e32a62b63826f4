"""Tests for the embedded synthetic corpus: manifest contract, balance, determinism, caching."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.datasets import synthetic
from benchmark.datasets.base import MANIFEST_COLUMNS, STRING_COLUMNS, CorpusError
from benchmark.datasets.synth.espeak import SpeechRequest, synthesize
from benchmark.datasets.synth.prosody import EMOTIONS
from benchmark.paths import default_cache_root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return synthetic.build("tiny", 0, tmp_path_factory.mktemp("cache"), jobs=2, progress=False)


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_manifest_contract(built: Path) -> None:
    corpus = synthetic.read_folder(built)
    m = corpus.manifest
    assert tuple(m.columns) == MANIFEST_COLUMNS
    for col in STRING_COLUMNS:
        assert isinstance(m[col].dtype, pd.StringDtype), col
    assert m["duration_s"].dtype == np.float64 and (m["duration_s"] > 0.5).all()
    assert m["session"].isna().all()
    assert (m["corpus"] == "synthetic").all()
    assert (m["label"] == m["raw_label"]).all()
    assert corpus.native_labels == EMOTIONS and not corpus.problems
    assert m["utt_id"].is_unique and list(m["utt_id"]) == sorted(m["utt_id"])
    for row in m.itertuples():
        spk, emo, intensity, text = row.utt_id.split("_")
        assert (spk, emo, text) == (row.speaker, row.label, row.text_id)
        assert intensity in ("normal", "strong") and Path(row.path).is_file()


def test_tiny_counts_balanced(built: Path) -> None:
    dims = synthetic.SIZES["tiny"]
    m = synthetic.read_folder(built).manifest
    n = dims.n_speakers * len(EMOTIONS) * len(dims.intensities) * dims.texts_per_speaker
    assert len(m) == n
    assert set(m["label"]) == set(EMOTIONS)
    assert m["label"].value_counts().nunique() == 1
    assert m["speaker"].value_counts().nunique() == 1
    assert m["speaker"].nunique() == dims.n_speakers
    assert m.groupby("gender")["speaker"].nunique().to_dict() == {
        "female": dims.n_speakers // 2, "male": dims.n_speakers // 2}
    # every speaker-emotion cell has the same texts
    assert m.groupby(["speaker", "label"]).size().nunique() == 1


def test_plan_of_default_size_is_balanced() -> None:
    items = synthetic.plan("default", 0)
    assert len(items) == 2016
    df = pd.DataFrame([(it.speaker.speaker_id, it.speaker.gender, it.emotion, it.intensity,
                        it.text_id, it.speaker.voice) for it in items],
                      columns=["spk", "gender", "emo", "int", "text", "voice"])
    assert df["spk"].nunique() == 24 and df["text"].nunique() >= 8
    assert df.groupby("gender")["spk"].nunique().to_dict() == {"female": 12, "male": 12}
    assert df.groupby("spk")["voice"].first().is_unique  # distinct eSpeak voice per speaker
    for col in ("emo", "int", "text"):
        assert df[col].value_counts().nunique() == 1, col


def test_speakers_do_not_depend_on_size() -> None:
    tiny = {it.speaker for it in synthetic.plan("tiny", 3)}
    default = {it.speaker for it in synthetic.plan("default", 3)}
    assert tiny <= default
    item = synthetic.plan("tiny", 3)[0]
    same = next(it for it in synthetic.plan("default", 3) if it.utt_id == item.utt_id)
    assert np.array_equal(synthetic.render_item(item), synthetic.render_item(same))


def test_build_is_deterministic(built: Path, tmp_path: Path) -> None:
    again = synthetic.build("tiny", 0, tmp_path, jobs=1, progress=False)
    assert again != built
    assert _digest(again) == _digest(built)


def test_other_seed_gives_other_audio(built: Path) -> None:
    item0 = synthetic.plan("tiny", 0)[0]
    item1 = next(it for it in synthetic.plan("tiny", 1) if it.utt_id == item0.utt_id)
    assert not np.array_equal(synthetic.render_item(item0), synthetic.render_item(item1))


def test_espeak_call_is_independent_of_history() -> None:
    req = SpeechRequest("<speak>The old clock has stopped.</speak>", "en+m3", noise_seed=1)
    first, sr = synthesize(req)
    synthesize(SpeechRequest("<speak>Something else entirely!</speak>", "en+f2", rate=300))
    second, _ = synthesize(req)
    assert sr == 22050 and first.dtype == np.int16
    assert np.array_equal(first, second)


def test_second_call_reuses_cache(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = (built / synthetic.MANIFEST).stat().st_mtime_ns

    def fail(*_a, **_k):
        raise AssertionError("regenerated a cached corpus")

    monkeypatch.setattr(synthetic, "_write_item", fail)
    assert synthetic.build("tiny", 0, built.parent, progress=False) == built
    corpus = synthetic.load(size="tiny", seed=0, cache_dir=built.parent, progress=False)
    assert len(corpus.manifest) > 0
    assert (built / synthetic.MANIFEST).stat().st_mtime_ns == stamp


def test_interrupted_build_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = synthetic._write_item

    def flaky(args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-build
        return real(args)

    monkeypatch.setattr(synthetic, "_write_item", flaky)
    with pytest.raises(KeyboardInterrupt):
        synthetic.build("tiny", 0, tmp_path, jobs=1, progress=False)
    final = synthetic.corpus_dir("tiny", 0, tmp_path)
    assert not final.exists()
    assert list(tmp_path.iterdir()) == []  # partial folder removed
    # a stale partial folder left by a killed process is never read either
    (tmp_path / f".tmp-{final.name}-1-deadbeef" / "wav").mkdir(parents=True)
    monkeypatch.setattr(synthetic, "_write_item", real)
    folder = synthetic.build("tiny", 0, tmp_path, jobs=1, progress=False)
    assert folder == final and synthetic.is_complete(folder)
    assert len(synthetic.read_folder(folder).manifest) == 56


def test_bad_arguments_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="unknown size"):
        synthetic.load(size="huge", cache_dir=tmp_path)
    with pytest.raises(CorpusError, match="seed"):
        synthetic.build("tiny", -1, tmp_path)
    with pytest.raises(CorpusError, match="jobs"):
        synthetic.build("tiny", 0, tmp_path, jobs=0)
    with pytest.raises(CorpusError, match="not a built synthetic corpus"):
        synthetic.read_folder(tmp_path)


def test_default_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SERBENCH_CACHE", str(tmp_path))
    assert default_cache_root() == tmp_path
    assert synthetic.corpus_dir("tiny", 2) == tmp_path / "synthetic" / f"{synthetic.VERSION}-tiny-seed2"
    monkeypatch.delenv("SERBENCH_CACHE")
    assert default_cache_root() == Path.home() / ".cache" / "serbench"


def test_emotions_differ_in_prosody() -> None:
    """Rules, not magic numbers: sadness is slower and quieter than anger for one speaker."""
    items = {it.utt_id: it for it in synthetic.plan("tiny", 0)}
    sad = synthetic.render_item(items["s01_sadness_strong_t01"])
    ang = synthetic.render_item(items["s01_anger_strong_t01"])
    assert sad.size > ang.size
    assert np.sqrt(np.mean(sad**2)) < np.sqrt(np.mean(ang**2))


def _sigterm_disposition(_: int) -> bool:
    import signal

    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_synthesis_workers_do_not_inherit_the_parents_sigterm_handler():
    import multiprocessing as mp
    import signal

    from benchmark.datasets.synthetic import default_sigterm

    def parent_handler(signum, frame):  # what `run` installs: raises to save the run
        raise RuntimeError("terminated")

    previous = signal.signal(signal.SIGTERM, parent_handler)
    try:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(2) as pool:
            inherited = pool.map(_sigterm_disposition, range(2))
        with ctx.Pool(2, initializer=default_sigterm) as pool:
            reset = pool.map(_sigterm_disposition, range(2))
    finally:
        signal.signal(signal.SIGTERM, previous)
    if ctx.get_start_method() == "fork":
        assert inherited == [False, False]  # without the initializer the handler is inherited
    assert reset == [True, True]
