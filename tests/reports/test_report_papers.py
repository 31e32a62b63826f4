"""The papers' own tables: 001 (pivot by augmentation), 002 (our variants tagged), 003 (VII,
VIII per class, IX with the base paper's models named) and 004 (3 across corpora, 4 on the same
folds)."""

from __future__ import annotations

import pytest

from reports.aggregate import weighted_average
from reports.catalogue import LAYOUTS
from reports.layouts import Context, Row
from reports.load import load_run, normalise_record
from reports.papers import OURS_TAG, PAPER003_ROLE, is_ours_paper002
from tests.reports.mdtable import md_table, number, said

SI = {"speaker_independent": True, "leaky": False, "unit": "speaker"}


@pytest.fixture(scope="module")
def golden(golden_report):
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    return md, load_run(golden_report).ok


def _tagged(records, table_id, **match):
    return [r for r in records if table_id in r["tables"] and all(r.get(k) == v for k, v in match.items())]


# --------------------------------------------------------------------------------- paper 003


def test_table8_per_class_values_are_the_records(golden):
    md, ok = golden
    caption, header, body = md_table(md, "Paper 003, Table VIII (classification report per class)")
    recs = _tagged(ok, "paper003_table8")
    assert {r["model"] for r in recs} == {"cnn_bilstm"}
    classes = recs[0]["classes"]
    assert [row[0] for row in body] == classes
    checked = 0
    for protocol in ("speaker_kfold5", "random_holdout_80_10_10"):
        prefix = f"{protocol} +paper003 (train only)"
        sub = [r for r in recs if r["protocol"] == protocol]
        for metric, label in (("precision", "precision (%)"), ("recall", "recall (%)"), ("f1", "F1 (%)")):
            j = header.index(f"{prefix} {label}")
            for row, c in zip(body, classes, strict=True):
                vals = [100 * r["per_class"][c][metric] for r in sub if r["per_class"][c]["support"] > 0]
                assert number(row[j]) == pytest.approx(sum(vals) / len(vals), abs=0.051), (protocol, c, metric)
                checked += 1
        j = header.index(f"{prefix} support")
        for row, c in zip(body, classes, strict=True):
            assert float(row[j]) == sum(r["per_class"][c]["support"] for r in sub)  # one seed
    assert checked == 2 * 3 * len(classes)
    assert "system cnn_bilstm" in caption and "descriptive only, no significance markers" in caption
    assert "**" not in "".join(c for row in body for c in row)  # per-class scores are not ranked


def test_table7_rows_per_protocol_and_augmentation(golden):
    md, ok = golden
    caption, header, body = md_table(md, "Paper 003, Table VII (overall classification performance)")
    assert [(r[0], r[1]) for r in body] == [
        ("speaker_kfold5", "none (ref.) §"), ("speaker_kfold5", "paper003"),
        ("random_holdout_80_10_10", "none (ref.)"), ("random_holdout_80_10_10", "paper003"),
    ]
    assert header[2:] == ["accuracy = weighted recall (%)", "macro precision (%)", "macro recall = UA (%)",
                          "pooled UA (%)", "macro F1 (%)", "weighted precision (%)", "weighted F1 (%)",
                          "test utterances"]
    recs = _tagged(ok, "paper003_table7")
    wp = header.index("weighted precision (%)")
    for row in body:
        sub = [r for r in recs if r["protocol"] == row[0] and r["augmentation"] == row[1].split()[0]]
        vals = [100 * weighted_average(r["per_class"], "precision") for r in sub]
        assert number(row[wp]) == pytest.approx(sum(vals) / len(vals), abs=0.051)
        acc = [100 * r["wa"] for r in sub]
        assert number(row[2]) == pytest.approx(sum(acc) / len(acc), abs=0.051)
    assert [row[-1] for row in body] == ["120", "120", "12", "12"]
    # a reference per protocol; rows of different protocols are never compared
    assert "(ref.) within each protocol" in caption  # Methods: never compared across blocks
    assert "1–5 folds (by protocol)" in caption


