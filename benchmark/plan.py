"""Suite -> combinations -> folds -> jobs. No feature is extracted and nothing is written here.

:func:`expand_combos` turns a suite and the command line's filters into combinations (a job
without its fold: what ``--dry-run`` prints); :func:`plan_run` loads the corpora, draws and
checks every fold set, and returns the :class:`Plan` the runner executes. The leaky protocol's
pool (every utterance plus its augmented copies, split together on purpose) is built from the
manifest and the policy alone: which copies exist does not depend on their features.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from benchmark.config import RunOptions, Suite
from benchmark.jobs import PREPROCESSING_PARAMS, Job, freeze_params


class RunError(RuntimeError):
    """A run cannot start (bad options, existing run folder without --resume, ...)."""


@dataclass
class Combo:
    """A job without its fold: what ``--dry-run`` prints."""

    corpus: str
    protocol: str
    model: str
    family: str
    features: str
    variant: str
    params: dict[str, Any]
    augmentation: str
    seed: int
    tables: tuple[str, ...]


ONLY_KEYS = (
    "corpus", "protocol", "model", "family", "features", "variant", "augmentation", "seed", "table",
)


def expand_combos(suite: Suite, opts: RunOptions, *, warn: bool = True) -> list[Combo]:
    """Every (corpus, protocol, features, model, variant, augmentation, seed) of the suite that
    passes ``--only``. An unknown ``--only`` key fails with "did you mean"; a value that
    matches nothing is reported on stderr (``warn``)."""
    from benchmark.models import MODELS

    for key, _ in opts.only:
        if key not in ONLY_KEYS:
            close = difflib.get_close_matches(key, ONLY_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RunError(f"--only {key}=...: unknown key{hint} (use one of {', '.join(ONLY_KEYS)})")
    corpora = (opts.corpus,) if opts.corpus else suite.corpora
    seeds = opts.seeds or suite.seeds
    combos: list[Combo] = []
    for block in suite.runs:
        block_corpora = (opts.corpus,) if opts.corpus else (block.corpora or corpora)
        for corpus in block_corpora:
            for protocol in protocols_for(suite, block, corpus, opts):
                for feat in block.features:
                    for model in block.models:
                        meta = MODELS.meta(model)
                        fname = meta.get("default_features") if feat == "default" else feat
                        for vname, vparams in block.variants:
                            params = {**dict(block.params), **dict(vparams)}
                            for aug in block.augmentation:
                                for seed in seeds:
                                    combos.append(Combo(
                                        corpus, protocol, model, meta.get("family", "classical"),
                                        str(fname), vname, params, aug, seed, block.tables,
                                    ))
    kept = [c for c in combos if _matches_only(c, opts.only)]
    if warn:
        for key, allowed in opts.only:
            present = {v for c in combos for v in _values(c, key)}
            missing = [v for v in allowed.split(",") if v not in present]
            if missing:
                close = [c for v in missing for c in difflib.get_close_matches(v, present, n=1)]
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                print(f"warning: --only {key}: {', '.join(missing)} matched no job of suite "
                      f"{suite.name!r}{hint} (it has: {', '.join(sorted(present))})", file=sys.stderr)
    return kept


def _values(combo: Combo, key: str) -> tuple[str, ...]:
    """A combo's values for an ``--only`` key: one, except ``table`` (a job feeds several)."""
    return combo.tables if key == "table" else (str(getattr(combo, key)),)


def _matches_only(combo: Combo, only: tuple[tuple[str, str], ...]) -> bool:
    return all(set(_values(combo, key)) & set(allowed.split(",")) for key, allowed in only)


def protocols_for(suite: Suite, block: Any, corpus: str, opts: RunOptions) -> tuple[str, ...]:
    """CLI --protocols, else the block's, else the suite's per-corpus choice, else the suite's;
    then the block's ``extra_protocols`` (not with --protocols, which replaces everything)."""
    if opts.folds is not None and opts.protocols and "imported" not in opts.protocols:
        raise RunError("--folds PATH runs the 'imported' protocol: name it in --protocols "
                       "(e.g. --protocols speaker_loso,imported) or leave --protocols out")
    if opts.protocols:
        return opts.protocols
    if opts.folds is not None:  # run --folds PATH: the imported split replaces every protocol
        return ("imported",)
    base = block.protocols or dict(suite.corpus_protocols).get(corpus, suite.protocols)
    return tuple(dict.fromkeys((*base, *block.extra_protocols)))


