"""Berlin Database of Emotional Speech (EmoDB) loader (Burkhardt et al. 2005).

Convention: ``wav/03a01Fa.wav`` (files directly in ``root`` are accepted too): chars 0-1
speaker (10 actors), 2-4 text id (10 sentences), 5 emotion letter W L E A F T N (German
initials: Ärger, Langeweile, Ekel, Angst, Freude, Trauer, Neutral), 6 version letter.
Genders from the corpus documentation: male 03 10 11 12 15, female 08 09 13 14 16.
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
from benchmark.datasets.labels import EMODB_CODES, harmonise

NAME = "emodb"
LAYOUT = "<root>/wav/03a01Fa.wav or <root>/03a01Fa.wav (speaker, text, emotion letter, version)"
GENDERS: dict[str, str] = {
    **{s: "male" for s in ("03", "10", "11", "12", "15")},
    **{s: "female" for s in ("08", "09", "13", "14", "16")},
}
TEXTS = ("a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10")
_NAME_RE = re.compile(r"^(\d\d)([ab]\d\d)([A-Z])([a-z])(?i:" + AUDIO_EXT + ")$")


def parse(path: Path) -> dict | str:
    m = _NAME_RE.match(path.name)
    if m is None:
        return "name does not match convention: expected SSTTTEV.wav, e.g. 03a01Fa.wav"
    speaker, text, emotion, _version = m.groups()
    if speaker not in GENDERS:
        return f"unknown speaker code: {speaker}"
    if text not in TEXTS:
        return f"unknown text code: {text}"
    if emotion not in EMODB_CODES:
        return f"unknown emotion code: {emotion}"
    raw = EMODB_CODES[emotion]
    return {
        "utt_id": path.stem,
        "path": str(path),
        "label": harmonise(raw),
        "raw_label": raw,
        "speaker": speaker,
        "gender": GENDERS[speaker],
        "text_id": text,
    }


def load(root: str | Path | None, *, label_set: str | None = None, probe: bool = True) -> Corpus:
    """Load EmoDB from ``root`` (see ``LAYOUT``)."""
    single_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    paths = find_wavs(base, recursive=False)
    if (base / "wav").is_dir():
        paths += find_wavs(base / "wav", recursive=False)
    rows, problems = parse_files(paths, parse)
    return build_corpus(NAME, rows, list(EMODB_CODES.values()), problems, root=base, layout=LAYOUT, probe=probe)
