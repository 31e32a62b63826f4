"""Throughput of the deep models on CPU: training utterances/s and inference ms/utterance.

Random inputs of realistic shapes (feature dimension and hop of each model's default feature
set, utterances of about ``--seconds``), the network and input length a training profile would use, one
optimiser step per batch. Also prints an estimate of one fit of that profile on a corpus of
``--corpus`` utterances (5-fold: 80% train of which 10% validation), at the epoch cap.

    python benchmarks/bench_deep.py [--profile default] [--threads 2] [--models a,b]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from deep.architectures import ARCHITECTURES
from deep.data import pool_frames
from deep.estimator import DeepClassifier
from deep.training import PROFILES, make_optimiser, predict_logits, to_tensors

# Feature dimension of each model's default feature set (13 MFCC; ZCR+RMS+20 MFCC; 64 log-mel;
# 13 MFCC + 128 mel + ZCR + RMS; 64 mel + 13 MFCC + pitch + intensity).
FEATURE_DIMS = {"emoaugnet": 22, "dycnn_bilstm_attn": 64, "cnn_bilstm": 143,
                "cnn_lstm_attn": 80}
DEFAULT_DIM = 13
HOP_MS = {"emoaugnet": 32.0}  # zcr_rms_mfcc_frames: 2048/512 frames at 16 kHz
DEFAULT_HOP_MS = 10.0


def bench(name: str, profile: str, seconds: float, n_items: int, seed: int) -> dict:
    est = DeepClassifier(model=name, profile=profile, seed=seed)
    _, arch, config, settings, _ = est._resolve()
    dim = FEATURE_DIMS.get(name, DEFAULT_DIM)
    rng = np.random.default_rng(seed)
    n_items = max(n_items, 2 * settings.batch_size)  # at least one timed batch after warm-up
    frames_per_utt = seconds * 1000 / HOP_MS.get(name, DEFAULT_HOP_MS)
    lengths = rng.integers(int(frames_per_utt * 0.7), int(frames_per_utt * 1.3), n_items)
    items = pool_frames([rng.standard_normal((t, dim)).astype(np.float32) for t in lengths],
                        settings.frame_pool)
    y = torch.as_tensor(rng.integers(0, 7, n_items))
    torch.manual_seed(seed)
    net = arch.network(config, dim, 7)
    device = torch.device("cpu")
    opt = make_optimiser(settings.optimiser, [p for p in net.parameters() if p.requires_grad],
                         settings.lr, 0.0)
    loss_fn = torch.nn.CrossEntropyLoss()
    bs = settings.batch_size
    net.train()
    x, lens = to_tensors(items[:bs], config.n_frames, settings.max_frames, device)
    loss_fn(net(x, lens), y[:bs]).backward()  # warm-up
    tick = time.perf_counter()
    for start in range(0, n_items - bs + 1, bs):
        x, lens = to_tensors(items[start:start + bs], config.n_frames, settings.max_frames,
                             device)
        opt.zero_grad()
        loss_fn(net(x, lens), y[start:start + bs]).backward()
        opt.step()
    train_rate = (n_items // bs * bs) / (time.perf_counter() - tick)
    tick = time.perf_counter()
    predict_logits(net, items, n_frames=config.n_frames, max_frames=settings.max_frames,
                   batch_size=64, device=device)
    infer_ms = 1000 * (time.perf_counter() - tick) / n_items
    shown = config.n_frames or settings.max_frames
    return {"model": name, "dim": dim, "n_frames": str(shown) if shown else "var",
            "n_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "train_utt_s": train_rate, "infer_ms_utt": infer_ms,
            "max_epochs": settings.max_epochs, "max_steps": settings.max_steps,
            "batch_size": settings.batch_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0, help="mean utterance duration")
    parser.add_argument("--items", type=int, default=128, help="utterances timed per model")
    parser.add_argument("--corpus", type=int, default=2000, help="corpus size for the estimate")
    parser.add_argument("--models", default=",".join(ARCHITECTURES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n_train = int(args.corpus * 0.8 * 0.9)
    n_val = int(args.corpus * 0.8) - n_train
    print(f"profile={args.profile} threads={args.threads} torch={torch.__version__}; "
          f"fit estimate: {n_train} train + {n_val} val utterances, all epochs")
    header = (f"{'model':20s} {'D':>4s} {'T':>5s} {'params':>10s} {'train utt/s':>12s} "
              f"{'infer ms/utt':>13s} {'s/epoch':>8s} {'fit s (cap)':>12s}")
    print(header)
    print("-" * len(header))
    for name in args.models.split(","):
        r = bench(name, args.profile, args.seconds, args.items, args.seed)
        epoch_s = n_train / r["train_utt_s"] + n_val * r["infer_ms_utt"] / 1000
        epochs = r["max_epochs"]
        if r["max_steps"] is not None:  # a step cap (paper 002) ends training earlier
            epochs = min(epochs, math.ceil(r["max_steps"] / math.ceil(n_train / r["batch_size"])))
        print(f"{name:20s} {r['dim']:4d} {r['n_frames']:>5s} {r['n_params']:10,d} "
              f"{r['train_utt_s']:12.1f} {r['infer_ms_utt']:13.2f} {epoch_s:8.2f} "
              f"{epoch_s * epochs:12.1f}")


if __name__ == "__main__":
    main()
