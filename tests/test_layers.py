"""The package's layout is its data-flow diagram: no stage imports a stage above it.

Every import in ``dedup/`` (module level or inside a function) is read with ``ast``; a module
may import its own stage and the stages below it, never one above or a sibling stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dedup"

# Lowest first. Stages of one rank are siblings and must not import each other.
LAYERS: list[set[str]] = [
    {"records", "errors"},
    {"progress", "config", "workers"},
    {"feeds_file"},
    {"text"},
    {"store"},
    {"ingest", "index"},
    {"stories"},
    {"report"},
    {"reading"},
    {"pipeline"},
    {"cli_common"},
    {"cli_feeds"},
    {"cli"},
]
RANK = {stage: rank for rank, stages in enumerate(LAYERS) for stage in stages}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "dedup" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "dedup":
                found.extend((node.lineno, f"dedup.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, node.module))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_every_module_belongs_to_a_stage() -> None:
    for path in _modules():
        rel = path.relative_to(PACKAGE)
        stage = rel.parts[0].removesuffix(".py")
        if stage == "__init__":
            continue
        assert stage in RANK, f"dedup/{rel}: place it in a stage listed in LAYERS"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_from_a_higher_or_sibling_stage(path: Path) -> None:
    rel = path.relative_to(PACKAGE)
    own = rel.parts[0].removesuffix(".py")
    if own == "__init__":
        return
    for line, module in _imports(path):
        stage = _stage(module)
        if stage is None or stage == own:
            continue
        assert stage in RANK, f"dedup/{rel}:{line} imports unknown stage {module}"
        assert RANK[stage] < RANK[own], (
            f"dedup/{rel}:{line} imports {module}: stage {own!r} may only use stages below it"
        )


def test_no_module_over_500_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert not long, f"split these by noun: {long}"
