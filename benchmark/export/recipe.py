"""Refit one system of a run on the whole corpus, with the recipe the run used.

The recipe is not re-typed here: the run's suite and options (``spec.json``) are planned again
with :func:`benchmark.plan.plan_run`, filtered to the system, and the re-planned jobs must have
the run_ids the run recorded (same corpus, folds, parameters, profile and sample rate) or the
export stops. One of those jobs then gets a whole-corpus fold and goes through the run's own
code: :func:`benchmark.fold_data.build_fold_data` (features from the same cache, training-only
augmentation, groups) and :func:`benchmark.models.make_model` with the worker's run options.

The whole-corpus fold: the corpus's utterances minus a validation carve of whole groups
(speakers, or sessions, or utterances under a random protocol; :data:`VAL_FRACTION` of them,
:func:`deep.data.grouped_carve` seeded by the job's seed). A classical model merges the carve
back into its training side, so it selects its hyper-parameters by the run's speaker-grouped
inner cross-validation over *all* speakers and refits on everything; a deep model early-stops
on the held-out speakers, then follows its profile's refit rule (``converged_refit`` retrains on
all of it). The carve stands in as the fold's test side only because a fold needs one: it is
never used to fit or choose anything.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.export import ExportError
from benchmark.export.system import Selection


def val_fraction(speaker_independent: bool) -> float:
    """The share of groups held out for early stopping: the run's protocols' own shares."""
    from benchmark.splits import VAL_FRACTION_RANDOM, VAL_FRACTION_SPEAKERS

    return VAL_FRACTION_SPEAKERS if speaker_independent else VAL_FRACTION_RANDOM


@dataclass
class Fitted:
    """A system refitted on the whole corpus, and what ``model.json`` says about it."""

    model: Any
    job: Any
    """The whole-corpus job (the run's job with the export fold)."""
    run_job: Any
    """One of the run's own jobs of this system (its recipe)."""
    data: Any
    """The :class:`benchmark.fold_data.FoldData` the model was fitted on."""
    model_input: str
    fit_s: float
    plan: Any
    cache: Any


def read_spec(run_dir: Path) -> dict[str, Any]:
    from reports.load import load_spec

    spec = load_spec(run_dir)
    if not spec.get("options"):
        raise ExportError(f"{run_dir}: no spec.json with the run's options (is this a run folder?)")
    return spec


def _suite(spec: dict[str, Any], suite: str | None) -> Any:
    from benchmark.config import load_suite

    if suite is not None:
        return load_suite(suite)
    source = str(spec.get("source") or "")
    if source and Path(source).is_file():
        return load_suite(source)
    try:
        return load_suite(str(spec.get("suite")))  # a built-in suite is recorded by name
    except Exception as exc:
        raise ExportError(f"the run's suite {source or spec.get('suite')!r} is not found here "
                          f"({exc}); pass --suite PATH") from None


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in (value or ()))


def run_options(spec: dict[str, Any], run_dir: Path, sel: Selection, *,
                data_root: str | None, device: str | None, jobs: int) -> Any:
    """The run's :class:`~benchmark.config.RunOptions` (``spec.json``), narrowed to ``sel``."""
    from benchmark.config import RunOptions

    o = spec["options"]
    only = (("model", sel.model), ("features", sel.features), ("variant", sel.variant),
            ("augmentation", sel.augmentation), ("corpus", sel.corpus),
            ("protocol", sel.protocol), ("seed", str(sel.seed)))
    return RunOptions(
        out=run_dir, jobs=max(1, jobs),
        seeds=tuple(o["seeds"]) if o.get("seeds") else None, corpus=o.get("corpus"),
        data_root=data_root if data_root is not None else o.get("data_root"), only=only,
        protocols=tuple(o["protocols"]) if o.get("protocols") else None,
        profile=o.get("profile"), progress=False,
        cache_dir=Path(o["cache_dir"]) if o.get("cache_dir") else None,
        label_set=o.get("label_set"), corpus_options=_pairs(o.get("corpus_options")),
        device=device or str(o.get("device") or "auto"),
    )


def feature_cache(opts: Any) -> Any:
    """The cache the run used (``--cache-dir``/features, else the default one)."""
    from benchmark.cache import FeatureCache

    return FeatureCache(opts.cache_dir / "features") if opts.cache_dir else FeatureCache()


def _excluded(run_dir: Path, corpus: str) -> frozenset[str]:
    """Utterances the run dropped for every system of ``corpus`` (a feature failed on them)."""
    path = run_dir / "skipped.csv"
    if not path.is_file():
        return frozenset()
    with open(path, encoding="utf-8", newline="") as fh:
        return frozenset(row["utt_id"] for row in csv.DictReader(fh)
                         if row.get("stage") == "features" and row.get("corpus") == corpus)


