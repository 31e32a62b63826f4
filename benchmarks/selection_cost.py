"""What the classical SVM's nested selection costs: the ``svm`` job's model work (inner-CV
selection, grouped calibration, final fit, predict) beside one plain untuned ``SVC()`` per fold,
on the same cached features and folds.

    python benchmarks/selection_cost.py [--corpus synthetic|emodb] [--data-root DIR]
        [--features egemaps_v02] [--max-folds N] [--size small] [--modes fast,exhaustive]
        [--repeats 1]

Per fold and mode it times ``SVMModel(seed).fit(train, val, groups)`` + ``predict`` +
``predict_proba`` (exactly what the worker calls; features are read from the cache, so this is
the classical phase of a warm run) and a standardised ``SVC()`` fitted on the same whole
training side; it splits the tuned fit into selection and final fit (calibration included) by
timing the model's own methods. Modes: ``fast`` is the shipped selection; ``exhaustive`` turns
off its shortcuts (``SVMModel.HALVING = False``: every candidate on every inner fold), i.e. the
selection as it was before. Each row reports the seconds, the ratio to the plain SVC measured in
the same pass (the machine is shared: compare ratios, not seconds), the configuration chosen per
fold and the fold-mean UA, and finally how often the modes chose the same configuration.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

MODES = ("fast", "exhaustive")


@dataclass
class Pass:
    mode: str
    tuned_s: float = 0.0
    select_s: float = 0.0
    final_s: float = 0.0
    plain_s: float = 0.0
    chosen: list[dict[str, Any]] = field(default_factory=list)
    ua: list[float] = field(default_factory=list)
    plain_ua: list[float] = field(default_factory=list)
    scores: list[dict[str, float | None]] = field(default_factory=list)  # params -> inner UA


def fold_arrays(corpus: str, data_root: str | None, feature: str, max_folds: int | None,
                seed: int = 0, size: str | None = None,
                ) -> list[tuple[list[np.ndarray | None], list[np.ndarray], list[np.ndarray]]]:
    """(X, y, groups) for train, val, test of each fold, from the feature cache (``size``: the
    synthetic corpus's size, e.g. ``small``, the main job's)."""
    from benchmark.cache import FeatureCache
    from benchmark.datasets import load_corpus
    from benchmark.features import compute_features
    from benchmark.splits import make_folds

    options = {"progress": False, **({"size": size} if size else {})} if corpus == "synthetic" else {}
    c = load_corpus(corpus, data_root, **options)
    m = c.manifest
    protocol = "speaker_loso" if m["speaker"].nunique() <= 12 else "speaker_kfold5"
    folds = make_folds(protocol, m, seed)[:max_folds]
    label = dict(zip(m["utt_id"].astype(str), m["label"].astype(str), strict=True))
    speaker = dict(zip(m["utt_id"].astype(str), m["speaker"].astype(str), strict=True))
    table = compute_features(m, feature, cache=FeatureCache(), jobs=2, progress=False)
    out = []
    for fold in folds:
        sides = [[i for i in ids if i in table.values] for ids in (fold.train, fold.val, fold.test)]
        X = [np.stack([table.values[i] for i in ids]).astype(np.float64) if ids else None for ids in sides]
        out.append((X, [np.array([label[i] for i in ids]) for ids in sides],
                    [np.array([speaker[i] for i in ids]) for ids in sides]))
    return out


def run_pass(mode: str, folds: Sequence[Any], seed: int = 0) -> Pass:
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from threadpoolctl import threadpool_limits

    from baselines.svm import SVMModel

    result = Pass(mode)
    timers = {"select": 0.0, "final": 0.0}
    real_fit_one, real_select = SVMModel._fit_one, SVMModel._select_by_cv

    def timed_fit_one(self, params, X, yi, stage, groups=None):
        t0 = time.perf_counter()
        try:
            return real_fit_one(self, params, X, yi, stage, groups)
        finally:
            if stage == "final":
                timers["final"] += time.perf_counter() - t0

    def timed_select(self, *args, **kwargs):
        t0, before = time.perf_counter(), timers["final"]
        try:
            return real_select(self, *args, **kwargs)
        finally:
            timers["select"] += time.perf_counter() - t0 - (timers["final"] - before)

    SVMModel._fit_one, SVMModel._select_by_cv = timed_fit_one, timed_select
    halving = SVMModel.__dict__.get("HALVING")  # absent in code before the option existed
    SVMModel.HALVING = mode == "fast"
    try:
        for X, y, g in folds:
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")
                has_val = X[1] is not None
                t0 = time.perf_counter()
                model = SVMModel(seed=seed).fit(
                    X[0], y[0], groups=g[0], X_val=X[1] if has_val else None,
                    y_val=y[1] if has_val else None, groups_val=g[1] if has_val else None)
                pred = model.predict(X[2])
                model.predict_proba(X[2])
                result.tuned_s += time.perf_counter() - t0
                whole_X = np.vstack([x for x in X[:2] if x is not None])
                whole_y = np.concatenate(y[:2]) if has_val else y[0]
                t0 = time.perf_counter()
                plain = make_pipeline(StandardScaler(), SVC()).fit(whole_X, whole_y)
                plain_pred = plain.predict(X[2])
                result.plain_s += time.perf_counter() - t0
                result.ua.append(float(balanced_accuracy_score(y[2], pred)))
                result.plain_ua.append(float(balanced_accuracy_score(y[2], plain_pred)))
            result.chosen.append(model.fit_info_["selection"]["chosen"])
            result.scores.append({str(c["params"]): c["score"]
                                  for c in model.fit_info_["selection"]["candidates"]})
    finally:
        SVMModel._fit_one, SVMModel._select_by_cv = real_fit_one, real_select
        if halving is None:
            del SVMModel.HALVING
        else:
            SVMModel.HALVING = halving
    result.select_s, result.final_s = timers["select"], timers["final"]
    return result


def report(passes: Sequence[Pass]) -> str:
    lines = ["| mode | tuned s (select / final) | plain SVC s | ratio tuned / plain | UA tuned | UA plain |",
             "|---|--:|--:|--:|--:|--:|"]
    for p in passes:
        lines.append(f"| {p.mode} | {p.tuned_s:.2f} ({p.select_s:.2f} / {p.final_s:.2f}) | {p.plain_s:.2f} | "
                     f"{p.tuned_s / max(p.plain_s, 1e-9):.1f} | {100 * np.mean(p.ua):.1f} | "
                     f"{100 * np.mean(p.plain_ua):.1f} |")
    by_mode = {p.mode: p for p in passes}
    if {"fast", "exhaustive"} <= set(by_mode):
        fast, full = by_mode["fast"], by_mode["exhaustive"]
        same = sum(a == b for a, b in zip(fast.chosen, full.chosen, strict=True))
        lines.append(f"\nsame configuration chosen in {same} of {len(fast.chosen)} folds; selection "
                     f"time fast / exhaustive = {fast.select_s / max(full.select_s, 1e-9):.2f}, "
                     f"whole model work {fast.tuned_s / max(full.tuned_s, 1e-9):.2f}")
        for k, (a, b) in enumerate(zip(fast.chosen, full.chosen, strict=True)):
            if a != b:  # how far apart the two choices were on the exhaustive inner folds
                sa, sb = full.scores[k].get(str(a)), full.scores[k].get(str(b))
                inner = ("" if sa is None or sb is None else
                         f"; exhaustive inner UA {100 * sa:.1f} vs {100 * sb:.1f}")
                lines.append(f"- fold {k}: fast {a} (test UA {100 * fast.ua[k]:.1f}), exhaustive {b} "
                             f"(test UA {100 * full.ua[k]:.1f}){inner}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="synthetic")
    p.add_argument("--data-root")
    p.add_argument("--features", default="egemaps_v02")
    p.add_argument("--max-folds", type=int)
    p.add_argument("--size", help="synthetic corpus size (e.g. small, the main job's)")
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--repeats", type=int, default=1, help="passes per mode, interleaved")
    a = p.parse_args(argv)
    modes = a.modes.split(",")
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        p.error(f"unknown mode(s) {unknown}; choose from {MODES}")
    folds = fold_arrays(a.corpus, a.data_root, a.features, a.max_folds, size=a.size)
    passes: dict[str, Pass] = {}
    for _ in range(a.repeats):  # interleaved, so load drifts hit every mode alike
        for mode in modes:
            one = run_pass(mode, folds)
            kept = passes.setdefault(mode, one)
            if kept is not one:
                for name in ("tuned_s", "select_s", "final_s", "plain_s"):
                    setattr(kept, name, min(getattr(kept, name), getattr(one, name)))
    print(f"{a.corpus} / {a.features}, {len(folds)} folds (best of {a.repeats} pass(es) per mode)")
    print(report(list(passes.values())))
    for mode, one in passes.items():  # per fold, to set beside a run of other code
        print(f"chosen ({mode}): " + "; ".join(
            f"{c.get('kernel', '')} C={c.get('C')}" + (f" g={c['gamma_scale']}" if "gamma_scale" in c else "")
            for c in one.chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
