"""The headline compare table: systems × protocols, fold-hash proof, first in the report, dot plot."""

from __future__ import annotations

import re

import pytest

from reports.catalogue import LAYOUTS
from reports.compare import compare_splits
from reports.foldcheck import fold_agreement
from reports.layouts import Context
from reports.load import load_run, normalise_record
from tests.reports.mdtable import md_table, number, said

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
COMPARE_SYSTEMS = {
    ("svm", "egemaps_v02"), ("xgb", "egemaps_v02"), ("emotech_cnn_bilstm", "mfcc13_frames"),
    ("cnn_bilstm", "mfcc_mel_zcr_rms"),
}
SI = {"speaker_independent": True, "leaky": False, "unit": "speaker"}
SESSION = {"speaker_independent": True, "leaky": False, "unit": "session"}
RANDOM = {"speaker_independent": False, "leaky": False, "unit": "fold"}
LEAKY = {"speaker_independent": False, "leaky": True, "unit": "fold"}


def system(label: str) -> str:
    return label.replace(" (ref.)", "").replace(" §", "").replace(" (≠n)", "")


def _ua_mean(records, model, features, protocol) -> float:
    vals = [100 * r["ua"] for r in records
            if (r["model"], r["features"], r["protocol"]) == (model, features, protocol)]
    return sum(vals) / len(vals)


def test_compare_has_every_system_under_both_protocols(golden_report):
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    caption, header, body = md_table(md, "Compare (headline) — corpus synthetic")
    assert header[:3] == ["model", "features", "family"]
    si = header.index("UA (%) speaker-independent speaker_kfold5")
    rnd = header.index("UA (%) random random_kfold5")
    delta = header.index("Δ random − speaker-indep. (pts)")
    f1 = header.index("macro F1 (%) speaker_kfold5")
    assert header[-2:] == ["fit (s/fold)", "parameters"]
    assert {(system(r[0]), r[1]) for r in body} == COMPARE_SYSTEMS and len(body) == 4
    recs = [r for r in load_run(golden_report).ok if "compare" in r["tables"]]
    for row in body:
        model, feats = system(row[0]), row[1]
        # every system × both protocols (one seed-fold of emotech failed: 9 records, still a cell)
        a, b = _ua_mean(recs, model, feats, "speaker_kfold5"), _ua_mean(recs, model, feats, "random_kfold5")
        assert number(row[si]) == pytest.approx(a, abs=0.051)
        assert number(row[rnd]) == pytest.approx(b, abs=0.051)
        assert float(row[delta]) == pytest.approx(b - a, abs=0.051)
        assert row[f1] != "–"
        # classical models record no parameter count; deep ones do
        assert (row[-1] == "–") == (row[2] == "classical")
    # sorted by clean UA, highest first; both families present and named
    clean = [number(r[si]) for r in body]
    assert clean == sorted(clean, reverse=True)
    assert {r[2] for r in body} == {"classical", "deep"}
    # the reference named in advance, budget-bound marker, seeds, interval and tests
    assert next(r for r in body if r[0].startswith("svm"))[0] == "svm (ref.)"
    assert next(r for r in body if r[0].startswith("cnn_bilstm"))[0] == "cnn_bilstm (≠n) §"
    # the one deep system kept early-stopped (no refit) is flagged: its final fit saw fewer items
    assert "Final fits: n_fit = 84–96 per fold; (≠n) (1): unlike the classical rows'" in caption
    assert {system(r[0]) for r in body if "(≠n)" in r[0]} == {"cnn_bilstm"}
    assert "Reference (named in advance): features egemaps_v02 / model svm (ref.)" in caption
    assert "9 paired tests (unit: fold 3, speaker 6), Holm m = 3 per column" in caption
    assert "Seeds per cell: 2" in caption and "§ budget-bound: 1 of 2 deep row(s)" in caption
    assert "Intervals over k = 9–10 test sets" in caption and "Transductive" not in caption
    # the methods are stated once, at the top
    methods = md[md.index("## Methods"):md.index("## Summary")]
    assert "Holm-corrected" in methods and "corrected resampled t interval" in methods


