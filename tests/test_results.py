"""Record store: schema enforcement, torn-line tolerance, resume set."""

import json

import pytest

from benchmark.results import (
    SCHEMA_VERSION,
    append_record,
    empty_record,
    finished_run_ids,
    read_records,
)


def _rec(run_id: str, status: str = "ok") -> dict:
    r = empty_record()
    r.update(run_id=run_id, status=status, ua=0.5)
    return r


def test_append_and_read_back(tmp_path):
    path = tmp_path / "records.jsonl"
    append_record(path, _rec("a"))
    append_record(path, _rec("b", "failed"))
    recs = read_records(path)
    assert [r["run_id"] for r in recs] == ["a", "b"]
    assert all(r["schema_version"] == SCHEMA_VERSION for r in recs)
    assert finished_run_ids(path) == {"a"}


def test_unknown_field_and_bad_status_rejected(tmp_path):
    r = _rec("a")
    r["accuracy"] = 1.0
    with pytest.raises(ValueError, match="outside schema"):
        append_record(tmp_path / "r.jsonl", r)
    with pytest.raises(ValueError, match="status"):
        append_record(tmp_path / "r.jsonl", _rec("a", "done"))


def test_torn_last_line_is_ignored_and_repaired(tmp_path):
    path = tmp_path / "records.jsonl"
    append_record(path, _rec("a"))
    with open(path, "a") as fh:  # a writer killed mid-line
        fh.write(json.dumps(_rec("b"))[:25])
    assert [r["run_id"] for r in read_records(path)] == ["a"]
    append_record(path, _rec("c"))
    assert [r["run_id"] for r in read_records(path)] == ["a", "c"]


def test_nan_becomes_null(tmp_path):
    path = tmp_path / "r.jsonl"
    r = _rec("a")
    r["roc_auc"] = float("nan")
    append_record(path, r)
    assert read_records(path)[0]["roc_auc"] is None
