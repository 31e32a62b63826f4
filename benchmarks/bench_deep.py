"""CPU throughput of the deep models through the real fit: training items per second per core,
inference ms per utterance, and what one fit of a profile costs on a corpus.

Each model is fitted (``DeepClassifier.fit``, so everything a fit does counts: batching, the
per-epoch validation, best-weight bookkeeping) for ``--epochs`` epochs on random utterances of
realistic shapes (each model's default feature dimension and hop, about ``--seconds`` long),
10% carved for validation, early stopping off. Train items/s per core = training items x epochs
/ training seconds / threads, after one untimed warm-up fit; the best of ``--repeats`` fits is
shown (the machine is shared).
The fit estimate is for ``--corpus`` utterances (5-fold: 80% train, 10% of it validation), at the
profile's epoch (or step) cap.

``--against OTHER_CHECKOUT`` measures that checkout too, alternating model by model in fresh
processes, and prints the ratio (this checkout / other), so a speed change is quoted from one
run under the same load. ``--check FILE`` is the same-predictions check instead: it trains every
model for 2 epochs on a small seeded input and saves the probabilities to FILE, or, when FILE
exists, compares with it and prints the largest difference per model.

    python benchmarks/bench_deep.py [--profile default] [--threads 1] [--models a,b]
    python benchmarks/bench_deep.py --against /tmp/serbench-before
    python benchmarks/bench_deep.py --check /tmp/deep_predictions.npz --repo /tmp/before
    python benchmarks/bench_deep.py --check /tmp/deep_predictions.npz   # compare
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]

# Feature dimension of each model's default feature set (13 MFCC; ZCR+RMS+20 MFCC; 64 log-mel;
# 13 MFCC + 128 mel + ZCR + RMS; 64 mel + 13 MFCC + pitch + intensity).
FEATURE_DIMS = {"emoaugnet": 22, "dycnn_bilstm_attn": 64, "cnn_bilstm": 143,
                "cnn_lstm_attn": 80}
DEFAULT_DIM = 13
HOP_MS = {"emoaugnet": 32.0}  # zcr_rms_mfcc_frames: 2048/512 frames at 16 kHz
DEFAULT_HOP_MS = 10.0
N_CLASSES = 7


def _import_from(repo: Path):
    """DeepClassifier and the model names of the checkout at ``repo`` (imported first, so a
    sibling ``deep`` package resolves there)."""
    sys.path.insert(0, str(repo))
    import torch

    from deep import MODELS
    from deep.estimator import DeepClassifier

    return torch, MODELS, DeepClassifier


def random_utterances(name: str, n_items: int, seconds: float,
                      seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Seeded random (frames, labels) of ``name``'s default feature dimension and hop, lengths
    within 30 % of ``seconds``."""
    dim = FEATURE_DIMS.get(name, DEFAULT_DIM)
    rng = np.random.default_rng(seed)
    frames_per_utt = seconds * 1000 / HOP_MS.get(name, DEFAULT_HOP_MS)
    lengths = rng.integers(int(frames_per_utt * 0.7), int(frames_per_utt * 1.3), n_items)
    X = [rng.standard_normal((t, dim)).astype(np.float32) for t in lengths]
    return X, rng.integers(0, N_CLASSES, n_items).astype(str)


def measure(repo: Path, name: str, profile: str, threads: int, seconds: float, n_items: int,
            epochs: int, repeats: int, seed: int) -> dict:
    torch, _, DeepClassifier = _import_from(repo)
    torch.set_num_threads(threads)
    X, y = random_utterances(name, n_items, seconds, seed)
    dim = X[0].shape[1]
    # warm-up fit (untimed): oneDNN builds its kernels for each new shape on first use
    DeepClassifier(model=name, profile=profile, seed=seed, max_epochs=1,
                   threads=threads).fit(X, y).predict_proba(X[:8])
    rates, infer = [], []
    for _ in range(repeats):
        # patience far above the epochs (not None, which older checkouts do not take)
        est = DeepClassifier(model=name, profile=profile, seed=seed, max_epochs=epochs,
                             patience=10 ** 6, threads=threads)
        est.fit(X, y)
        info = est.fit_info_
        rates.append(info["n_train"] * info["epochs"] / info["train_s"] / threads)
        tick = time.perf_counter()
        est.predict_proba(X)
        infer.append(1000 * (time.perf_counter() - tick) / n_items)
    params = info["params"]
    shown = params.get("n_frames") or params.get("max_frames")
    return {"model": name, "dim": dim, "n_frames": str(shown) if shown else "var",
            "n_params": info["n_params"], "train_items_s_core": max(rates),
            "infer_ms_utt": min(infer), "batch_size": params["batch_size"],
            "threads": threads}


def _profile_caps(name: str, profile: str) -> tuple[int, int | None, int]:
    """(epoch cap, step cap, batch size) of ``profile`` for ``name`` in this checkout."""
    _, _, DeepClassifier = _import_from(HERE)
    s = DeepClassifier(model=name, profile=profile)._resolve().settings
    return s.max_epochs, s.max_steps, s.batch_size


