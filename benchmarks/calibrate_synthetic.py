"""Calibrate the synthetic corpus: eGeMAPSv02 functionals + RBF SVM, two protocols.

Target (checked and printed): speaker-independent unweighted accuracy (balanced accuracy,
GroupKFold over 5 speaker groups) between 0.55 and 0.85, and a random stratified 5-fold split
at least 3 points higher (the random split can exploit speaker identity).

    python benchmarks/calibrate_synthetic.py [--size default] [--seed 0] [--jobs 2]
        [--strength emotion=1.0,jitter=1.0,speaker=1.0,channel=1.0] [--cache-dir DIR]

openSMILE is called directly here (not through benchmark.features) so the calibration does
not depend on the feature area. Hyper-parameter C is chosen by inner CV on the training part.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.datasets import synthetic  # noqa: E402
from benchmark.datasets.synth.prosody import Strength  # noqa: E402

TARGET_SI = (0.55, 0.85)
MIN_GAP = 0.03
C_GRID = (0.3, 1.0, 3.0, 10.0)


def _egemaps(paths: list[str]) -> np.ndarray:
    import opensmile

    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                            feature_level=opensmile.FeatureLevel.Functionals)
    return np.vstack([smile.process_file(p).to_numpy(dtype=np.float64)[0] for p in paths])


def extract(paths: list[str], jobs: int) -> np.ndarray:
    chunks = [paths[i::jobs] for i in range(jobs)]
    with mp.get_context("fork").Pool(jobs) as pool:
        parts = pool.map(_egemaps, chunks)
    X = np.empty((len(paths), parts[0].shape[1]))
    for i, part in enumerate(parts):
        X[i::jobs] = part
    return X


def evaluate(X: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int) -> dict[str, list[float]]:
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    def model(inner_cv):
        pipe = make_pipeline(StandardScaler(), SVC(kernel="rbf", gamma="scale"))
        return GridSearchCV(pipe, {"svc__C": list(C_GRID)}, cv=inner_cv,
                            scoring="balanced_accuracy")

    out: dict[str, list[float]] = {"speaker_kfold5": [], "random_kfold5": []}
    for tr, te in GroupKFold(n_splits=5).split(X, y, groups):
        m = model(GroupKFold(n_splits=3)).fit(X[tr], y[tr], groups=groups[tr])
        out["speaker_kfold5"].append(balanced_accuracy_score(y[te], m.predict(X[te])))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y):
        m = model(StratifiedKFold(3, shuffle=True, random_state=seed)).fit(X[tr], y[tr])
        out["random_kfold5"].append(balanced_accuracy_score(y[te], m.predict(X[te])))
    return out


def parse_strength(text: str) -> Strength:
    kw = {}
    for part in filter(None, text.split(",")):
        k, v = part.split("=")
        kw[k.strip()] = float(v)
    return Strength(**kw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--strength", default="")
    ap.add_argument("--cache-dir", default=None)
    args = ap.parse_args()
    strength = parse_strength(args.strength)

    t0 = time.perf_counter()
    folder = synthetic.build(args.size, args.seed, args.cache_dir, args.jobs, True,
                             strength=strength)
    corpus = synthetic.read_folder(folder)
    t1 = time.perf_counter()
    m = corpus.manifest
    X = extract(m["path"].tolist(), args.jobs)
    t2 = time.perf_counter()
    y = m["label"].to_numpy(dtype=str)
    groups = m["speaker"].to_numpy(dtype=str)
    res = evaluate(X, y, groups, args.seed)
    t3 = time.perf_counter()

    si = float(np.mean(res["speaker_kfold5"]))
    rnd = float(np.mean(res["random_kfold5"]))
    print(f"\nsynthetic {synthetic.VERSION} size={args.size} seed={args.seed} {strength}")
    print(f"{len(m)} utterances, {m['speaker'].nunique()} speakers, {m['label'].nunique()} classes;"
          f" build/load {t1 - t0:.1f}s, eGeMAPSv02 {t2 - t1:.1f}s, SVM {t3 - t2:.1f}s")
    print("| protocol (eGeMAPSv02 + RBF SVM) | UA mean | UA std | folds |")
    print("|---|---|---|---|")
    for name, vals in res.items():
        print(f"| {name} | {np.mean(vals):.3f} | {np.std(vals):.3f} | "
              + " ".join(f"{v:.3f}" for v in vals) + " |")
    ok_si = TARGET_SI[0] <= si <= TARGET_SI[1]
    ok_gap = rnd - si >= MIN_GAP
    print(f"speaker-independent UA in [{TARGET_SI[0]}, {TARGET_SI[1]}]: {'yes' if ok_si else 'NO'}"
          f" ({si:.3f}); random - speaker-independent = {rnd - si:+.3f}"
          f" (>= {MIN_GAP}: {'yes' if ok_gap else 'NO'})")
    return 0 if ok_si and ok_gap else 1


if __name__ == "__main__":
    raise SystemExit(main())
