"""``corpus``: inspect a corpus (``info``) or build the embedded synthetic one (``synth``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.commands.common import formatter

NAME = "corpus"
HELP = "inspect or build corpora"
EPILOG = ("examples:\n  python -m benchmark corpus info emodb --data-root ../shared/data/emodb\n"
          "  python -m benchmark corpus info synthetic --size tiny\n"
          "  python -m benchmark corpus synth --size default")


def add_arguments(p: argparse.ArgumentParser) -> None:
    csub = p.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    ci = csub.add_parser("info", help="counts per label and speaker, total duration",
                         formatter_class=formatter,
                         epilog="example:\n  python -m benchmark corpus info ravdess --data-root ~/data/RAVDESS")
    ci.add_argument("name", help="corpus name or fusion:a+b spec")
    ci.add_argument("--data-root", help="folder holding the corpus (real corpora)")
    ci.add_argument("--size", default=None, help="synthetic corpus size: tiny | default")
    ci.add_argument("--label-set", default=None, help="label set (e.g. ravdess7, iemocap4, crema_d6, core7)")
    ci.add_argument("--corpus-option", action="append", default=[], metavar="KEY=VALUE",
                    help="option for the corpus loader; repeatable")
    cs = csub.add_parser("synth", help="build the embedded synthetic corpus (reused when present)",
                         formatter_class=formatter,
                         epilog="example:\n  python -m benchmark corpus synth --size tiny --seed 0")
    cs.add_argument("--size", default="default", help="tiny | default (default: default)")
    cs.add_argument("--seed", type=int, default=0)
    cs.add_argument("--cache-dir", type=Path, default=None, help="where to write it (default: $SERBENCH_CACHE/synthetic)")
    cs.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")


def main(args: argparse.Namespace) -> int:
    if args.corpus_command == "synth":
        from benchmark.datasets.synthetic import build

        path = build(size=args.size, seed=args.seed, cache_dir=args.cache_dir, jobs=args.jobs, progress=True)
        print(f"synthetic corpus ({args.size}, seed {args.seed}) ready at {path}")
        return 0
    from benchmark.datasets import load_corpus
    from benchmark.datasets.options import parse_option_pairs

    opts = {}
    if args.size is not None:
        opts["size"] = args.size
    if args.label_set is not None:
        opts["label_set"] = args.label_set
    opts.update(parse_option_pairs(args.corpus_option))
    corpus = load_corpus(args.name, args.data_root, **opts)
    print(corpus_info_text(corpus))
    return 0


def corpus_info_text(corpus) -> str:
    import pandas as pd

    m = corpus.manifest
    total = float(m["duration_s"].sum())
    lines = [
        f"corpus: {corpus.name}" + (f"  (root: {corpus.root})" if corpus.root else ""),
        f"utterances: {len(m)}",
        f"speakers: {m['speaker'].nunique()}",
        f"emotions: {m['label'].nunique()} ({', '.join(sorted(m['label'].unique()))})",
        f"total duration: {total / 60:.1f} min (mean {m['duration_s'].mean():.2f} s per utterance)",
        "",
        "per label:",
    ]
    for label, n in m["label"].value_counts().sort_index().items():
        lines.append(f"  {label:<14} {n}")
    lines.append("per speaker (gender):")
    genders = m.groupby("speaker")["gender"].first()
    for spk, n in m["speaker"].value_counts().sort_index().items():
        g = genders.get(spk)
        lines.append(f"  {spk:<14} {n:>5}  ({'NA' if g is None or g is pd.NA else g})")
    dependence = getattr(corpus, "dependence", None)
    if dependence is not None:
        lines += ["", dependence.describe()]
    if corpus.problems:
        lines += ["", corpus.problem_summary()]
    return "\n".join(lines)
