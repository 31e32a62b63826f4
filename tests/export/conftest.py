"""A small run (tiny synthetic corpus, ci profile, two folds), exported once per session: a
classical and a deep system, kept in memory beside their model folders."""

from __future__ import annotations

from pathlib import Path

import pytest

SUITE = """\
name = "export_test"
corpora = ["synthetic"]
corpus_options = { size = "tiny" }
protocols = ["speaker_loso"]
seeds = [0]
profile = "ci"
max_folds = 2

[[runs]]
models = ["svm"]
features = ["mfcc13_stats"]

[[runs]]
models = ["lstm"]
features = ["mfcc13_frames"]
"""


@pytest.fixture(scope="session")
def small_run(tmp_path_factory, cache_root, tiny_corpus) -> Path:
    from benchmark.cli import main

    root = tmp_path_factory.mktemp("export_run")
    suite = root / "export_test.toml"
    suite.write_text(SUITE, encoding="utf-8")
    out = root / "run"
    assert main(["run", "--suite", str(suite), "--out", str(out), "--jobs", "1", "--no-progress",
                 "--no-report", "--cache-dir", str(cache_root)]) == 0
    return out


@pytest.fixture(scope="session")
def corpus_wavs(tiny_corpus) -> list[Path]:
    return [Path(p) for p in tiny_corpus.manifest["path"]]


@pytest.fixture(scope="session")
def classical(small_run, tmp_path_factory):
    pytest.importorskip("skops", reason="the optional 'export' extra is not installed")
    from benchmark.export.exporter import export_system

    return export_system(small_run, "svm/mfcc13_stats", tmp_path_factory.mktemp("m") / "svm")


@pytest.fixture(scope="session")
def deep(small_run, tmp_path_factory):
    pytest.importorskip("onnxruntime", reason="the optional 'onnx' extra is not installed")
    from benchmark.export.exporter import export_system

    return export_system(small_run, "lstm/mfcc13_frames", tmp_path_factory.mktemp("m") / "lstm",
                         onnx=True)
