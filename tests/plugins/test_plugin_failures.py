"""A plugin that raises in fit is a failed record with its error and the other jobs go on; a
worker that cannot import a plugin names the distribution the run resolved it from; ``--only``
selects plugins by the name the suite gives them."""

from __future__ import annotations

from dataclasses import replace

from benchmark.cli import main
from benchmark.config import RunOptions, load_suite
from benchmark.plan import plan_run
from benchmark.results import read_records
from benchmark.worker import WorkerContext, run_job

SUITE = """
name = "plugin_failures"
corpora = ["synthetic"]
corpus_options = { size = "tiny" }
protocols = ["speaker_loso"]

[[runs]]
models = ["toy_plugins:RaisesInFit", "sklearn.naive_bayes:GaussianNB"]
features = ["toy_plugins:energy_stats"]
"""


def _suite(tmp_path):
    path = tmp_path / "failures.toml"
    path.write_text(SUITE)
    return path


def test_a_plugin_raising_in_fit_is_a_failed_record_and_the_others_go_on(tmp_path, cache_root, tiny_corpus):
    out = tmp_path / "run"
    rc = main(["run", "--suite", str(_suite(tmp_path)), "--out", str(out), "--jobs", "2", "--no-progress",
               "--no-report", "--cache-dir", str(cache_root)])
    assert rc == 1  # some job failed
    recs = read_records(out / "records.jsonl")
    assert len(recs) == 8
    for rec in recs:
        if rec["model"] == "toy_plugins:RaisesInFit":
            assert rec["status"] == "failed" and "toy plugin refuses to fit" in rec["error"]
        else:
            assert rec["status"] == "ok" and rec["plugins"][0]["distribution"] == "scikit-learn"


def test_a_worker_that_cannot_import_a_plugin_names_its_distribution(tmp_path, cache_root, tiny_corpus):
    suite = load_suite(_suite(tmp_path))
    plan = plan_run(suite, RunOptions(out=tmp_path / "unused", progress=False, cache_dir=cache_root))
    gone = {"role": "model", "name": "gone", "import_path": "gone_pkg.models:Thing",
            "distribution": "gone-dist", "version": "1.2", "entry_point": "gone", "source_sha256": None,
            "family": "classical"}
    job = replace(plan.jobs[0], model="gone_pkg.models:Thing", plugins=(tuple(sorted(gone.items())),))
    ctx = WorkerContext(manifests=plan.manifests, fingerprints=plan.fingerprints,
                        cache_root=str(cache_root / "features"))
    rec = run_job(job, ctx).record
    assert rec["status"] == "failed"
    assert "cannot import module 'gone_pkg.models'" in rec["error"]
    assert "gone-dist 1.2" in rec["error"] and "install it on every worker" in rec["error"]


def test_only_selects_a_plugin_by_its_suite_name(tmp_path, capsys):
    assert main(["run", "--suite", str(_suite(tmp_path)), "--out", str(tmp_path / "run"), "--dry-run",
                 "--only", "model=sklearn.naive_bayes:GaussianNB"]) == 0
    out = capsys.readouterr().out
    assert "sklearn.naive_bayes:GaussianNB" in out and "RaisesInFit" not in out
