"""A ledger line without a word diff is SQL NULL, so `diff IS NULL` finds it (migration 0008)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import downgrade

from dedup.cli import cli
from dedup.store.engine import make_engine, migrate

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "seeds"


def _counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as conn:
        nulls = conn.execute("SELECT COUNT(*) FROM ledger_entries WHERE diff IS NULL").fetchone()
        texts = conn.execute("SELECT COUNT(*) FROM ledger_entries WHERE diff = 'null'").fetchone()
        diffs = conn.execute("SELECT COUNT(*) FROM ledger_entries WHERE diff IS NOT NULL")
        return nulls[0], texts[0], diffs.fetchone()[0]


def test_new_ledger_lines_without_a_diff_are_sql_null(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    assert CliRunner().invoke(cli, ["--db", str(db), "-q", "import", str(SEEDS)]).exit_code == 0
    nulls, texts, diffs = _counts(db)
    assert nulls > 0 and texts == 0 and diffs > 0  # edited lines keep their diff


def test_migration_0008_turns_stored_json_null_into_sql_null(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    assert CliRunner().invoke(cli, ["--db", str(db), "-q", "import", str(SEEDS)]).exit_code == 0
    engine = make_engine(f"sqlite:///{db}")
    try:
        downgrade(engine, "0005")
        with sqlite3.connect(db) as conn:  # as revision 0005's code wrote them
            conn.execute("UPDATE ledger_entries SET diff = 'null' WHERE diff IS NULL")
            conn.execute("UPDATE story_events SET detail = 'null' WHERE detail IS NULL")
        before = _counts(db)
        assert before[0] == 0 and before[1] > 0
        migrate(engine)
    finally:
        engine.dispose()
    nulls, texts, _ = _counts(db)
    assert (nulls, texts) == (before[1], 0)
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT COUNT(*) FROM story_events WHERE detail = 'null'").fetchone()[0]
            == 0
        )
