"""The protocol table on the golden records: speaker and copy leakage split, flags from records."""

from __future__ import annotations

import pytest

from reports.aggregate import leakage_deltas, leakage_pairs, protocol_columns, summarise_metric
from reports.load import load_run


def _ua(records, protocol, aug, model):
    recs = [r for r in records if r["protocol"] == protocol and r["augmentation"] == aug
            and r["model"] == model and "protocol" in r["tables"]]
    return summarise_metric(recs, "ua").interval.mean


def test_split_delta_on_golden_records(golden_report):
    golden_run = golden_report
    run = load_run(golden_run)
    recs = [r for r in run.ok if "protocol" in r["tables"]]
    pairs, missing = leakage_pairs(protocol_columns(recs))
    got = [(p.kind, p.minuend.protocol, p.minuend.augmentation, p.subtrahend.protocol, p.subtrahend.augmentation)
           for p in pairs]
    assert got == [
        ("speaker", "random_kfold5", "none", "speaker_kfold5", "none"),
        ("speaker", "random_kfold5", "paper000", "speaker_kfold5", "paper000"),
        ("copy", "leaky_augment_then_split", "paper000", "random_kfold5", "paper000"),
    ] and missing == []
    fields, found = leakage_deltas(run.ok)
    assert fields == ["model", "features"]
    by_kind = {(p.kind, p.minuend.augmentation): d for p, d in found}
    key = ("svm", "egemaps_v02")
    # each Δ is a difference of fold-mean UA between columns with the same augmentation
    speaker = _ua(recs, "random_kfold5", "paper000", "svm") - _ua(recs, "speaker_kfold5", "paper000", "svm")
    copy = _ua(recs, "leaky_augment_then_split", "paper000", "svm") - _ua(recs, "random_kfold5", "paper000", "svm")
    assert by_kind[("speaker", "paper000")][key] == pytest.approx(speaker)
    assert by_kind[("copy", "paper000")][key] == pytest.approx(copy)
    # the old single Δ (leaky with augmentation minus clean without) mixed three effects
    old = _ua(recs, "leaky_augment_then_split", "paper000", "svm") - _ua(recs, "speaker_kfold5", "none", "svm")
    aug = _ua(recs, "speaker_kfold5", "paper000", "svm") - _ua(recs, "speaker_kfold5", "none", "svm")
    assert old == pytest.approx(speaker + copy + aug)

    md = (golden_run / "report.md").read_text(encoding="utf-8")
    table = md[md.index("Protocols — corpus synthetic"):md.index("### cost")]
    header = next(x for x in table.splitlines() if x.startswith("| model |"))
    assert "speaker_kfold5 +paper000 (train only)" in header
    assert "leaky_augment_then_split +paper000 (before split)" in header
    assert "Δ speaker leakage (+paper000) (pts)" in header and "Δ copy leakage (+paper000) (pts)" in header
    row = next(x for x in table.splitlines() if x.startswith("| svm (ref.) | egemaps_v02 |"))
    assert row.endswith(f"| {by_kind[('speaker', 'none')][key]:+.1f} | {speaker:+.1f} | {copy:+.1f} |")
    assert "Copy leakage on synthetic with paper000" in md


def test_missing_train_only_augmentation_is_said(golden_run, minimal):
    recs = [minimal(run_id=f"{p}{f}", protocol=p, augmentation=a, fold=f, protocol_info=i, ua=0.5 + 0.01 * f)
            for p, a, i in (
                ("random_kfold5", "none", {"speaker_independent": False, "leaky": False, "unit": "fold"}),
                ("leaky_augment_then_split", "paper000", {"speaker_independent": False, "leaky": True, "unit": "fold"}),
            ) for f in range(3)]
    pairs, missing = leakage_pairs(protocol_columns(recs))
    assert pairs == [] and "applied to training only, which this run lacks" in missing[0]
    assert "speaker-independent protocol" in missing[1]


def test_protocol_flags_come_from_records_not_names(minimal):
    # a protocol name the report has never heard of, flagged speaker-independent by its records
    recs = [minimal(run_id=f"{p}{f}", protocol=p, fold=f, protocol_info=i, ua=0.5 + 0.01 * f)
            for p, i in (("by_actor", {"speaker_independent": True, "leaky": False, "unit": "speaker"}),
                         ("shuffled", {"speaker_independent": False, "leaky": False, "unit": "fold"}))
            for f in range(3)]
    pairs, _ = leakage_pairs(protocol_columns(recs))
    assert [(p.kind, p.minuend.protocol, p.subtrahend.protocol) for p in pairs] == [("speaker", "shuffled", "by_actor")]
