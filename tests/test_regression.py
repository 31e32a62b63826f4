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
    doc["metrics"]["synthetic|speaker_kfold5|knn|egemaps_v02|default|none"] = {"ua": 0.5, "n": 1}
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


# ------------------------------------------------------------ incomplete runs, bad baselines


def _four_fold_baseline(tmp_path):
    full = tmp_path / "full"
    _write_run(full, [0.6, 0.7, 0.65, 0.62])
    return bless(full, tmp_path / "base.json")


def test_run_with_fewer_folds_than_the_baseline_fails(tmp_path):
    base = _four_fold_baseline(tmp_path)
    partial = tmp_path / "partial"
    _write_run(partial, [0.7])  # 1 of 4 folds, and a better fold at that
    ok, text = check(partial, base)
    assert not ok, text
    row = next(line for line in text.splitlines() if " n " in f" {line} " and "FAIL" in line)
    assert "4" in row and "1" in row
    assert main(["check", str(partial), "--baseline", str(base)]) == 1


def test_run_missing_a_baseline_system_fails(tmp_path):
    base = _four_fold_baseline(tmp_path)
    doc = json.loads(base.read_text())
    key = next(iter(doc["metrics"]))
    doc["metrics"][key.replace("|svm|", "|knn|")] = dict(doc["metrics"][key])
    base.write_text(json.dumps(doc))
    ok, text = check(tmp_path / "full", base)
    assert not ok and "missing" in text


def test_empty_baseline_is_a_usage_error(tmp_path, capsys):
    base = _four_fold_baseline(tmp_path)
    doc = json.loads(base.read_text())
    doc["metrics"] = {}
    base.write_text(json.dumps(doc))
    with pytest.raises(RegressionError, match="no system"):
        check(tmp_path / "full", base)
    assert main(["check", str(tmp_path / "full"), "--baseline", str(base)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(base) in err


@pytest.mark.parametrize("text", [
    "{not json",
    "[]",
    json.dumps({"format_version": 1}),
    json.dumps({"format_version": 1, "metrics": []}),
    json.dumps({"format_version": 1, "metrics": {"a|b": "high"}}),
    json.dumps({"format_version": 1, "metrics": {"a|b": {"ua": "x", "n": 4}}}),
    json.dumps({"format_version": 1, "metrics": {"a|b": {"ua": 0.5}}}),
    json.dumps({"format_version": 1, "metrics": {"a|b": {"ua": 0.5, "n": 0}}}),
    json.dumps({"format_version": 1, "tolerance_pts": "three", "metrics": {"a|b": {"ua": 0.5, "n": 2}}}),
])
def test_malformed_baseline_is_a_one_line_usage_error(tmp_path, capsys, text):
    _write_run(tmp_path, [0.6])
    base = tmp_path / "bad.json"
    base.write_text(text)
    with pytest.raises(RegressionError):
        check(tmp_path, base)
    assert main(["check", str(tmp_path), "--baseline", str(base)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "bad.json" in err
