"""End to end through the CLI: the smoke suite runs, records are complete, resume does no
work, a killed run resumes without losing or duplicating records, a failing job is recorded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.results import read_records

REPO = Path(__file__).resolve().parents[2]


def _env(cache_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SERBENCH_CACHE"] = str(cache_root)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture()
def smoke_args(cache_root, tiny_corpus):
    def make(out: Path, *extra: str) -> list[str]:
        return ["run", "--suite", "smoke", "--out", str(out), "--jobs", "2", "--no-progress",
                "--cache-dir", str(cache_root), *extra]

    return make


def test_smoke_suite_runs_and_resume_does_nothing(tmp_path, smoke_args):
    out = tmp_path / "run"
    assert main(smoke_args(out)) == 0
    recs = read_records(out / "records.jsonl")
    assert recs and all(r["status"] == "ok" for r in recs)
    # every record's predictions can be re-read and agree with its metrics
    import pandas as pd

    for r in recs:
        preds = pd.read_csv(out / "predictions" / f"{r['run_id']}.csv")
        assert len(preds) == r["n_test"]
        assert abs((preds["y_true"] == preds["y_pred"]).mean() - r["wa"]) < 1e-9
    # every deep record carries its learning curve and stop reason, also beside the predictions
    deep = [r for r in recs if r["family"] == "deep"]
    assert deep
    for r in deep:
        info = r["fit_info"]
        assert info["history"] and info["stop_reason"] in ("patience", "epoch_cap", "step_cap")
        curve = pd.read_csv(out / "predictions" / f"{r['run_id']}.curve.csv")
        assert len(curve) == len(info["history"]) and "val_ua" in curve.columns
    # every record names its fold's hash and its protocol's flags
    assert all(r["fold_hash"] and r["protocol_info"]["unit"] == "speaker" for r in recs)
    # all models saw identical folds
    by_fold = {}
    for r in recs:
        by_fold.setdefault(r["fold"], set()).add(tuple(r["test_speakers"]))
    assert all(len(v) == 1 for v in by_fold.values())
    assert (out / "report.md").exists() and (out / "results.csv").exists()
    assert list((out / "folds").glob("*.json"))
    n = len(recs)
    assert main(smoke_args(out, "--resume")) == 0
    assert len(read_records(out / "records.jsonl")) == n
    # without --resume an existing run folder is refused
    assert main(smoke_args(out)) == 2


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path, smoke_args, cache_root):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "benchmark", *smoke_args(out, "--no-report")]
    proc = subprocess.Popen(args, cwd=REPO, env=_env(cache_root), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = out / "records.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if records.exists() and records.read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = read_records(records)
    assert main(smoke_args(out, "--resume", "--no-report")) == 0
    after = read_records(records)
    ids = [r["run_id"] for r in after if r["status"] == "ok"]
    assert len(ids) == len(set(ids)), "a job was recorded twice"
    assert {r["run_id"] for r in before if r["status"] == "ok"} <= set(ids)
    planned = json.loads((out / "spec.json").read_text())["n_jobs"]
    assert len(ids) == planned


def test_failing_job_is_recorded_and_others_continue(tmp_path, smoke_args):
    out = tmp_path / "run"
    # svm with an impossible parameter fails inside fit; dummy must still succeed
    suite = tmp_path / "bad.toml"
    suite.write_text(
        'name = "bad"\ncorpora = ["synthetic"]\ncorpus_options = { size = "tiny" }\n'
        'protocols = ["speaker_loso"]\nmax_folds = 1\nprofile = "ci"\n'
        '[[runs]]\nmodels = ["dummy"]\nfeatures = ["mfcc13_stats"]\n'
        '[[runs]]\nmodels = ["svm"]\nfeatures = ["mfcc13_stats"]\n'
        '[runs.variants]\nbroken = { C = -1.0 }\n'
    )
    args = smoke_args(out, "--no-report")
    args[args.index("smoke")] = str(suite)
    assert main(args) == 1
    recs = read_records(out / "records.jsonl")
    status = {r["model"]: r for r in recs}
    assert status["svm"]["status"] == "failed" and status["svm"]["error"]
    assert status["dummy"]["status"] == "ok"
