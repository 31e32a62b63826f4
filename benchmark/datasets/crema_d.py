"""CREMA-D loader (Cao et al. 2014).

Convention: ``AudioWAV/AAAA_SSS_EEE_II.wav`` with AAAA actor 1001..1091, SSS one of the 12
sentence codes (-> text_id), EEE emotion (ANG DIS FEA HAP NEU SAD), II intensity (LO MD HI XX).
Gender comes only from the corpus's ``VideoDemographics.csv`` (columns ActorID, Sex) when it is
in ``root`` (or given as ``demographics=``); without it gender is NA, never guessed.
One label set, ``crema_d6`` (the six emotions), which ``label_set`` may name explicitly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from benchmark.datasets.base import (
    AUDIO_EXT,
    Corpus,
    CorpusError,
    apply_label_set,
    build_corpus,
    find_wavs,
    parse_files,
    require_root,
    resolve_label_set,
)
from benchmark.datasets.labels import CREMA_D_CODES, harmonise

NAME = "crema_d"
LAYOUT = "<root>/AudioWAV/1001_DFA_ANG_XX.wav (+ optional <root>/VideoDemographics.csv)"
SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")
INTENSITIES = ("LO", "MD", "HI", "XX")
_NAME_RE = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})" + AUDIO_EXT + "$", re.IGNORECASE)
_SEX = {"male": "male", "female": "female"}


def read_demographics(path: Path) -> dict[str, str]:
    """ActorID -> "male"/"female" from VideoDemographics.csv; a malformed file is an error."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise CorpusError(f"{NAME}: cannot read {path}: {exc}") from exc
    missing = {"ActorID", "Sex"} - set(df.columns)
    if missing:
        raise CorpusError(f"{NAME}: {path} lacks column(s) {sorted(missing)}")
    bad = sorted(set(df["Sex"].str.strip().str.lower()) - set(_SEX))
    if bad:
        raise CorpusError(f"{NAME}: {path} has unknown Sex value(s) {bad}")
    return {a.strip(): _SEX[s.strip().lower()] for a, s in zip(df["ActorID"], df["Sex"], strict=True)}


def parse(path: Path, genders: dict[str, str]) -> dict | str:
    m = _NAME_RE.match(path.name)
    if m is None:
        return "name does not match convention: expected AAAA_SSS_EEE_II.wav"
    actor, sentence, emotion, intensity = (g.upper() for g in m.groups())
    if not 1001 <= int(actor) <= 1091:
        return f"unknown actor code: {actor}"
    if sentence not in SENTENCES:
        return f"unknown sentence code: {sentence}"
    if emotion not in CREMA_D_CODES:
        return f"unknown emotion code: {emotion}"
    if intensity not in INTENSITIES:
        return f"unknown intensity code: {intensity}"
    raw = CREMA_D_CODES[emotion]
    return {
        "utt_id": path.stem,
        "path": str(path),
        "label": harmonise(raw),
        "raw_label": raw,
        "speaker": actor,
        "gender": genders.get(actor),
        "text_id": sentence,
    }


def load(
    root: str | Path | None,
    *,
    label_set: str | None = None,
    demographics: str | Path | None = None,
    probe: bool = True,
) -> Corpus:
    """Load CREMA-D from ``root`` (see ``LAYOUT``)."""
    set_name, mapping = resolve_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    demo = Path(demographics) if demographics is not None else base / "VideoDemographics.csv"
    if demographics is not None and not demo.is_file():
        raise CorpusError(f"{NAME}: demographics file {str(demo)!r} not found")
    genders = read_demographics(demo) if demo.is_file() else {}
    rows, problems = parse_files(find_wavs(base), lambda p: parse(p, genders))
    rows = apply_label_set(rows, problems, set_name, mapping)
    return build_corpus(NAME, rows, list(CREMA_D_CODES.values()), problems, root=base, layout=LAYOUT, probe=probe,
                        label_set=set_name)
