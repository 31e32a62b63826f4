"""The headline is fair to both sides as shipped: ComParE rows beside eGeMAPS in the compare
table, references named in advance in the ablation and classical suites (no corpus loaded)."""

from __future__ import annotations

from pathlib import Path

from benchmark.config import RunOptions, load_suite
from benchmark.plan import expand_combos


def _compare_rows(suite: str):
    combos = expand_combos(load_suite(suite), RunOptions(out=Path("unused")), warn=False)
    return [c for c in combos if "compare" in c.tables]


def test_compare_table_runs_the_classical_models_on_egemaps_and_compare_2016():
    rows = _compare_rows("ablation")
    on_compare = {c.model for c in rows if c.features == "compare_2016"}
    assert {"svm", "mlp", "xgb", "knn"} <= on_compare
    for model in on_compare:  # separate rows, same protocols as the eGeMAPS ones
        assert ({c.protocol for c in rows if c.model == model and c.features == "compare_2016"}
                == {c.protocol for c in rows if c.model == model and c.features == "egemaps_v02"})


def test_the_reference_is_the_egemaps_svm_in_both_classical_headlines():
    assert dict(load_suite("ablation").references)["compare"] == (
        ("features", "egemaps_v02"), ("model", "svm"))
    assert dict(load_suite("classical").references)["classical"] == (
        ("features", "egemaps_v02"), ("model", "svm"), ("variant", "default"))