def test_compare_caption_proves_the_folds_agree(golden_report):
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    caption, _header, _body = md_table(md, "Compare (headline) — corpus synthetic")
    # 2 protocols × 5 folds × 2 seeds, every row carrying the same hashes
    assert "Folds: same folds for every row (20 fold hashes checked over 4 rows)" in caption
    # the failed emotech job is a missing fold, not a different one
    assert "emotech_cnn_bilstm / mfcc13_frames (random_kfold5, seed 1: 4 of 5 folds)" in caption
    assert "NOT the same" not in caption


def _compare_records(golden):
    return [r for r in load_run(golden).ok if "compare" in r["tables"]]


def test_compare_caption_lists_rows_on_other_folds(golden_report):
    recs = [dict(r) for r in _compare_records(golden_report)]
    moved = next(r for r in recs if r["model"] == "xgb" and r["protocol"] == "speaker_kfold5"
                 and r["seed"] == 0 and r["fold"] == 0)
    moved["fold_hash"] = "f" * 40  # folds redrawn for this one job
    (table,) = LAYOUTS["compare"]("compare", recs, Context())
    assert "Folds: NOT the same for every row (21 fold hashes checked)" in said(table)
    assert "xgb / egemaps_v02 (speaker_kfold5, seed 0: 1 of its 5 fold hashes not shared)" in said(table)
    # records of an older runner, without fold_hash: said, never claimed
    for r in recs:
        r.pop("fold_hash")
    (table,) = LAYOUTS["compare"]("compare", recs, Context())
    assert "Folds: could not be checked: no record carries fold_hash" in said(table)
    assert "same folds" not in said(table)


def _rec(minimal, **kw):
    return normalise_record(minimal(tables=["compare"], **kw))


def test_fold_agreement_cases(minimal):
    def rows(*hash_lists):
        return [(f"sys{i}", [minimal(run_id=f"{i}{j}", fold=j, seed=0, fold_hash=h, protocol_info=SI)
                             for j, h in enumerate(hs)]) for i, hs in enumerate(hash_lists)]

    ok = fold_agreement(rows(["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"]))
    assert ok.agree and ok.text() == "Folds: same folds for every row (3 fold hashes checked over 3 rows)."
    other = fold_agreement(rows(["a", "b", "c"], ["a", "b", "x"], ["a", "b", "c"]))
    assert other.differ == ["sys1 (speaker_kfold5, seed 0: 1 of its 3 fold hashes not shared)"]
    assert "NOT the same for every row (4 fold hashes checked)" in other.text()
    fewer = fold_agreement(rows(["a", "b", "c"], ["a", "b"]))
    assert fewer.agree and fewer.missing == ["sys1 (speaker_kfold5, seed 0: 2 of 3 folds)"]
    partly = rows(["a", "b"], ["a", "b"])
    partly.append(("old", [minimal(run_id="o", fold=0, seed=0, protocol_info=SI)]))
    check = fold_agreement(partly)
    assert check.unchecked == ["old"] and not check.agree
    assert "same folds for every row (2 fold hashes checked over 2 rows); could not be checked for old" in check.text()
    # a row with another seed is not on "other folds": seeds are compared only with themselves
    seeds = [("s0", [minimal(run_id="a", fold=0, seed=0, fold_hash="a")]),
             ("s01", [minimal(run_id="b", fold=0, seed=0, fold_hash="a"),
                      minimal(run_id="c", fold=0, seed=1, fold_hash="z")])]
    assert fold_agreement(seeds).agree


