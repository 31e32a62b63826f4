"""CASIA Chinese emotional speech loader (Institute of Automation, Chinese Academy of Sciences).

Convention (the public 1,200-utterance release): ``<speaker>/<emotion>/<nnn>.wav`` with four
speakers (liuchanhg, wangzhe, zhaoquanyin, ZhaoZuoxiang), emotions angry, fear, happy,
neutral, sad, surprise, and ``nnn`` the sentence number (-> text_id; the same sentences are
spoken in every emotion). File names repeat across folders, so utt_id is
``<speaker>_<emotion>_<nnn>``. Gender: two female (liuchanhg, zhaoquanyin) and two male
(wangzhe, ZhaoZuoxiang) speakers, as labelled in public CASIA speaker lists; other speaker
folders get NA.
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
from benchmark.datasets.labels import CASIA_CODES, harmonise

NAME = "casia"
LAYOUT = "<root>/<speaker>/<emotion>/<nnn>.wav (emotion: angry fear happy neutral sad surprise)"
GENDERS: dict[str, str] = {
    "liuchanhg": "female",
    "zhaoquanyin": "female",
    "wangzhe": "male",
    "zhaozuoxiang": "male",
}
_NAME_RE = re.compile(r"^(\d+)" + AUDIO_EXT + "$", re.IGNORECASE)


def parse(path: Path, base: Path) -> dict | str:
    parts = path.relative_to(base).parts
    if len(parts) != 3:
        return "wrong folder depth: expected <speaker>/<emotion>/<nnn>.wav"
    speaker, emotion_dir, _ = parts
    m = _NAME_RE.match(path.name)
    if m is None:
        return "name does not match convention: expected <nnn>.wav"
    emotion = emotion_dir.lower()
    if emotion not in CASIA_CODES:
        return f"unknown emotion code: {emotion_dir}"
    raw = CASIA_CODES[emotion]
    return {
        "utt_id": f"{speaker}_{emotion}_{m.group(1)}",
        "path": str(path),
        "label": harmonise(raw),
        "raw_label": raw,
        "speaker": speaker,
        "gender": GENDERS.get(speaker.lower()),
        "text_id": m.group(1),
    }


def load(root: str | Path | None, *, label_set: str | None = None, probe: bool = True) -> Corpus:
    """Load CASIA from ``root`` (see ``LAYOUT``)."""
    single_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    rows, problems = parse_files(find_wavs(base), lambda p: parse(p, base))
    return build_corpus(NAME, rows, list(CASIA_CODES.values()), problems, root=base, layout=LAYOUT, probe=probe)
