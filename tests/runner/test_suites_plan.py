"""The shipped suites expand into the grids their tables promise (no corpus is loaded)."""

from __future__ import annotations

from pathlib import Path

from benchmark.config import RunOptions, load_suite
from benchmark.plan import expand_combos

CLASSICAL = {"dummy", "svm", "gmm", "hmm", "knn", "tree", "xgb", "mlp"}
DEEP = {"cnn", "lstm", "bilstm", "emotech_cnn_bilstm", "dilated_cnn_bilstm", "emoaugnet",
        "dycnn_bilstm_attn", "cnn_bilstm", "cnn_lstm_attn"}


def _combos(suite: str, corpus: str | None = None):
    return expand_combos(load_suite(suite), RunOptions(out=Path("unused"), corpus=corpus), warn=False)


def test_ablation_compare_table_has_every_system_under_both_protocols():
    rows = [c for c in _combos("ablation") if "compare" in c.tables]
    systems = {c.model for c in rows}
    assert systems == CLASSICAL | DEEP and len(systems) == 17
    for model in systems:
        assert {c.protocol for c in rows if c.model == model} == {"speaker_kfold5", "random_kfold5"}


def test_on_emodb_the_clean_protocol_is_loso_with_the_random_split_beside_it():
    rows = [c for c in _combos("ablation", "emodb") if "compare" in c.tables]
    assert {c.protocol for c in rows} == {"speaker_loso", "random_kfold5"}


def test_every_paper_table_is_fed():
    tables = {t for c in _combos("ablation") for t in c.tables}
    assert {"compare", "paper000_table1", "paper000_table3", "paper001", "paper002",
            "paper003_table7", "paper003_table8", "paper003_table9", "paper004_table3",
            "paper004_table4"} <= tables
    p001 = {(c.variant, c.augmentation) for c in _combos("ablation") if "paper001" in c.tables}
    for act in ("relu", "elu"):  # ReLU vs ELU with the paper's own augmentation
        assert (act, "paper001") in p001 and (act, "paper001_noise") in p001
    p003 = {c.protocol for c in _combos("ablation") if "paper003_table7" in c.tables}
    assert p003 == {"speaker_kfold5", "random_holdout_80_10_10"}


def test_references_are_named_in_advance():
    refs = dict(load_suite("ablation").references)
    assert dict(refs["compare"]) == {"model": "svm", "features": "egemaps_v02"}


def test_only_table_keeps_the_jobs_that_feed_that_table():
    suite = load_suite("ablation")
    opts = RunOptions(out=Path("unused"), only=(("table", "compare"),))
    kept = expand_combos(suite, opts, warn=False)
    assert kept and all("compare" in c.tables for c in kept)
    assert len(kept) == sum("compare" in c.tables for c in _combos("ablation"))


def _loader_kwargs(monkeypatch, suite: str, corpus: str, **opts) -> dict:
    """The keyword arguments ``load_corpora`` hands the loader of ``corpus`` (nothing loaded)."""
    import benchmark.datasets as datasets
    from benchmark.plan import load_corpora

    seen: dict = {}

    class Loaded:
        problems: list = []

    def fake_load(name, data_root, **kwargs):
        seen.update(kwargs)
        return Loaded()

    monkeypatch.setattr(datasets, "load_corpus", fake_load)
    load_corpora(load_suite(suite), RunOptions(out=Path("unused"), progress=False, **opts), [corpus])
    return seen


def test_the_main_job_runs_the_small_corpus_and_a_corpus_option_restores_the_default(monkeypatch):
    assert _loader_kwargs(monkeypatch, "ablation", "synthetic")["size"] == "small"
    restored = _loader_kwargs(monkeypatch, "ablation", "synthetic", corpus_options=(("size", "default"),))
    assert restored["size"] == "default"
    # the suite's size is the embedded corpus's alone: a real corpus's loader never sees it
    assert "size" not in _loader_kwargs(monkeypatch, "ablation", "emodb", data_root="unused")
