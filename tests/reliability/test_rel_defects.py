"""The defects a 40-probe audit found (issue #26): nothing lost, nothing mixed.

Two runs into one folder, a folder of the user's own files, a tolerance that is not a number of
points, audio changed in place under ``--resume``, an ``--out`` that cannot be made, worker
counts below 1, misleading or hidden messages, a corpus with fewer speakers than a protocol's
groups, ``--device cuda`` without CUDA, and a cache entry whose values changed. Every test runs
the dummy model on the tiny synthetic corpus (or a CSV corpus made of its files).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from benchmark.cli import main
from benchmark.results import read_records

REPO = Path(__file__).resolve().parents[2]


def _env(cache_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SERBENCH_CACHE=str(cache_root), MPLBACKEND="Agg",
               PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def _suite(tmp_path: Path, protocols: str = '["speaker_loso"]', extra: str = "") -> Path:
    suite = tmp_path / "mini.toml"
    suite.write_text(f'name = "mini"\ncorpora = ["synthetic"]\ncorpus_options = {{ size = "tiny" }}\n'
                     f'protocols = {protocols}\nmax_folds = 2\n{extra}'
                     '[[runs]]\nmodels = ["dummy"]\nfeatures = ["mfcc13_stats"]\n')
    return suite


def _args(suite: Path, out: Path, cache_root: Path, *extra: str) -> list[str]:
    return ["run", "--suite", str(suite), "--out", str(out), "--jobs", "1", "--no-progress",
            "--no-report", "--cache-dir", str(cache_root), *extra]


def _csv_corpus(tmp_path: Path, tiny_corpus) -> Path:
    """A CSV corpus holding copies of the tiny corpus's files (so a test may change them)."""
    folder = tmp_path / "csvcorpus"
    (folder / "wav").mkdir(parents=True)
    rows = []
    for r in tiny_corpus.manifest.itertuples():
        dst = folder / "wav" / Path(r.path).name
        dst.write_bytes(Path(r.path).read_bytes())
        rows.append({"path": f"wav/{dst.name}", "label": r.label, "speaker": r.speaker})
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
    return folder


def _last_err(capsys) -> str:
    return capsys.readouterr().err.strip().splitlines()[-1]


# ------------------------------------------------------------------- 1. one run per folder


