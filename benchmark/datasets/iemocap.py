"""IEMOCAP loader (Busso et al. 2008).

Convention: ``SessionN/dialog/EmoEvaluation/<dialog>.txt`` holds one line per utterance,
``[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]``, and the
audio is ``SessionN/sentences/wav/<dialog>/<utt>.wav``. Utterance ``Ses01F_impro01_F000``:
session ``Ses01``; the letter opening the last token (``F000``) is the speaker's gender, so the
speaker is ``Ses01F`` (each session has one female and one male actor).
text_id: the script id (``script01_1``) for scripted dialogs, whose lines are shared by all
sessions (so a sentence-independent split keeps a whole script on one side), and NA for
improvised dialogs, which have no fixed text.
Label sets (``labels.IEMOCAP_LABEL_SETS``): ``iemocap10`` (default) keeps the ten labels,
excluding ``xxx`` (no majority among annotators); ``iemocap9`` (paper 004) also drops ``oth``;
``iemocap7`` (paper 001) keeps ang, hap, sad, neu, fea, sur, dis (exc is not merged);
``iemocap4`` keeps ang, hap + exc -> happiness, sad, neu. Every excluded utterance is a problem
row with its reason, so it is counted.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.datasets.base import (
    Corpus,
    Problem,
    build_corpus,
    require_root,
    resolve_label_set,
)
from benchmark.datasets.labels import IEMOCAP_CODES

NAME = "iemocap"
LAYOUT = ("<root>/SessionN/dialog/EmoEvaluation/<dialog>.txt + "
          "<root>/SessionN/sentences/wav/<dialog>/<utt>.wav, N = 1..5")
_LINE_RE = re.compile(r"^\[\s*[\d.]+\s*-\s*[\d.]+\s*\]\t(\S+)\t(\S+)\t")
_UTT_RE = re.compile(r"^(Ses\d\d)([FM])_(.+)_([FM])\d+$")
_GENDER = {"F": "female", "M": "male"}


def _annotations(base: Path, problems: list[Problem]) -> dict[str, tuple[str, Path]]:
    """utt_id -> (native code, annotation file) over all sessions' EmoEvaluation files."""
    found: dict[str, tuple[str, Path]] = {}
    for txt in sorted(base.glob("Session*/dialog/EmoEvaluation/*.txt")):
        if txt.name.startswith("."):
            continue
        for line in txt.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _LINE_RE.match(line)
            if m is None:
                continue  # the files interleave per-annotator lines and blank separators
            utt, code = m.groups()
            if utt in found:
                problems.append(Problem(str(txt), f"duplicate annotation: {utt} also in {found[utt][1]}",
                                        utt_id=utt))
                continue
            found[utt] = (code, txt)
    return found


def _row(utt: str, code: str, wav: Path, mapping: dict[str, str], label_set: str) -> dict | str:
    m = _UTT_RE.match(utt)
    if m is None:
        return f"name does not match convention: {utt} is not SesNN[FM]_<dialog>_[FM]NNN"
    session, _dialog_gender, dialog, gender = m.groups()
    if code not in IEMOCAP_CODES:
        return f"unknown emotion code: {code}"
    raw = IEMOCAP_CODES[code]
    if raw not in mapping:
        return f"label excluded from {label_set}: {code} ({raw})"
    return {
        "utt_id": utt,
        "path": str(wav),
        "label": mapping[raw],
        "raw_label": raw,
        "speaker": f"{session}{gender}",
        "gender": _GENDER[gender],
        "session": session,
        "text_id": dialog if dialog.startswith("script") else None,
    }


def load(root: str | Path | None, *, label_set: str | None = None, probe: bool = True) -> Corpus:
    """Load IEMOCAP from ``root`` (see ``LAYOUT``) under ``label_set`` (iemocap10 default,
    iemocap9, iemocap7, iemocap4)."""
    label_set, mapping = resolve_label_set(NAME, label_set)
    base = require_root(root, NAME, LAYOUT)
    problems: list[Problem] = []
    notes = _annotations(base, problems)
    # Only per-utterance files; the full-dialog recordings in dialog/wav are not utterances.
    wavs: dict[str, Path] = {}
    for p in sorted(base.glob("Session*/sentences/wav/*/*.wav")):
        if p.name.startswith("."):
            continue
        if p.stem in wavs:
            problems.append(Problem(str(p), f"duplicate utt_id: {p.stem} also at {wavs[p.stem]}"))
        else:
            wavs[p.stem] = p
    rows: list[dict] = []
    for utt in sorted(notes):
        code, txt = notes[utt]
        wav = wavs.pop(utt, None)
        if wav is None:
            problems.append(Problem(str(txt), f"missing audio: no sentences/wav/*/{utt}.wav", utt_id=utt))
            continue
        out = _row(utt, code, wav, mapping, label_set)
        if isinstance(out, str):
            problems.append(Problem(str(wav), out, utt_id=utt))
        else:
            rows.append(out)
    problems += [Problem(str(p), "no annotation: not in any EmoEvaluation file") for p in wavs.values()]
    native = sorted(set(IEMOCAP_CODES.values()))
    return build_corpus(NAME, rows, native, problems, root=base, layout=LAYOUT, probe=probe,
                        label_set=label_set)
