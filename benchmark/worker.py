"""One job, wherever it runs: registry -> model, fit, predict, score -> a record and the
per-utterance predictions, returned to the parent (workers never write the run folder).

:func:`run_job` takes everything it needs as arguments (the job and a :class:`WorkerContext`),
so it runs the same in a local process pool and on a Dask worker. The only state kept between
jobs in one process is :data:`_TABLES`, a small memo of feature tables read from the cache
(loading 2,000 entries is not free), keyed by everything that determines a table.
"""

from __future__ import annotations

import os
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from benchmark.features.declared import display_name
from benchmark.jobs import Job
from benchmark.results import empty_record


@dataclass(frozen=True)
class WorkerContext:
    """What a job needs besides itself: manifests, where the cache is, threads per fit."""

    manifests: dict[str, pd.DataFrame]
    fingerprints: dict[str, str]
    cache_root: str
    threads: int = 1
    device: str = "auto"
    """Deep training device (``--device``): auto | cpu | cuda."""
    excluded: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per corpus, utterances dropped for every system (a feature failed on them)."""


@dataclass
class JobResult:
    """What a worker sends back: the record, and the prediction rows when the job was scored."""

    record: dict[str, Any]
    predictions: pd.DataFrame | None = None


#: per-process memo of feature tables: (cache root, corpus fingerprint, feature, sr) -> table
_TABLES: OrderedDict[tuple, Any] = OrderedDict()
_TABLES_KEPT = 2


def protocol_info(protocol: str, fold: Any = None) -> dict[str, Any]:
    """The protocol's flags as the record carries them (reports read these, not a list).

    An imported fold carries its split's audit (``benchmark.audit.imported``): its flags win."""
    from benchmark.splits import PROTOCOLS

    meta = PROTOCOLS.meta(protocol)
    flags = {"speaker_independent": bool(meta.get("speaker_independent")),
             "leaky": bool(meta.get("leaky")), "unit": str(meta.get("unit", "fold"))}
    audited = (getattr(fold, "info", None) or {}).get("protocol_info") if fold is not None else None
    return {**flags, **audited} if isinstance(audited, dict) else flags


def base_record(job: Job) -> dict[str, Any]:
    """A record holding the job's identity (every outcome starts from this)."""
    rec = empty_record()
    rec.update(
        run_id=job.run_id, suite=job.suite, tables=list(job.tables), corpus=job.corpus,
        label_set=job.label_set, protocol=job.protocol, fold=job.fold.index, n_folds=job.n_folds,
        fold_hash=job.fold.hash, protocol_info=protocol_info(job.protocol, job.fold), model=job.model,
        family=job.family, features=display_name(job.features), variant=job.variant,
        augmentation=job.augmentation, seed=job.seed, params=job.param_dict,
        preprocessing=list(job.preprocessing), plugins=job.plugin_list, order=dict(job.order),
    )
    return rec


def failed_record(job: Job, error: str) -> dict[str, Any]:
    """The record of a job that never returned (its worker died, or the executor lost it)."""
    from benchmark.provenance import utc_now

    rec = base_record(job)
    rec.update(status="failed", error=error, finished_at=utc_now())
    return rec


def _load_table(ctx: WorkerContext, corpus: str, manifest: pd.DataFrame, feature: str, sr: int) -> Any:
    from benchmark.cache import FeatureCache
    from benchmark.features import compute_features

    key = (ctx.cache_root, ctx.fingerprints.get(corpus), corpus, feature, sr)
    if key in _TABLES:
        _TABLES.move_to_end(key)
        return _TABLES[key]
    table = compute_features(manifest, feature, cache=FeatureCache(ctx.cache_root), jobs=1, sr=sr,
                             progress=False)
    _TABLES[key] = table
    while len(_TABLES) > _TABLES_KEPT:
        _TABLES.popitem(last=False)
    return table


def _run_options(job: Job, meta: dict[str, Any], ctx: WorkerContext, data: Any) -> dict[str, Any]:
    """Run-level settings the model declares it takes (registry meta ``run_options``)."""
    from benchmark.transforms import AUGMENTATIONS, spec_augment

    available: dict[str, Any] = {"profile": job.profile, "threads": ctx.threads}
    if data.n_train_sources < len(data.train_ids):  # augmented copies on the training side
        available["n_sources"] = data.n_train_sources
    if ctx.device != "auto":  # "auto" is every model's own default: nothing to pass
        available["device"] = ctx.device
    if job.augmentation != "none" and AUGMENTATIONS.meta(job.augmentation).get("spectrogram"):
        available["spec_augment"] = spec_augment
    return {k: available[k] for k in meta.get("run_options", ()) if k in available}