def test_two_runs_started_at_once_into_one_folder(tmp_path, cache_root, tiny_corpus):
    suite = _suite(tmp_path)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "benchmark", *_args(suite, out, cache_root)]
    procs = [subprocess.Popen(cmd, cwd=REPO, env=_env(cache_root), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    refusal = next(err for rc, err in results if rc == 2).strip().splitlines()
    assert len(refusal) == 1, refusal
    # the second run is refused by the lock while the first runs, or after it by its records
    assert "in use by another serbench run (pid" in refusal[0] or "already holds a run" in refusal[0]
    ids = [r["run_id"] for r in read_records(out / "records.jsonl")]
    planned = json.loads((out / "spec.json").read_text())["n_jobs"]
    assert len(ids) == len(set(ids)) == planned, "every job recorded exactly once"


def test_a_locked_folder_names_the_process_holding_it(tmp_path, cache_root, tiny_corpus, capsys):
    from benchmark.run_folder import RunLock

    out = tmp_path / "run"
    out.mkdir()
    with RunLock(out):
        assert main(_args(_suite(tmp_path), out, cache_root)) == 2
        err = _last_err(capsys)
        assert f"in use by another serbench run (pid {os.getpid()})" in err and "--out" in err
        assert not (out / "records.jsonl").exists()
    # a holder that dies (here: releases) leaves no stale lock behind
    assert main(_args(_suite(tmp_path), out, cache_root)) == 0


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    from benchmark.run_folder import RunLock

    out = tmp_path / "run"
    out.mkdir()
    code = f"from benchmark.run_folder import RunLock; from pathlib import Path; import time\n" \
           f"RunLock(Path({str(out)!r})).acquire(); print('locked', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    holder.stdout.close()
    RunLock(out).acquire().release()


# ------------------------------------------------------- 2. and 5. where a run may write


def test_a_folder_of_the_users_own_files_is_not_written_into(tmp_path, cache_root, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "results.csv").write_text("my,own\n1,2\n")
    for extra in ((), ("--resume",)):
        assert main(_args(_suite(tmp_path), out, cache_root, *extra)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "not a serbench run (results.csv)" in err[0], err
        assert sorted(p.name for p in out.iterdir()) == ["results.csv"]
        assert (out / "results.csv").read_text() == "my,own\n1,2\n"


def test_an_out_that_cannot_be_created_is_one_line(tmp_path, cache_root, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for out in (blocker / "run", blocker / "deeper" / "run", blocker):
        assert main(_args(_suite(tmp_path), out, cache_root)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: --out") and "file" in err[0], err


def test_an_uncreatable_out_after_planning_is_one_line(tmp_path, cache_root, monkeypatch):
    from benchmark.plan import RunError
    from benchmark.run_folder import make_out

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(RunError, match=r"^--out .*cannot be created \(Permission denied\)$"):
        make_out(tmp_path / "new")


# -------------------------------------------------------------------- 3. check --tolerance


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1"])
def test_check_tolerance_must_be_a_finite_non_negative_number(tmp_path, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", str(tmp_path), "--baseline", str(tmp_path / "b.json"), f"--tolerance={value}"])
    assert exc.value.code == 2
    assert "--tolerance: tolerance must be a finite number of points >= 0" in capsys.readouterr().err


def test_check_api_refuses_a_nan_tolerance(tmp_path):
    from benchmark.regression import RegressionError, check

    with pytest.raises(RegressionError, match="finite"):
        check(tmp_path, tmp_path / "b.json", tolerance=float("nan"))


# ------------------------------------------------------------ 4. audio changed in place


def test_resume_refuses_audio_changed_in_place(tmp_path, cache_root, tiny_corpus, capsys):
    root = _csv_corpus(tmp_path, tiny_corpus)
    out = tmp_path / "run"
    args = _args(_suite(tmp_path), out, cache_root, "--corpus", "csv", "--data-root", str(root))
    assert main(args) == 0
    victim = sorted((root / "wav").iterdir())[3]
    data, sr = sf.read(str(victim), dtype="float32")
    sf.write(str(victim), data * 0.5, sr)  # same name, same label, other samples
    before = (out / "records.jsonl").read_bytes()
    assert main([*args, "--resume"]) == 2
    err = _last_err(capsys)
    assert "changed since the run started" in err and victim.name in err and "--out" in err
    assert (out / "records.jsonl").read_bytes() == before


# ------------------------------------------------------------------ 6. worker counts


@pytest.mark.parametrize("flag", [["--jobs", "0"], ["--jobs", "-1"],
                                  ["--executor", "dask", "--dask-workers", "0"]])
def test_worker_counts_below_one_are_refused(tmp_path, flag, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--suite", "smoke", "--out", str(tmp_path / "r"), *flag])
    assert exc.value.code == 2
    assert "expects an integer of at least 1" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------------- 7. messages


def test_resume_with_other_seeds_says_so(tmp_path, cache_root, tiny_corpus, capsys):
    out = tmp_path / "run"
    args = _args(_suite(tmp_path), out, cache_root)
    assert main([*args, "--seeds", "0,1"]) == 0
    assert main([*args, "--seeds", "0", "--resume"]) == 2
    err = _last_err(capsys)
    assert "seeds 0 differ from the seeds 0,1 recorded" in err and "--seeds 0,1" in err


def test_a_garbage_line_in_records_is_located(tmp_path, cache_root, tiny_corpus, capsys):
    from benchmark.results import bad_lines

    out = tmp_path / "run"
    args = _args(_suite(tmp_path), out, cache_root)
    assert main(args) == 0
    lines = (out / "records.jsonl").read_text().splitlines(keepends=True)
    lines.insert(1, "hello world\n")
    lines.append(lines[0][:40] + "\n")  # a record cut short
    (out / "records.jsonl").write_text("".join(lines))
    assert bad_lines(out / "records.jsonl") == [(2, "not valid JSON"),
                                                 (len(lines), "cut short by an interrupted write")]
    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"line(s) 2 not valid JSON; line(s) {len(lines)} cut short" in err


def test_failed_jobs_are_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    from benchmark.commands import run_cmd
    from benchmark.runner import RunSummary

    rec = {"model": "svm", "corpus": "emodb", "protocol": "speaker_loso", "fold": 3,
           "error": "Traceback (most recent call last):\n  ...\nValueError: C must be > 0"}
    summary = RunSummary(tmp_path, 4, 0, 3, 1, 0, {}, [rec])
    monkeypatch.setattr("benchmark.runner.run_suite", lambda suite, opts: summary)
    assert run_cmd.main(run_cmd_args(tmp_path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: 1 job(s) failed; first: svm on emodb speaker_loso fold 3: ValueError: "
                   "C must be > 0 (every reason is in records.jsonl and report.md)"]


def run_cmd_args(out: Path):
    from benchmark.cli import build_parser

    return build_parser().parse_args(["run", "--suite", "smoke", "--out", str(out), "--no-report"])


def test_a_merge_that_refuses_a_system_says_so_on_stderr(tmp_path, cache_root, tiny_corpus, capsys):
    root = _csv_corpus(tmp_path, tiny_corpus)
    suite = _suite(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(_args(suite, a, cache_root, "--corpus", "csv", "--data-root", str(root))) == 0
    m = pd.read_csv(root / "manifest.csv")
    m.iloc[:-6].to_csv(root / "manifest.csv", index=False)  # other files: other folds
    assert main(_args(suite, b, cache_root, "--corpus", "csv", "--data-root", str(root))) == 0
    capsys.readouterr()
    assert main(["report", str(a), str(b), "--out", str(tmp_path / "both"), "--no-figures"]) == 0
    err = capsys.readouterr().err
    assert "warning: report leaves out" in err and "folds differ" in err


def test_sigterm_says_how_to_resume_and_leaks_nothing(tmp_path, cache_root, tiny_corpus):
    out = tmp_path / "run"
    suite = _suite(tmp_path, extra="seeds = [0, 1, 2, 3, 4, 5]\n")
    proc = subprocess.Popen([sys.executable, "-m", "benchmark", *_args(suite, out, cache_root, "--jobs", "2")],
                            cwd=REPO, env=_env(cache_root), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "records.jsonl").exists() and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before SIGTERM arrived")
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err and "--resume" in err
    assert "leaked semaphore" not in err and "Traceback" not in err, err


def test_dask_ctrl_c_is_quick_and_quiet(tmp_path, cache_root, tiny_corpus):
    pytest.importorskip("distributed")
    import procs

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "benchmark", "run", "--suite", "smoke", "--out", str(out), "--jobs", "2",
           "--no-progress", "--no-report", "--cache-dir", str(cache_root), "--executor", "dask",
           "--dask-workers", "2"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(cache_root), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    while time.time() < deadline and not (out / "records.jsonl").exists() and proc.poll() is None:
        time.sleep(0.05)
    everyone = procs.descendants(proc.pid)
    t0 = time.time()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, err = proc.communicate(timeout=60)
    took = time.time() - t0
    if proc.returncode == 0:
        pytest.skip("the run finished before Ctrl-C arrived")
    assert not procs.reap(everyone, within=5), "Dask processes outlived the run"
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "--resume" in err, err
    assert took < 8, f"Ctrl-C took {took:.1f} s"


def test_flac_and_mp3_in_a_data_root_are_read_or_listed(tmp_path, tiny_corpus):
    from benchmark.datasets import load_corpus
    from benchmark.datasets.base import AUDIO_SUFFIXES

    root = tmp_path / "emodb"
    root.mkdir()
    src = tiny_corpus.manifest["path"].tolist()
    names = ["03a01Fa", "03a01Wa", "08a01Na", "08a01Ta", "10a01Fa", "10a01Wa"]
    for k, name in enumerate(names):
        data, sr = sf.read(src[k], dtype="float32")
        sf.write(str(root / f"{name}.wav"), data, sr)
    data, sr = sf.read(src[7], dtype="float32")
    sf.write(str(root / "11a01Fa.flac"), data, sr)
    if ".mp3" in AUDIO_SUFFIXES:
        sf.write(str(root / "11a01Wa.mp3"), data, sr, format="MP3")
    (root / "12a01Fa.m4a").write_bytes(b"\0" * 64)
    corpus = load_corpus("emodb", root)
    ids = set(corpus.manifest["utt_id"])
    assert "11a01Fa" in ids, "flac is read"
    assert ("11a01Wa" in ids) == (".mp3" in AUDIO_SUFFIXES)
    reasons = {Path(p.path).name: p.reason for p in corpus.problems}
    assert "audio format not read: .m4a" in reasons["12a01Fa.m4a"]


def test_run_help_says_how_csv_paths_resolve(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "resolve against the CSV's folder" in " ".join(capsys.readouterr().out.split())


# ---------------------------------------------------------------------- 8. few speakers


def test_fewer_speakers_than_groups_falls_back_to_loso_and_keeps_the_rest(tmp_path, cache_root,
                                                                          tiny_corpus, capsys):
    assert tiny_corpus.manifest["speaker"].nunique() < 5
    suite = _suite(tmp_path, protocols='["speaker_kfold5", "random_kfold5"]')
    out = tmp_path / "run"
    assert main(_args(suite, out, cache_root)) == 0
    captured = capsys.readouterr()
    note = ("synthetic has 4 speakers, fewer than the 5 groups of speaker_kfold5: it runs under "
            "speaker_loso instead")
    assert f"protocol: {note}" in captured.out
    recs = read_records(out / "records.jsonl")
    assert {r["protocol"] for r in recs} == {"speaker_loso", "random_kfold5"}
    assert all(r["status"] == "ok" for r in recs)
    assert json.loads((out / "spec.json").read_text())["protocol_fallbacks"] == [note]
    from reports.render import render_report

    assert note in render_report(out, figures=False).read_text()


# -------------------------------------------------------------------- 9. --device cuda


def test_device_cuda_without_cuda_stops_before_planning(tmp_path, cache_root, capsys, monkeypatch):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")

    def no_planning(*a, **k):
        raise AssertionError("planned although the device cannot work")

    monkeypatch.setattr("benchmark.runner.plan_run", no_planning)
    out = tmp_path / "run"
    assert main(_args(_suite(tmp_path), out, cache_root, "--device", "cuda")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --device cuda: no CUDA device") and "--device cpu" in err[0]
    assert not out.exists()


# ------------------------------------------------------------------ 10. cache checksums


def test_a_cache_entry_with_valid_shape_and_wrong_values_is_recomputed(tmp_path):
    from benchmark.cache import CacheEntryWarning, FeatureCache

    cache = FeatureCache(tmp_path)
    key = "ab" * 32
    good = np.arange(6, dtype=np.float32)
    path = cache.store("f", key, good)
    np.testing.assert_array_equal(np.load(path), good)  # still a plain .npy to numpy
    blob = bytearray(path.read_bytes())
    at = blob.find(good.tobytes())
    blob[at: at + 4] = np.float32(42.0).tobytes()  # a finite value, same dtype and shape
    path.write_bytes(bytes(blob))
    with pytest.warns(CacheEntryWarning, match="checksum mismatch"):
        assert cache.load("f", key, kind="functionals", dim=6) is None
    assert not path.exists() and cache.n_corrupt == 1


def test_a_cache_entry_without_checksum_is_trusted_once_then_guarded(tmp_path):
    from benchmark.cache import TRAILER_MAGIC, FeatureCache

    cache = FeatureCache(tmp_path)
    key = "cd" * 32
    path = cache.path("f", key)
    path.parent.mkdir(parents=True)
    np.save(path, np.ones(3, np.float32))  # as written before checksums existed
    np.testing.assert_array_equal(cache.load("f", key), np.ones(3, np.float32))
    assert TRAILER_MAGIC in path.read_bytes()
