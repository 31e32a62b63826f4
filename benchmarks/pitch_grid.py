"""What a coarser pYIN grid or hop does to the pitch track, against the grid serbench uses for
``pitch_stats`` (0.2 semitone, 10 ms hop): speed and agreement per setting.

    python benchmarks/pitch_grid.py --data-root ../shared/data/emodb [--files 40]
        [--settings 0.1:160,0.3:160,0.5:160,0.2:320,0.5:320]

Reads every ``--files``-th share of the folder's WAV files (sorted, evenly spaced), resampled to
16 kHz, and runs serbench's ``pitch_track`` (pYIN with ``PYIN``'s range and frame) once per setting
``RESOLUTION:HOP`` after one warm-up pass. A 320-sample hop is repeated to the 10 ms grid
before comparing. Per setting it prints the speed ratio to the reference (same process, same
files), the share of frames where both call the frame voiced or both unvoiced, the absolute F0
difference in semitones where both call it voiced (median and 90th percentile), and the mean
absolute difference of the voicing probability.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from benchmark.features.librosa_feats import GRID, PYIN, pitch_track  # noqa: E402

SR = 16000
#: (resolution, hop in samples): the settings of ``pitch_stats`` on its 10 ms grid
REFERENCE = (PYIN["resolution"], int(round(GRID["hop_s"] * SR)))


def load(root: Path, n_files: int) -> list[np.ndarray]:
    files = sorted(root.rglob("*.wav"))
    if not files:
        raise SystemExit(f"no .wav files under {root}")
    step = max(1, len(files) // n_files)
    out = []
    for path in files[::step][:n_files]:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
        y = y.mean(axis=1)
        out.append(y if sr == SR else librosa.resample(y, orig_sr=sr, target_sr=SR))
    return out


def track(ys: list[np.ndarray], resolution: float, hop: int
          ) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], float]:
    """Per file (F0 Hz, voiced, voicing probability) on the 10 ms grid, and seconds per file."""
    out, t0 = [], time.perf_counter()
    for y in ys:
        f0, voiced, prob = pitch_track(y, SR, fmin=PYIN["fmin"], fmax=PYIN["fmax"],
                                       frame_length=PYIN["frame_length"], hop_length=hop,
                                       resolution=resolution)
        repeat = hop // REFERENCE[1]
        n = 1 + len(y) // REFERENCE[1]
        out.append(tuple(np.repeat(a, repeat)[:n] for a in (f0, voiced, prob)))
    return out, (time.perf_counter() - t0) / len(ys)


def compare(ref: list, other: list) -> dict[str, float]:
    agree, f0_diff, prob_diff = [], [], []
    for (f0_a, v_a, p_a), (f0_b, v_b, p_b) in zip(ref, other, strict=True):
        n = min(len(v_a), len(v_b))
        v_a, v_b = v_a[:n], v_b[:n]
        agree.append(np.mean(v_a == v_b))
        both = v_a & v_b
        f0_diff.extend(np.abs(12.0 * np.log2(f0_a[:n][both] / f0_b[:n][both])))
        prob_diff.extend(np.abs(p_a[:n] - p_b[:n]))
    f0_diff = np.asarray(f0_diff)
    return {"voicing_agree_pct": 100.0 * float(np.mean(agree)),
            "f0_median_st": float(np.median(f0_diff)) if f0_diff.size else float("nan"),
            "f0_p90_st": float(np.percentile(f0_diff, 90)) if f0_diff.size else float("nan"),
            "prob_mean_abs": float(np.mean(prob_diff))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", required=True, type=Path)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--settings", default="0.1:160,0.3:160,0.5:160,0.2:320,0.5:320",
                    help="comma-separated RESOLUTION:HOP (hop in samples at 16 kHz, a multiple of 160)")
    args = ap.parse_args()
    ys = load(args.data_root, args.files)
    track(ys[:2], *REFERENCE)  # warm-up: numba compiles librosa's Viterbi once
    ref, ref_s = track(ys, *REFERENCE)
    print(f"{len(ys)} files, reference {REFERENCE[0]} semitone / {REFERENCE[1]}-sample hop: "
          f"{ref_s:.3f} s per file")
    print(f"{'resolution':>10} {'hop':>4} {'speed-up':>8} {'voicing agree %':>15} "
          f"{'F0 |d| st median':>16} {'p90':>5} {'prob |d|':>8}")
    for item in args.settings.split(","):
        res, hop = item.split(":")
        if int(hop) % REFERENCE[1]:
            raise SystemExit(f"hop {hop} is not a multiple of {REFERENCE[1]}")
        other, s = track(ys, float(res), int(hop))
        c = compare(ref, other)
        print(f"{float(res):>10} {int(hop):>4} {ref_s / s:>8.2f} {c['voicing_agree_pct']:>15.1f} "
              f"{c['f0_median_st']:>16.2f} {c['f0_p90_st']:>5.2f} {c['prob_mean_abs']:>8.3f}")


if __name__ == "__main__":
    main()
