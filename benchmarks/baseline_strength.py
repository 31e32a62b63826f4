"""Guard against weak baselines: each tuned classical model beside the plain scikit-learn (or
XGBoost) default of the same estimator, on the same folds, features and training items.

    python benchmarks/baseline_strength.py [--corpus synthetic|emodb] [--data-root DIR]
        [--features egemaps_v02,compare_2016] [--models svm,knn,...] [--max-folds N]
        [--tuned-from RUN_DIR]

The tuned side is exactly what a run does (``make_model`` + ``fit`` with the fold's training
and validation items and their speakers: inner speaker-grouped selection, refit on the whole
training side); the default side fits the library's estimator with its defaults on the same
whole training side (standardised, as every serbench pipeline is):

- svm: ``SVC()``; knn: ``KNeighborsClassifier()``; tree: ``DecisionTreeClassifier()``;
  mlp: ``MLPClassifier()``; xgb: ``XGBClassifier()``; gmm: one ``GaussianMixture()`` per class
  (1 component, full covariance), maximum-likelihood decision.

With ``--tuned-from RUN_DIR`` the tuned side is read from that run's ok records (seed 0,
``params`` without ``speaker_norm``) instead of being fitted again; each record's test speakers
must equal the fold's, so both sides are scored on the same folds.

A tuned model passes when its mean UA over folds is at least the default's minus the noise of
one fold, taken as the binomial standard error of a fold's accuracy, sqrt(p (1 - p) / n) with p
the default's mean UA and n the mean number of test utterances per fold.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

MODELS = ("svm", "knn", "tree", "gmm", "mlp", "xgb")


def _base():
    from sklearn.base import BaseEstimator, ClassifierMixin

    return ClassifierMixin, BaseEstimator


class PerClassDefaultGMM(*_base()):
    """One ``GaussianMixture()`` with scikit-learn's defaults per class; argmax likelihood."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> PerClassDefaultGMM:
        from sklearn.mixture import GaussianMixture

        self.classes_ = np.unique(y)
        self.mixtures_ = [GaussianMixture(random_state=self.seed).fit(X[y == c]) for c in self.classes_]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        ll = np.column_stack([g.score_samples(X) for g in self.mixtures_])
        return self.classes_[np.argmax(ll, axis=1)]


