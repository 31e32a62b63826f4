"""``export``: choose a system of a run, refit it on the whole corpus, write the model folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.export import ExportError
from benchmark.export.artefacts import (
    FORMAT,
    FORMAT_VERSION,
    ONNX_FILE,
    library_versions,
    save_classical,
    save_deep,
    write_model_json,
)
from benchmark.export.recipe import Fitted, fit_system
from benchmark.export.system import cross_validated_ua, select


@dataclass
class Exported:
    folder: Path
    meta: dict[str, Any]
    fitted: Fitted


def _prepare(folder: Path, force: bool) -> None:
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise ExportError(f"{folder} is not empty; choose another --out or pass --force")
        if not (folder / "model.json").is_file():
            raise ExportError(f"{folder} holds files but no model.json; refusing to overwrite it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


def _extractor(key: str) -> dict[str, Any]:
    """The feature set as ``predict`` resolves it: ``key`` is what the job ran (a declared
    set's self-describing key, a plugin's import path or a built-in name), ``name`` what the
    report calls it."""
    from benchmark.features import get_extractor
    from benchmark.features.declared import display_name

    ex = get_extractor(key)
    return {"name": display_name(key), "key": key, "kind": ex.kind, "dim": ex.dim,
            "params": dict(ex.params)}


def export_system(run_dir: str | Path, system: str, out: str | Path, *, onnx: bool = False,
                  corpus: str | None = None, protocol: str | None = None, seed: int | None = None,
                  suite: str | None = None, data_root: str | None = None, device: str | None = None,
                  jobs: int = 1, force: bool = False, progress: bool = False) -> Exported:
    """Refit ``system`` of the run in ``run_dir`` on its whole corpus and save it in ``out``."""
    from benchmark.provenance import git_sha, utc_now
    from reports.load import load_run

    run_dir, folder = Path(run_dir), Path(out)
    run = load_run(run_dir)
    sel = select(run.ok, system, corpus=corpus, protocol=protocol, seed=seed)
    if onnx and sel.records[0].get("family") != "deep":
        raise ExportError(f"--onnx is for deep models; {sel.name} is {sel.records[0].get('family')}")
    cv = cross_validated_ua(run, sel)
    fitted = fit_system(run_dir, sel, suite=suite, data_root=data_root, device=device, jobs=jobs,
                        progress=progress)
    job, model = fitted.job, fitted.model
    _prepare(folder, force)
    meta: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "system": {"name": sel.name, "model": job.model, "family": job.family,
                   "features": job.features, "variant": job.variant,
                   "augmentation": job.augmentation, "params": job.param_dict, "seed": job.seed,
                   "profile": job.profile},
        "classes": [str(c) for c in model.classes_],
        "features": {**_extractor(job.features), "model_input": fitted.model_input},
        "sample_rate": int(job.sr),
        "cross_validated": cv,
        "training": _training(fitted, run_dir, sel),
        "versions": library_versions(),
        "git_sha": git_sha(),
        "exported_at": utc_now(),
    }
    if job.family == "deep":
        meta["deep"] = save_deep(model, folder)
        if onnx:
            from benchmark.export.onnx_export import export_onnx

            np.savez(folder / "scaler.npz", mean=model.scaler_.mean, std=model.scaler_.std)
            meta["onnx"] = export_onnx(model, meta["deep"], folder / ONNX_FILE,
                                       list(fitted.data.X_train[:64]))
    else:
        meta["classical"] = save_classical(model, folder, job.model)
    write_model_json(folder, meta)
    return Exported(folder, meta, fitted)


def _training(fitted: Fitted, run_dir: Path, sel: Any) -> dict[str, Any]:
    """What the model was fitted on, and the run it comes from."""
    from benchmark.export.recipe import read_spec

    spec = read_spec(run_dir)
    job, data, plan = fitted.job, fitted.data, fitted.plan
    manifest = plan.manifests[job.corpus]
    info = dict(getattr(fitted.model, "fit_info_", {}) or {})
    used = set(data.train_ids) | set(data.val_ids)
    return {
        "run_dir": str(run_dir.resolve()),
        "suite": spec.get("suite"),
        "corpus": job.corpus,
        "label_set": job.label_set,
        "corpus_fingerprint": plan.fingerprints.get(job.corpus),
        "audio_sha256": _audio_digest(manifest),
        "n_utterances": int(len(manifest)),
        "n_used": len({u.split("~")[0] for u in used}),
        "n_speakers": int(manifest["speaker"].nunique()) if "speaker" in manifest else None,
        "n_train_items": len(data.train_ids),
        "n_val_items": len(data.val_ids),
        "protocol_of_recipe": job.protocol,
        "group_unit": data.group_unit,
        "run_fold_hashes": list((spec.get("fold_sets") or {}).get(fitted.run_job.fold_key, [])),
        "export_fold": {"hash": job.fold.hash, **job.fold.info},
        "recipe_run_id": fitted.run_job.run_id,
        "fit_s": round(fitted.fit_s, 3),
        "params": info.get("params"),
        "selection": {k: v for k, v in (info.get("selection") or {}).items() if k != "candidates"},
        "validation": info.get("validation"),
        "best_epoch": info.get("best_epoch"),
        "refit_full": info.get("refit_full"),
        "stop_reason": info.get("stop_reason"),
    }


def _audio_digest(manifest: Any) -> str:
    """sha256 over every (utt_id, file content sha256) of the corpus: the manifest fingerprint
    cannot see a file whose samples changed in place (the hashes are the feature cache's own,
    memoised, so this reads no file twice)."""
    import hashlib

    from benchmark.cache import file_sha256

    pairs = sorted(f"{u}:{file_sha256(p)}" for u, p in zip(manifest["utt_id"].astype(str),
                                                          manifest["path"].astype(str), strict=True))
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()