@dataclass
class Plan:
    """What a run executes: jobs over folds drawn from loaded corpora."""

    suite: Suite
    jobs: list[Job]
    corpora: dict[str, Any]
    """Loaded corpus objects by spec (problems, skipped files, speaker-label dependence)."""
    manifests: dict[str, pd.DataFrame]
    """Manifest per corpus spec, plus the leaky pools' manifests under their fold keys."""
    fold_sets: dict[str, list]
    fold_meta: dict[str, dict[str, Any]]
    fingerprints: dict[str, str]
    """Content hash of each corpus manifest (``--resume`` refuses a changed corpus)."""
    timings: dict[str, float] = field(default_factory=dict)
    protocol_fallbacks: list[str] = field(default_factory=list)
    """One sentence per (corpus, protocol) replaced by leave-one-speaker-out (too few speakers)."""
    skipped: list[dict[str, str]] = field(default_factory=list)
    """``skipped.csv`` rows of the plan: entries of imported folds that match no utterance."""


def manifest_fingerprint(manifest: pd.DataFrame) -> str:
    """sha1 of the rows that define a corpus for the run (ids, labels, speakers, sessions,
    sentences, durations), independent of row order."""
    cols = [c for c in ("utt_id", "label", "speaker", "session", "text_id", "duration_s")
            if c in manifest.columns]
    frame = manifest[cols].astype("string").fillna("").sort_values("utt_id")
    blob = json.dumps(frame.to_numpy().tolist(), separators=(",", ":"))
    return hashlib.sha1(blob.encode()).hexdigest()


def load_corpora(suite: Suite, opts: RunOptions, names: Iterable[str]) -> dict[str, Any]:
    from benchmark.datasets import load_corpus
    from benchmark.datasets.options import label_set_applies

    loaded = {}
    for name in sorted(set(names)):
        kwargs: dict[str, Any] = {}
        if name == "synthetic":
            kwargs.update(dict(suite.corpus_options))
            kwargs.setdefault("progress", opts.progress)
            if opts.cache_dir is not None:
                kwargs.setdefault("cache_dir", opts.cache_dir / "synthetic")
        label_set = opts.label_set or suite.label_set
        if label_set is not None:
            if label_set_applies(name, label_set):
                kwargs["label_set"] = label_set
            elif opts.label_set is not None:
                from benchmark.datasets.options import label_sets_of

                raise RunError(f"--label-set {label_set}: not a label set of {name} "
                               f"(known: {', '.join(label_sets_of(name)) or 'none'})")
        kwargs.update(dict(opts.corpus_options))
        corpus = load_corpus(name, opts.data_root, **kwargs)
        if corpus.problems:
            print(corpus.problem_summary(), file=sys.stderr)
        loaded[name] = corpus
    return loaded


def fold_key(corpus: str, protocol: str, seed: int, pool: str | None) -> str:
    return f"{corpus}__{protocol}__seed{seed}" + (f"__{pool}" if pool else "")


