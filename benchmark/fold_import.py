"""Import published folds and match their entries, by file name, to a loaded corpus.

Three layouts are read:

- ``serbench``: a ``folds/*.json`` file written by :func:`benchmark.splits.save_folds`;
- ``csv``: a CSV file with columns ``utt_id,fold,split`` (``split`` in train/val/test);
  ``utt_id`` may be an utterance id or a file name (with or without folders and extension);
- ``emobox``: EmoBox's published layout, a folder ``<corpus>/fold_<k>/`` holding
  ``<corpus>_train_fold_<k>.jsonl`` and ``<corpus>_test_fold_<k>.jsonl``, one JSON object per
  line whose ``wav`` key is the file's path (EmoBox has no validation side).

Every entry is matched to the corpus by its utterance id, else by its file name without
folders and extension (the stem of the corpus's ``path`` column). An entry that matches no
utterance, or several (two files of one name in two folders), is left out, counted and
returned as a ``skipped.csv`` row (stage ``fold_import``). An import that matches fewer than
:data:`MIN_MATCHED` of its entries is refused with the counts: the split it describes is not
the corpus that was loaded.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pandas as pd

from benchmark.splits import Fold, ProtocolError, load_folds

MIN_MATCHED = 0.95
SIDES = ("train", "val", "test")
STAGE = "fold_import"
FORMATS = ("serbench", "csv", "emobox")
_EMOBOX_FOLD = re.compile(r"^fold_?(\d+)$")
# EmoBox's folders also hold older copies named ``..._fold<k>.jsonl`` (an ``audio`` key instead of
# ``wav``); only the documented ``..._fold_<k>.jsonl`` files are read.
_EMOBOX_FILE = re.compile(r"^(?P<corpus>.+)_(?P<side>train|test|valid|val|dev)_fold_(?P<k>\d+)\.jsonl$")


class FoldImportError(ProtocolError):
    """A folds file that cannot be read or does not describe the loaded corpus."""


@dataclass(frozen=True)
class Entry:
    """One line of a folds file: which fold and side it puts which name on."""

    fold: str
    side: str
    name: str


@dataclass
class ImportedFolds:
    """Folds matched to a corpus, with what could not be matched."""

    folds: list[Fold]
    fmt: str
    source: str
    n_entries: int
    n_matched: int
    n_unmatched: int
    n_ambiguous: int
    n_duplicate: int
    skipped: list[dict[str, str]] = field(default_factory=list)
    """``skipped.csv`` rows (utt_id, path, stage, reason), one per entry left out."""

    def summary(self) -> dict[str, Any]:
        """JSON-able counts (what records and the audit report carry)."""
        return {"source": self.source, "format": self.fmt, "n_entries": self.n_entries,
                "n_matched": self.n_matched, "n_unmatched": self.n_unmatched,
                "n_ambiguous": self.n_ambiguous, "n_duplicate": self.n_duplicate,
                "n_folds": len(self.folds)}


# ------------------------------------------------------------------------------- reading


def detect_format(path: Path) -> str:
    """``emobox`` for a folder, ``serbench`` for ``.json``, ``csv`` for ``.csv``."""
    if path.is_dir():
        return "emobox"
    if path.suffix.lower() == ".json":
        return "serbench"
    if path.suffix.lower() == ".csv":
        return "csv"
    raise FoldImportError(f"{path}: not a folds file serbench reads (a folder in EmoBox's layout, "
                          "serbench's folds .json, or a .csv with columns utt_id,fold,split)")


def read_entries(path: str | Path, fmt: str | None = None) -> tuple[str, list[Entry]]:
    """(format, entries) of a folds file or folder."""
    path = Path(path).expanduser()
    if not path.exists():
        raise FoldImportError(f"folds file {str(path)!r} not found")
    fmt = fmt or detect_format(path)
    readers = {"serbench": _read_serbench, "csv": _read_csv, "emobox": _read_emobox}
    if fmt not in readers:
        raise FoldImportError(f"unknown folds format {fmt!r}; known: {', '.join(FORMATS)}")
    entries = readers[fmt](path)
    if not entries:
        raise FoldImportError(f"{path}: no entries")
    return fmt, entries


def _read_serbench(path: Path) -> list[Entry]:
    try:
        folds, _meta = load_folds(path)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise FoldImportError(f"{path}: not a serbench folds file ({exc})") from exc
    return [Entry(str(f.index), side, i) for f in folds for side in SIDES for i in getattr(f, side)]


def _read_csv(path: Path) -> list[Entry]:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:
        raise FoldImportError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from exc
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in ("utt_id", "fold", "split") if c not in df.columns]
    if missing:
        raise FoldImportError(f"{path}: lacks column(s) {missing}; expected utt_id,fold,split")
    sides = df["split"].str.strip().str.lower()
    bad = sorted(set(sides) - set(SIDES))
    if bad:
        raise FoldImportError(f"{path}: split values {bad} are not train/val/test")
    return [Entry(str(f).strip(), s, str(u).strip())
            for u, f, s in zip(df["utt_id"], df["fold"], sides, strict=True)]


def _read_emobox(path: Path) -> list[Entry]:
    fold_dirs = sorted(p for p in path.iterdir() if p.is_dir() and _EMOBOX_FOLD.match(p.name))
    if not fold_dirs:
        raise FoldImportError(f"{path}: no fold_<k> folders (EmoBox layout: <corpus>/fold_<k>/"
                              "<corpus>_{train,test}_fold_<k>.jsonl)")
    entries: list[Entry] = []
    for d in fold_dirs:
        k = _EMOBOX_FOLD.match(d.name).group(1)  # type: ignore[union-attr]
        files = [(p, _EMOBOX_FILE.match(p.name)) for p in sorted(d.glob("*.jsonl"))]
        found = {m.group("side"): p for p, m in files if m is not None and m.group("k") == k}
        if "train" not in found or "test" not in found:
            raise FoldImportError(f"{d}: needs <corpus>_train_fold_{k}.jsonl and <corpus>_test_fold_{k}.jsonl")
        for side_name, p in sorted(found.items()):
            side = {"valid": "val", "dev": "val"}.get(side_name, side_name)
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise FoldImportError(f"{p}:{n}: not JSON ({exc.msg})") from exc
                if not isinstance(obj, dict) or not obj.get("wav"):
                    raise FoldImportError(f"{p}:{n}: no 'wav' key")
                entries.append(Entry(k, side, str(obj["wav"])))
    return entries


# ------------------------------------------------------------------------------- matching


def file_stem(name: str) -> str:
    """A name without folders (POSIX or Windows separators) and without its extension."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    return base.rsplit(".", 1)[0] if "." in base else base