def replan(run_dir: Path, sel: Selection, *, suite: str | None = None, data_root: str | None = None,
           device: str | None = None, jobs: int = 1) -> tuple[Any, Any, Any, dict[str, Any]]:
    """(plan, the run's job of ``sel`` to copy, options, spec); refuses a changed recipe."""
    from benchmark.plan import plan_run

    spec = read_spec(run_dir)
    opts = run_options(spec, run_dir, sel, data_root=data_root, device=device, jobs=jobs)
    plan = plan_run(_suite(spec, suite), opts)
    recorded = (spec.get("fingerprints") or {}).get(sel.corpus)
    if recorded is not None and plan.fingerprints.get(sel.corpus) != recorded:
        raise ExportError(f"corpus {sel.corpus} differs from the one the run used (fingerprint "
                          f"{plan.fingerprints.get(sel.corpus)} vs {recorded}); point --data-root "
                          "at the run's data")
    wanted = {str(r["run_id"]) for r in sel.records if int(r["seed"]) == sel.seed}
    same = [j for j in plan.jobs if j.run_id in wanted]
    if not same:
        raise ExportError(f"{sel.name}: re-planning the run's suite gives none of its recorded "
                          "jobs (the suite file or serbench changed since the run); pass the run's "
                          "suite with --suite")
    return plan, same[0], opts, spec


def export_fold(run_job: Any, manifest: Any, unit: str, speaker_independent: bool,
                excluded: frozenset[str]) -> Any:
    """The whole-corpus fold: everything but a seeded carve of whole groups (module docstring)."""
    from benchmark.splits import Fold
    from deep.data import grouped_carve

    rows = manifest[~manifest["utt_id"].astype(str).isin(excluded)]
    ids = rows["utt_id"].astype(str).to_numpy()
    column = {"speaker": "speaker", "session": "session"}.get(unit)
    groups = rows[column].astype(str).to_numpy() if column else ids
    labels = np.unique(rows["label"].astype(str).to_numpy(), return_inverse=True)[1]
    fraction = val_fraction(speaker_independent)
    tr, va, how = grouped_carve(labels, groups, fraction, run_job.seed)
    return Fold(index=0, train=tuple(ids[tr]), val=tuple(ids[va]), test=tuple(ids[va]),
                speaker_independent=speaker_independent,
                info={"protocol": f"export of {run_job.protocol}", "carve": how,
                      "note": "test side = the validation carve, since a Fold needs one; an export scores nothing"})


def fit_system(run_dir: Path, sel: Selection, *, suite: str | None = None,
               data_root: str | None = None, device: str | None = None, jobs: int = 1,
               threads: int | None = None, progress: bool = False) -> Fitted:
    """Refit ``sel`` on the whole corpus of the run in ``run_dir`` (module docstring)."""
    from threadpoolctl import threadpool_limits

    from benchmark.features import compute_features
    from benchmark.fold_data import build_fold_data
    from benchmark.models import MODELS, make_model
    from benchmark.worker import WorkerContext, _run_options, protocol_info

    plan, run_job, opts, _ = replan(run_dir, sel, suite=suite, data_root=data_root, device=device,
                                    jobs=jobs)
    if run_job.preprocessing:
        raise ExportError(f"{sel.name}: its preprocessing {list(run_job.preprocessing)} scales each "
                          "test speaker by that speaker's own features; a model for single new "
                          "files cannot apply it")
    info = protocol_info(run_job.protocol, run_job.fold)
    manifest = plan.manifests[run_job.corpus]
    fold = export_fold(run_job, manifest, info["unit"], info["speaker_independent"],
                       _excluded(run_dir, run_job.corpus))
    job = dataclasses.replace(run_job, fold=fold, n_folds=1)
    cache = feature_cache(opts)
    meta = dict(MODELS.meta(job.model))
    model_input = str(meta.get("input", "functionals"))

    def load_table(corpus: str, rows: Any, feature: str, sr: int) -> Any:
        return compute_features(rows, feature, cache=cache, jobs=opts.jobs, sr=sr, progress=progress)

    data = build_fold_data(job, plan.manifests, load_table, cache, model_input=model_input,
                           unit=info["unit"], leaky=False)
    n_threads = max(1, threads or os.cpu_count() or 1)
    ctx = WorkerContext(manifests=plan.manifests, fingerprints=plan.fingerprints,
                        cache_root=str(cache.root), threads=n_threads, device=opts.device)
    model = make_model(job.model, seed=job.seed, **job.model_params,
                       **_run_options(job, meta, ctx, data))
    t0 = time.perf_counter()
    os.environ["OMP_NUM_THREADS"] = str(n_threads)
    with threadpool_limits(n_threads):
        model.fit(data.X_train, data.y_train, groups=data.g_train, X_val=data.X_val,
                  y_val=data.y_val, groups_val=data.g_val)
    return Fitted(model=model, job=job, run_job=run_job, data=data, model_input=model_input,
                  fit_s=time.perf_counter() - t0, plan=plan, cache=cache)
