"""Toronto Emotional Speech Set (TESS) loader (Dupuis & Pichora-Fuller 2010).

Convention: ``<SPK>_<emotion>/<SPK>_<word>_<emotion>.wav`` with SPK = OAF (older) or YAF
(younger), both female; the carrier phrase "Say the word ..." ends in one of 200 words
(-> text_id); emotion angry, disgust, fear, happy, neutral, sad, ps (pleasant surprise). The
label is read from the file name's last token. Folder names vary in case and spelling across
public copies (``OAF_Pleasant_surprise``, ``YAF_pleasant_surprised``); a folder whose speaker
or emotion contradicts the file name is reported as a problem rather than trusted either way.
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
from benchmark.datasets.labels import TESS_CODES, harmonise

NAME = "tess"
LAYOUT = "<root>/OAF_angry/OAF_back_angry.wav (speakers OAF, YAF; emotion folders per speaker)"
SPEAKERS = ("OAF", "YAF")
_NAME_RE = re.compile(r"^([A-Za-z]{3})_(.+)_([A-Za-z]+)" + AUDIO_EXT + "$", re.IGNORECASE)
_DIR_RE = re.compile(r"^(OAF|YAF)_(.+)$", re.IGNORECASE)


def parse(path: Path) -> dict | str:
    m = _NAME_RE.match(path.name)
    if m is None:
        return "name does not match convention: expected SPK_word_emotion.wav"
    speaker, word, emotion = m.group(1).upper(), m.group(2).lower(), m.group(3).lower()
    if speaker not in SPEAKERS:
        return f"unknown speaker code: {m.group(1)}"
    if emotion not in TESS_CODES:
        return f"unknown emotion code: {m.group(3)}"
    raw = TESS_CODES[emotion]
    folder = _DIR_RE.match(path.parent.name)
    if folder is not None:
        dir_emotion = TESS_CODES.get(folder.group(2).lower().replace(" ", "_"))
        if folder.group(1).upper() != speaker or (dir_emotion is not None and dir_emotion != raw):
            return f"folder mismatch: {path.name} in {path.parent.name}"
    return {
        "utt_id": path.stem,
        "path": str(path),
        "label": harmonise(raw),
        "raw_label": raw,
        "speaker": speaker,
        "gender": "female",
        "text_id": word,
    }


def load(root: str | Path | None, *, label_set: str | None = None, probe: bool = True) -> Corpus:
    """Load TESS from ``root`` (see ``LAYOUT``)."""
    single_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    rows, problems = parse_files(find_wavs(base), parse)
    native = sorted(set(TESS_CODES.values()))
    return build_corpus(NAME, rows, native, problems, root=base, layout=LAYOUT, probe=probe)
