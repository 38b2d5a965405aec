"""Start-up stays cheap: the command line loads the library only for the command that runs.

No timing here (benchmarks/bench_startup.py times it); these check which modules a fresh
interpreter has loaded, which is what the time follows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dedup import cli_common
from dedup.report import export, queries, render
from dedup.store.engine import head_revision, open_store, shipped_head

HEAVY = ("trafilatura", "httpx", "scipy", "sklearn", "feedparser", "numpy")


def _modules_after(code: str) -> set[str]:
    """Every module a fresh interpreter has loaded after running ``code``."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _loaded_after(code: str) -> set[str]:
    """Top-level packages loaded by a fresh interpreter after running ``code``."""
    return {m.split(".")[0] for m in _modules_after(code)}


def _status_code(tmp_path: Path) -> str:
    """`dedup status --format json` on a new store at head, as a script."""
    db = tmp_path / "dedup.sqlite"
    open_store(f"sqlite:///{db}").close()
    return (
        "from dedup.cli import cli\n"
        f"try:\n    cli(['--db', {str(db)!r}, 'status', '--format', 'json'], prog_name='dedup')\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code"
    )


def test_importing_the_cli_loads_no_library() -> None:
    loaded = _loaded_after("import dedup.cli")
    assert not loaded & {*HEAVY, "sqlalchemy", "alembic", "rich"}


def test_help_loads_no_library() -> None:
    code = (
        "from dedup.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='dedup')\nexcept SystemExit:\n    pass"
    )
    assert not _loaded_after(code) & {*HEAVY, "sqlalchemy", "alembic"}


def test_status_of_a_store_at_head_skips_alembic_and_the_heavy_stages(tmp_path: Path) -> None:
    assert not _loaded_after(_status_code(tmp_path)) & {*HEAVY, "alembic"}


def test_status_of_sqlite_reads_through_the_standard_library(tmp_path: Path) -> None:
    """SQLAlchemy's import is a third of `dedup status`'s start-up, the ORM and ruamel more."""
    loaded = _modules_after(_status_code(tmp_path))
    assert not {m for m in loaded if m.startswith(("sqlalchemy", "dedup.store.models", "ruamel"))}


def test_shipped_head_is_alembics_head() -> None:
    assert shipped_head() is not None
    assert shipped_head() == head_revision()


def test_cli_choices_match_the_library() -> None:
    assert tuple(export.EXPORTS) == cli_common.EXPORT_NAMES
    assert tuple(export.FORMATS) == cli_common.EXPORT_FORMATS
    assert tuple(queries.SORTS) == cli_common.REPORT_SORTS
    assert tuple(render.RENDERERS) == cli_common.REPORT_FORMATS
