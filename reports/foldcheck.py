"""Prove from the records that the rows of a comparison were scored on the same folds.

Every record the runner writes names the fold it used by ``fold_hash`` (over the fold's
train, val and test ids, ``benchmark.splits.fold_hash``). Rows of one table are on the same
folds when, for every (corpus, label set, protocol, seed) they share, and for the leaky
protocol every augmentation pool, they carry the same set of fold hashes. This module checks
exactly that and words the result for a caption:

- "same folds for every row (N fold hashes checked)" when they agree;
- rows whose hashes are not all among those the other rows share are listed (different
  folds: their paired tests pair different test sets);
- rows that agree but lack an ok record for some folds (a failed job) are listed apart;
- rows with records that carry no ``fold_hash`` (written before the field existed) cannot be
  checked, and the caption says so instead of claiming agreement.

Fold files (``folds/*.json``) are not used here on purpose: a record without a hash is only
*assumed* to have used the fold file of its (protocol, seed, index), which proves nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.aggregate import Record, order_key, protocol_info

#: (corpus, label set, protocol, leaky pool, seed): records under one key share their folds
GroupKey = tuple[Any, ...]


def _group_key(rec: Record) -> GroupKey:
    info = protocol_info(rec)
    pool = rec.get("augmentation") if info is not None and info.leaky else None
    return (rec.get("corpus"), rec.get("label_set"), rec.get("protocol"), pool, str(rec.get("seed")))


def _where(key: GroupKey, show_corpus: bool) -> str:
    corpus, label_set, protocol, pool, seed = key
    parts = [f"{corpus}" + (f" ({label_set})" if label_set else "")] if show_corpus else []
    parts.append(str(protocol) + (f" +{pool}" if pool else ""))
    parts.append(f"seed {seed}")
    return ", ".join(parts)


@dataclass
class FoldCheck:
    """The outcome of one check (see the module docstring)."""

    n_hashes: int = 0  # distinct fold hashes carried by the rows checked
    n_rows: int = 0  # rows with at least one record checked
    differ: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return not self.differ and not self.unchecked

    def text(self, where: str | None = None) -> str:
        """The caption sentence; ``where`` names the block checked (e.g. a protocol)."""
        head = f"Folds{f' ({where})' if where else ''}: "
        if not self.n_rows and self.unchecked:
            return (head + "could not be checked: no record carries fold_hash (records written "
                    "before the field existed), so the rows are only assumed to share their folds.")
        parts = []
        if self.differ:
            parts.append(
                f"NOT the same for every row ({self.n_hashes} fold hashes checked); rows on folds the "
                f"other rows do not share (their paired tests pair different test sets): "
                f"{'; '.join(self.differ)}"
            )
        else:
            parts.append(f"same folds for every row ({self.n_hashes} fold hashes checked"
                         + (f" over {self.n_rows} rows" if self.n_rows > 1 else "") + ")")
        if self.missing:
            parts.append(f"fewer folds (no ok record for some of them, see Failures): {'; '.join(self.missing)}")
        if self.unchecked:
            parts.append(f"could not be checked for {', '.join(self.unchecked)} (records without "
                         "fold_hash, written before the field existed)")
        return head + "; ".join(parts) + "."


def fold_agreement(rows: Sequence[tuple[str, Sequence[Record]]]) -> FoldCheck:
    """Check that ``rows`` (name, records) carry the same fold hashes wherever they overlap.

    Per (corpus, label set, protocol, leaky pool, seed), the reference set is the one most rows
    carry (ties: the larger, then the first row's). A row whose set holds a hash outside it is
    on different folds; a row whose set is a strict subset lacks folds (failed jobs).
    """
    check = FoldCheck()
    show_corpus = len({(r.get("corpus"), r.get("label_set")) for _n, recs in rows for r in recs}) > 1
    by_group: dict[GroupKey, list[tuple[str, frozenset[str]]]] = {}
    hashes: set[str] = set()
    for name, recs in rows:
        if not recs:
            continue
        if any(not r.get("fold_hash") for r in recs):
            check.unchecked.append(name)
            continue
        check.n_rows += 1
        per: dict[GroupKey, set[str]] = {}
        for r in recs:
            per.setdefault(_group_key(r), set()).add(str(r["fold_hash"]))
        for key, hs in per.items():
            by_group.setdefault(key, []).append((name, frozenset(hs)))
            hashes |= hs
    check.n_hashes = len(hashes)
    keys = sorted(by_group, key=lambda k: (str(k[0]), str(k[1]), order_key("protocol", k[2]), str(k[3]), k[4]))
    for key in keys:
        entries = by_group[key]
        counts = Counter(s for _n, s in entries)
        common = max(counts, key=lambda s: (counts[s], len(s)))
        for name, s in entries:
            if s == common:
                continue
            where = _where(key, show_corpus)
            if s < common:
                check.missing.append(f"{name} ({where}: {len(s)} of {len(common)} folds)")
            else:
                check.differ.append(f"{name} ({where}: {len(s - common)} of its {len(s)} fold hashes "
                                    "not shared)")
    return check
