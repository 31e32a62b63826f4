"""Label sets declared as data: the harmonised emotion set and each corpus's native mapping.

Every loader maps its native codes to ``raw_label`` (the corpus's own word) and then, through
the tables here, to ``label`` in the harmonised vocabulary shared across corpora. Mappings that
merge classes (IEMOCAP excitement -> happiness in the 4-class set) are declared here too, so no
I/O code hides a relabelling.
"""

from __future__ import annotations

# The seven "big" emotions shared across corpora, then corpus-specific extras.
CORE_EMOTIONS: tuple[str, ...] = (
    "anger",
    "disgust",
    "fear",
    "happiness",
    "neutral",
    "sadness",
    "surprise",
)
EXTRA_EMOTIONS: tuple[str, ...] = (
    "calm",
    "boredom",
    "excitement",
    "frustration",
    "other",
)
HARMONISED: tuple[str, ...] = CORE_EMOTIONS + EXTRA_EMOTIONS

# native code -> raw label (the corpus's own word); raw label -> harmonised label.
RAVDESS_CODES: dict[str, str] = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}
CREMA_D_CODES: dict[str, str] = {
    "ANG": "anger",
    "DIS": "disgust",
    "FEA": "fear",
    "HAP": "happy",
    "NEU": "neutral",
    "SAD": "sad",
}
TESS_CODES: dict[str, str] = {
    "angry": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happy",
    "neutral": "neutral",
    "ps": "pleasant_surprise",
    "pleasant_surprise": "pleasant_surprise",
    "pleasant_surprised": "pleasant_surprise",
    "sad": "sad",
}
SAVEE_CODES: dict[str, str] = {
    "a": "anger",
    "d": "disgust",
    "f": "fear",
    "h": "happiness",
    "n": "neutral",
    "sa": "sadness",
    "su": "surprise",
}
EMODB_CODES: dict[str, str] = {
    "W": "Ärger",
    "L": "Langeweile",
    "E": "Ekel",
    "A": "Angst",
    "F": "Freude",
    "T": "Trauer",
    "N": "Neutral",
}
IEMOCAP_CODES: dict[str, str] = {
    "ang": "angry",
    "hap": "happy",
    "exc": "excited",
    "sad": "sad",
    "neu": "neutral",
    "fru": "frustrated",
    "fea": "fearful",
    "sur": "surprised",
    "dis": "disgusted",
    "oth": "other",
    "xxx": "no_agreement",
}
CASIA_CODES: dict[str, str] = {
    "angry": "angry",
    "fear": "fear",
    "happy": "happy",
    "neutral": "neutral",
    "sad": "sad",
    "surprise": "surprise",
}

TO_HARMONISED: dict[str, str] = {
    # English words used by the corpora, in any of their spellings
    "anger": "anger",
    "angry": "anger",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "happy": "happiness",
    "happiness": "happiness",
    "neutral": "neutral",
    "sad": "sadness",
    "sadness": "sadness",
    "surprise": "surprise",
    "surprised": "surprise",
    "pleasant_surprise": "surprise",
    "calm": "calm",
    "boredom": "boredom",
    "excited": "excitement",
    "excitement": "excitement",
    "frustrated": "frustration",
    "frustration": "frustration",
    "other": "other",
    # EmoDB's German words
    "Ärger": "anger",
    "Langeweile": "boredom",
    "Ekel": "disgust",
    "Angst": "fear",
    "Freude": "happiness",
    "Trauer": "sadness",
    "Neutral": "neutral",
}

# IEMOCAP label sets: the 10-label set (no_agreement dropped), the standard 4-class set in which
# excitement is merged into happiness, paper 001's seven classes (the ones it says RAVDESS and
# IEMOCAP share: neutral, surprise, disgust, fear, sad, happy, angry; excited is *not* merged,
# the paper does not say it was) and paper 004's nine (it gives only the count: read as the
# nine emotion categories of the IEMOCAP release, i.e. everything but "other" and "xxx").
_IEMOCAP10 = ("angry", "happy", "excited", "sad", "neutral", "frustrated", "fearful", "surprised",
              "disgusted", "other")
IEMOCAP_LABEL_SETS: dict[str, dict[str, str]] = {
    "iemocap10": {r: TO_HARMONISED[r] for r in _IEMOCAP10},
    "iemocap9": {r: TO_HARMONISED[r] for r in _IEMOCAP10 if r != "other"},
    "iemocap7": {r: TO_HARMONISED[r] for r in ("angry", "happy", "sad", "neutral", "fearful",
                                               "surprised", "disgusted")},
    "iemocap4": {
        "angry": "anger",
        "happy": "happiness",
        "excited": "happiness",
        "sad": "sadness",
        "neutral": "neutral",
    },
}
# RAVDESS: all eight emotions, or seven without calm (papers 001 and 003 drop it).
RAVDESS_LABEL_SETS: dict[str, dict[str, str]] = {
    "ravdess8": {r: TO_HARMONISED[r] for r in RAVDESS_CODES.values()},
    "ravdess7": {r: TO_HARMONISED[r] for r in RAVDESS_CODES.values() if r != "calm"},
}
# CREMA-D has one set, named so that a suite can ask for it explicitly.
CREMA_D_LABEL_SETS: dict[str, dict[str, str]] = {
    "crema_d6": {r: TO_HARMONISED[r] for r in CREMA_D_CODES.values()},
}

# Corpora that offer a choice of label set (their loader's ``label_set`` option, default first
# in DEFAULT_LABEL_SET); every other corpus has exactly one and refuses the option.
LABEL_SETS: dict[str, dict[str, dict[str, str]]] = {
    "iemocap": IEMOCAP_LABEL_SETS,
    "ravdess": RAVDESS_LABEL_SETS,
    "crema_d": CREMA_D_LABEL_SETS,
}
DEFAULT_LABEL_SET: dict[str, str] = {"iemocap": "iemocap10", "ravdess": "ravdess8", "crema_d": "crema_d6"}

# Label sets of a fused corpus, applied to the harmonised labels after fusion. core7: paper
# 003's seven classes for fusion:ravdess+tess+crema_d+savee (RAVDESS's calm dropped: 11,970
# files = 1,248 RAVDESS + 2,800 TESS + 7,442 CREMA-D + 480 SAVEE).
FUSION_LABEL_SETS: dict[str, tuple[str, ...]] = {"core7": CORE_EMOTIONS}


def harmonise(raw_label: str) -> str:
    """Map a corpus's own label word to the harmonised vocabulary; unknown words raise."""
    try:
        return TO_HARMONISED[raw_label]
    except KeyError:
        raise KeyError(f"no harmonised label for raw label {raw_label!r}") from None