def test_speaker_independent_column_comes_from_protocol_info(minimal):
    """emodb is mapped to speaker_loso and iemocap to session_loso: each corpus's clean column is
    the protocol its records flag speaker-independent; leaky records are left out and said."""
    recs = []
    for corpus, clean, info in (("emodb", "speaker_loso", SI), ("iemocap", "session_loso", SESSION)):
        for model, family, n_params in (("svm", "classical", None), ("cnn", "deep", 5000)):
            for protocol, pinfo, bonus in ((clean, info, 0.0), ("random_kfold5", RANDOM, 0.1),
                                           ("leaky_augment_then_split", LEAKY, 0.2)):
                for f in range(3):
                    recs.append(_rec(minimal, run_id=f"{corpus}{model}{protocol}{f}", corpus=corpus, model=model,
                                     family=family, features="f", protocol=protocol, protocol_info=pinfo,
                                     fold=f, seed=0, n_folds=3, n_params=n_params, fit_s=1.0,
                                     macro_f1=0.5, ua=0.5 + bonus + 0.01 * f + (0.05 if model == "cnn" else 0)))
    tables = LAYOUTS["compare"]("compare", recs, Context())
    assert [t.key for t in tables] == ["compare__emodb", "compare__iemocap"]
    emodb, iemocap = tables
    assert "UA (%)\nspeaker-independent\nspeaker_loso" in emodb.header
    assert "UA (%)\nspeaker-independent\nsession_loso" in iemocap.header
    for t in tables:
        assert "UA (%)\nrandom\nrandom_kfold5" in t.header
        assert not any("leaky" in h for h in t.header)
        assert "Not shown: records of leaky_augment_then_split" in said(t)
        assert [c.text for c in (row[0] for row in t.rows)] == ["cnn", "svm"]  # sorted by clean UA
        assert [row[2].text for row in t.rows] == ["deep", "classical"]
        assert t.rows[1][-1].plain() == "–" and t.rows[0][-1].plain() == "5,000"
        assert "sorted by fold-mean UA under" in said(t)
        assert "Folds: could not be checked" in said(t)


def test_compare_comes_first_after_the_summary(golden_report):
    md = (golden_report / "report.md").read_text(encoding="utf-8")
    tables = md[md.index("## Tables"):]
    ids = re.findall(r"^### (\S+)$", tables, re.M)
    assert ids == [
        "compare", "paper000_table1", "paper000_table3", "paper001", "paper002", "paper003_table7",
        "paper003_table8", "paper003_table9", "paper004_table3", "paper004_table4", "features",
        "protocol", "cost", "results",
    ]
    # nothing but the summary (with its headline) before the tables; the first table is compare
    assert md.index("## Summary") < md.index("### Headline") < md.index("## Tables")
    assert re.search(r"## Tables\n\n### compare\n\n#### Table 1\. Compare \(headline\)", md)
    tex = (golden_report / "tables" / "report.tex").read_text(encoding="utf-8")
    inputs = re.findall(r"\\input\{([^}]+)\}", tex)
    assert inputs[0] == "compare__synthetic.tex"


def test_dot_plot_is_written_and_linked_after_the_compare_table(golden_report_figures):
    md = (golden_report_figures / "report.md").read_text(encoding="utf-8")
    png = golden_report_figures / "figures" / "compare.png"
    assert png.read_bytes()[:8] == PNG_MAGIC
    link = "](figures/compare.png)"
    assert md.count(link) == 1
    assert md.index("### compare") < md.index(link) < md.index("### paper000_table1")
    # the figure shows the table's systems in the table's order
    (split,) = compare_splits([r for r in load_run(golden_report_figures).ok if "compare" in r["tables"]])
    _cap, _h, body = md_table(md, "Compare (headline) — corpus synthetic")
    assert [f"{r.key[0]} / {r.key[1]}" for r in split.rows] == [f"{system(b[0])} / {b[1]}" for b in body]
    assert split.clean == ["speaker_kfold5"] and split.random == ["random_kfold5"]
