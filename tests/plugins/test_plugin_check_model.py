"""``check-model``: every built-in classical model and the example plugins pass; broken
classifiers fail the check that names their defect; exit 0 / 1 / 2."""

from __future__ import annotations

import importlib.util

import pytest

from baselines import MODELS as CLASSICAL
from benchmark.cli import main
from benchmark.model_checks import run_checks

EXAMPLE = importlib.util.find_spec("serbench_plugin_example") is not None
needs_example = pytest.mark.skipif(not EXAMPLE, reason="the example plugin is not installed: "
                                   "pip install ./examples/serbench-plugin-example")


def _failed(spec: str) -> dict[str, str]:
    return {r.name: r.reason for r in run_checks(spec) if not r.ok}


@pytest.mark.parametrize("name", list(CLASSICAL))
def test_every_builtin_classical_model_passes(name):
    assert _failed(name) == {}


@pytest.mark.parametrize("spec", ["sklearn.naive_bayes:GaussianNB", "sklearn.linear_model:LogisticRegression",
                                  "toy_plugins:Centroid", "toy_plugins:FramesCentroid"])
def test_plain_classifiers_pass(spec):
    assert _failed(spec) == {}


@needs_example
@pytest.mark.parametrize("spec", ["example_centroid", "example_meanpool"])
def test_example_plugin_models_pass(spec):
    assert _failed(spec) == {}


@pytest.mark.parametrize(("spec", "check", "words"), [
    ("toy_plugins:WrongShape", "predict_proba has shape (n_items, n_classes)", "shape"),
    ("toy_plugins:NotSummingToOne", "predict_proba rows are probabilities summing to 1", "sums to 0.9"),
    ("toy_plugins:NonDeterministic", "deterministic under a fixed seed", "same seed"),
    ("toy_plugins:MutatesParams", "fit leaves the constructor parameters unchanged", "['temperature']"),
])
def test_broken_classifiers_fail_the_named_check(spec, check, words):
    failed = _failed(spec)
    assert check in failed and words in failed[check]


def test_cli_exit_status_and_one_line_per_check(capsys):
    assert main(["check-model", "sklearn.naive_bayes:GaussianNB"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("PASS  ") for line in out) == 8
    assert main(["check-model", "toy_plugins:NotSummingToOne"]) == 1
    assert "FAIL  predict_proba rows are probabilities summing to 1: row" in capsys.readouterr().out
    assert main(["check-model", "toy_plugins:RaisesInFit"]) == 1
    assert "toy plugin refuses to fit" in capsys.readouterr().out
    assert main(["check-model", "no_such_pkg:Thing"]) == 2
    assert "cannot import module 'no_such_pkg'" in capsys.readouterr().err
    assert main(["check-model", "sklearn.linear_model:LogisticRegression", "--param", "C=0.5"]) == 0
