"""The fold record: :class:`Fold` (frozen, hashed, JSON round-trip), its files
(:func:`save_folds`, :func:`load_folds`) and the two errors every split raises.

A fold's ``hash`` covers its sorted train, val and test ids only; ``info`` (protocol, speakers,
an imported split's audit) travels with it without changing it. Protocols that draw folds live in
:mod:`benchmark.protocols`, the disjointness checks in :mod:`benchmark.leakage`;
:mod:`benchmark.splits` re-exports all three.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FOLDS_SCHEMA_VERSION = 1
#: manifest column naming the recording an augmented copy was made from
SOURCE_COLUMN = "source_utt_id"


class LeakageError(RuntimeError):
    """A fold breaks the disjointness its protocol promises (ids, speakers or sentences)."""


class ProtocolError(ValueError):
    """A protocol cannot be applied to this manifest or these options."""


# --------------------------------------------------------------------------------------------
# Fold record


def fold_hash(train: Iterable[str], val: Iterable[str], test: Iterable[str]) -> str:
    """sha1 over the sorted id lists of the three sides; independent of input order."""
    payload = json.dumps(
        {"train": sorted(train), "val": sorted(val), "test": sorted(test)},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fold:
    """One split. Id tuples are stored sorted; ``hash`` is computed (and verified if given).

    ``info`` carries JSON-able notes (protocol, test/val speakers, excluded rows); it is not
    part of equality or of the hash.
    """

    index: int
    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]
    speaker_independent: bool
    sentence_independent: bool = False
    hash: str = ""
    info: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        for side in ("train", "val", "test"):
            ids = getattr(self, side)
            if isinstance(ids, str):  # a bare string would become a tuple of characters
                raise TypeError(f"Fold.{side} must be a sequence of utt_ids, not a string")
            object.__setattr__(self, side, tuple(sorted(str(x) for x in ids)))
        expected = fold_hash(self.train, self.val, self.test)
        if self.hash and self.hash != expected:
            raise ValueError(
                f"fold {self.index}: stored hash {self.hash} does not match its ids "
                f"({expected}); the folds file was edited or corrupted"
            )
        object.__setattr__(self, "hash", expected)
        object.__setattr__(self, "info", dict(self.info))

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "train": list(self.train),
            "val": list(self.val),
            "test": list(self.test),
            "speaker_independent": self.speaker_independent,
            "sentence_independent": self.sentence_independent,
            "hash": self.hash,
            "info": dict(self.info),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fold:
        required = ("index", "train", "val", "test", "speaker_independent")
        missing = [k for k in required if k not in d]
        if missing:
            raise ValueError(f"fold record lacks {missing}")
        return cls(
            index=int(d["index"]),
            train=tuple(d["train"]),
            val=tuple(d["val"]),
            test=tuple(d["test"]),
            speaker_independent=bool(d["speaker_independent"]),
            sentence_independent=bool(d.get("sentence_independent", False)),
            hash=str(d.get("hash", "")),
            info=dict(d.get("info", {})),
        )


def save_folds(path: str | Path, folds: Sequence[Fold], meta: Mapping[str, Any] | None = None) -> Path:
    """Write folds (and free-form meta: protocol, seed, options) as JSON, atomically."""
    path = Path(path)
    doc = {
        "schema_version": FOLDS_SCHEMA_VERSION,
        "meta": dict(meta or {}),
        "folds": [f.to_dict() for f in folds],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_folds(path: str | Path) -> tuple[list[Fold], dict[str, Any]]:
    """Read a file written by :func:`save_folds`; returns ``(folds, meta)``. Hashes are verified."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    version = doc.get("schema_version")
    if version != FOLDS_SCHEMA_VERSION:
        raise ValueError(f"{path}: folds schema_version {version!r}, expected {FOLDS_SCHEMA_VERSION}")
    return [Fold.from_dict(d) for d in doc["folds"]], dict(doc.get("meta", {}))
