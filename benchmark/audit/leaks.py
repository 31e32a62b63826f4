"""What the training and test sides of each fold share, and one verdict for the split.

Per fold, the *training side* is train + val (both shape the model); against the test side the
audit counts: speakers on both sides (keyed by corpus and speaker, unknown speakers never count
as shared), sentences (``text_id``) on both sides where the corpus has them, test utterances
whose recording is byte-identical to a training-side one (same sha256, whatever the names), and
test utterances with a near-identical but not byte-identical training-side recording
(:func:`benchmark.audit.recordings.near_identical`).

The verdict: *leaky* when any fold shares a speaker or an identical or near-identical
recording; otherwise *speaker-independent*. Shared sentences are reported beside it but do not
make a split leaky by themselves: serbench's own speaker protocols share sentences unless asked
not to (``sentence_independent``), as every acted corpus with a fixed sentence list does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from benchmark.audit.recordings import FileFacts, file_facts, near_identical
from benchmark.splits import Fold


@dataclass(frozen=True)
class FoldAudit:
    """One fold's counts (test side against train + val)."""

    fold: int
    n_train: int
    n_test: int
    n_test_speakers: int
    speakers_shared: int
    """Speakers with utterances on both the training and the test side."""
    test_speaker_seen: int
    """Test utterances whose speaker is on the training side."""
    texts_shared: int | None
    """Sentences (text ids) on both sides; None when the corpus has no text ids."""
    identical: int | None
    """Test utterances with a byte-identical recording on the training side; None = not checked."""
    near_identical: int | None
    """Test utterances with a near-identical (not byte-identical) training-side recording."""
    pairs: tuple[tuple[str, str, str], ...] = ()
    """(kind, test utt_id, training utt_id) of every identical or near-identical recording."""

    @property
    def leaky(self) -> bool:
        return bool(self.speakers_shared or self.identical or self.near_identical)


@dataclass(frozen=True)
class SplitAudit:
    """Every fold's counts and the verdict."""

    folds: tuple[FoldAudit, ...]
    recordings_checked: bool

    @property
    def speaker_independent(self) -> bool:
        return all(f.speakers_shared == 0 for f in self.folds)

    @property
    def leaky(self) -> bool:
        return any(f.leaky for f in self.folds)

    def _counts(self) -> list[str]:
        n = len(self.folds)
        parts = []
        spk = [f for f in self.folds if f.speakers_shared]
        if spk:
            lo, hi = min(f.speakers_shared for f in spk), max(f.speakers_shared for f in spk)
            many = f"{lo}" if lo == hi else f"{lo}-{hi}"
            parts.append(f"speakers on both sides in {len(spk)} of {n} folds ({many} per fold, "
                         f"{sum(f.test_speaker_seen for f in spk)} test utterances of a seen speaker)")
        for attr, what in (("identical", "identical recordings"), ("near_identical", "near-identical recordings")):
            hit = [f for f in self.folds if getattr(f, attr)]
            if hit:
                parts.append(f"{what} on both sides: {sum(getattr(f, attr) for f in hit)} test "
                             f"utterance(s) in {len(hit)} of {n} folds")
        return parts

    def verdict(self) -> str:
        """One line: speaker-independent, or leaky with the counts; sentences beside it."""
        n = len(self.folds)
        txt = [f for f in self.folds if f.texts_shared]
        has_text = any(f.texts_shared is not None for f in self.folds)
        sentences = ""
        if txt:
            sentences = (f"; sentences (text ids) on both sides in {len(txt)} of {n} folds, so not "
                         "sentence-independent")
        elif has_text:
            sentences = "; no sentence on both sides"
        rec = "" if self.recordings_checked else "; recordings not compared"
        if self.leaky:
            return "LEAKY: " + "; ".join(self._counts()) + sentences + rec
        what = "no speaker" + (" and no identical or near-identical recording" if self.recordings_checked else "")
        return f"speaker-independent: {what} on both sides in any of {n} folds" + sentences + rec

    def protocol_info(self) -> dict[str, Any]:
        """The record's ``protocol_info`` for folds audited like this (reports read it).

        ``leaky`` stays False: in serbench it names the augment-then-split pool (copies of one
        recording split at random), which the worker builds; an imported split that shares
        speakers or recordings is flagged by ``speaker_independent`` False and ``audit``.
        """
        return {
            "speaker_independent": self.speaker_independent and not self.leaky,
            "leaky": False,
            "unit": "speaker" if self.speaker_independent else "fold",
            "audit": {"verdict": "leaky" if self.leaky else "speaker-independent",
                      "summary": self.verdict(), **self.totals()},
        }

    def totals(self) -> dict[str, int]:
        """Sums over folds (JSON-able)."""
        def total(attr: str) -> int:
            return int(sum(getattr(f, attr) or 0 for f in self.folds))

        return {"n_folds": len(self.folds),
                "folds_sharing_speakers": sum(bool(f.speakers_shared) for f in self.folds),
                "test_speaker_seen": total("test_speaker_seen"),
                "identical": total("identical"), "near_identical": total("near_identical"),
                "folds_sharing_texts": sum(bool(f.texts_shared) for f in self.folds)}

    def rows(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.folds]

    def pair_lines(self, limit: int = 10) -> list[str]:
        """Up to ``limit`` recordings found on both sides, one line each (and how many more)."""
        found = [(f.fold, *p) for f in self.folds for p in f.pairs]
        lines = [f"  fold {k}: test {t} is {kind} to training {u}" for k, kind, t, u in found[:limit]]
        if len(found) > limit:
            lines.append(f"  ... and {len(found) - limit} more")
        return lines


