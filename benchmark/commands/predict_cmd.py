"""``predict``: label audio files, folders or a CSV manifest with an exported model."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

NAME = "predict"
HELP = "label audio files, folders or a CSV manifest with an exported model"
EPILOG = textwrap.dedent("""\
    One CSV row per input: path, label, proba_<class> per class, reason. A file that cannot be
    labelled (unreadable, silent, too short) gets its reason and no label; the exit status is
    0 whenever the run itself worked.

    examples:
      python -m benchmark predict models/svm recordings/ --out labels.csv
      python -m benchmark predict models/svm a.wav b.flac
      python -m benchmark predict models/cla list.csv --backend onnx""")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("model_dir", type=Path, help="model folder written by `export`")
    sp.add_argument("inputs", nargs="+", help="audio files, folders (recursive) or CSV manifests (a 'path' column)")
    sp.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    sp.add_argument("--backend", choices=["native", "onnx"], default="native",
                    help="onnx: run a deep model's model.onnx with onnxruntime (extra 'onnx')")
    sp.add_argument("--batch-size", type=int, default=256, help="files per feature/predict batch")
    sp.add_argument("--jobs", type=int, default=1, help="feature worker processes (default 1)")
    sp.add_argument("--cache-dir", type=Path, help="cache root (default: $SERBENCH_CACHE or ~/.cache/serbench)")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from benchmark.cache import FeatureCache
    from benchmark.export import ExportError
    from benchmark.export.artefacts import load_model
    from benchmark.export.predict import collect_inputs, predict_items, summary, write_rows

    if args.batch_size < 1:
        raise ExportError(f"--batch-size must be at least 1, got {args.batch_size}")
    model = load_model(args.model_dir, backend=args.backend)
    items = collect_inputs(args.inputs)
    cache = FeatureCache(args.cache_dir / "features") if args.cache_dir else FeatureCache()
    rows = predict_items(model, items, cache=cache, jobs=max(1, args.jobs),
                         batch_size=args.batch_size, progress=False if args.no_progress else None)
    text = write_rows(rows, args.out)
    if args.out is None:
        sys.stdout.write(text)
    print(summary(rows) + (f"; written to {args.out}" if args.out else ""), file=sys.stderr)
    return 0
