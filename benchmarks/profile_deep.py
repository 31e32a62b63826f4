"""Where one CPU fit of each hybrid spends its time, and what that allows a speed-up to reach.

Each model is fitted once (``DeepClassifier.fit`` on bench_deep.py's random utterances of its
default shape, one thread, after an untimed warm-up fit) under ``torch.profiler``. Operators are
grouped by their self CPU time:

- kernels: the layers' arithmetic, forward and backward (convolution, recurrent cells, matrix
  products, normalisation, pooling, activations, attention's softmax), i.e. oneDNN / MKL work;
- optimiser: everything under ``Optimizer.step``, ``_foreach_*`` and the gradient norm of
  clipping (``linalg_vector_norm``);
- other operators: copies, indexing, padding, reductions of the loss and bookkeeping;
- outside operators: wall time of the fit not covered by any operator (Python, autograd's
  engine, the loop itself).

The kernels cannot become faster without changing the arithmetic (another algorithm or a
lower precision changes the numbers, and the speed-up must keep predictions identical), so
``1 / kernel share`` bounds the speed-up any overhead removal can give (Amdahl).

    python benchmarks/profile_deep.py [--models a,b] [--epochs 2] [--items 320] [--top 4]
"""

from __future__ import annotations

import argparse
import re
import time

from bench_deep import HERE, _import_from, random_utterances

KERNEL = re.compile(r"conv|lstm|rnn|gru|addmm|\bmm\b|bmm|matmul|linear|batch_norm|layer_norm|pool|"
                    r"relu|elu|gelu|tanh|sigmoid|softmax|dropout|mkldnn|threshold", re.I)
OPTIMISER = re.compile(r"^Optimizer\.|_foreach|linalg_vector_norm", re.I)


def _category(event) -> str:
    """An operator's group, from its own name and its callers' (an ``aten::sqrt`` inside
    ``Optimizer.step`` is the optimiser's; an ``aten::copy_`` inside a convolution is the
    kernel's own layout work)."""
    names = []
    while event is not None:
        names.append(event.name)
        event = event.cpu_parent
    if any(OPTIMISER.search(n) for n in names):
        return "optimiser"
    if any(KERNEL.search(n) for n in names):
        return "kernels"
    return "other operators"


def profile_one(name: str, *, items: int, epochs: int, seconds: float, seed: int) -> dict:
    torch, _, DeepClassifier = _import_from(HERE)
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(1)
    X, y = random_utterances(name, items, seconds, seed)
    DeepClassifier(model=name, seed=seed, max_epochs=1, threads=1).fit(X, y)  # warm-up
    est = DeepClassifier(model=name, seed=seed, max_epochs=epochs, patience=10 ** 6, threads=1)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        tick = time.perf_counter()
        est.fit(X, y)
        wall = time.perf_counter() - tick
    shares: dict[str, float] = {"kernels": 0.0, "optimiser": 0.0, "other operators": 0.0}
    by_name: dict[str, float] = {}
    for event in prof.events():
        seconds_self = event.self_cpu_time_total / 1e6
        shares[_category(event)] += seconds_self
        by_name[event.name] = by_name.get(event.name, 0.0) + seconds_self
    # the profiler's own cost inflates the wall time a little; the outside share is an upper bound
    shares["outside operators"] = max(0.0, wall - sum(shares.values()))
    return {"model": name, "wall": wall, "shares": {k: v / wall for k, v in shares.items()},
            "top": sorted(((v, k) for k, v in by_name.items()), reverse=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=None, help="comma-separated (default: all)")
    parser.add_argument("--items", type=int, default=320)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=2.0, help="mean utterance duration")
    parser.add_argument("--top", type=int, default=4, help="operators listed per model")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch, models, _ = _import_from(HERE)
    names = args.models.split(",") if args.models else list(models)
    print(f"torch={torch.__version__} threads=1 items={args.items} epochs={args.epochs} "
          "(self CPU time by group, % of the fit's wall time)")
    header = (f"{'model':20s} {'fit s':>7s} {'kernels':>8s} {'optim.':>7s} {'other ops':>10s} "
              f"{'outside':>8s} {'max speed-up':>13s}  top operators (self s)")
    print(header)
    print("-" * len(header))
    for name in names:
        r = profile_one(name, items=args.items, epochs=args.epochs, seconds=args.seconds,
                        seed=args.seed)
        s = r["shares"]
        top = ", ".join(f"{key} {sec:.2f}" for sec, key in r["top"][:args.top])
        print(f"{name:20s} {r['wall']:7.2f} {100 * s['kernels']:7.1f}% {100 * s['optimiser']:6.1f}% "
              f"{100 * s['other operators']:9.1f}% {100 * s['outside operators']:7.1f}% "
              f"{1 / max(s['kernels'], 1e-9):12.2f}x  {top}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