def test_table9_names_the_base_paper_models(golden):
    md, _ok = golden
    caption, header, body = md_table(md, "Paper 003, Table IX")
    assert header == ["model", "features", "re-implements (paper 003, Table IX)", "speaker_kfold5",
                      "random_holdout_80_10_10"]
    roles = {row[0].split()[0]: row[2] for row in body}
    assert roles == {"mlp": "base paper's MLP", "cnn": "base paper's CNN",
                     "cnn_bilstm": "base paper's CNN + BiLSTM, as paper 003 proposes it"}
    assert "Every row here is our re-implementation" in caption and "Barhoumi & BenAyed 2024" in caption
    assert "Cells: accuracy (WA)" in caption
    # mlp and cnn_bilstm carry fold hashes, the older cnn records do not: said so
    assert "same folds for every row (12 fold hashes checked over 2 rows)" in caption
    assert "could not be checked for cnn / mfcc13_frames" in caption
    assert PAPER003_ROLE.text(Row(("svm",), ({"model": "svm"},))) == "– (not in Table IX)"


# --------------------------------------------------------------------------------- paper 004


def test_paper004_table3_spans_corpora_with_a_reference_in_each(golden):
    md, _ok = golden
    caption, header, body = md_table(md, "Paper 004, Table 3 (performance per dataset)")
    assert header[:3] == ["corpus", "protocol", "augmentation"]
    assert [(r[0], r[2]) for r in body] == [("synthetic", "none (ref.)"), ("synthetic", "paper004"),
                                            ("synthetic_b", "none (ref.)"), ("synthetic_b", "paper004")]
    assert header[3:] == ["WA (%)", "macro precision (%)", "macro recall = UA (%)", "pooled UA (%)", "macro F1 (%)"]
    assert "(ref.) within each corpus" in caption


def test_paper004_table4_against_svm_and_hmm_on_the_same_folds(golden):
    md, _ok = golden
    caption, _header, body = md_table(md, "Paper 004, Table 4 (comparison with traditional methods)")
    assert [r[0] for r in body] == ["svm", "hmm", "cnn_lstm_attn", "cnn_lstm_attn (ref.)"]
    assert [r[1] for r in body] == ["egemaps_v02", "mfcc39_frames", "mel_mfcc_prosody", "mel_mfcc_prosody"]
    assert "Folds: same folds for every row (10 fold hashes checked over 4 rows)" in caption


# ------------------------------------------------------------------------------ papers 001, 002


def test_paper002_tags_our_variants(golden):
    md, _ok = golden
    caption, _header, body = md_table(md, "Paper 002 (dynamic convolution and attention ablation)")
    assert [r[1] for r in body] == ["dynamic_attention", "static_attention", "dynamic_no_attention",
                                    "static_no_attention", "unidirectional", "adam_lr1e-3" + OURS_TAG]
    assert "Tags: (ours, not the paper's) (1)" in caption
    # the params alone are enough, whatever the variant is called
    assert is_ours_paper002(Row(("x",), ({"variant": "fast", "params": {"optimiser": "Adam", "lr": 0.001}},)))
    assert not is_ours_paper002(Row(("x",), ({"variant": "static", "params": {"optimiser": "rmsprop"}},)))


def test_paper001_rows_activation_columns_augmentation(minimal):
    augs = ["paper001", "paper001_roll", "none", "paper001_stretch", "paper001_pitch", "paper001_noise"]
    recs = [normalise_record(minimal(run_id=f"{v}{a}{f}", model="emoaugnet", family="deep", variant=v,
                                     augmentation=a, fold=f, seed=0, n_folds=2, protocol_info=SI,
                                     tables=["paper001"], ua=0.5 + 0.01 * f, wa=0.6))
            for v in ("elu", "relu") for a in augs for f in range(2)]
    ua, wa = LAYOUTS["paper001"]("paper001", recs, Context())
    order = ("none", "paper001_noise", "paper001_pitch", "paper001_stretch", "paper001_roll", "paper001")
    for t in (ua, wa):
        assert t.header == ("model", "variant", *order)
        assert [r[1].text for r in t.rows] == ["relu", "elu"]
        assert "paper001 = the paper's whole pipeline (all 10 variants)" in said(t)
    assert ua.key != wa.key and "UA (%) by augmentation" in ua.caption and "WA (%) by augmentation" in wa.caption
