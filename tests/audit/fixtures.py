"""Small corpora and splits written to a tmp folder for the split-audit tests.

A corpus: ``n_speakers`` speakers x ``LABELS`` x ``per_cell`` takes, 0.5 s at 16 kHz, each a
few harmonics of a random pitch under a random envelope plus faint noise (distinct files have
distinct fingerprints); ``text_id`` is the take number, so every speaker says every sentence.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16_000
LABELS = ("anger", "happiness", "sadness")


def _signal(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / SR
    f0 = rng.uniform(100, 300)
    y = sum(rng.uniform(0.2, 1.0) * np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) for h in (1, 2, 3))
    env = np.interp(t, np.linspace(0, t[-1], 6), rng.uniform(0.1, 1.0, 6))
    y = y * env + 0.003 * rng.standard_normal(n)
    return 0.4 * y / np.max(np.abs(y))


def make_corpus(root: Path, *, n_speakers: int = 4, per_cell: int = 4, seed: int = 0,
                dc: dict[str, float] | None = None, same_signal_per_label: bool = False,
                duplicates: bool = False) -> Path:
    """Write wavs and ``manifest.csv`` under ``root``; returns the manifest's path.

    ``dc``: a DC offset per label added to every file of that label. ``same_signal_per_label``:
    the files of one (speaker, take) differ across labels only by ``dc``. ``duplicates``: add
    ``dup_exact.wav`` (a byte copy of s1's first anger take, filed under speaker s3) and
    ``dup_near.wav`` (s2's first anger take at 0.6 gain, a 0.01 DC shift and 24 bits, filed
    under speaker s4).
    """
    rng = np.random.default_rng(seed)
    wav = root / "wav"
    wav.mkdir(parents=True, exist_ok=True)
    rows = []
    n = SR // 2
    for s in range(1, n_speakers + 1):
        for k in range(per_cell):
            shared = _signal(rng, n)
            for label in LABELS:
                y = shared.copy() if same_signal_per_label else _signal(rng, n)
                y = y + (dc or {}).get(label, 0.0)
                name = f"s{s}_{label}_{k}.wav"
                sf.write(wav / name, y, SR, subtype="PCM_16")
                rows.append({"path": f"wav/{name}", "label": label, "speaker": f"s{s}",
                             "gender": "F" if s % 2 else "M", "text_id": f"t{k}"})
    if duplicates:
        shutil.copyfile(wav / "s1_anger_0.wav", wav / "dup_exact.wav")
        rows.append({"path": "wav/dup_exact.wav", "label": "anger", "speaker": "s3", "gender": "F",
                     "text_id": "t0"})
        y, _ = sf.read(wav / "s2_anger_0.wav")
        sf.write(wav / "dup_near.wav", 0.6 * y + 0.01, SR, subtype="PCM_24")
        rows.append({"path": "wav/dup_near.wav", "label": "anger", "speaker": "s4", "gender": "M",
                     "text_id": "t0"})
    path = root / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["path", "label", "speaker", "gender", "text_id"])
        w.writeheader()
        w.writerows(rows)
    return path


def stems(manifest: Path) -> list[tuple[str, str, str]]:
    """(file stem, speaker, text_id) of every row of a fixture manifest."""
    with open(manifest, encoding="utf-8") as fh:
        return [(Path(r["path"]).stem, r["speaker"], r["text_id"]) for r in csv.DictReader(fh)]


def write_csv_split(path: Path, rows: list[tuple[str, int, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["utt_id", "fold", "split"])
        w.writerows(rows)
    return path


def write_emobox(root: Path, corpus: str, folds: list[tuple[list[str], list[str]]]) -> Path:
    """EmoBox's layout: ``root/<corpus>/fold_<k>/<corpus>_{train,test}_fold_<k>.jsonl``."""
    base = root / corpus
    for k, (train, test) in enumerate(folds, 1):
        d = base / f"fold_{k}"
        d.mkdir(parents=True, exist_ok=True)
        for side, names in (("train", train), ("test", test)):
            lines = [json.dumps({"key": f"{corpus}-{n}", "dataset": corpus,
                                 "wav": f"downloads/{corpus}/wav/{n}.wav", "type": "raw",
                                 "sample_rate": SR, "task": "category", "emo": "x", "channel": 1})
                     for n in names]
            (d / f"{corpus}_{side}_fold_{k}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return base
