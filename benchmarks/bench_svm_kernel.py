"""Times libsvm's own RBF kernel against the BLAS-precomputed kernel of ``baselines.svm``.

    python benchmarks/bench_svm_kernel.py                 # ComParE-sized: 1344 x 6373
    python benchmarks/bench_svm_kernel.py --n 800 --dim 88 # eGeMAPS-sized

Both classifiers are fitted on the same standardised Gaussian-mixture data (one thread, as the
runner uses them) and must agree on every test prediction; the script prints the fit+predict
seconds of each and the ratio native / precomputed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from baselines.svm import KernelSVC


def make_data(n: int, dim: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 0.15, size=(classes, dim))
    y = rng.integers(0, classes, size=n)
    return centres[y] + rng.normal(size=(n, dim)), y


def timed(clf, X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    clf.fit(X, y)
    pred = clf.predict(X_test)
    return time.perf_counter() - start, pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1344, help="training items")
    ap.add_argument("--dim", type=int, default=6373, help="features per item")
    ap.add_argument("--classes", type=int, default=7)
    ap.add_argument("--C", type=float, nargs="+", default=[1.0, 0.1, 10.0])
    args = ap.parse_args()
    X, y = make_data(args.n, args.dim, args.classes, 0)
    X_test, _ = make_data(max(args.n // 4, 10), args.dim, args.classes, 1)
    gamma = 1.0 / args.dim
    print(f"n_train={args.n} dim={args.dim} classes={args.classes} gamma=1/dim, one thread")
    print(f"{'C':>6} {'native s':>9} {'precomp s':>10} {'ratio':>6} same_pred")
    total_native = total_pre = 0.0
    with threadpool_limits(1):
        for C in args.C:
            t_native, p_native = timed(SVC(C=C, kernel="rbf", gamma=gamma), X, y, X_test)
            t_pre, p_pre = timed(KernelSVC(C=C, kernel="rbf", gamma=gamma), X, y, X_test)
            total_native += t_native
            total_pre += t_pre
            print(f"{C:>6g} {t_native:>9.2f} {t_pre:>10.2f} {t_native / t_pre:>6.1f} "
                  f"{bool(np.array_equal(p_native, p_pre))}")
    print(f"{'all':>6} {total_native:>9.2f} {total_pre:>10.2f} {total_native / total_pre:>6.1f}")


if __name__ == "__main__":
    main()
