"""Surrey Audio-Visual Expressed Emotion (SAVEE) loader (Haq & Jackson 2009).

Convention: flat ``DC_a01.wav`` (as in common redistributions, e.g. an ``ALL/`` folder) or
nested ``DC/a01.wav`` (the original ``AudioData/``). Speakers DC, JE, JK, KL, all male. Prefix
a (anger), d (disgust), f (fear), h (happiness), n (neutral), sa (sadness), su (surprise),
then a two-digit sentence number. Sentence numbers restart per emotion, so text_id is
prefix + number (``a01``). Caveat: three sentences are common to all emotions but their numbers
are not documented per emotion, so sentence-independent splits on SAVEE are approximate.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.datasets.base import (
    AUDIO_EXT,
    Corpus,
    build_corpus,
    find_wavs,
    parse_files,
    require_root,
    single_label_set,
)
from benchmark.datasets.labels import SAVEE_CODES, harmonise

NAME = "savee"
LAYOUT = "<root>/DC_a01.wav (flat) or <root>/DC/a01.wav (nested); speakers DC JE JK KL"
SPEAKERS = ("DC", "JE", "JK", "KL")
_FLAT_RE = re.compile(r"^([A-Za-z]{2})_([a-z]+)(\d\d)" + AUDIO_EXT + "$", re.IGNORECASE)
_NESTED_RE = re.compile(r"^([a-z]+)(\d\d)" + AUDIO_EXT + "$", re.IGNORECASE)


def parse(path: Path) -> dict | str:
    flat = _FLAT_RE.match(path.name)
    nested = _NESTED_RE.match(path.name)
    if flat is not None:
        speaker, prefix, number = flat.group(1).upper(), flat.group(2).lower(), flat.group(3)
    elif nested is not None:
        speaker, prefix, number = path.parent.name.upper(), nested.group(1).lower(), nested.group(2)
    else:
        return "name does not match convention: expected SPK_e01.wav or SPK/e01.wav"
    if speaker not in SPEAKERS:
        return f"unknown speaker code: {speaker}"
    if prefix not in SAVEE_CODES:
        return f"unknown emotion code: {prefix}"
    raw = SAVEE_CODES[prefix]
    return {
        "utt_id": f"{speaker}_{prefix}{number}",
        "path": str(path),
        "label": harmonise(raw),
        "raw_label": raw,
        "speaker": speaker,
        "gender": "male",
        "text_id": f"{prefix}{number}",
    }


def load(root: str | Path | None, *, label_set: str | None = None, probe: bool = True) -> Corpus:
    """Load SAVEE from ``root`` (see ``LAYOUT``)."""
    single_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    rows, problems = parse_files(find_wavs(base), parse)
    return build_corpus(NAME, rows, list(SAVEE_CODES.values()), problems, root=base, layout=LAYOUT, probe=probe)
