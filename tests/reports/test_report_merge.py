"""Several run folders, one report: systems merge when their fold hashes agree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmark.splits import load_folds, save_folds
from reports.load import load_run
from reports.merge import load_runs
from reports.render import render_report

SYSTEM = ("dycnn_bilstm_attn", "dynamic_attention")


def _split(golden: Path, tmp: Path) -> tuple[Path, Path]:
    """Two run folders from the golden one: A without paper002's static system, B with only it."""
    a, b = tmp / "run_a", tmp / "run_b"
    for d in (a, b):
        shutil.copytree(golden, d)
    lines = (golden / "records.jsonl").read_text().splitlines()
    in_b = [ln for ln in lines if json.loads(ln).get("variant") == "static_no_attention"]
    (a / "records.jsonl").write_text("".join(ln + "\n" for ln in lines if ln not in in_b))
    (b / "records.jsonl").write_text("".join(ln + "\n" for ln in in_b))
    return a, b


def test_agreeing_fold_hashes_merge_into_one_report(golden_run, tmp_path):
    a, b = _split(golden_run, tmp_path)
    merged = load_runs([a, b])
    assert len(merged.records) == len(load_run(golden_run).records) and merged.refused == ()
    assert merged.run_dirs == (a, b)
    # predictions are read from each record's own folder
    rid = next(r["run_id"] for r in merged.records if r["model"] == "svm" and r["features"] == "mfcc13_stats")
    assert merged.predictions_path(rid).parent.parent == a
    out = tmp_path / "out"
    md = render_report([a, b], out, figures=False).read_text(encoding="utf-8")
    assert "- Run folders merged: run_a, run_b" in md and "Refused" not in md
    assert "static_no_attention" in md and (out / "tables" / "report.tex").is_file()
    # same tables as the single run (only the summary line naming the folders differs)
    single = render_report(golden_run, figures=False).read_text(encoding="utf-8")
    assert md.replace("- Run folders merged: run_a, run_b\n", "") == single


def test_the_same_job_in_two_folders_is_kept_once(golden_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(golden_run, copy)
    merged = load_runs([golden_run, copy])
    assert len(merged.records) == len(load_run(golden_run).records) and merged.refused == ()


def test_differing_fold_hashes_refuse_the_system(golden_run, tmp_path):
    a, b = _split(golden_run, tmp_path)
    # run B redrew its speaker folds for seed 0: move one utterance from train to val
    path = b / "folds" / "synthetic__speaker_kfold5__seed0.json"
    folds, meta = load_folds(path)
    f0 = folds[0]
    moved = type(f0)(f0.index, f0.train[1:], f0.val + f0.train[:1], f0.test, f0.speaker_independent)
    save_folds(path, [moved, *folds[1:]], meta)
    spec = json.loads((b / "spec.json").read_text())
    spec["fold_sets"]["synthetic__speaker_kfold5__seed0"][0] = moved.hash
    (b / "spec.json").write_text(json.dumps(spec))
    merged = load_runs([a, b])
    assert [r.system for r in merged.refused] == [
        "dycnn_bilstm_attn / logmel128_frames / static_no_attention on synthetic, speaker_kfold5"]
    reason = merged.refused[0].reason
    assert "folds differ from those of run_a" in reason and moved.hash[:12] in reason
    assert all(r.get("variant") != "static_no_attention" for r in merged.records)
    md = render_report([a, b], tmp_path / "out", figures=False).read_text(encoding="utf-8")
    assert "- Refused from run_b: dycnn_bilstm_attn / logmel128_frames / static_no_attention" in md


def test_folds_that_cannot_be_checked_are_refused(golden_run, tmp_path):
    a, b = _split(golden_run, tmp_path)
    shutil.rmtree(b / "folds")
    merged = load_runs([a, b])
    assert len(merged.refused) == 1 and "has no fold file" in merged.refused[0].reason


def test_conflicting_references_give_no_markers(golden_run, tmp_path):
    a, b = _split(golden_run, tmp_path)
    spec = json.loads((b / "spec.json").read_text())
    spec["references"]["paper002"] = {"variant": "static_no_attention"}
    (b / "spec.json").write_text(json.dumps(spec))
    merged = load_runs([a, b])
    assert merged.reference_conflicts == ("paper002",) and "paper002" not in merged.references
    md = render_report([a, b], tmp_path / "out", figures=False).read_text(encoding="utf-8")
    assert "The merged runs name different references for table paper002" in md


def test_several_folders_need_an_output_folder(golden_run, tmp_path):
    a, b = _split(golden_run, tmp_path)
    with pytest.raises(ValueError, match="output folder"):
        render_report([a, b])
