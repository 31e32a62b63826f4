"""The † marker from pooled per-utterance predictions (exact McNemar) and its per-fold fallback."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from reports.aggregate import METRICS, summarise_metric
from reports.load import ReportError, load_run
from reports.pooled import Predictions
from reports.render import render_report
from reports.tables import MCNEMAR, PERMUTATION, WORSE_MARKER, metric_cells

MCNEMAR_CAPTION = "exact McNemar test on pooled per-utterance predictions (p < 0.05)"
PERMUTATION_CAPTION = "by a two-sided paired sign-flip permutation test"
PER_FOLD = 20  # test utterances per fold, labels alternate a/b


def _predictions(fold: int, n_right: int) -> list[tuple[str, str, str]]:
    """(utt_id, y_true, y_pred): the first ``n_right`` utterances of the fold are right."""
    rows = []
    for i in range(PER_FOLD):
        truth = "ab"[i % 2]
        wrong = "ba"[i % 2]
        rows.append((f"u{fold:02d}_{i:02d}", truth, truth if i < n_right else wrong))
    return rows


def make_run(
    run_dir: Path, write_records, minimal, systems: dict[str, int], *, n_folds: int = 5,
    seeds: tuple[int, ...] = (0,), record_acc: dict[str, float] | None = None,
    predictions: bool = True,
) -> Path:
    """One record per (system, fold, seed) in the paper002 table (WA, UA, macro F1 columns).

    ``systems`` maps a variant name to how many of each fold's utterances it gets right; the
    records' scores follow the predictions unless ``record_acc`` overrides them.
    """
    recs = []
    (run_dir / "predictions").mkdir(parents=True, exist_ok=True)
    for variant, n_right in systems.items():
        for seed in seeds:
            for f in range(n_folds):
                rid = f"{variant}-{f}-{seed}"
                acc = (record_acc or {}).get(variant, n_right / PER_FOLD)
                # a small per-fold wobble so the per-fold test sees real (non-constant) values
                acc = acc + 0.001 * f
                recs.append(minimal(
                    run_id=rid, model="dycnn_bilstm_attn", family="deep", variant=variant,
                    fold=f, seed=seed, n_folds=n_folds, tables=["paper002"], classes=["a", "b"],
                    wa=acc, ua=acc, macro_f1=acc,
                ))
                if predictions:
                    with open(run_dir / "predictions" / f"{rid}.csv", "w", newline="") as fh:
                        w = csv.writer(fh)
                        w.writerow(["utt_id", "y_true", "y_pred", "proba_a", "proba_b"])
                        for u, t, p in _predictions(f, n_right):
                            w.writerow([u, t, p, "0.5", "0.5"])
    return write_records(run_dir, recs)


def _row(md: str, variant: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| dycnn_bilstm_attn | {variant} |"))


def _caption(md: str) -> str:
    return next(line for line in md.splitlines() if line.startswith("Paper 002"))


# ---------------------------------------------------------------------------- end to end


def test_pooled_mcnemar_marks_clearly_worse_system_with_five_folds(tmp_path, write_records, minimal):
    run = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10})
    md = render_report(run, figures=False).read_text(encoding="utf-8")
    # all three score columns carry the marker from the one WA-type test
    assert _row(md, "static").count(WORSE_MARKER) == 3
    assert WORSE_MARKER not in _row(md, "dynamic_attention")
    caption = _caption(md)
    assert MCNEMAR_CAPTION in caption and "WA-type" in caption and PERMUTATION_CAPTION not in caption
    assert "cannot reach" not in md  # the per-fold power note is not needed


@pytest.mark.parametrize(("n_folds", "marked"), [(5, False), (6, True)])
def test_fallback_to_permutation_without_predictions(tmp_path, write_records, minimal, n_folds, marked):
    run = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10},
                   n_folds=n_folds, predictions=False)
    md = render_report(run, figures=False).read_text(encoding="utf-8")
    assert (WORSE_MARKER in _row(md, "static")) is marked
    caption = _caption(md)
    assert PERMUTATION_CAPTION in caption and MCNEMAR_CAPTION not in caption
    # 5 pairs: smallest two-sided p is 0.0625, said in a note
    assert ("cannot reach" in md) is (not marked)


def test_identical_predictions_give_no_marker(tmp_path, write_records, minimal):
    # the records claim a large, consistent per-fold gap (the permutation test alone would mark
    # it with 6 folds), but the per-utterance predictions are identical: McNemar decides
    run = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 14, "static": 14},
                   n_folds=6, record_acc={"dynamic_attention": 0.8, "static": 0.5})
    md = render_report(run, figures=False).read_text(encoding="utf-8")
    assert WORSE_MARKER not in _row(md, "static")
    assert MCNEMAR_CAPTION in _caption(md)
    shutil.rmtree(run / "predictions")
    md = render_report(run, figures=False).read_text(encoding="utf-8")
    assert WORSE_MARKER in _row(md, "static") and PERMUTATION_CAPTION in _caption(md)


def test_missing_csv_of_a_matched_record_falls_back(tmp_path, write_records, minimal):
    run = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10}, n_folds=6)
    (run / "predictions" / "static-3-0.csv").unlink()
    md = render_report(run, figures=False).read_text(encoding="utf-8")
    assert WORSE_MARKER in _row(md, "static")
    assert PERMUTATION_CAPTION in _caption(md) and MCNEMAR_CAPTION not in _caption(md)


# ------------------------------------------------------------------------- metric_cells level


def _summaries(run_dir: Path, spec: str = "ua"):
    run = load_run(run_dir)
    by_variant: dict[str, list] = {}
    for r in run.ok:
        by_variant.setdefault(r["variant"], []).append(r)
    return run, [summarise_metric(v, spec) for v in by_variant.values()]


def test_marker_needs_lower_pooled_accuracy(tmp_path, write_records, minimal):
    # per-fold values say "static" is worse; its predictions are clearly better: no marker,
    # as the reference is the column's best and "worse" means worse pooled accuracy
    run_dir = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 8, "static": 18},
                       record_acc={"dynamic_attention": 0.9, "static": 0.6})
    run, summaries = _summaries(run_dir)
    col = metric_cells(summaries, METRICS["ua"], predictions=Predictions(run))
    assert col.tests == (MCNEMAR,) and col.n_pairs == ()
    assert col.cells[0].bold and [c.marker for c in col.cells] == ["", ""]


def test_cost_columns_are_never_tested(tmp_path, write_records, minimal):
    run_dir = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10})
    run = load_run(run_dir)
    for r in run.ok:
        r["fit_s"] = 1.0 if r["variant"] == "static" else 5.0
    summaries = [summarise_metric([r for r in run.ok if r["variant"] == v], "fit_s")
                 for v in ("dynamic_attention", "static")]
    col = metric_cells(summaries, METRICS["fit_s"], predictions=Predictions(run))
    assert col.tests == () and all(c.marker == "" for c in col.cells)


def test_permutation_used_when_no_predictions_object(tmp_path, write_records, minimal):
    run_dir = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10}, n_folds=6)
    _, summaries = _summaries(run_dir)
    col = metric_cells(summaries, METRICS["ua"])
    assert col.tests == (PERMUTATION,) and col.n_pairs == (6,)
    assert col.cells[1].marker == WORSE_MARKER


# ------------------------------------------------------------------------- Predictions.compare


def test_pooling_matches_by_seed_and_utterance(tmp_path, write_records, minimal):
    # two seeds test the same utterance ids again: they are distinct pairs, (seed, utt_id)
    run_dir = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10},
                       seeds=(0, 1))
    # one system lost two rows of one CSV: only utterances both have are compared
    path = run_dir / "predictions" / "static-0-1.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-2]))
    run, (best, worse) = _summaries(run_dir)
    c = Predictions(run).compare(best.run_ids, worse.run_ids)
    assert c.n_records == 10 and c.n_utts == 2 * 5 * PER_FOLD - 2
    assert c.acc_ref > c.acc_other and c.p < 1e-6 and c.other_is_worse(0.05)
    # symmetric p, and a system compared with itself is never different
    assert Predictions(run).compare(worse.run_ids, best.run_ids).p == pytest.approx(c.p)
    assert Predictions(run).compare(best.run_ids, best.run_ids).p == 1.0


def test_no_shared_records_gives_none(tmp_path, write_records, minimal):
    run = load_run(make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18}))
    assert Predictions(run).compare({(0, 0): "dynamic_attention-0-0"}, {(0, 1): "x"}) is None


def test_different_labels_for_one_utterance_is_an_error(tmp_path, write_records, minimal):
    run_dir = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10})
    path = run_dir / "predictions" / "static-2-0.csv"
    path.write_text(path.read_text().replace("u02_00,a,", "u02_00,b,", 1))
    with pytest.raises(ReportError, match="u02_00"):
        render_report(run_dir, figures=False)


def test_utterance_twice_in_one_seed_is_an_error(tmp_path, write_records, minimal):
    run_dir = make_run(tmp_path, write_records, minimal, {"dynamic_attention": 18, "static": 10})
    shutil.copy(run_dir / "predictions" / "static-0-0.csv", run_dir / "predictions" / "static-1-0.csv")
    with pytest.raises(ReportError, match="another fold"):
        render_report(run_dir, figures=False)
