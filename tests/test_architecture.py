"""Data flows one way: twin → layers / scenarios / assistant → viewer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "twin": {"twin"},
    "layers": {"twin", "layers"},
    "scenarios": {"twin", "scenarios"},
    "assistant": {"twin", "scenarios", "assistant"},
    "viewer": {"twin", "layers", "scenarios", "assistant", "viewer"},
}
PROJECT = set(ALLOWED)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependency_direction(package):
    for path in (ROOT / package).rglob("*.py"):
        wrong = _imports(path) - ALLOWED[package]
        where = path.relative_to(ROOT)
        assert not wrong, f"{where} imports {sorted(wrong)}: lower packages never import higher"


def test_core_has_no_streamlit():
    for package in ("twin", "layers", "scenarios", "assistant"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
                a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
            }
            assert not any(m and m.startswith("streamlit") for m in mods), path