def plan_run(suite: Suite, opts: RunOptions) -> Plan:
    """Load corpora, draw and check every fold set, and build the job list."""
    from benchmark.augment import pool_sources
    from benchmark.provenance import plugin_provenance
    from benchmark.splits import PROTOCOLS, check_fold, make_folds

    combos = expand_combos(suite, opts)
    ranks = suite.display_ranks()  # report row order, carried by every record
    if not combos:
        raise RunError("no job matches the suite and --only filters")
    t0 = time.perf_counter()
    corpora = load_corpora(suite, opts, (c.corpus for c in combos))
    timings = {"synthesis_or_load": time.perf_counter() - t0}
    manifests = {name: c.manifest for name, c in corpora.items()}
    combos, fallbacks = few_speaker_fallbacks(combos, manifests)
    fold_sets: dict[str, list] = {}
    fold_meta: dict[str, dict[str, Any]] = {}
    pools: dict[str, pd.DataFrame] = {}
    jobs: dict[str, Job] = {}
    plan_skipped: list[dict[str, str]] = []
    t0 = time.perf_counter()
    for combo in combos:
        leaky = bool(PROTOCOLS.meta(combo.protocol).get("leaky"))
        pool_policy = combo.augmentation if leaky else None
        key = fold_key(combo.corpus, combo.protocol, combo.seed, pool_policy)
        if key not in fold_sets:
            manifest = manifests[combo.corpus]
            if leaky:
                # The papers' mistake, reproduced on purpose: augment every utterance first.
                manifest = pool_manifest(manifest, pool_sources(manifest, combo.augmentation, combo.seed))
                pools[key] = manifest
            options = dict(dict(suite.protocol_options).get(combo.protocol, ()))
            if PROTOCOLS.meta(combo.protocol).get("imported"):
                from benchmark.audit.imported import plan_imported

                folds, rows = plan_imported(manifest, options, opts.folds, combo.corpus)
                plan_skipped.extend(r for r in rows if r not in plan_skipped)
            else:
                folds = make_folds(combo.protocol, manifest, combo.seed, **options)
            for fold in folds:
                check_fold(fold, manifest)
            if suite.max_folds is not None:
                folds = folds[: suite.max_folds]
            fold_sets[key] = folds
            fold_meta[key] = {"corpus": combo.corpus, "protocol": combo.protocol,
                              "seed": combo.seed, "pool_policy": pool_policy}
        folds = fold_sets[key]
        params = dict(combo.params)
        steps = tuple(p for p in PREPROCESSING_PARAMS if params.get(p))
        features = suite.feature_key(combo.features)  # a declared set's key travels with the job
        plugins = plugin_provenance(combo.model, features)
        order = (("model", ranks["model"].get(combo.model, -1)),
                 ("features", ranks["features"].get(combo.features, -1)))
        for fold in folds:
            job = Job(
                suite=suite.name, corpus=combo.corpus, label_set=opts.label_set or suite.label_set,
                protocol=combo.protocol, fold=fold, n_folds=len(folds), fold_key=key,
                model=combo.model, family=combo.family, features=features, plugins=plugins, order=order,
                variant=combo.variant, params=freeze_params(params),
                augmentation=combo.augmentation, seed=combo.seed,
                profile=opts.profile or suite.profile, sr=suite.sr, tables=combo.tables,
                preprocessing=steps,
            )
            prev = jobs.get(job.run_id)
            if prev is not None:  # the same job feeds several tables: run it once
                jobs[job.run_id] = replace(prev, tables=tuple(dict.fromkeys(prev.tables + job.tables)))
            else:
                jobs[job.run_id] = job
    timings["folds"] = time.perf_counter() - t0
    fingerprints = {name: manifest_fingerprint(m) for name, m in manifests.items()}
    manifests.update(pools)
    from benchmark.models import MODELS

    # families in registry order (the cheap classical fits first, so their results come early)
    rank = {f: k for k, f in enumerate(dict.fromkeys(MODELS.meta(n).get("family") for n in MODELS))}
    ordered = sorted(jobs.values(), key=lambda j: (rank.get(j.family, len(rank)), j.corpus, j.features,
                                                   j.model, j.protocol, j.seed, j.fold.index))
    return Plan(suite, ordered, corpora, manifests, fold_sets, fold_meta, fingerprints, timings,
                fallbacks, plan_skipped)


#: what a speaker k-fold protocol becomes on a corpus with fewer than k speakers
FEW_SPEAKERS_PROTOCOL = "speaker_loso"


def speaker_folds_k(protocol: str) -> int | None:
    """k of a speaker k-fold protocol (speaker unit, a fixed number of folds), else None."""
    from benchmark.splits import PROTOCOLS

    if protocol not in PROTOCOLS:
        return None
    meta = PROTOCOLS.meta(protocol)
    n = str(meta.get("n_folds", ""))
    return int(n) if meta.get("unit") == "speaker" and n.isdigit() and int(n) > 1 else None


def few_speaker_fallbacks(combos: list[Combo], manifests: dict[str, pd.DataFrame]
                          ) -> tuple[list[Combo], list[str]]:
    """Combos whose speaker k-fold protocol needs more speakers than their corpus has run under
    leave-one-speaker-out instead (the corpus's other protocols are kept); one sentence per
    replacement, for the run's summary and report."""
    out: list[Combo] = []
    notes: dict[tuple[str, str], str] = {}
    for combo in combos:
        k = speaker_folds_k(combo.protocol)
        m = manifests.get(combo.corpus)
        if k is not None and m is not None and "speaker" in m.columns:
            n_spk = int(m["speaker"].nunique())
            if n_spk < k:
                notes.setdefault((combo.corpus, combo.protocol), (
                    f"{combo.corpus} has {n_spk} speakers, fewer than the {k} groups of "
                    f"{combo.protocol}: it runs under {FEW_SPEAKERS_PROTOCOL} instead"))
                combo = replace(combo, protocol=FEW_SPEAKERS_PROTOCOL)
        out.append(combo)
    for note in notes.values():
        print(f"note: {note}", file=sys.stderr)
    return out, list(notes.values())


def pool_manifest(manifest: pd.DataFrame, source: dict[str, str]) -> pd.DataFrame:
    """Original rows plus one row per augmented copy (same label/speaker, new utt_id)."""
    base = manifest.copy()
    base["source_utt_id"] = base["utt_id"]
    by_id = manifest.set_index("utt_id")
    ids = sorted(source)
    extra = by_id.loc[[source[i] for i in ids]].reset_index()
    extra["source_utt_id"] = extra["utt_id"]
    extra["utt_id"] = ids
    pool = pd.concat([base, extra], ignore_index=True)
    pool["source_utt_id"] = pool["source_utt_id"].astype("string")
    pool["utt_id"] = pool["utt_id"].astype("string")
    return pool
