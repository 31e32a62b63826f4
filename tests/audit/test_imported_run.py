"""A suite run on an imported leaky split beside serbench's clean protocol: records carry the
audit, report.md labels the split leaky wherever its numbers appear, unmatched entries are in
skipped.csv, and the shortcuts table is written from the run folder."""

from __future__ import annotations

import csv
import json

from benchmark.cli import main
from benchmark.results import read_records
from reports.render import render_report
from tests.audit.fixtures import make_corpus, stems, write_csv_split

SUITE = """
name = "audit_imported"
corpora = ["csv"]
protocols = ["speaker_loso", "imported"]
protocol_options = {{ imported = {{ path = "{path}" }} }}
seeds = [0]

[[runs]]
models = ["dummy"]
features = ["mfcc13_stats"]
tables = ["protocol", "shortcuts"]
"""


def test_run_on_imported_leaky_folds(tmp_path, cache_root):
    manifest = make_corpus(tmp_path / "corpus", per_cell=3, seed=4)
    rows = [(stem, f, "test" if (int(text[1]) % 2) == f else "train")
            for stem, _spk, text in stems(manifest) for f in (0, 1)]
    split = write_csv_split(tmp_path / "overlap.csv", [*rows, ("ghost", 1, "test")])
    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE.format(path=split.as_posix()), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", "--suite", str(suite), "--corpus", "csv", "--data-root", str(manifest),
                 "--out", str(out), "--jobs", "1", "--no-progress", "--no-report",
                 "--cache-dir", str(cache_root)]) == 0
    render_report(out, figures=False)  # the figures are not under test here, and they are slow
    recs = read_records(out / "records.jsonl")
    imported = [r for r in recs if r["protocol"] == "imported"]
    assert len(imported) == 2 and all(r["status"] == "ok" for r in recs)
    info = imported[0]["protocol_info"]
    assert info["speaker_independent"] is False and info["leaky"] is False and info["unit"] == "fold"
    assert info["audit"]["verdict"] == "leaky" and info["audit"]["folds_sharing_speakers"] == 2
    assert info["imported"]["n_unmatched"] == 1
    assert all("audit" not in r["protocol_info"] for r in recs if r["protocol"] == "speaker_loso")
    with open(out / "skipped.csv", encoding="utf-8") as fh:
        skipped = [r for r in csv.DictReader(fh) if r["stage"] == "fold_import"]
    assert [r["utt_id"] for r in skipped] == ["ghost"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "- Protocols: speaker_loso (4 folds), imported (LEAKY split) (2 folds)" in report
    assert "| csv | imported (LEAKY split) |" in report  # the headline row
    assert "Imported split audit, imported on csv: LEAKY: speakers on both sides in 2 of 2 folds" in report
    header = next(line for line in report.splitlines() if line.startswith("| model | speaker_loso"))
    assert "imported (LEAKY split)" in header and "Δ speaker leakage" in header
    sets = json.loads((out / "shortcuts.json").read_text())["sets"]
    assert {s["protocol"] for s in sets} == {"speaker_loso", "imported"}
    assert "Shortcut probes — corpus csv, protocol speaker_loso, seed 0" in report
