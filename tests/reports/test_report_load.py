"""Reading records: normalisation, torn lines, re-runs, results.csv."""

from __future__ import annotations

import csv

import pytest

from reports.aggregate import METRICS, protocol_row_fields, summarise_metric
from reports.load import ReportError, flatten_record, load_run, normalise_record, write_results_csv


def test_normalise_fills_missing_fields(minimal):
    rec = normalise_record(minimal())
    assert rec["tables"] == [] and rec["features"] is None and rec["per_class"] is None
    assert normalise_record(minimal(tables="features"))["tables"] == ["features"]


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "done"},
        {"model": None},
        {"ua": None},
        {"ua": float("nan")},
        {"tables": [1, 2]},
        {"schema_version": 99},
    ],
)
def test_normalise_rejects_bad_records(bad, minimal):
    with pytest.raises(ReportError):
        normalise_record(minimal(**bad))


def test_failed_record_needs_no_metrics(minimal):
    assert normalise_record(minimal(status="failed", ua=None, error="boom"))["status"] == "failed"


def test_missing_records_file_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="records.jsonl"):
        load_run(tmp_path)


def test_torn_lines_are_listed_not_fatal(tmp_path, minimal, write_records):
    write_records(tmp_path, [minimal()], extra_lines=['{"run_id": "r1", "sta'])
    run = load_run(tmp_path)
    assert len(run.records) == 1 and run.torn_lines == (2,)


def test_rerun_supersedes_failed_attempt(tmp_path, minimal, write_records):
    recs = [minimal(run_id="a", status="failed", ua=None), minimal(run_id="b"), minimal(run_id="a", ua=0.7)]
    run = load_run(write_records(tmp_path, recs))
    assert [(r["run_id"], r["status"]) for r in run.records] == [("b", "ok"), ("a", "ok")]
    assert run.n_superseded == 1


def test_flatten_and_results_csv(tmp_path, minimal):
    rec = normalise_record(minimal(
        params={"C": 1.0, "grid": [1, 2]}, per_class={"sad": {"precision": 0.5, "recall": 0.25}},
        classes=["sad"], confusion=[[1]],
    ))
    flat = flatten_record(rec)
    assert flat["params.C"] == 1.0 and flat["params.grid"] == "[1, 2]"
    assert flat["per_class.sad.recall"] == 0.25 and flat["confusion"] == "[[1]]"
    other = normalise_record(minimal(run_id="r1", status="failed", ua=None, error="x, \"y\"\nz"))
    path = write_results_csv([rec, other], tmp_path / "results.csv")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and rows[1]["error"] == "x, \"y\"\nz"
    header = list(rows[0])
    assert header[:2] == ["schema_version", "run_id"]


def test_macro_precision_averages_the_classes_present_in_the_fold(minimal):
    # a perfect classifier on a speaker without disgust: macro precision 100, not 2/3
    per_class = {"anger": {"precision": 1.0, "support": 3}, "sadness": {"precision": 1.0, "support": 2},
                 "disgust": {"precision": 0.0, "support": 0}}
    rec = minimal(classes=["anger", "disgust", "sadness"], per_class=per_class)
    assert METRICS["macro_precision"].get(rec) == pytest.approx(1.0)
    mixed = minimal(per_class={"a": {"precision": 0.2, "support": 1}, "b": {"precision": 0.6, "support": 4}})
    assert METRICS["macro_precision"].get(mixed) == pytest.approx(0.4)
    assert METRICS["macro_precision"].get(minimal()) is None
    # records without per-class support predate the rule: no macro precision rather than a guess
    assert METRICS["macro_precision"].get(minimal(per_class={"a": {"precision": 0.2}})) is None


def test_duplicate_fold_seed_is_an_error(minimal):
    recs = [minimal(fold=0, seed=0), minimal(fold=0, seed=0, run_id="r1")]
    with pytest.raises(ValueError, match="same system"):
        summarise_metric(recs, "ua")


def test_leaky_augmentation_folds_into_protocol_column(minimal):
    recs = [
        minimal(protocol="speaker_kfold5", augmentation="none", features="f"),
        minimal(protocol="leaky_augment_then_split", augmentation="paper000", features="f"),
    ]
    assert protocol_row_fields(recs) == ["model"]
    # two augmentations under one protocol: augmentation must stay a row field
    recs.append(minimal(protocol="speaker_kfold5", augmentation="noise", features="f"))
    assert protocol_row_fields(recs) == ["model", "augmentation"]
