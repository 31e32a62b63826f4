"""``export``: refit one system of a run on its whole corpus and save it as a model folder."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

NAME = "export"
HELP = "refit a system of a run on its whole corpus and save it (model.json + model)"
EPILOG = textwrap.dedent("""\
    The system is MODEL/FEATURES[/VARIANT[/AUGMENTATION]] as the run's report names it; the
    recipe (features, preprocessing, hyper-parameter selection by speaker-grouped inner CV,
    deep early stopping and refit rule) is the run's own. model.json states the UA the run
    cross-validated for that system.

    examples:
      python -m benchmark export runs/classical --system svm/compare_2016 --out models/svm
      python -m benchmark export runs/deep --system cnn_lstm_attn/mel_mfcc_prosody --out models/cla --onnx""")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("run_dir", type=Path, help="run folder (written by `run`)")
    sp.add_argument("--system", required=True, metavar="MODEL/FEATURES[/VARIANT[/AUGMENTATION]]",
                    help="the system to export")
    sp.add_argument("--out", required=True, type=Path, help="model folder to write")
    sp.add_argument("--onnx", action="store_true", help="also write model.onnx (deep models; extra 'onnx')")
    sp.add_argument("--corpus", help="corpus, when the run holds several")
    sp.add_argument("--protocol", help="protocol whose UA model.json states and whose groups the "
                    "recipe uses (default: the only one, or the only speaker-independent one)")
    sp.add_argument("--seed", type=int, help="seed of the recipe (default: the run's smallest)")
    sp.add_argument("--suite", help="the run's suite file, when it moved since the run")
    sp.add_argument("--data-root", help="the corpus folder, when it moved since the run")
    sp.add_argument("--device", choices=["auto", "cpu", "cuda"], help="deep training device (default: the run's)")
    sp.add_argument("--jobs", type=int, default=1, help="feature worker processes (default 1)")
    sp.add_argument("--force", action="store_true", help="replace an existing model folder")
    sp.add_argument("--no-progress", action="store_true", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    from benchmark.export.exporter import export_system

    done = export_system(args.run_dir, args.system, args.out, onnx=args.onnx, corpus=args.corpus,
                         protocol=args.protocol, seed=args.seed, suite=args.suite,
                         data_root=args.data_root, device=args.device, jobs=args.jobs,
                         force=args.force, progress=not args.no_progress)
    cv, tr = done.meta["cross_validated"], done.meta["training"]
    half = cv["ci95_half_width"]
    ua = f"{cv['mean']:.1f} %" + ("" if half is None else f" ± {half:.1f}")
    print(f"model folder: {done.folder}")
    print(f"{done.meta['system']['name']} refitted on {tr['n_used']} of {tr['n_utterances']} "
          f"utterances of {tr['corpus']} in {tr['fit_s']:.1f} s; classes: "
          f"{', '.join(done.meta['classes'])}")
    print(f"expected UA on new speakers: {ua} (cross-validated by the run, {cv['protocol']}, "
          f"{cv['n_test_sets']} test sets)")
    return 0