def run_job(job: Job, ctx: WorkerContext) -> JobResult:
    """Run one job; always returns a result (failed and skipped ones carry the reason)."""
    from threadpoolctl import threadpool_limits

    from benchmark.fold_data import PreprocessingRefused
    from benchmark.plugins import PluginError
    from benchmark.provenance import git_sha, peak_rss_mb, utc_now, versions

    rec = base_record(job)
    rec.update(started_at=utc_now(), git_sha=git_sha(), versions=versions(), device="cpu")
    predictions = None
    os.environ["OMP_NUM_THREADS"] = str(ctx.threads)
    try:
        with threadpool_limits(ctx.threads):
            scored, predictions = _fit_and_score(job, ctx)
        rec.update(scored)
        rec["status"] = "ok"
    except PreprocessingRefused as exc:
        rec["status"] = "skipped"
        rec["error"] = str(exc)
    except PluginError as exc:  # a plugin this worker cannot import or build
        rec["status"] = "failed"
        rec["error"] = _plugin_failure(job, exc)
    except Exception as exc:  # one bad job must not stop the others
        rec["status"] = "failed"
        tb = traceback.format_exc(limit=6)
        rec["error"] = f"{type(exc).__name__}: {exc}\n{tb[-2000:]}"
    rec["peak_rss_mb"] = peak_rss_mb()
    rec["finished_at"] = utc_now()
    return JobResult(rec, predictions)


def _fit_and_score(job: Job, ctx: WorkerContext) -> tuple[dict[str, Any], pd.DataFrame]:
    from benchmark.fold_data import build_fold_data
    from benchmark.metrics import classification_metrics
    from benchmark.models import MODELS, make_model

    meta = dict(MODELS.meta(job.model))
    info = protocol_info(job.protocol, job.fold)
    data = build_fold_data(
        job, ctx.manifests,
        lambda corpus, manifest, feature, sr: _load_table(ctx, corpus, manifest, feature, sr),
        _cache(ctx), model_input=str(meta.get("input", "functionals")), unit=info["unit"],
        leaky=info["leaky"], excluded=ctx.excluded.get(job.corpus, frozenset()),
    )
    model = make_model(job.model, seed=job.seed, **job.model_params, **_run_options(job, meta, ctx, data))
    t0 = time.perf_counter()
    model.fit(data.X_train, data.y_train, groups=data.g_train, X_val=data.X_val, y_val=data.y_val,
              groups_val=data.g_val)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    y_pred = np.asarray(model.predict(data.X_test)).astype(str)
    proba = np.asarray(model.predict_proba(data.X_test), dtype=float)
    predict_s = time.perf_counter() - t0
    classes = [str(c) for c in model.classes_]
    unseen = sorted(set(data.y_test) - set(classes))
    if unseen:
        # A speaker split can leave a class out of training; score it (recall 0) rather than fail.
        classes = classes + unseen
        proba = np.hstack([proba, np.zeros((len(proba), len(unseen)))])
    metrics = classification_metrics(data.y_test, y_pred, classes, proba=proba)
    fit_info = dict(getattr(model, "fit_info_", {}) or {})
    if "selection" in fit_info:
        fit_info["selection"] = {**fit_info["selection"], "groups": data.group_unit}
    fit_info["preprocessing"] = data.preprocessing
    # items the final model was fitted on, as the model states it (None: a model that does not
    # say); the report compares it across families within a fold
    fit_info.setdefault("n_fit", None)
    predictions = pd.DataFrame({"utt_id": data.test_ids, "speaker": data.test_speakers,
                                "session": data.test_sessions, "y_true": data.y_test, "y_pred": y_pred})
    for k, c in enumerate(classes):
        predictions[f"proba_{c}"] = proba[:, k]
    scored = {
        **metrics,
        "classes": classes,
        "params": {**job.param_dict, **(fit_info.get("params") or {})},
        "n_train": len(data.train_ids), "n_val": len(data.val_ids), "n_test": len(data.test_ids),
        "test_speakers": sorted({s for s in data.test_speakers if s is not None}),
        "feature_s": data.feature_s, "fit_s": fit_s, "predict_s": predict_s,
        "predict_ms_per_utt": 1000.0 * predict_s / len(data.test_ids),
        "epochs": fit_info.get("epochs"), "best_epoch": fit_info.get("best_epoch"),
        "n_params": fit_info.get("n_params"), "device": fit_info.get("device", "cpu"),
        "fit_info": {k: v for k, v in fit_info.items() if k != "params"},
    }
    return scored, predictions


def _plugin_failure(job: Job, exc: Exception) -> str:
    """A plugin this process cannot import: the error names the distributions the parent
    resolved the job's plugins from (every worker needs the same packages)."""
    origin = [f"{p.get('role')} {p.get('import_path')} from " + (
        f"{p['distribution']} {p.get('version')}" if p.get("distribution") else "no distribution")
        for p in job.plugin_list if p.get("import_path")]
    where = f"; the run resolved {', '.join(origin)}: install it on every worker" if origin else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _cache(ctx: WorkerContext) -> Any:
    from benchmark.cache import FeatureCache

    return FeatureCache(ctx.cache_root)
