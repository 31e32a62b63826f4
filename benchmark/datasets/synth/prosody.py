"""Speakers and rule-based emotional prosody for the synthetic corpus.

Each emotion is a set of deviations from neutral speech in the spirit of Murray & Arnott
(1993), also summarised in paper 003's Table 1: pitch level, pitch range, speaking rate,
loudness, pauses (eSpeak word gap and inserted breaks), voice quality (breathy, rough,
tense/lax tilt), stressed words and the terminal contour (punctuation selects eSpeak's
statement/exclamation/question tune). Where paper 003's table and Murray & Arnott disagree
(disgust: "very much faster" vs. "very much slower") we follow Murray & Arnott.
Surprise is not in either table; it gets a high, wide pitch and a rising (question) end.

Deviations are given at ``strong`` intensity; ``normal`` scales them by
``INTENSITIES["normal"]``. Every parameter then gets per-utterance jitter so classes
overlap, and every speaker has its own baseline voice, so speaker-independent evaluation
is harder than a random split, as on real acted corpora.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.datasets.synth.channel import ChannelSpec, sample_channel
from benchmark.datasets.synth.espeak import SpeechRequest

EMOTIONS: tuple[str, ...] = (
    "neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise",
)
INTENSITIES: dict[str, float] = {"normal": 0.6, "strong": 1.0}

# eSpeak variants by gender (files in espeak-ng-data/voices/!v); each gives its own
# formants and pitch register, i.e. a distinct "vocal tract".
MALE_VOICES: tuple[str, ...] = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "Denis", "Diogo", "Henrique", "Hugo",
    "Marco", "michel", "miguel", "antonio", "sandro", "victor", "travis", "Andy",
)
FEMALE_VOICES: tuple[str, ...] = (
    "f1", "f2", "f3", "f4", "f5", "Alicia", "Andrea", "Annie", "anika", "aunty", "belinda",
    "linda", "steph", "steph3",
)


@dataclass(frozen=True)
class Style:
    """An emotion's deviation from neutral at strong intensity."""

    pitch: float  # eSpeak pitch units (0..100 scale, 50 = voice default)
    range: float  # eSpeak pitch-range units
    rate: float  # speaking-rate ratio
    gain_db: float  # loudness
    word_gap: float  # extra gap between words, 10 ms units
    pauses: float  # expected number of extra irregular breaks per sentence
    breath: float  # breathiness amount
    rough: float  # roughness / irregular voicing amount
    tilt_db: float  # high-shelf gain: + tense/bright, - lax/dark
    emphasis: float  # probability of an abruptly stressed word
    exclaim: float  # probability of an exclamation tune at the end
    question: float  # probability of a rising (question) tune at the end


STYLES: dict[str, Style] = {
    #                     pitch range rate  gain  gap pause breath rough tilt emph  excl  ques
    "neutral":   Style(0.0, 0.0, 1.00, 0.0, 0.0, 0.0, 0.00, 0.00, 0.0, 0.0, 0.0, 0.0),
    # much higher, much wider, faster, louder, breathy blaring, smooth upward inflections
    "happiness": Style(14.0, 28.0, 1.10, 3.0, 0.0, 0.0, 0.25, 0.00, 2.0, 0.2, 0.6, 0.0),
    # slightly lower, narrower, slower, quieter, lax/resonant, downward inflections
    "sadness":   Style(-8.0, -25.0, 0.78, -5.0, 3.0, 0.5, 0.30, 0.00, -5.0, 0.0, 0.0, 0.0),
    # very much higher, much wider, slightly faster, much louder, tense chest voice, abrupt stress
    "anger":     Style(10.0, 25.0, 1.06, 6.0, 0.0, 0.0, 0.10, 0.25, 6.0, 0.8, 0.7, 0.0),
    # very much higher, wider, much faster, irregular voicing and pauses
    "fear":      Style(20.0, 12.0, 1.25, -2.0, 1.0, 1.5, 0.30, 0.35, 0.0, 0.0, 0.0, 0.2),
    # very much lower, slightly wider downward, very much slower, quieter, grumbled chest tone
    "disgust":   Style(-14.0, 10.0, 0.76, -3.0, 2.0, 0.3, 0.00, 0.40, -3.0, 0.2, 0.0, 0.0),
    # very much higher, very wide, rising end
    "surprise":  Style(22.0, 30.0, 1.00, 2.0, 0.0, 0.0, 0.15, 0.00, 2.0, 0.3, 0.2, 0.75),
}

# Carrier sentences: emotionally neutral content so the words carry no label information.
TEXTS: dict[str, str] = {
    "t01": "The old clock on the wall has stopped again",
    "t02": "We will take the early train to the coast tomorrow",
    "t03": "She left the blue folder on the kitchen table",
    "t04": "The meeting has been moved to the room upstairs",
    "t05": "There is a letter waiting for you at the front desk",
    "t06": "They painted the garden fence during the weekend",
    "t07": "My brother bought a new bicycle last month",
    "t08": "The shop around the corner closes at seven",
}


