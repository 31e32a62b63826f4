"""Report rows in registry order (built-ins first), then plugins in the order the suite names
them, read from the records' ``order`` (reports never import the registries)."""

from __future__ import annotations

from benchmark.config import load_suite
from reports.aggregate import group


def test_suite_ranks_builtins_by_registry_then_plugins_in_suite_order(tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text('name = "s"\n[feature_sets.loud]\nextractor = "toy_plugins:energy_stats"\n'
                     '[[runs]]\nmodels = ["toy_plugins:Centroid", "svm", "sklearn.naive_bayes:GaussianNB", "dummy"]\n'
                     'features = ["loud", "mfcc13_stats"]\n')
    ranks = load_suite(suite).display_ranks()
    m = ranks["model"]
    assert m["svm"] < m["dummy"] < m["toy_plugins:Centroid"] < m["sklearn.naive_bayes:GaussianNB"]
    assert ranks["features"]["mfcc13_stats"] < ranks["features"]["loud"]


def _rec(model: str, rank: int) -> dict:
    return {"model": model, "features": "f", "variant": "default", "augmentation": "none",
            "order": {"model": rank, "features": 0}}


def test_group_orders_rows_by_the_records_ranks_not_by_name():
    recs = [_rec("zz_builtin", 0), _rec("aa.plugin:Late", 11), _rec("mm.plugin:Early", 10)]
    keys = [k[0] for k in group(recs, ("model", "features", "variant", "augmentation"))]
    assert keys == ["zz_builtin", "mm.plugin:Early", "aa.plugin:Late"]