def name_index(manifest: pd.DataFrame) -> tuple[set[str], dict[str, list[str]]]:
    """(utt_ids, file stem -> utt_ids) of a corpus manifest."""
    ids = manifest["utt_id"].astype(str).tolist()
    by_stem: dict[str, list[str]] = defaultdict(list)
    paths = manifest["path"].astype(str).tolist() if "path" in manifest.columns else ids
    for u, p in zip(ids, paths, strict=True):
        by_stem[file_stem(p)].append(u)
    return set(ids), dict(by_stem)


def match(name: str, ids: set[str], by_stem: Mapping[str, list[str]]) -> list[str]:
    """The utterances an entry names: its id if the corpus has it, else by file stem."""
    if name in ids:
        return [name]
    return list(by_stem.get(file_stem(name), []))


def import_folds(path: str | Path, manifest: pd.DataFrame, *, fmt: str | None = None,
                 min_matched: float = MIN_MATCHED) -> ImportedFolds:
    """Read a folds file and match it to ``manifest``; refuse below ``min_matched``."""
    fmt, entries = read_entries(path, fmt)
    ids, by_stem = name_index(manifest)
    paths = dict(zip(manifest["utt_id"].astype(str), manifest["path"].astype(str), strict=True)) \
        if "path" in manifest.columns else {}
    sides: dict[str, dict[str, list[str]]] = defaultdict(lambda: {s: [] for s in SIDES})
    seen: set[tuple[str, str]] = set()
    skipped: list[dict[str, str]] = []
    counts: Counter[str] = Counter()
    for e in entries:
        found = match(e.name, ids, by_stem)
        if len(found) != 1:
            kind = "unmatched" if not found else "ambiguous"
            counts[kind] += 1
            # one reason per kind, so the report's summary counts them together
            why = ("no utterance of the corpus has this id or file name" if not found
                   else "several utterances of the corpus have this file name")
            skipped.append({"utt_id": e.name, "path": "", "stage": STAGE, "reason": f"{kind} entry: {why}"})
            continue
        utt = found[0]
        if (e.fold, utt) in seen:
            # The same utterance twice in one fold (either side): kept once, counted, listed.
            counts["duplicate"] += 1
            skipped.append({"utt_id": utt, "path": paths.get(utt, ""), "stage": STAGE,
                            "reason": "duplicate entry: a fold names this utterance more than once"})
            continue
        seen.add((e.fold, utt))
        sides[e.fold][e.side].append(utt)
    n = len(entries)
    n_matched = n - counts["unmatched"] - counts["ambiguous"]
    if n_matched < min_matched * n:
        raise FoldImportError(
            f"{path}: matched {n_matched} of {n} entries ({100 * n_matched / n:.1f} %, below "
            f"{100 * min_matched:.0f} %): {counts['unmatched']} unmatched, {counts['ambiguous']} "
            "ambiguous; is this split for the corpus that was loaded?")
    folds = _folds(sides, manifest, source=str(path), fmt=fmt)
    return ImportedFolds(folds, fmt, str(path), n, n_matched, counts["unmatched"],
                         counts["ambiguous"], counts["duplicate"], skipped)


