"""How much a corpus's labels depend on its speakers, and when speaker normalisation is unsafe.

On a corpus where most speakers carry a single emotion, speaker identity predicts the label:
a random split is inflated (the model recognises the voice), and per-speaker z-scoring
subtracts each speaker's mean, which *is* that speaker's emotion, so it erases the signal.
Two numbers describe the risk, computed when a corpus is loaded (``Corpus.dependence``):

* **Cramér's V** between speaker and label over all utterances
  (``scipy.stats.contingency.association``): 0 when every speaker shows the same label mix
  (acted corpora such as RAVDESS, EmoDB), 1 when the speaker determines the label.
* **covering share**: the share of speakers whose utterances cover at least half of the
  classes (``ceil(n_classes / 2)``).

A corpus is flagged (:attr:`SpeakerLabelDependence.high`, a
:class:`SpeakerLabelDependenceWarning` at load time) when V >= :data:`HIGH_CRAMERS_V` (0.5,
the conventional "strong association") or the covering share < :data:`MIN_COVERING_SHARE`
(0.5: most speakers show fewer than half of the classes). Corpora under
:data:`MIN_UTTERANCES_TO_WARN` utterances are not warned about (V is biased upwards on tiny
tables), but the numbers are still reported.

Speaker normalisation (:func:`speaker_norm_refusal`, for a fold's *training* items) is refused
when fewer than :data:`MIN_COVERING_SHARE` of the training speakers cover at least half of the
training classes: too few training speakers cover the classes for a per-speaker mean to be an
emotion-neutral reference. Test speakers are not inspected (that would read test labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

HIGH_CRAMERS_V = 0.5
MIN_COVERING_SHARE = 0.5
MIN_UTTERANCES_TO_WARN = 20


class SpeakerLabelDependenceWarning(UserWarning):
    """Labels depend strongly on speakers: random splits inflate, speaker_norm erases emotion."""


class SpeakerNormRefused(ValueError):
    """speaker_norm asked for on training speakers that do not cover the classes."""


@dataclass(frozen=True)
class SpeakerLabelDependence:
    cramers_v: float  # NaN when undefined (fewer than 2 speakers or 2 classes)
    covering_share: float  # share of speakers covering >= min_classes classes
    n_covering: int
    n_speakers: int
    n_classes: int
    min_classes: int  # ceil(n_classes / 2)
    n_utterances: int

    @property
    def high(self) -> bool:
        """V >= HIGH_CRAMERS_V or covering share < MIN_COVERING_SHARE (defined corpora only)."""
        if self.n_speakers < 2 or self.n_classes < 2:
            return False
        return (not math.isnan(self.cramers_v) and self.cramers_v >= HIGH_CRAMERS_V) or (
            self.covering_share < MIN_COVERING_SHARE)

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for a manifest summary or a report (``high`` included)."""
        return {**asdict(self), "high": self.high}

    def describe(self) -> str:
        """One line for ``corpus info`` and report summaries."""
        v = "n/a" if math.isnan(self.cramers_v) else f"{self.cramers_v:.2f}"
        line = (f"speaker-label dependence: Cramér's V {v}; {self.n_covering} of {self.n_speakers} "
                f"speakers ({100 * self.covering_share:.0f}%) cover at least {self.min_classes} of "
                f"the {self.n_classes} classes")
        return line + ("  [HIGH]" if self.high else "")

    def warning(self, corpus: str) -> str:
        return (f"{corpus}: labels depend strongly on speakers ({self.describe().split(': ', 1)[1]}; "
                f"thresholds V >= {HIGH_CRAMERS_V} or < {MIN_COVERING_SHARE:.0%} covering): random "
                "splits are inflated by speaker identity and speaker_norm would erase the emotion; "
                "prefer speaker-independent protocols")


def _covering(speakers: pd.Series, labels: pd.Series) -> tuple[int, int, int, int]:
    n_classes = int(labels.nunique())
    need = max(1, math.ceil(n_classes / 2))
    per = pd.DataFrame({"s": speakers.to_numpy(), "y": labels.to_numpy()}).groupby("s")["y"].nunique()
    return int((per >= need).sum()), int(per.size), n_classes, need


def speaker_label_dependence(speakers: Sequence[Any], labels: Sequence[Any]) -> SpeakerLabelDependence:
    """Cramér's V and covering share of (speaker, label) pairs, one pair per utterance."""
    from scipy.stats.contingency import association

    s = pd.Series(list(speakers), dtype="string").fillna("<NA>")
    y = pd.Series(list(labels), dtype="string").fillna("<NA>")
    if len(s) != len(y):
        raise ValueError(f"{len(s)} speakers for {len(y)} labels")
    n_cover, n_spk, n_classes, need = _covering(s, y)
    v = math.nan
    if n_spk >= 2 and n_classes >= 2:
        table = pd.crosstab(s, y).to_numpy()
        v = float(association(table, method="cramer"))
    share = n_cover / n_spk if n_spk else math.nan
    return SpeakerLabelDependence(v, share, n_cover, n_spk, n_classes, need, len(s))


def manifest_dependence(manifest: pd.DataFrame) -> SpeakerLabelDependence:
    return speaker_label_dependence(manifest["speaker"], manifest["label"])


def speaker_norm_refusal(speakers: Sequence[Any], labels: Sequence[Any]) -> str | None:
    """Why speaker normalisation must be refused for these *training* items (one speaker and
    label per item), or None when it may run. Rule: at least :data:`MIN_COVERING_SHARE` of the
    training speakers must each cover at least half (rounded up) of the training classes."""
    s = pd.Series(list(speakers), dtype="string").fillna("<NA>")
    y = pd.Series(list(labels), dtype="string").fillna("<NA>")
    if s.empty:
        return "speaker_norm refused: no training items"
    n_cover, n_spk, n_classes, need = _covering(s, y)
    if n_cover / n_spk >= MIN_COVERING_SHARE:
        return None
    return (f"speaker_norm refused: too few training speakers cover the classes ({n_cover} of {n_spk} "
            f"cover at least {need} of the {n_classes} classes, {MIN_COVERING_SHARE:.0%} needed); "
            "per-speaker z-scoring would erase the emotion of single-emotion speakers")


def check_speaker_norm(speakers: Sequence[Any], labels: Sequence[Any]) -> None:
    """Raise :class:`SpeakerNormRefused` when :func:`speaker_norm_refusal` gives a reason."""
    reason = speaker_norm_refusal(speakers, labels)
    if reason is not None:
        raise SpeakerNormRefused(reason)


__all__ = [
    "HIGH_CRAMERS_V", "MIN_COVERING_SHARE", "MIN_UTTERANCES_TO_WARN", "SpeakerLabelDependence",
    "SpeakerLabelDependenceWarning", "SpeakerNormRefused", "check_speaker_norm",
    "manifest_dependence", "speaker_label_dependence", "speaker_norm_refusal",
]
