"""Paired tests over the protocol's unit (speaker, session, fold) and pooled UA."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchmark.metrics import classification_metrics
from reports.aggregate import summarise_metric
from reports.load import ReportError, load_run
from reports.render import render_report
from reports.units import UnitScores

SPEAKER_UNIT = {"speaker_independent": True, "leaky": False, "unit": "speaker"}
SESSION_UNIT = {"speaker_independent": True, "leaky": False, "unit": "session"}
#: per speaker: 4 utterances, true labels a a b b; predictions giving UA 1.0, 0.75 or 0.5
PREDICT = {1.0: "aabb", 0.75: "aaba", 0.5: "aaaa"}


def write_run(run_dir: Path, systems: dict[str, dict[tuple[int, str], float]], *,
              info=SPEAKER_UNIT, csv_for=None, session: bool = False, tables=("paper002",)) -> Path:
    """One record per (system, seed, speaker): fold f tests speaker f alone.

    ``systems`` maps a variant to {(seed, speaker): UA of that speaker}."""
    (run_dir / "predictions").mkdir(parents=True, exist_ok=True)
    lines = []
    for variant, per in systems.items():
        speakers = sorted({spk for _s, spk in per})
        for (seed, spk), ua in per.items():
            f = speakers.index(spk)
            rid = f"{variant}-{seed}-{spk}"
            y_true, y_pred = list("aabb"), list(PREDICT[ua])
            m = classification_metrics(y_true, y_pred, ["a", "b"])
            lines.append({"run_id": rid, "status": "ok", "model": "dycnn_bilstm_attn", "family": "deep",
                          "variant": variant, "corpus": "c", "protocol": "speaker_loso", "fold": f,
                          "n_folds": len(speakers), "seed": seed, "protocol_info": info,
                          "test_speakers": [spk], "tables": list(tables), "classes": ["a", "b"],
                          "n_train": 40, "n_test": 4, **m})
            if csv_for is None or variant in csv_for:
                with open(run_dir / "predictions" / f"{rid}.csv", "w", newline="") as fh:
                    w = csv.writer(fh)
                    w.writerow(["utt_id", "speaker", "session", "y_true", "y_pred"])
                    for i, (t, p) in enumerate(zip(y_true, y_pred, strict=True)):
                        w.writerow([f"{spk}_{i}", spk, f"sess_{spk}" if session else "", t, p])
    (run_dir / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    return run_dir


def _summaries(run_dir: Path, metric: str = "ua"):
    run = load_run(run_dir)
    by: dict[str, list] = {}
    for r in run.ok:
        by.setdefault(r["variant"], []).append(r)
    return run, {v: summarise_metric(recs, metric) for v, recs in by.items()}


def test_speaker_level_sign_flip_test_by_hand(tmp_path):
    # reference UA per speaker 0.5, 0.75, 1.0; the other system 1.0, 1.0, 0.75:
    # differences +50, +25, -25 pts. The 8 sign patterns give |sum| 100, 50, 50, 0, 0, 50, 50, 100;
    # those >= |50| are 6 of 8, so the exact two-sided p = 0.75.
    run_dir = write_run(tmp_path, {
        "ref": {(0, "s1"): 0.5, (0, "s2"): 0.75, (0, "s3"): 1.0},
        "other": {(0, "s1"): 1.0, (0, "s2"): 1.0, (0, "s3"): 0.75},
    })
    run, s = _summaries(run_dir)
    units = UnitScores(run)
    assert units.unit_values(s["ref"], "speaker") == ({"s1": 50.0, "s2": 75.0, "s3": 100.0}, None)
    c = units.compare(s["ref"], s["other"])
    assert (c.unit, c.wanted, c.reason, c.n_units) == ("speaker", "speaker", None, 3)
    assert c.diff == pytest.approx(50 / 3) and c.p == pytest.approx(0.75)


def test_seeds_are_averaged_within_a_speaker(tmp_path):
    run_dir = write_run(tmp_path, {
        "ref": {(0, "s1"): 0.5, (1, "s1"): 1.0, (0, "s2"): 0.75, (1, "s2"): 0.75},
        "other": {(0, "s1"): 1.0, (1, "s1"): 1.0, (0, "s2"): 1.0, (1, "s2"): 0.5},
    })
    run, s = _summaries(run_dir)
    ref, _ = UnitScores(run).unit_values(s["ref"], "speaker")
    assert ref == {"s1": 75.0, "s2": 75.0}
    c = UnitScores(run).compare(s["ref"], s["other"])
    assert c.n_units == 2 and c.diff == pytest.approx((25.0 + 0.0) / 2)


def test_per_speaker_scores_use_the_column_metric(tmp_path):
    run_dir = write_run(tmp_path, {"ref": {(0, "s1"): 0.5, (0, "s2"): 1.0}})
    run, s = _summaries(run_dir, "macro_precision")
    values, _ = UnitScores(run).unit_values(s["ref"], "speaker")
    # "aaaa" for a a b b: precision a = 2/4, b never predicted (0): mean 25 %
    assert values == {"s1": pytest.approx(25.0), "s2": pytest.approx(100.0)}


def test_missing_predictions_fall_back_to_the_fold_and_say_so(tmp_path):
    run_dir = write_run(tmp_path, {
        "ref": {(0, "s1"): 0.5, (0, "s2"): 0.75, (0, "s3"): 1.0},
        "other": {(0, "s1"): 1.0, (0, "s2"): 1.0, (0, "s3"): 0.75},
    }, csv_for={"ref"})
    run, s = _summaries(run_dir)
    c = UnitScores(run).compare(s["ref"], s["other"])
    assert (c.unit, c.wanted, c.reason) == ("fold", "speaker", "prediction files missing")
    md = render_report(run_dir, figures=False).read_text(encoding="utf-8")
    assert "no reference named in advance" in md.lower()


def test_session_unit_and_an_empty_session_column(tmp_path):
    systems = {"ref": {(0, "s1"): 0.5, (0, "s2"): 1.0}, "other": {(0, "s1"): 1.0, (0, "s2"): 0.5}}
    run, s = _summaries(write_run(tmp_path / "a", systems, info=SESSION_UNIT, session=True))
    c = UnitScores(run).compare(s["ref"], s["other"])
    assert c.unit == "session" and c.n_units == 2
    run, s = _summaries(write_run(tmp_path / "b", systems, info=SESSION_UNIT, session=False))
    c = UnitScores(run).compare(s["ref"], s["other"])
    assert c.unit == "fold" and c.reason == "prediction files with an empty session column"


def test_a_speaker_tested_twice_in_one_seed_is_an_error(tmp_path):
    run_dir = write_run(tmp_path, {"ref": {(0, "s1"): 0.5, (0, "s2"): 1.0}})
    src = run_dir / "predictions" / "ref-0-s1.csv"
    (run_dir / "predictions" / "ref-0-s2.csv").write_text(src.read_text())
    run, s = _summaries(run_dir)
    with pytest.raises(ReportError, match="tested in two folds"):
        UnitScores(run).unit_values(s["ref"], "speaker")


def test_speaker_unit_marks_what_five_folds_could_not(tmp_path):
    # 10 speakers in 10 folds; the other system is worse on every speaker: exact p = 2/1024
    speakers = [f"s{i:02d}" for i in range(10)]
    run_dir = write_run(tmp_path, {
        "dynamic_attention": {(0, spk): 1.0 for spk in speakers},
        "static": {(0, spk): 0.75 for spk in speakers},
    })
    (run_dir / "spec.json").write_text(json.dumps({"references": {"paper002": {"variant": "dynamic_attention"}}}))
    md = render_report(run_dir, figures=False).read_text(encoding="utf-8")
    row = next(x for x in md.splitlines() if x.startswith("| dycnn_bilstm_attn | static |"))
    assert row.count("†") == 3  # WA, UA and macro F1, each tested per speaker
    assert "3 paired tests (unit: speaker 3), Holm m = 1 per column" in md
    assert "| dycnn_bilstm_attn (ref.) | dynamic_attention |" in md


def test_pooled_ua_sums_the_folds_of_each_seed(tmp_path):
    # seed 0: s1 "aaaa" (a 2/2, b 0/2) + s2 "aabb" -> pooled recall a 4/4, b 2/4 -> UA 75
    # seed 1: both "aaba" -> recall a 4/4, b 2/4 -> 75; seed 2 lacks a fold -> not pooled
    run_dir = write_run(tmp_path, {"ref": {(0, "s1"): 0.5, (0, "s2"): 1.0, (1, "s1"): 0.75,
                                           (1, "s2"): 0.75, (2, "s1"): 1.0}})
    run = load_run(run_dir)
    p = UnitScores(run).pooled_ua(run.ok)
    assert p.value == pytest.approx(75.0) and (p.n_seeds, p.n_seeds_total) == (2, 3)


def test_reference_selector_must_name_system_fields_and_one_row(tmp_path):
    systems = {"dynamic_attention": {(0, "s1"): 1.0, (0, "s2"): 1.0},
               "static": {(0, "s1"): 0.5, (0, "s2"): 0.5}}
    run_dir = write_run(tmp_path, systems)
    (run_dir / "spec.json").write_text(json.dumps({"references": {"paper002": {"protocol": "x"}}}))
    with pytest.raises(ReportError, match="a reference selects a system by"):
        render_report(run_dir, figures=False)
    # a selector matching both rows picks neither: the caption says so, no markers
    (run_dir / "spec.json").write_text(json.dumps({"references": {"paper002": {"model": "dycnn_bilstm_attn"}}}))
    md = render_report(run_dir, figures=False).read_text(encoding="utf-8")
    assert "the selector matches 2 cells; no markers there" in md and "No comparison was possible" in md
    tables = md[md.index("## Tables"):]  # (the Methods section names the markers)
    assert "| dycnn_bilstm_attn (ref.)" not in tables and "†" not in tables