def collect_facts(manifest: pd.DataFrame, ids: Sequence[str] | None = None) -> dict[str, FileFacts]:
    """:class:`FileFacts` of the manifest's files (or of ``ids`` only), by utt_id."""
    paths = dict(zip(manifest["utt_id"].astype(str), manifest["path"].astype(str), strict=True))
    wanted = sorted(set(ids)) if ids is not None else sorted(paths)
    return {u: file_facts(paths[u]) for u in wanted}


def audit_folds(folds: Sequence[Fold], manifest: pd.DataFrame,
                facts: Mapping[str, FileFacts] | None = None) -> SplitAudit:
    """Count what each fold's sides share; recordings only when ``facts`` are given."""
    ids = manifest["utt_id"].astype(str).tolist()

    def column(name: str) -> dict[str, str | None]:
        if name not in manifest.columns:
            return {}
        vals = manifest[name].astype("string")
        return {u: (None if pd.isna(v) else str(v)) for u, v in zip(ids, vals, strict=True)}

    corpus, speaker, text = column("corpus"), column("speaker"), column("text_id")
    out = []
    for fold in folds:
        train = [*fold.train, *fold.val]
        test = list(fold.test)
        spk_of = {u: (corpus.get(u), speaker.get(u)) for u in (*train, *test) if speaker.get(u) is not None}
        train_spk = {spk_of[u] for u in train if u in spk_of}
        test_spk = {spk_of[u] for u in test if u in spk_of}
        texts: int | None = None
        if text:
            texts = len({text[u] for u in train if text.get(u)} & {text[u] for u in test if text.get(u)})
        identical = near = None
        pairs: list[tuple[str, str, str]] = []
        if facts is not None:
            train_sha = {facts[u].sha256: u for u in train}
            same = [facts[u].sha256 in train_sha for u in test]
            identical = int(sum(same))
            pairs += [("identical", u, train_sha[facts[u].sha256]) for u, s in zip(test, same, strict=True) if s]
            close = near_identical([facts[u] for u in test], [facts[u] for u in train])
            near_pairs = [("near-identical", u, train[int(j)])
                          for u, j, s in zip(test, close, same, strict=True) if j >= 0 and not s]
            near = len(near_pairs)
            pairs += near_pairs
        out.append(FoldAudit(
            fold=fold.index, n_train=len(train), n_test=len(test), n_test_speakers=len(test_spk),
            speakers_shared=len(train_spk & test_spk),
            test_speaker_seen=sum(spk_of.get(u) in train_spk for u in test),
            texts_shared=texts, identical=identical, near_identical=near, pairs=tuple(pairs),
        ))
    return SplitAudit(tuple(out), facts is not None)
