"""Shortcut probes: do trivial, non-emotional properties of the files predict the label?

Each property of :data:`benchmark.audit.recordings.PROPERTIES` (DC offset, duration, active
span, peak level, clipping rate, noise floor, original sample rate, bit depth), alone and all
together, is given to a simple classifier (standardised features, multinomial logistic
regression with balanced class weights, scikit-learn) trained on each fold's training side
(train + val) and scored on its test side, under the very folds being audited. The test
predictions of all folds are pooled; UA (balanced accuracy) gets a 95 % percentile bootstrap
interval over the pooled test utterances. A property whose interval's lower bound lies at least
half a point above chance (1 / number of classes) is named as a possible confound: the corpus
lets a model score by it without hearing any emotion.

A probe above chance says that the property and the label are associated *in this corpus under
these folds*; it does not say the property is not emotional (acted anger is louder, sadness is
slower), nor that a model used it. It tells a reader what a model *could* exploit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchmark.audit.recordings import PROPERTIES, FileFacts
from benchmark.splits import Fold

ALL = "all properties"
N_BOOTSTRAP = 1000
LEVEL = 0.95
#: "clearly above chance": the interval's lower bound at least this far above it (half a UA
#: point), so a bound that merely touches chance, or rounds to it, names nothing
CLEAR_MARGIN = 0.005


@dataclass(frozen=True)
class Probe:
    """One probe's pooled result."""

    name: str
    ua: float
    low: float
    high: float
    chance: float
    n_test: int
    constant: bool
    """The property has one value over every file (it cannot inform)."""

    @property
    def confound(self) -> bool:
        return (not self.constant) and self.low >= self.chance + CLEAR_MARGIN

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "confound": self.confound}


def property_frame(facts: Mapping[str, FileFacts]) -> pd.DataFrame:
    """utt_id -> the properties (one column each)."""
    return pd.DataFrame.from_dict({u: f.properties for u, f in facts.items()}, orient="index")[list(PROPERTIES)]


def _classifier(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced",
                                                              random_state=seed))


def _pooled_predictions(X: pd.DataFrame, y: pd.Series, folds: Sequence[Fold], seed: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    truth, pred = [], []
    for fold in folds:
        train = [*fold.train, *fold.val]
        ytr = y.loc[train].to_numpy()
        if len(set(ytr)) < 2:  # nothing to learn: predict the only class
            p = np.full(len(fold.test), ytr[0] if len(ytr) else "")
        else:
            p = _classifier(seed).fit(X.loc[train].to_numpy(), ytr).predict(X.loc[list(fold.test)].to_numpy())
        truth.append(y.loc[list(fold.test)].to_numpy())
        pred.append(np.asarray(p))
    return np.concatenate(truth), np.concatenate(pred)


def ua_interval(truth: np.ndarray, pred: np.ndarray, classes: Sequence[str], seed: int,
                n_boot: int = N_BOOTSTRAP, level: float = LEVEL) -> tuple[float, float, float]:
    """(UA, low, high): balanced accuracy and its percentile bootstrap interval over items."""
    from sklearn.metrics import balanced_accuracy_score

    code = {c: k for k, c in enumerate(classes)}
    t = np.array([code[c] for c in truth])
    ok = (truth == pred).astype(float)
    ua = float(balanced_accuracy_score(truth, pred))
    rng = np.random.default_rng(seed)
    k = len(classes)
    idx = rng.integers(0, len(t), size=(n_boot, len(t)))
    rows = np.repeat(np.arange(n_boot), len(t))
    cls = t[idx].ravel()
    n = np.zeros((n_boot, k))
    hit = np.zeros((n_boot, k))
    np.add.at(n, (rows, cls), 1.0)
    np.add.at(hit, (rows, cls), ok[idx].ravel())
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = hit / n
    boots = np.nanmean(recall, axis=1)  # a class absent from a resample is left out of its mean
    a = (1 - level) / 2
    return ua, float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a))


def run_probes(facts: Mapping[str, FileFacts], labels: Mapping[str, str], folds: Sequence[Fold],
               *, seed: int = 0) -> list[Probe]:
    """Every property alone, then all together, under ``folds``."""
    used = sorted({u for f in folds for u in (*f.train, *f.val, *f.test)})
    X = property_frame({u: facts[u] for u in used})
    y = pd.Series({u: labels[u] for u in used})
    classes = sorted(set(y))
    chance = 1.0 / len(classes)
    out = []
    for name, cols in [*((p, [p]) for p in PROPERTIES), (ALL, list(PROPERTIES))]:
        truth, pred = _pooled_predictions(X[cols], y, folds, seed)
        ua, low, high = ua_interval(truth, pred, classes, seed)
        constant = bool((X[cols].nunique() <= 1).all())
        out.append(Probe(name, ua, low, high, chance, len(truth), constant))
    return out


def confounds(probes: Sequence[Probe]) -> list[str]:
    """Names of the single properties clearly above chance (the combined probe is not a name)."""
    return [p.name for p in probes if p.confound and p.name != ALL]


def probe_lines(probes: Sequence[Probe]) -> list[str]:
    """A plain-text table and the confound line (``audit-split``'s output)."""
    lines = [f"{'property':<18} {'UA':>6} {'95% interval':>16} {'chance':>7}  note"]
    for p in probes:
        note = "constant" if p.constant else ("ABOVE CHANCE" if p.confound else "")
        lines.append(f"{p.name:<18} {p.ua:6.3f} {f'[{p.low:.3f}, {p.high:.3f}]':>16} {p.chance:7.3f}  {note}")
    names = confounds(probes)
    lines.append("possible confounds: " + (", ".join(names) if names else "none (no property's interval lies above chance)"))
    return lines


def shortcut_record(probes: Sequence[Probe], **identity: Any) -> dict[str, Any]:
    """JSON-able result of one (corpus, protocol, seed) probe set, as the run folder keeps it."""
    return {**identity, "method": ("standardised logistic regression (balanced class weights) per "
                                   f"fold; UA pooled over test sides; {int(LEVEL * 100)} % percentile "
                                   f"bootstrap over test utterances ({N_BOOTSTRAP} resamples)"),
            "probes": [p.as_dict() for p in probes], "confounds": confounds(probes)}
