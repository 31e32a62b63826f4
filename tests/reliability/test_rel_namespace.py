"""Folders named like serbench's sibling packages in the working directory must not shadow them.

An empty ``baselines/`` (or ``deep/``, ``reports/``) in the current directory used to become a
namespace package ahead of the installed one, and every command died with
``ImportError: cannot import name 'MODELS' from 'baselines' (unknown location)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SIBLINGS = ("baselines", "deep", "reports")


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def _shadow_dir(tmp_path: Path, with_init: bool = False) -> Path:
    work = tmp_path / "work"
    for name in SIBLINGS:
        (work / name).mkdir(parents=True)
        if with_init:  # a user's own package of that name
            (work / name / "__init__.py").write_text("MODELS = None\n")
    return work


@pytest.mark.parametrize("with_init", [False, True], ids=["empty-folders", "user-packages"])
def test_list_models_in_a_folder_with_shadowing_dirs(tmp_path, with_init):
    work = _shadow_dir(tmp_path, with_init)
    out = _run(work, "-m", "benchmark", "list", "models")
    assert out.returncode == 0, out.stderr
    assert "svm" in out.stdout and "dummy" in out.stdout
    assert "ImportError" not in out.stderr


def test_list_models_from_the_repo_root_still_works():
    out = _run(REPO, "-m", "benchmark", "list", "models")
    assert out.returncode == 0, out.stderr
    assert "svm" in out.stdout


@pytest.mark.parametrize("with_init", [False, True], ids=["empty-folders", "user-packages"])
def test_regular_install_layout_wins_over_shadowing_dirs(tmp_path, with_init):
    """A non-editable install: the packages are plain folders on sys.path (here PYTHONPATH,
    which comes after the working directory, exactly like site-packages)."""
    site = tmp_path / "site"
    for name in ("benchmark", *SIBLINGS):
        shutil.copytree(REPO / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    work = _shadow_dir(tmp_path, with_init)
    probe = ("import benchmark, baselines, deep, reports;"
             "print(benchmark.__file__); print(baselines.__file__); print(reports.__file__)")
    out = _run(work, "-c", probe, env={"PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr
    files = out.stdout.split()
    assert files and all(f.startswith(str(site)) for f in files), files
    out = _run(work, "-m", "benchmark", "list", "models", env={"PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr
    assert "svm" in out.stdout


def test_unrelated_cwd_modules_stay_importable(tmp_path):
    """Only a shadowing working directory is dropped from sys.path, nothing else."""
    work = tmp_path / "plain"
    work.mkdir()
    (work / "mymod.py").write_text("X = 1\n")
    out = _run(work, "-c", "import benchmark, mymod; print(mymod.X)")
    assert out.returncode == 0 and out.stdout.strip() == "1", out.stderr
