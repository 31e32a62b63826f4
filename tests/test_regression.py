"""The accuracy-regression check fails on a doctored baseline and passes on the true one."""

import json

import pytest

from benchmark.cli import main
from benchmark.regression import RegressionError, bless, check
from benchmark.results import append_record, empty_record


def _write_run(run_dir, ua_values, status="ok"):
    for i, ua in enumerate(ua_values):
        r = empty_record()
        r.update(run_id=f"r{i}", status=status, corpus="synthetic", protocol="speaker_kfold5",
                 model="svm", features="egemaps_v02", variant="default", augmentation="none",
                 fold=i, wa=ua + 0.05, ua=ua, macro_f1=ua - 0.02)
        append_record(run_dir / "records.jsonl", r)


def test_bless_then_check_passes(tmp_path):
    _write_run(tmp_path, [0.6, 0.7])
    base = bless(tmp_path, tmp_path / "base.json")
    ok, text = check(tmp_path, base)
    assert ok, text
    assert "PASS" in text


def test_doctored_baseline_fails(tmp_path):
    _write_run(tmp_path, [0.6, 0.7])
    base = bless(tmp_path, tmp_path / "base.json")
    doc = json.loads(base.read_text())
    key = next(iter(doc["metrics"]))
    doc["metrics"][key]["ua"] += 0.10  # the run is now 10 points below the "baseline"
    base.write_text(json.dumps(doc))
    ok, text = check(tmp_path, base, tolerance=3.0)
    assert not ok
    assert "FAIL" in text
    assert main(["check", str(tmp_path), "--baseline", str(base)]) == 1


def test_small_drop_within_tolerance_passes(tmp_path):
    _write_run(tmp_path, [0.6, 0.7])
    base = bless(tmp_path, tmp_path / "base.json")
    doc = json.loads(base.read_text())
    key = next(iter(doc["metrics"]))
    doc["metrics"][key]["ua"] += 0.01
    base.write_text(json.dumps(doc))
    assert check(tmp_path, base, tolerance=3.0)[0]


def test_missing_job_and_failed_job_fail(tmp_path):
    _write_run(tmp_path, [0.6])
    base = bless(tmp_path, tmp_path / "base.json")
    doc = json.loads(base.read_text())
    doc["metrics"]["synthetic|speaker_kfold5|knn|egemaps_v02|default|none"] = {"ua": 0.5}
    base.write_text(json.dumps(doc))
    ok, text = check(tmp_path, base)
    assert not ok and "missing" in text
    other = tmp_path / "other"
    _write_run(other, [0.6])
    r = empty_record()
    r.update(run_id="x", status="failed", error="boom", model="svm")
    append_record(other / "records.jsonl", r)
    with pytest.raises(RegressionError, match="failed"):
        bless(other, tmp_path / "b2.json")