def _fold_order(names: Iterable[str]) -> list[str]:
    """Numeric fold names in numeric order, others after them by name."""
    return sorted(names, key=lambda s: (0, int(s), "") if s.lstrip("-").isdigit() else (1, 0, s))


def _folds(sides: Mapping[str, Mapping[str, Sequence[str]]], manifest: pd.DataFrame, *,
           source: str, fmt: str) -> list[Fold]:
    speaker = (dict(zip(manifest["utt_id"].astype(str), manifest["speaker"].astype("string"), strict=True))
               if "speaker" in manifest.columns else {})
    folds = []
    for index, name in enumerate(_fold_order(sides)):
        s = sides[name]
        if not s["test"]:
            raise FoldImportError(f"{source}: fold {name} has no test entry that matches the corpus")
        both = sorted(set(s["train"]) & set(s["test"]))
        if both:
            raise FoldImportError(f"{source}: fold {name} puts {len(both)} utterance(s) on both the "
                                  f"training and the test side, e.g. {both[:3]}")
        spk = {side: {speaker.get(u) for u in ids} for side, ids in s.items() if ids}
        known = all(not pd.isna(x) for v in spk.values() for x in v) and bool(speaker)
        disjoint = known and not any(spk[a] & spk[b] for a in spk for b in spk if a < b)
        folds.append(Fold(index, tuple(s["train"]), tuple(s["val"]), tuple(s["test"]),
                          speaker_independent=disjoint,
                          info={"protocol": "imported", "source": source, "format": fmt,
                                "source_fold": name, "val_speaker_disjoint": disjoint}))
    return folds


def imported(m: pd.DataFrame, seed: int, *, path: str | None = None, format: str | None = None) -> list[Fold]:
    """The ``imported`` protocol: folds read from ``path`` (the seed draws nothing)."""
    if not path:
        raise ProtocolError("imported: no folds file; give run --folds PATH or "
                            "protocol_options = { imported = { path = \"...\" } }")
    return import_folds(path, m, fmt=format).folds


__all__ = ["FORMATS", "FoldImportError", "ImportedFolds", "MIN_MATCHED", "import_folds", "imported",
           "read_entries"]
