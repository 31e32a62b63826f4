"""Speaker-label dependence: measured at load time, reported, warned about, and the rule that
refuses speaker normalisation when training speakers do not cover the classes."""

from __future__ import annotations

import math
import warnings

import pytest

from benchmark.datasets import load_corpus
from benchmark.datasets.dependence import (
    SpeakerLabelDependenceWarning,
    SpeakerNormRefused,
    check_speaker_norm,
    speaker_label_dependence,
    speaker_norm_refusal,
)

# 8 repetitions per (actor, emotion): intensity x statement x repetition
TAKES = [f"{i}-{s}-{r}" for i in ("01", "02") for s in ("01", "02") for r in ("01", "02")]


def _names(actor: int, emotions: list[str]) -> list[str]:
    return [f"Actor_{actor:02d}/03-01-{e}-{t}-{actor:02d}.wav" for e in emotions for t in TAKES]


@pytest.fixture
def one_emotion_per_speaker(tmp_path, wavs):
    """RAVDESS tree: actors 1-6 speak only one emotion each, actors 7-8 speak all four."""
    names = []
    for actor, emotion in zip(range(1, 7), ["01", "03", "04", "05", "01", "03"], strict=True):
        names += _names(actor, [emotion])
    for actor in (7, 8):
        names += _names(actor, ["01", "03", "04", "05"])
    wavs.tree(tmp_path, names)
    return tmp_path


@pytest.fixture
def crossed(tmp_path, wavs):
    """Every actor speaks every one of the four emotions equally often."""
    wavs.tree(tmp_path, [n for a in range(1, 5) for n in _names(a, ["01", "03", "04", "05"])])
    return tmp_path


def test_dependent_corpus_is_measured_reported_and_warned(one_emotion_per_speaker):
    with pytest.warns(SpeakerLabelDependenceWarning, match="ravdess: labels depend strongly on speakers"):
        c = load_corpus("ravdess", one_emotion_per_speaker)
    dep = c.dependence
    assert dep.n_speakers == 8 and dep.n_classes == 4 and dep.min_classes == 2
    assert dep.n_covering == 2 and dep.covering_share == pytest.approx(0.25)
    assert dep.cramers_v > 0.6 and dep.high
    summary = c.summary()["speaker_label_dependence"]
    assert summary["high"] is True and summary["cramers_v"] == pytest.approx(dep.cramers_v)
    assert dep.describe().startswith("speaker-label dependence: Cramér's V ")
    assert "2 of 8 speakers (25%) cover at least 2 of the 4 classes" in dep.describe()


def test_crossed_corpus_has_no_dependence_and_no_warning(crossed):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpeakerLabelDependenceWarning)
        c = load_corpus("ravdess", crossed)
    assert c.dependence.cramers_v == pytest.approx(0.0, abs=1e-12)
    assert c.dependence.covering_share == 1.0 and not c.dependence.high


def test_speaker_norm_refused_when_training_speakers_do_not_cover_the_classes(one_emotion_per_speaker):
    with pytest.warns(SpeakerLabelDependenceWarning):
        m = load_corpus("ravdess", one_emotion_per_speaker).manifest
    train = m[m["speaker"].isin(["01", "02", "03", "07"])]  # 1 of 4 covers
    reason = speaker_norm_refusal(train["speaker"], train["label"])
    assert reason == ("speaker_norm refused: too few training speakers cover the classes (1 of 4 cover "
                      "at least 2 of the 4 classes, 50% needed); per-speaker z-scoring would erase the "
                      "emotion of single-emotion speakers")
    with pytest.raises(SpeakerNormRefused, match="too few training speakers"):
        check_speaker_norm(train["speaker"], train["label"])
    ok = m[m["speaker"].isin(["01", "07", "08"])]  # 2 of 3 cover
    assert speaker_norm_refusal(ok["speaker"], ok["label"]) is None
    check_speaker_norm(ok["speaker"], ok["label"])


def test_degenerate_tables():
    one_speaker = speaker_label_dependence(["a"] * 4, ["x", "y", "x", "y"])
    assert math.isnan(one_speaker.cramers_v) and not one_speaker.high
    one_class = speaker_label_dependence(["a", "b"], ["x", "x"])
    assert math.isnan(one_class.cramers_v) and one_class.covering_share == 1.0
    perfect = speaker_label_dependence(["a", "a", "b", "b"], ["x", "x", "y", "y"])
    assert perfect.cramers_v == pytest.approx(1.0) and perfect.high
