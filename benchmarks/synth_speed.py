"""Time the synthetic corpus build (target: ``default`` in under 2 minutes on 2 cores).

    python benchmarks/synth_speed.py [--size default] [--jobs 2] [--seed 0]

Builds into a fresh temporary folder (never the user cache) and prints wall time,
utterances per second, per-stage cost of one utterance and the corpus size on disk.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.datasets import synthetic  # noqa: E402
from benchmark.datasets.synth.espeak import synthesize  # noqa: E402
from benchmark.datasets.synth.prosody import TEXTS, render  # noqa: E402


def stage_times(n: int = 30) -> dict[str, float]:
    """Mean milliseconds per utterance for eSpeak alone and for the whole rendering."""
    items = synthetic.plan("default", 0)[:: max(1, 2016 // n)][:n]
    t0 = time.perf_counter()
    for it in items:
        rng = np.random.default_rng(list(it.seed))
        synthesize(render(it.speaker, TEXTS[it.text_id], it.emotion, it.intensity, it.strength,
                          rng).request)
    t1 = time.perf_counter()
    for it in items:
        synthetic.render_item(it)
    t2 = time.perf_counter()
    return {"espeak_ms": 1e3 * (t1 - t0) / n, "render_ms": 1e3 * (t2 - t1) / n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="default")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    stages = stage_times()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = synthetic.build(args.size, args.seed, tmp, jobs=args.jobs, progress=True)
        wall = time.perf_counter() - t0
        corpus = synthetic.read_folder(folder)
        n = len(corpus.manifest)
        audio_s = float(corpus.manifest["duration_s"].sum())
        mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    print(f"size={args.size} jobs={args.jobs} utterances={n}")
    print(f"wall {wall:.1f} s ({n / wall:.1f} utt/s), audio {audio_s / 60:.1f} min "
          f"({audio_s / wall:.0f}x real time), {mb:.0f} MiB on disk")
    print(f"one process: eSpeak {stages['espeak_ms']:.1f} ms/utt, "
          f"full rendering {stages['render_ms']:.1f} ms/utt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
