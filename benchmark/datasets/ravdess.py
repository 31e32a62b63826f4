"""RAVDESS speech loader (Livingstone & Russo 2018).

Convention: ``Actor_NN/MM-VV-EE-II-SS-RR-AA.wav`` with MM modality (03 = audio-only), VV vocal
channel (01 = speech, 02 = song), EE emotion 01..08, II intensity (01 normal, 02 strong), SS
statement (01 "Kids are talking by the door", 02 "Dogs are sitting by the door") -> text_id,
RR repetition, AA actor 01..24 (odd = male, even = female). Only audio-only speech is used;
song, video files or a file in the wrong ``Actor_NN`` folder are reported as problems.
Label sets (``labels.RAVDESS_LABEL_SETS``): ``ravdess8`` (default, all eight emotions) and
``ravdess7`` (without calm, as papers 001 and 003 use it); excluded files are problem rows.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.datasets.base import (
    AUDIO_EXT,
    Corpus,
    apply_label_set,
    build_corpus,
    find_wavs,
    parse_files,
    require_root,
    resolve_label_set,
)
from benchmark.datasets.labels import RAVDESS_CODES, harmonise

NAME = "ravdess"
LAYOUT = "<root>/Actor_NN/03-01-EE-II-SS-RR-AA.wav (audio-only speech, actors 01..24)"
_NAME_RE = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)" + AUDIO_EXT + "$", re.IGNORECASE)
_ACTOR_DIR_RE = re.compile(r"^Actor_(\d\d)$", re.IGNORECASE)


def parse(path: Path) -> dict | str:
    """One file -> manifest row, or the reason it cannot be used."""
    m = _NAME_RE.match(path.name)
    if m is None:
        return "name does not match convention: expected MM-VV-EE-II-SS-RR-AA.wav"
    modality, channel, emotion, intensity, statement, repetition, actor = m.groups()
    if modality != "03":
        return f"not audio-only: modality {modality} (01/02 are video files)"
    if channel != "01":
        return f"not speech: vocal channel {channel} (02 is song)"
    if emotion not in RAVDESS_CODES:
        return f"unknown emotion code: {emotion}"
    if intensity not in ("01", "02") or statement not in ("01", "02") or repetition not in ("01", "02"):
        return f"unknown intensity/statement/repetition code: {intensity}/{statement}/{repetition}"
    if not 1 <= int(actor) <= 24:
        return f"unknown actor code: {actor}"
    folder = _ACTOR_DIR_RE.match(path.parent.name)
    if folder is not None and folder.group(1) != actor:
        return f"actor folder mismatch: file of actor {actor} in {path.parent.name}"
    raw = RAVDESS_CODES[emotion]
    return {
        "utt_id": path.stem,
        "path": str(path),
        "label": harmonise(raw),
        "raw_label": raw,
        "speaker": actor,
        "gender": "male" if int(actor) % 2 else "female",
        "text_id": statement,
    }


def load(root: str | Path | None, *, label_set: str | None = None, probe: bool = True) -> Corpus:
    """Load RAVDESS speech from ``root`` (see ``LAYOUT``)."""
    set_name, mapping = resolve_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    rows, problems = parse_files(find_wavs(base), parse)
    rows = apply_label_set(rows, problems, set_name, mapping)
    return build_corpus(NAME, rows, list(RAVDESS_CODES.values()), problems, root=base, layout=LAYOUT, probe=probe,
                        label_set=set_name)