def _measure_in(repo: Path, name: str, args: argparse.Namespace) -> dict:
    """One measurement in a fresh process (so two checkouts never share an interpreter)."""
    cmd = [sys.executable, __file__, "--one", name, "--repo", str(repo), "--profile",
           args.profile, "--threads", str(args.threads), "--seconds", str(args.seconds),
           "--items", str(args.items), "--epochs", str(args.epochs), "--repeats", "1",
           "--seed", str(args.seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _check(path: Path, names: list[str], seed: int, repo: Path = HERE) -> int:
    """Train each model 2 epochs on a seeded input; save or compare probabilities."""
    torch, _, DeepClassifier = _import_from(repo)
    torch.set_num_threads(1)
    got = {}
    for name in names:
        dim = FEATURE_DIMS.get(name, DEFAULT_DIM)
        rng = np.random.default_rng(seed)
        X = [rng.standard_normal((int(t), dim)).astype(np.float32) + (i % 3)
             for i, t in enumerate(rng.integers(60, 300, 120))]
        y = np.array(["ang", "neu", "sad"])[np.arange(120) % 3]
        X_test = [rng.standard_normal((int(t), dim)).astype(np.float32)
                  for t in rng.integers(40, 300, 16)]
        for profile in ("ci", "default"):
            est = DeepClassifier(model=name, profile=profile, seed=seed, max_epochs=2)
            got[f"{profile}/{name}"] = est.fit(X, y).predict_proba(X_test)
    if not path.exists():
        np.savez(path, **got)
        print(f"saved {len(got)} probability arrays to {path}")
        return 0
    ref = np.load(path)
    worst = 0.0
    for key, value in got.items():
        diff = float(np.max(np.abs(ref[key] - value)))
        worst = max(worst, diff)
        print(f"{key:32s} {'identical' if np.array_equal(ref[key], value) else 'DIFFERENT'}"
              f"  max |diff| {diff:.3g}")
    print(f"largest difference: {worst:.3g}")
    return 0 if worst == 0.0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0, help="mean utterance duration")
    parser.add_argument("--items", type=int, default=320, help="utterances per timed fit")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed fit")
    parser.add_argument("--repeats", type=int, default=2, help="timed fits per model (best)")
    parser.add_argument("--corpus", type=int, default=2000, help="corpus size for the estimate")
    parser.add_argument("--models", default=None, help="comma-separated (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout to measure alternately (prints the ratio)")
    parser.add_argument("--json", type=Path, default=None, help="write the rows here")
    parser.add_argument("--check", type=Path, default=None,
                        help="same-predictions check: save to / compare with this .npz")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--repo", type=Path, default=HERE,
                        help="checkout to run --check in (default: this one), e.g. the one "
                             "before a change, to save the reference")
    args = parser.parse_args()
    if args.one:  # worker of --against: one measurement, one JSON line
        print(json.dumps(measure(args.repo, args.one, args.profile, args.threads, args.seconds,
                                 args.items, args.epochs, args.repeats, args.seed)))
        return 0
    torch, models, _ = _import_from(args.repo if args.check else HERE)
    names = args.models.split(",") if args.models else list(models)
    if args.check:
        return _check(args.check, names, args.seed, args.repo)
    n_train = int(args.corpus * 0.8 * 0.9)
    n_val = int(args.corpus * 0.8) - n_train
    print(f"profile={args.profile} threads={args.threads} torch={torch.__version__} "
          f"items={args.items} epochs={args.epochs} best of {args.repeats}; fit estimate: "
          f"{n_train} train + {n_val} val utterances at the profile's cap"
          + (f"; ratio = this checkout / {args.against}" if args.against else ""))
    header = (f"{'model':20s} {'D':>4s} {'T':>5s} {'params':>10s} {'train it/s/core':>16s} "
              + (f"{'before':>8s} {'ratio':>6s} " if args.against else "")
              + f"{'infer ms/utt':>13s} {'s/epoch':>8s} {'fit s (cap)':>12s}")
    print(header)
    print("-" * len(header))
    rows = []
    for name in names:
        if args.against:
            here, other = [], []
            for _ in range(args.repeats):  # alternate, so both see the same load
                here.append(_measure_in(HERE, name, args))
                other.append(_measure_in(args.against, name, args))
            r = max(here, key=lambda row: row["train_items_s_core"])
            r["infer_ms_utt"] = min(row["infer_ms_utt"] for row in here)
            r["before_items_s_core"] = max(row["train_items_s_core"] for row in other)
        else:
            r = measure(HERE, name, args.profile, args.threads, args.seconds, args.items,
                        args.epochs, args.repeats, args.seed)
        epochs, steps, batch = _profile_caps(name, args.profile)
        rate = r["train_items_s_core"] * args.threads
        epoch_s = n_train / rate  # the rate includes the per-epoch validation
        if steps is not None:  # a step cap (paper 002) ends training earlier
            epochs = min(epochs, math.ceil(steps / math.ceil(n_train / batch)))
        ratio = ""
        if args.against:
            r["ratio"] = r["train_items_s_core"] / r["before_items_s_core"]
            ratio = f"{r['before_items_s_core']:8.1f} {r['ratio']:6.2f} "
        print(f"{name:20s} {r['dim']:4d} {r['n_frames']:>5s} {r['n_params']:10,d} "
              f"{r['train_items_s_core']:16.1f} {ratio}{r['infer_ms_utt']:13.2f} "
              f"{epoch_s:8.2f} {epoch_s * epochs:12.1f}", flush=True)
        rows.append(r)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
