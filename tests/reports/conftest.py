"""Fixtures for report tests: the checked-in golden run copied to a tmp folder, record makers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def golden_run(tmp_path) -> Path:
    """A writable copy of tests/reports/golden/run (rendering writes beside the records)."""
    dst = tmp_path / "run"
    shutil.copytree(GOLDEN / "run", dst)
    return dst


def _rendered(tmp_path_factory, name: str, figures: bool) -> Path:
    from reports.render import render_report

    dst = tmp_path_factory.mktemp(name) / "run"
    shutil.copytree(GOLDEN / "run", dst)
    render_report(dst, figures=figures)
    return dst


@pytest.fixture(scope="session")
def golden_report(tmp_path_factory) -> Path:
    """The golden run rendered once without figures (read-only: copy it to change anything)."""
    return _rendered(tmp_path_factory, "golden_report", figures=False)


@pytest.fixture(scope="session")
def golden_report_figures(tmp_path_factory) -> Path:
    """The golden run rendered once with figures (read-only)."""
    return _rendered(tmp_path_factory, "golden_report_figures", figures=True)


def _write_records(run_dir: Path, records: list[dict], extra_lines: list[str] = ()) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "records.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
        for line in extra_lines:
            fh.write(line + "\n")
    return run_dir


def _minimal(**kw) -> dict:
    """The fewest fields an ok record may have (everything optional left out)."""
    rec = {"run_id": "r0", "status": "ok", "model": "svm", "corpus": "c", "protocol": "speaker_kfold5",
           "ua": 0.5}
    rec.update(kw)
    return rec


@pytest.fixture
def minimal():
    """``minimal(**overrides)`` -> the fewest fields an ok record may have."""
    return _minimal


@pytest.fixture
def write_records():
    """``write_records(run_dir, records, extra_lines=())`` -> run_dir with records.jsonl."""
    return _write_records
