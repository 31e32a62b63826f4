"""README "Benchmark your own model" is true: its fenced commands run as written (the output
folder moved into a temporary one), and the report they produce has the plugin rows."""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECTION = "## Benchmark your own model"
MARKER = "<!-- plugin-quickstart:"


def readme_commands() -> list[str]:
    """The command lines of the section's first fenced bash block after the marker."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[: section.index("\n## ", len(SECTION))]
    block = section[section.index(MARKER):].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_section_installs_checks_and_runs():
    commands = readme_commands()
    assert commands[0].startswith("pip install ./examples/serbench-plugin-example")
    assert any(" check-model " in c for c in commands) and any(" run " in c for c in commands)


@pytest.mark.skipif(importlib.util.find_spec("serbench_plugin_example") is None,
                    reason="the example plugin is not installed: pip install ./examples/serbench-plugin-example")
def test_readme_commands_run(tmp_path, cache_root, tiny_corpus):
    env = {**os.environ, "SERBENCH_CACHE": str(cache_root), "MPLBACKEND": "Agg",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for command in readme_commands():
        if command.startswith("pip install"):
            continue  # installed already (CI installs it; the skip above says how)
        argv = [a.replace("runs/plugin_example", str(tmp_path / "plugin_example")) for a in shlex.split(command)]
        assert argv[:3] == ["python", "-m", "benchmark"], command
        done = subprocess.run([sys.executable, *argv[1:], *(["--no-progress"] if argv[3] == "run" else [])],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    report = (tmp_path / "plugin_example" / "report.md").read_text()
    assert "| example_centroid | bands16 |" in report
    assert "| svm (ref.) | bands16 |" in report