def default_estimator(name: str, seed: int):
    """The library default of the estimator behind serbench model ``name``, standardised."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    if name == "xgb":
        from xgboost import XGBClassifier

        inner = XGBClassifier(random_state=seed, n_jobs=1, verbosity=0)
    else:
        inner = {
            "svm": lambda: SVC(),
            "knn": lambda: KNeighborsClassifier(),
            "tree": lambda: DecisionTreeClassifier(random_state=seed),
            "mlp": lambda: MLPClassifier(random_state=seed),
            "gmm": lambda: PerClassDefaultGMM(seed),
        }[name]()
    return make_pipeline(StandardScaler(), inner)


@dataclass
class Row:
    model: str
    features: str
    tuned: list[float]
    default: list[float]
    n_test: list[int]
    tuned_s: float
    default_s: float

    @property
    def noise(self) -> float:
        p = float(np.mean(self.default))
        return math.sqrt(max(p * (1 - p), 1e-12) / float(np.mean(self.n_test)))

    @property
    def ok(self) -> bool:
        return float(np.mean(self.tuned)) >= float(np.mean(self.default)) - self.noise


def compare(corpus: str, features: Sequence[str], models: Sequence[str], *, data_root: str | None,
            protocol: str | None = None, max_folds: int | None = None, seed: int = 0,
            progress: bool = True, tuned_from: Path | None = None) -> list[Row]:
    """Tuned vs default UA per (model, features) on the first ``max_folds`` folds; the tuned
    side read from ``tuned_from``'s records when given."""
    from threadpoolctl import threadpool_limits

    from benchmark.cache import FeatureCache
    from benchmark.datasets import load_corpus
    from benchmark.features import compute_features
    from benchmark.metrics import classification_metrics
    from benchmark.models import make_model
    from benchmark.splits import make_folds

    c = load_corpus(corpus, data_root, **({"progress": False} if corpus == "synthetic" else {}))
    m = c.manifest
    protocol = protocol or ("speaker_loso" if m["speaker"].nunique() <= 12 else "speaker_kfold5")
    folds = make_folds(protocol, m, seed)[:max_folds]
    label = dict(zip(m["utt_id"].astype(str), m["label"].astype(str), strict=True))
    speaker = dict(zip(m["utt_id"].astype(str), m["speaker"].astype(str), strict=True))
    recorded = _recorded_ua(tuned_from, corpus, protocol, seed) if tuned_from else None
    rows: list[Row] = []
    for feat in features:
        table = compute_features(m, feat, cache=FeatureCache(), jobs=2, progress=progress)
        for name in models:
            row = Row(name, feat, [], [], [], 0.0, 0.0)
            for fold in folds:
                sides = [[i for i in ids if i in table.values] for ids in (fold.train, fold.val, fold.test)]
                X = [np.stack([table.values[i] for i in ids]).astype(np.float64) if ids else None
                     for ids in sides]
                y = [np.array([label[i] for i in ids]) for ids in sides]
                g = [np.array([speaker[i] for i in ids]) for ids in sides]
                with warnings.catch_warnings(), threadpool_limits(1):
                    warnings.simplefilter("ignore")
                    t0 = time.perf_counter()
                    tuned = None if recorded is not None else make_model(name, seed=seed).fit(
                        X[0], y[0], groups=g[0], X_val=X[1], y_val=y[1] if sides[1] else None,
                        groups_val=g[1] if sides[1] else None)
                    row.tuned_s += time.perf_counter() - t0
                    whole_X = np.vstack([x for x in X[:2] if x is not None])
                    whole_y = np.concatenate(y[:2])
                    t0 = time.perf_counter()
                    classes, whole_yi = np.unique(whole_y, return_inverse=True)
                    default = default_estimator(name, seed).fit(whole_X, whole_yi)
                    row.default_s += time.perf_counter() - t0
                    pred_d = classes[np.asarray(default.predict(X[2]), dtype=int)]
                if recorded is None:
                    pred_t = tuned.predict(X[2])
                    labels = sorted(set(y[2]) | set(pred_t) | set(pred_d))
                    row.tuned.append(classification_metrics(y[2], pred_t, labels)["ua"])
                else:
                    key = (name, feat, fold.index)
                    if key not in recorded:
                        raise SystemExit(f"--tuned-from: no ok record of {name}/{feat} fold {fold.index}")
                    ua, speakers = recorded[key]
                    if speakers != sorted(set(g[2])):
                        raise SystemExit(f"--tuned-from: fold {fold.index} of the run tests speakers "
                                         f"{speakers}, this fold {sorted(set(g[2]))}")
                    row.tuned.append(ua)
                    row.tuned_s = float("nan")
                labels = sorted(set(y[2]) | set(pred_d))
                row.default.append(classification_metrics(y[2], pred_d, labels)["ua"])
                row.n_test.append(len(sides[2]))
            rows.append(row)
            if progress:
                print(format_row(row), flush=True)
    return rows


def _recorded_ua(run: Path, corpus: str, protocol: str, seed: int
                 ) -> dict[tuple[str, str, int], tuple[float, list[str]]]:
    """(model, features, fold) -> (UA, test speakers) of a run's inductive ok records."""
    from benchmark.results import read_records

    out = {}
    for r in read_records(Path(run) / "records.jsonl"):
        if (r["status"] == "ok" and r["corpus"] == corpus and r["protocol"] == protocol
                and r["seed"] == seed and not (r.get("params") or {}).get("speaker_norm")
                and r.get("augmentation", "none") == "none"):
            out[(r["model"], r["features"], r["fold"])] = (r["ua"], sorted(r["test_speakers"]))
    return out


def format_row(row: Row) -> str:
    t, d = np.mean(row.tuned), np.mean(row.default)
    return (f"| {row.model} | {row.features} | {100 * t:.1f} | {100 * d:.1f} | {100 * (t - d):+.1f} | "
            f"{100 * row.noise:.1f} | {'yes' if row.ok else 'NO'} | {row.tuned_s:.0f} / {row.default_s:.0f} |")


HEADER = ("| model | features | tuned UA | default UA | Δ (pts) | noise of one fold | tuned ≥ default − noise "
          "| fit s tuned / default |\n|---|---|--:|--:|--:|--:|:-:|--:|")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="synthetic")
    p.add_argument("--data-root")
    p.add_argument("--features", default="egemaps_v02")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--protocol")
    p.add_argument("--max-folds", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tuned-from", type=Path, metavar="RUN_DIR",
                   help="read the tuned side from this run's records instead of fitting it")
    a = p.parse_args(argv)
    print(HEADER)
    rows = compare(a.corpus, a.features.split(","), a.models.split(","), data_root=a.data_root,
                   protocol=a.protocol, max_folds=a.max_folds, seed=a.seed,
                   tuned_from=a.tuned_from)
    weak = [f"{r.model}/{r.features}" for r in rows if not r.ok]
    print(f"\n{len(rows) - len(weak)} of {len(rows)} tuned models at least as strong as their default"
          + (f"; weaker: {', '.join(weak)}" if weak else ""))
    return 1 if weak else 0


if __name__ == "__main__":
    raise SystemExit(main())
