"""Any corpus described by a CSV manifest.

Required columns: ``path``, ``label``, ``speaker``; optional: ``utt_id``, ``gender``,
``session``, ``text_id``, ``raw_label``. Other columns are an error unless
``ignore_extra_columns=True`` (a typo such as ``speakr`` must not pass unnoticed). Relative
paths are resolved against the CSV's folder. ``root`` is the CSV file itself or a folder holding
``manifest.csv``. Labels already in the harmonised vocabulary are kept; other words are mapped
with ``labels.harmonise`` (then in lower case); words it does not know raise one error listing
them, unless ``keep_unknown_labels=True`` keeps them as they are. ``raw_label`` defaults to the
label as written. ``utt_id`` defaults to the file name without extension.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.datasets.base import Corpus, CorpusError, build_corpus, single_label_set
from benchmark.datasets.labels import HARMONISED, TO_HARMONISED

NAME = "csv"
LAYOUT = "<root>/manifest.csv or a CSV file with columns path,label,speaker[,utt_id,gender,session,text_id,raw_label]"
REQUIRED = ("path", "label", "speaker")
OPTIONAL = ("utt_id", "gender", "session", "text_id", "raw_label")


def _csv_path(root: str | Path | None) -> Path:
    if root is None:
        raise CorpusError(f"{NAME}: no --data-root given; expected: {LAYOUT}")
    path = Path(root).expanduser()
    if path.is_dir():
        path = path / "manifest.csv"
    if not path.is_file():
        raise CorpusError(f"{NAME}: manifest {str(path)!r} not found; expected: {LAYOUT}")
    return path


def _map_label(word: str) -> str | None:
    if word in HARMONISED:
        return word
    return TO_HARMONISED.get(word, TO_HARMONISED.get(word.lower()))


def _read(path: Path, ignore_extra_columns: bool) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    except Exception as exc:
        raise CorpusError(f"{NAME}: cannot read {path}: {type(exc).__name__}: {exc}") from exc
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise CorpusError(f"{NAME}: {path} lacks required column(s) {missing}; expected: {LAYOUT}")
    extra = [c for c in df.columns if c not in REQUIRED + OPTIONAL]
    if extra and not ignore_extra_columns:
        raise CorpusError(f"{NAME}: {path} has unknown column(s) {extra} (pass ignore_extra_columns=True)")
    for col in REQUIRED:
        empty = df.index[df[col].isna()].tolist()
        if empty:
            raise CorpusError(f"{NAME}: {path}: empty {col!r} in data row(s) {[i + 1 for i in empty[:5]]}")
    return df


def load(
    root: str | Path | None,
    *,
    label_set: str | None = None,
    name: str = NAME,
    keep_unknown_labels: bool = False,
    ignore_extra_columns: bool = False,
    probe: bool = True,
) -> Corpus:
    """Load the corpus a CSV manifest describes (see module docstring)."""
    single_label_set(NAME, label_set)
    csv = _csv_path(root)
    df = _read(csv, ignore_extra_columns)
    words = df["label"].str.strip()
    mapped = words.map(_map_label)
    unknown = words[mapped.isna()].value_counts()
    if len(unknown) and not keep_unknown_labels:
        listing = ", ".join(f"{w!r} x{n}" for w, n in unknown.items())
        raise CorpusError(f"{NAME}: {csv}: label(s) with no harmonised equivalent: {listing} "
                          "(fix them, or pass keep_unknown_labels=True)")
    df["label"] = mapped.fillna(words)
    df["raw_label"] = df["raw_label"].fillna(words) if "raw_label" in df.columns else words
    paths = [p if p.is_absolute() else csv.parent / p for p in map(Path, df["path"].str.strip())]
    df["path"] = [str(p) for p in paths]
    given = df["utt_id"] if "utt_id" in df.columns else pd.Series(pd.NA, index=df.index)
    df["utt_id"] = given.fillna(pd.Series([p.stem for p in paths], index=df.index))
    dups = df.loc[df["utt_id"].duplicated(), "utt_id"].unique().tolist()
    if dups:
        raise CorpusError(f"{NAME}: {csv}: duplicate utt_id(s) {dups[:5]}; add a unique utt_id column")
    if "gender" in df.columns:
        df["gender"] = df["gender"].str.strip().str.lower().replace({"m": "male", "f": "female"})
    rows = df[[c for c in REQUIRED + OPTIONAL if c in df.columns]].to_dict("records")
    native = sorted(df["raw_label"].unique())
    return build_corpus(name, rows, native, [], root=csv.parent, layout=LAYOUT, probe=probe)
