"""Throughput and memory of the ``ssl`` feature family on a base-sized encoder (not a test).

    python benchmarks/bench_ssl.py                       # wav2vec 2.0 Base, 24 utterances
    python benchmarks/bench_ssl.py --arch wavlm --n-utts 12 --long-min 10

The encoder is built from its ``transformers`` config class with the library's defaults (for
``Wav2Vec2Config``, ``HubertConfig`` and ``WavLMConfig`` those are the Base sizes: 12 layers,
hidden size 768, ~95M parameters) and random weights, saved with ``save_pretrained`` into a
temporary folder and read back through :func:`benchmark.features.ssl.make_ssl_extractor`, the
path a run takes. Random weights cost the same arithmetic as trained ones.

1. Throughput: utterances per second on one core (torch limited to one thread), over the
   first ``--n-utts`` EmoDB files when ``../shared/data/emodb`` is present (mean 2.8 s), else
   generated 3 s signals; CPU seconds and wall seconds are both printed (on a shared machine
   the wall clock measures the neighbours too).
2. Memory: a fresh process extracts one ``--long-min``-minute signal (pooled, 20 s windows)
   and reports its peak RSS, its RSS after loading the model, and the difference.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ARCHS = {"wav2vec2": ("Wav2Vec2Config", "Wav2Vec2Model"), "hubert": ("HubertConfig", "HubertModel"),
         "wavlm": ("WavLMConfig", "WavLMModel")}


def save_base(arch: str, folder: Path) -> Path:
    """A Base-sized ``arch`` encoder with random weights, saved as save_pretrained leaves it."""
    import torch
    import transformers

    config_cls, model_cls = (getattr(transformers, n) for n in ARCHS[arch])
    torch.manual_seed(0)
    model_cls(config_cls()).save_pretrained(folder)
    return folder


def utterances(n: int) -> tuple[list[np.ndarray], str]:
    from benchmark.audio import load_audio

    files = sorted((REPO.parent / "shared" / "data" / "emodb" / "wav").glob("*.wav"))[:n]
    if files:
        return [load_audio(f).y for f in files], f"first {len(files)} EmoDB files"
    rng = np.random.default_rng(0)
    t = np.arange(3 * 16_000) / 16_000
    ys = [(0.3 * np.sin(2 * np.pi * (120 + 10 * i) * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
          for i in range(n)]
    return ys, f"{n} generated 3 s signals"


def throughput(folder: Path, n: int, layer: int | str) -> dict[str, float | str]:
    import torch

    from benchmark.features.ssl import make_ssl_extractor

    torch.set_num_threads(1)
    ex = make_ssl_extractor(str(folder), layer=layer)
    ys, what = utterances(n)
    ex(ys[0], 16_000)  # loads the model: not part of the rate
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for y in ys:
        ex(y, 16_000)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    audio_s = sum(y.size for y in ys) / 16_000
    return {"sample": what, "audio_s": round(audio_s, 1), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "utt_per_s_per_core_cpu": round(len(ys) / cpu, 2),
            "utt_per_s_per_core_wall": round(len(ys) / wall, 2),
            "real_time_factor_cpu": round(cpu / audio_s, 3)}


def _long_child(folder: str, minutes: float, threads: int, layer: int | str) -> None:
    """Run in a fresh process: peak RSS of one long extraction (printed as JSON)."""
    import torch

    from benchmark.features.ssl import _load, make_ssl_extractor

    torch.set_num_threads(threads)
    ex = make_ssl_extractor(folder, layer=layer)
    _load(Path(folder).resolve(), "auto")
    loaded_mb = _rss_mb()
    rng = np.random.default_rng(1)
    y = (0.1 * rng.standard_normal(int(minutes * 60 * 16_000))).astype(np.float32)
    t0 = time.perf_counter()
    out = ex(y, 16_000)
    print(json.dumps({"minutes": minutes, "threads": threads, "layer": layer, "dim": int(out.shape[0]),
                      "seconds": round(time.perf_counter() - t0, 1), "rss_after_load_mb": round(loaded_mb),
                      "peak_rss_mb": round(_peak_mb()), "extraction_peak_over_load_mb": round(_peak_mb() - loaded_mb)}))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", choices=sorted(ARCHS), default="wav2vec2")
    ap.add_argument("--n-utts", type=int, default=24)
    ap.add_argument("--layer", default="6", help='hidden state to pool (int or "mean")')
    ap.add_argument("--long-min", type=float, default=10.0, help="minutes of the long file (0: skip)")
    ap.add_argument("--long-threads", type=int, default=1)
    ap.add_argument("--_child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    layer = args.layer if args.layer == "mean" else int(args.layer)
    if args._child:
        folder, minutes, threads, layer_text = args._child
        _long_child(folder, float(minutes), int(threads), layer_text if layer_text == "mean" else int(layer_text))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_base(args.arch, Path(tmp) / args.arch)
        print(json.dumps({"arch": args.arch, "layer": layer, **throughput(folder, args.n_utts, layer)}))
        if args.long_min > 0:
            out = subprocess.run([sys.executable, __file__, "--_child", str(folder), str(args.long_min),
                                  str(args.long_threads), str(layer)], capture_output=True, text=True, check=True)
            print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
