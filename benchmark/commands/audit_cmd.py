"""``audit-split``: audit a published split (or one of serbench's protocols) on a loaded corpus.

Per fold: speakers, sentences and identical or near-identical recordings on both sides; one
verdict line; then the shortcut probes (non-emotional file properties that predict the label
under the same folds). Exit 0 when the audit ran; with ``--strict``, 1 when the split leaks.
"""

from __future__ import annotations

import argparse
import textwrap

from benchmark.commands.common import text_table

NAME = "audit-split"
HELP = "audit a split: speaker, sentence and recording leaks, and shortcut properties"
EPILOG = textwrap.dedent("""\
    examples:
      python -m benchmark audit-split --corpus emodb --data-root ../shared/data/emodb --protocol speaker_loso
      python -m benchmark audit-split --corpus emodb --data-root ../shared/data/emodb --folds EmoBox/data/emodb
      python -m benchmark audit-split --corpus csv --data-root my/manifest.csv --folds split.csv --strict

    --folds reads serbench's folds/*.json, a CSV utt_id,fold,split (train/val/test) or a folder in
    EmoBox's layout (fold_<k>/<corpus>_{train,test}_fold_<k>.jsonl); entries are matched to the
    corpus by utterance id, else by file name. Exit status: 0 when the audit ran (1 with --strict
    when the split leaks), 2 for bad input (e.g. fewer than 95 % of the entries matched).""")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--corpus", required=True, help="corpus name (see `list corpora`) or fusion:a+b")
    sp.add_argument("--data-root", help="folder holding the corpus")
    src = sp.add_mutually_exclusive_group(required=True)
    src.add_argument("--folds", help="folds file or folder to import and audit")
    src.add_argument("--protocol", help="one of serbench's protocols (see `list protocols`)")
    sp.add_argument("--seed", type=int, default=0, help="seed of --protocol's folds and of the probes (default 0)")
    sp.add_argument("--label-set", help="label set of the corpus (e.g. ravdess7)")
    sp.add_argument("--corpus-option", action="append", default=[], metavar="KEY=VALUE",
                    help="option for the corpus loader; repeatable")
    sp.add_argument("--no-shortcuts", action="store_true", help="skip the shortcut probes")
    sp.add_argument("--strict", action="store_true", help="exit 1 when the split leaks (for CI)")


def main(args: argparse.Namespace) -> int:
    from benchmark.audit.leaks import audit_folds, collect_facts
    from benchmark.datasets import load_corpus
    from benchmark.datasets.options import parse_option_pairs
    from benchmark.splits import make_folds

    opts = dict(parse_option_pairs(args.corpus_option))
    if args.label_set:
        opts["label_set"] = args.label_set
    corpus = load_corpus(args.corpus, args.data_root, **opts)
    m = corpus.manifest
    if args.folds:
        from benchmark.fold_import import import_folds

        imp = import_folds(args.folds, m)
        folds = imp.folds
        s = imp.summary()
        print(f"imported {s['format']} folds from {s['source']}: {s['n_entries']} entries, "
              f"{s['n_matched']} matched, {s['n_unmatched']} unmatched, {s['n_ambiguous']} ambiguous, "
              f"{s['n_duplicate']} duplicate; {s['n_folds']} folds")
        for row in imp.skipped[:5]:
            print(f"  left out: {row['utt_id']}: {row['reason']}")
        what = f"imported split {args.folds}"
    else:
        folds = make_folds(args.protocol, m, args.seed)
        what = f"protocol {args.protocol} (seed {args.seed})"
    used = {u for f in folds for u in (*f.train, *f.val, *f.test)}
    facts = collect_facts(m, sorted(used))
    audit = audit_folds(folds, m, facts)
    print(f"\nsplit audit of {what} on {corpus.name} ({len(m)} utterances, "
          f"{m['speaker'].nunique()} speakers); training side = train + val\n")
    rows = [(f.fold, f.n_train, f.n_test, f.n_test_speakers, f.speakers_shared, f.test_speaker_seen,
             "–" if f.texts_shared is None else f.texts_shared, f.identical, f.near_identical)
            for f in audit.folds]
    print(text_table(rows, ("fold", "train", "test", "test spk", "spk shared", "test utt of seen spk",
                            "texts shared", "identical", "near-identical")))
    pairs = audit.pair_lines()
    if pairs:
        print("\nrecordings on both sides:\n" + "\n".join(pairs))
    print(f"\nverdict: {audit.verdict()}")
    if not args.no_shortcuts:
        from benchmark.audit.shortcuts import probe_lines, run_probes

        labels = dict(zip(m["utt_id"].astype(str), m["label"].astype(str), strict=True))
        probes = run_probes(facts, labels, folds, seed=args.seed)
        print("\nshortcut probes (UA of a logistic regression on each file property, folds as above; "
              "95 % bootstrap interval):")
        print("\n".join(probe_lines(probes)))
    return 1 if args.strict and audit.leaky else 0