@dataclass(frozen=True)
class Strength:
    """Global knobs, calibrated so eGeMAPS + SVM is neither trivial nor hopeless."""

    # calibrated (benchmarks/calibrate_synthetic.py): speaker-independent eGeMAPS+SVM UA ~0.68
    emotion: float = 1.25  # scales every emotion deviation
    jitter: float = 1.0  # scales per-utterance random variation
    speaker: float = 1.0  # scales between-speaker baseline differences
    channel: float = 1.0  # scales between-speaker channel differences


# Per-utterance jitter SDs (before Strength.jitter).
JITTER = {"pitch": 4.0, "range": 7.0, "rate": 0.05, "gain_db": 1.5, "word_gap": 0.8,
          "breath": 0.08, "rough": 0.08, "tilt_db": 1.5}


@dataclass(frozen=True)
class Speaker:
    """A synthetic speaker: eSpeak variant, baseline prosody and recording channel."""

    speaker_id: str
    gender: str
    voice: str
    pitch: float
    range: float
    rate: float  # words per minute
    breath: float
    rough: float
    tilt_db: float
    gain_db: float
    channel: ChannelSpec


def make_speakers(seed: int, n: int, strength: Strength) -> list[Speaker]:
    """Speakers s01..sNN alternating male/female; speaker k is the same for any n > k."""
    order = np.random.default_rng([seed, 2])
    males = [MALE_VOICES[i] for i in order.permutation(len(MALE_VOICES))]
    females = [FEMALE_VOICES[i] for i in order.permutation(len(FEMALE_VOICES))]
    speakers = []
    s = strength.speaker
    for k in range(n):
        rng = np.random.default_rng([seed, 1, k])
        gender = "male" if k % 2 == 0 else "female"
        pool = males if gender == "male" else females
        speakers.append(Speaker(
            speaker_id=f"s{k + 1:02d}",
            gender=gender,
            voice="en+" + pool[(k // 2) % len(pool)],
            pitch=float(np.clip(50 + rng.normal(0, 8 * s), 20, 80)),
            range=float(np.clip(50 + rng.normal(0, 8 * s), 25, 75)),
            rate=float(np.clip(165 + rng.normal(0, 14 * s), 120, 220)),
            breath=float(rng.uniform(0, 0.15 * s)),
            rough=float(rng.uniform(0, 0.12 * s)),
            tilt_db=float(rng.normal(0, 2.0 * s)),
            gain_db=float(rng.normal(0, 2.5 * s)),
            channel=sample_channel(rng, strength.channel),
        ))
    return speakers


@dataclass(frozen=True)
class Rendering:
    """Everything needed to render one utterance: eSpeak request + post-processing."""

    request: SpeechRequest
    gain_db: float
    breath: float
    rough: float
    tilt_db: float


def _ssml(text: str, style: Style, scale: float, rng: np.random.Generator) -> str:
    words = text.split()
    if rng.random() < style.emphasis * scale:
        k = int(rng.integers(0, len(words)))
        words[k] = f"<emphasis>{words[k]}</emphasis>"
    n_breaks = int(rng.poisson(style.pauses * scale))
    for pos in sorted(rng.choice(np.arange(1, len(words)), size=min(n_breaks, len(words) - 1),
                                 replace=False), reverse=True):
        words.insert(int(pos), f'<break time="{int(rng.uniform(80, 260))}ms"/>')
    u = rng.random()
    end = "?" if u < style.question * scale else "!" if u < (style.question + style.exclaim) * scale else "."
    return "<speak>" + " ".join(words) + end + "</speak>"


def render(
    speaker: Speaker,
    text: str,
    emotion: str,
    intensity: str,
    strength: Strength,
    rng: np.random.Generator,
) -> Rendering:
    """Sample the parameters of one utterance."""
    style = STYLES[emotion]
    scale = INTENSITIES[intensity] * strength.emotion
    j = strength.jitter

    def jit(name: str) -> float:
        return float(rng.normal(0.0, JITTER[name] * j))

    pitch = speaker.pitch + style.pitch * scale + jit("pitch")
    prange = speaker.range + style.range * scale + jit("range")
    rate = speaker.rate * (style.rate ** scale) * float(np.exp(jit("rate")))
    gap = style.word_gap * scale + jit("word_gap")
    req = SpeechRequest(
        text=_ssml(text, style, scale, rng),
        voice=speaker.voice,
        rate=int(np.clip(round(rate), 80, 450)),
        pitch=int(np.clip(round(pitch), 0, 100)),
        range=int(np.clip(round(prange), 0, 100)),
        word_gap=int(np.clip(round(gap), 0, 20)),
        noise_seed=int(rng.integers(0, 2**31 - 1)),
    )
    return Rendering(
        request=req,
        gain_db=speaker.gain_db + style.gain_db * scale + jit("gain_db"),
        breath=max(0.0, speaker.breath + style.breath * scale + jit("breath")),
        rough=max(0.0, speaker.rough + style.rough * scale + jit("rough")),
        tilt_db=speaker.tilt_db + style.tilt_db * scale + jit("tilt_db"),
    )
