"""The package's layers point one way: no module of benchmark/ imports one that imports it
back (top-level or lazy imports alike), and the job path has no per-family branches."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports() -> dict[str, set[str]]:
    mods: dict[str, set[str]] = {}
    for path in (ROOT / "benchmark").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        mods[name] = deps
    return {m: {d for d in deps if d in mods and d != m} for m, deps in mods.items()}


def test_no_module_imports_one_that_imports_it_back():
    graph = _imports()
    assert len(graph) > 30
    cycles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a]
                     if a in graph[b] and not (a.startswith(b + ".") or b.startswith(a + "."))})
    assert cycles == []


def test_the_job_path_has_no_family_branch():
    for name in ("runner", "worker", "fold_data", "plan", "jobs"):
        src = (ROOT / "benchmark" / f"{name}.py").read_text(encoding="utf-8")
        assert 'family == "deep"' not in src and "family == 'deep'" not in src, name
        assert 'family == "classical"' not in src, name
