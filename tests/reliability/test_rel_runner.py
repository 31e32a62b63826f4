"""Faults around the runner: a dying worker, a killed parent, a changed corpus under --resume,
skipped files in the run folder, speaker_norm refused, and the CLI's rough edges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import procs
import pytest

from benchmark.cli import main
from benchmark.results import read_records

REPO = Path(__file__).resolve().parents[2]


def _env(cache_root: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SERBENCH_CACHE=str(cache_root), MPLBACKEND="Agg",
               PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""), **extra)
    return env


def _smoke(out: Path, cache_root: Path, *extra: str) -> list[str]:
    return ["run", "--suite", "smoke", "--out", str(out), "--jobs", "2", "--no-progress",
            "--cache-dir", str(cache_root), *extra]


def _jobs():
    from benchmark.config import RunOptions, load_suite
    from benchmark.plan import plan_run

    suite = load_suite("smoke")
    return plan_run(suite, RunOptions(out=Path("unused"), progress=False)).jobs


# ------------------------------------------------------------------------ a worker that dies


@pytest.mark.parametrize("always", [False, True])
def test_a_dead_worker_loses_no_job(tmp_path, monkeypatch, cache_root, tiny_corpus, always):
    from benchmark.executors import LocalExecutor
    from benchmark.runner import run_jobs
    from benchmark.worker import WorkerContext

    sys.path.insert(0, str(Path(__file__).parent))
    import rel_jobs

    monkeypatch.setenv("SERBENCH_CACHE", str(cache_root))
    monkeypatch.setenv("REL_MARKER_DIR", str(tmp_path))
    if always:
        monkeypatch.setenv("REL_ALWAYS", "1")
    jobs = _jobs()
    results = []
    ctx = WorkerContext(manifests={}, fingerprints={}, cache_root=str(cache_root))
    ok, failed, _ = run_jobs(jobs, ctx, LocalExecutor(2), results.append, progress=False,
                             fn=rel_jobs.ok_or_die)
    ids = [r.record["run_id"] for r in results]
    assert sorted(ids) == sorted(j.run_id for j in jobs), "every job ends as exactly one record"
    if always:  # the culprit, retried alone, dies again: failed with the reason; the rest ok
        bad = [r.record for r in results if r.record["status"] == "failed"]
        assert failed == 1 and ok == len(jobs) - 1
        assert bad[0]["model"] == "svm" and bad[0]["fold"] == 0
        assert "died running this job, alone, twice" in bad[0]["error"]
    else:  # every job lost with the worker is retried and completes
        assert failed == 0 and ok == len(jobs)


# ------------------------------------------------------------------------- a killed process


def _start(out: Path, cache_root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmark", *_smoke(out, cache_root, "--no-report")],
                            cwd=REPO, env=_env(cache_root), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_workers(proc: subprocess.Popen, out: Path, n: int = 2) -> set[int]:
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        kids = procs.spawned_workers(proc.pid) if proc.poll() is None else set()
        if len(kids) >= n and (out / "records.jsonl").exists():
            return kids
        time.sleep(0.05)
    pytest.fail("the run never started its workers")


def _all_once(out: Path) -> None:
    recs = read_records(out / "records.jsonl")
    ids = [r["run_id"] for r in recs]
    planned = json.loads((out / "spec.json").read_text())["n_jobs"]
    assert len(ids) == len(set(ids)) == planned, "every planned job recorded exactly once"


def test_sigkill_of_the_parent_leaves_no_process_and_resume_completes(tmp_path, cache_root, tiny_corpus):
    out = tmp_path / "run"
    proc = _start(out, cache_root)
    workers = _wait_for_workers(proc, out)
    everyone = procs.descendants(proc.pid) | workers
    proc.send_signal(signal.SIGKILL)  # the parent only: its workers must follow by themselves
    proc.wait()
    time.sleep(5)
    assert not [p for p in everyone if procs.alive(p)], "processes of the run outlived its parent by 5 s"
    assert main(_smoke(out, cache_root, "--resume", "--no-report")) == 0
    _all_once(out)


def test_sigkill_of_one_worker_loses_no_job(tmp_path, cache_root, tiny_corpus):
    out = tmp_path / "run"
    proc = _start(out, cache_root)
    workers = _wait_for_workers(proc, out)
    os.kill(sorted(workers)[0], signal.SIGKILL)
    assert proc.wait(timeout=600) == 0
    _all_once(out)
    assert main(_smoke(out, cache_root, "--resume", "--no-report")) == 0
    _all_once(out)


# ------------------------------------------------------------------ resume on changed data


def _csv_corpus(tmp_path: Path, tiny_corpus, n: int | None = None) -> Path:
    m = tiny_corpus.manifest
    rows = m[["path", "label", "speaker"]].astype(str)
    if n is not None:
        rows = rows.iloc[:n]
    folder = tmp_path / "csvcorpus"
    folder.mkdir(exist_ok=True)
    rows.to_csv(folder / "manifest.csv", index=False)
    return folder


def _dummy_suite(tmp_path: Path) -> Path:
    suite = tmp_path / "mini.toml"
    suite.write_text('name = "mini"\nprotocols = ["speaker_loso"]\nmax_folds = 2\n'
                     '[[runs]]\nmodels = ["dummy"]\nfeatures = ["mfcc13_stats"]\n')
    return suite


def test_resume_refuses_a_changed_corpus_and_leaves_the_folder_untouched(tmp_path, cache_root,
                                                                          tiny_corpus, capsys):
    root = _csv_corpus(tmp_path, tiny_corpus, n=len(tiny_corpus.manifest) - 4)
    out = tmp_path / "run"
    args = ["run", "--suite", str(_dummy_suite(tmp_path)), "--corpus", "csv", "--data-root", str(root),
            "--out", str(out), "--jobs", "1", "--no-progress", "--no-report", "--cache-dir", str(cache_root)]
    assert main(args) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _csv_corpus(tmp_path, tiny_corpus)  # four files added
    assert main([*args, "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "differs from the one recorded" in err and "--out" in err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


# --------------------------------------------------------------------- skipped files recorded


def test_skipped_files_are_written_to_the_run_folder(tmp_path, cache_root, tiny_corpus):
    import numpy as np
    import soundfile as sf

    root = _csv_corpus(tmp_path, tiny_corpus)
    manifest = pd.read_csv(root / "manifest.csv")
    silent = root / "silent.wav"
    sf.write(str(silent), np.zeros(32000, dtype=np.float32), 16000)
    manifest.loc[len(manifest)] = [str(silent), manifest["label"][0], manifest["speaker"][0]]
    manifest.to_csv(root / "manifest.csv", index=False)
    out = tmp_path / "run"
    args = ["run", "--suite", str(_dummy_suite(tmp_path)), "--corpus", "csv", "--data-root", str(root),
            "--out", str(out), "--jobs", "1", "--no-progress", "--cache-dir", str(cache_root)]
    assert main(args) == 0
    skipped = pd.read_csv(out / "skipped.csv")
    row = skipped[skipped["utt_id"] == "silent"].iloc[0]
    assert row["stage"] == "load" and "silent" in row["reason"]
    assert "skipped" in (out / "report.md").read_text().lower()


def test_feature_failures_drop_the_utterance_for_every_system(tmp_path, tiny_corpus):
    from benchmark.fold_data import build_fold_data
    from benchmark.splits import make_folds

    m = tiny_corpus.manifest
    fold = make_folds("speaker_loso", m, 0)[0]
    gone = fold.test[0]

    import numpy as np

    from benchmark.features.compute import FeatureTable
    from benchmark.jobs import Job

    table = FeatureTable("x", "functionals", ["a", "b", "c"],
                         values={u: np.ones(3, np.float32) for u in m["utt_id"].astype(str)})
    job = Job(suite="t", corpus="synthetic", label_set=None, protocol="speaker_loso", fold=fold,
              n_folds=1, fold_key="k", model="dummy", family="classical", features="x",
              variant="default", params=(), augmentation="none", seed=0, profile="ci", sr=16000)
    data = build_fold_data(job, {"synthetic": m}, lambda *a: table, None, model_input="functionals",
                           unit="speaker", leaky=False, excluded={gone})
    assert gone not in data.test_ids and len(data.test_ids) == len(fold.test) - 1


# ------------------------------------------------------------------------ speaker_norm refused


def test_speaker_norm_on_single_emotion_speakers_is_a_recorded_skip(tmp_path, cache_root, tiny_corpus):
    m = tiny_corpus.manifest
    labels = sorted(m["label"].unique())
    root = tmp_path / "talkshow"
    root.mkdir()
    rows = m[["path", "label"]].astype(str).copy()
    # every speaker carries one emotion: the speaker gives the label away
    rows["speaker"] = ["spk_" + lab for lab in rows["label"]]
    rows.to_csv(root / "manifest.csv", index=False)
    suite = tmp_path / "norm.toml"
    suite.write_text('name = "norm"\nprotocols = ["speaker_loso"]\nmax_folds = 1\n'
                     '[[runs]]\nmodels = ["dummy"]\nfeatures = ["mfcc13_stats"]\n'
                     '[runs.variants]\nspeaker_norm = { speaker_norm = true }\n')
    out = tmp_path / "run"
    args = ["run", "--suite", str(suite), "--corpus", "csv", "--data-root", str(root), "--out", str(out),
            "--jobs", "1", "--no-progress", "--no-report", "--cache-dir", str(cache_root)]
    assert main(args) == 0
    rec = read_records(out / "records.jsonl")[0]
    assert rec["status"] == "skipped" and "speaker_norm refused" in rec["error"]
    assert len(labels) > 1


# ------------------------------------------------------------------------------ CLI edges


def test_cli_bad_values_are_one_line_errors(tmp_path, capsys):
    assert main(["run", "--suite", "smoke", "--seeds", "a", "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.strip() == "error: --seeds expects comma-separated integers, got 'a'"
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert main(["run", "--suite", "smoke", "--only", "modle=svm", "--dry-run"]) == 2
    assert "did you mean 'model'" in capsys.readouterr().err


def test_cli_only_reports_values_that_match_nothing(capsys):
    assert main(["run", "--suite", "smoke", "--only", "model=svm,knn", "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "knn matched no job" in err


def test_a_run_that_fails_before_planning_leaves_no_folder(tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["run", "--suite", "classical", "--corpus", "emodb", "--data-root",
                 str(tmp_path / "missing"), "--out", str(out), "--no-progress"]) == 2
    assert not out.exists()
    assert main(["run", "--suite", "smoke", "--only", "model=svmm", "--dry-run"]) == 0
    assert "did you mean 'svm'?" in capsys.readouterr().err
