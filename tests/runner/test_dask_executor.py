"""The Dask executor (``--executor dask``): the smoke suite gives the local metrics job for job,
a killed Dask worker loses no record, ``--resume`` after a killed parent runs no finished job
twice, deep jobs go to workers with a GPU resource, Dask's own failures are one-line errors,
and the local path never imports Dask. No Dask process outlives a test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import dask_jobs  # noqa: E402  (beside this file; Dask's workers import it by name)
import procs  # noqa: E402

from benchmark.cli import main  # noqa: E402
from benchmark.results import read_records  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
METRICS = ("wa", "ua", "macro_f1", "confusion")


def _env(cache_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SERBENCH_CACHE=str(cache_root), MPLBACKEND="Agg",
               PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def _smoke(out: Path, cache_root: Path, *extra: str) -> list[str]:
    return ["run", "--suite", "smoke", "--out", str(out), "--jobs", "2", "--no-progress",
            "--no-report", "--cache-dir", str(cache_root), *extra]


DASK = ("--executor", "dask", "--dask-workers", "2")


@pytest.fixture(autouse=True)
def no_dask_process_survives():
    """Every process this test started (in-process LocalClusters included) is gone at its end
    (but multiprocessing's resource tracker: one per interpreter, it lives as long as pytest)."""
    before = procs.descendants(os.getpid())
    yield
    left = {p for p in procs.descendants(os.getpid()) - before
            if "resource_tracker" not in procs.cmdline(p)}
    survivors = procs.reap(left, within=15)
    assert not survivors, f"processes outlived the test: {[procs.cmdline(p) for p in survivors]}"


def _jobs(cache_root: Path):
    from benchmark.config import RunOptions, load_suite
    from benchmark.plan import plan_run

    opts = RunOptions(out=Path("unused"), progress=False, cache_dir=cache_root)
    return plan_run(load_suite("smoke"), opts).jobs


def _ctx(cache_root: Path):
    from benchmark.worker import WorkerContext

    return WorkerContext(manifests={}, fingerprints={}, cache_root=str(cache_root))


def _all_once(out: Path) -> list[dict]:
    recs = read_records(out / "records.jsonl")
    ids = [r["run_id"] for r in recs]
    planned = json.loads((out / "spec.json").read_text())["n_jobs"]
    assert len(ids) == len(set(ids)) == planned, "every planned job is recorded exactly once"
    return recs


# ------------------------------------------------------------- the same numbers as locally

_NO_DASK = """\
import json, sys
from benchmark.cli import main
rc = main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed"))))
sys.exit(rc)
"""


@pytest.fixture(scope="module")
def local_smoke(tmp_path_factory, cache_root, tiny_corpus):
    """The smoke suite run locally in a fresh interpreter; returns (run folder, Dask modules it
    imported)."""
    out = tmp_path_factory.mktemp("local") / "run"
    proc = subprocess.run([sys.executable, "-c", _NO_DASK, *_smoke(out, cache_root)], cwd=REPO,
                          env=_env(cache_root), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_local_path_never_imports_dask(local_smoke):
    _, modules = local_smoke
    assert modules == [], f"--executor local imported {modules}"


def test_dask_gives_the_local_metrics_and_predictions_job_for_job(tmp_path, cache_root, local_smoke):
    local, _ = local_smoke
    out = tmp_path / "run"
    assert main(_smoke(out, cache_root, *DASK)) == 0
    mine = {r["run_id"]: r for r in _all_once(out)}
    theirs = {r["run_id"]: r for r in read_records(local / "records.jsonl")}
    assert mine.keys() == theirs.keys() and len(mine) == 6
    for run_id, rec in mine.items():
        assert rec["status"] == theirs[run_id]["status"] == "ok"
        for key in METRICS:
            assert rec[key] == theirs[run_id][key], f"{rec['model']} fold {rec['fold']}: {key}"
        name = f"predictions/{run_id}.csv"
        assert (out / name).read_bytes() == (local / name).read_bytes(), name
    # only the parent wrote the run folder: nothing but what the runner writes
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in local.iterdir())


# ------------------------------------------------------------------ a worker that dies


@pytest.mark.parametrize("always", [False, True], ids=["once", "every_time"])
def test_a_dask_worker_dying_mid_job_loses_no_job(tmp_path, monkeypatch, cache_root, tiny_corpus,
                                                  always):
    from benchmark.executors import DaskExecutor
    from benchmark.runner import run_jobs

    monkeypatch.setenv("DASK_MARKER_DIR", str(tmp_path))
    if always:
        monkeypatch.setenv("DASK_ALWAYS", "1")
    jobs = _jobs(cache_root)
    results = []
    ok, failed, _ = run_jobs(jobs, _ctx(cache_root), DaskExecutor(2), results.append,
                             progress=False, fn=dask_jobs.ok_or_die)
    ids = [r.record["run_id"] for r in results]
    assert sorted(ids) == sorted(j.run_id for j in jobs), "every job ends as exactly one record"
    if always:  # the culprit, retried alone, dies again: failed with the reason; the rest ok
        bad = [r.record for r in results if r.record["status"] == "failed"]
        assert failed == 1 and ok == len(jobs) - 1
        assert bad[0]["model"] == "svm" and bad[0]["fold"] == 0
        assert "died running this job, alone, twice" in bad[0]["error"]
        assert "KilledWorker" in bad[0]["error"]
    else:  # the lost job is retried and completes, and so does everything else
        assert failed == 0 and ok == len(jobs)


def _start(out: Path, cache_root: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmark", *_smoke(out, cache_root, *extra)],
                            cwd=REPO, env=_env(cache_root), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _deep_workers_busy(proc: subprocess.Popen, out: Path, cache_root: Path, cpu: float
                       ) -> set[int]:
    """Wait for the deep phase (every classical job recorded, a fresh LocalCluster) and for
    its two workers to have spent ``cpu`` seconds each (imports done, a fit under way)."""
    n_classical = sum(j.family == "classical" for j in _jobs(cache_root))
    records = out / "records.jsonl"
    classical: set[int] = set()
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        workers = procs.spawned_workers(proc.pid)
        done = records.read_text().count("\n") if records.exists() else 0
        if done < n_classical:
            classical |= workers
        else:
            deep = workers - classical
            if len(deep) >= 2 and all(procs.cpu_seconds(p) >= cpu for p in deep):
                return deep
        time.sleep(0.05)
    pytest.fail(f"the run never reached its deep phase (rc {proc.poll()})")


def test_killing_a_dask_worker_mid_run_loses_no_record(tmp_path, cache_root, tiny_corpus):
    out = tmp_path / "run"
    proc = _start(out, cache_root, *DASK)
    try:
        victim = sorted(_deep_workers_busy(proc, out, cache_root, cpu=2.0))[0]
        everyone = procs.descendants(proc.pid)
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not procs.reap(everyone, within=5), "Dask processes outlived the run"
    assert proc.returncode == 0, err[-3000:]
    assert "note: a worker died (KilledWorker)" in err, "the kill hit no job in flight"
    assert " - ERROR - " not in err, "no Dask ERROR line for a job that succeeds on retry"
    recs = _all_once(out)
    assert all(r["status"] == "ok" for r in recs)


# ----------------------------------------------------------------- a killed parent, resumed


def test_resume_after_killing_the_parent_runs_no_finished_job_twice(tmp_path, cache_root, tiny_corpus):
    out = tmp_path / "run"
    proc = _start(out, cache_root, *DASK)
    try:
        _deep_workers_busy(proc, out, cache_root, cpu=0.5)
        everyone = procs.descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)  # the parent only: its Dask workers must follow
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    survivors = procs.reap(everyone, within=5)
    assert not survivors, "Dask processes outlived their parent by 5 s"
    before = read_records(out / "records.jsonl")
    assert before and all(r["status"] == "ok" for r in before)
    assert main(_smoke(out, cache_root, "--resume", *DASK)) == 0
    after = _all_once(out)
    assert after[: len(before)] == before, "finished jobs were left as they were"
    assert {r["run_id"] for r in after[len(before):]}.isdisjoint(r["run_id"] for r in before)


# ------------------------------------------------------------------- an external cluster


@pytest.fixture(scope="module")
def mixed_cluster():
    """An external scheduler with two in-process workers, one started with ``GPU=1``."""
    from distributed import Scheduler, SpecCluster, Worker

    worker = {"cls": Worker, "options": {"nthreads": 1}}
    gpu = {"cls": Worker, "options": {"nthreads": 1, "resources": {"GPU": 1}}}
    cluster = SpecCluster(
        scheduler={"cls": Scheduler, "options": {"dashboard_address": "127.0.0.1:0", "host": "127.0.0.1"}},
        workers={"cpu": worker, "gpu": gpu}, silence_logs=40,
    )
    yield cluster
    cluster.close()


def test_deep_jobs_asking_for_a_gpu_run_on_gpu_workers(mixed_cluster, cache_root, tiny_corpus):
    from benchmark.executors import DaskExecutor
    from benchmark.runner import run_jobs

    jobs = _jobs(cache_root)
    results = []
    executor = DaskExecutor(1, scheduler=mixed_cluster.scheduler_address)
    ok, failed, _ = run_jobs(jobs, _ctx(cache_root), executor, results.append, progress=False,
                             gpu=lambda job: job.family == "deep", fn=dask_jobs.where_ran)
    assert ok == len(jobs) and failed == 0
    ran_on = {r.record["run_id"]: r.record["error"] for r in results}
    deep = [j for j in jobs if j.family == "deep"]
    assert deep and all(ran_on[j.run_id] == "gpu" for j in deep)


def test_device_cuda_asks_for_a_gpu_for_deep_jobs_only(tmp_path, monkeypatch, cache_root,
                                                       tiny_corpus):
    from benchmark.executors import DaskExecutor

    asked = []
    submit = DaskExecutor.submit

    def recording(self, fn, job, *args, gpu=False):
        asked.append((job.family, gpu))
        return submit(self, fn, job, *args, gpu=gpu)

    monkeypatch.setattr(DaskExecutor, "submit", recording)
    out = tmp_path / "run"
    # deep fits fail without CUDA on this machine (recorded as failed): only the asking matters
    main(_smoke(out, cache_root, *DASK, "--device", "cuda", "--only", "model=dummy,emotech_cnn_bilstm"))
    assert sorted(set(asked)) == [("classical", False), ("deep", True)]
    assert len(_all_once(out)) == len(asked)


def test_dask_failures_outside_the_job_are_one_line_executor_errors(mixed_cluster, cache_root,
                                                                      tiny_corpus):
    from benchmark.executors import DaskExecutor, ExecutorError

    job = _jobs(cache_root)[0]
    with DaskExecutor(1, scheduler=mixed_cluster.scheduler_address) as executor:
        fut = executor.submit(dask_jobs.raise_outside_run_job, job, _ctx(cache_root))
        with pytest.raises(ExecutorError, match="could not run a job.*boom outside run_job"):
            fut.result(timeout=60)
        fut = executor.submit(dask_jobs.sleep_then_ok, job, _ctx(cache_root))
        executor._client.cancel(list(executor._executors[False]._futures))
        with pytest.raises(ExecutorError, match="rerun with --resume"):
            fut.result(timeout=60)


def test_an_unreachable_scheduler_is_an_executor_error():
    from benchmark.executors import DaskExecutor, ExecutorError

    with pytest.raises(ExecutorError, match="cannot start Dask on tcp://127.0.0.1:9"):
        with DaskExecutor(1, scheduler="tcp://127.0.0.1:9", connect_timeout=1):
            pass
