"""Migrations: a blank database migrated to head matches the models, and every step reverses."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from conftest import downgrade
from sqlalchemy import inspect

from dedup.cli import cli
from dedup.store.engine import head_revision, make_engine, migrate, open_store
from dedup.store.models import Base
from dedup.store.views import VIEW_NAMES


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_blank_database_migrated_to_head_matches_models(db_url: str) -> None:
    assert len(_diff(db_url)) >= len(Base.metadata.tables)  # the comparison sees missing tables
    open_store(db_url).close()
    assert _diff(db_url) == []


def test_head_has_the_views(store: object, db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        views = set(inspect(engine).get_view_names())
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    assert set(VIEW_NAMES) <= views
    assert current == head_revision()


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'down.sqlite'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        downgrade(engine, "0001")
        assert not set(VIEW_NAMES) & set(inspect(engine).get_view_names())
        downgrade(engine, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        migrate(engine)
        assert set(VIEW_NAMES) <= set(inspect(engine).get_view_names())
    finally:
        engine.dispose()
    assert _diff(url) == []


def test_views_of_every_revision_read_only_columns_it_has(tmp_path: Path) -> None:
    """Each migration creates the views as they were at its revision: at 0012 the views are
    the earlier ones (they read no column 0013's views added), and 0013 brings them back."""
    url = f"sqlite:///{tmp_path / 'views.sqlite'}"
    engine = make_engine(url)

    def columns(view: str) -> list[str]:
        with engine.connect() as conn:
            return list(conn.exec_driver_sql(f"SELECT * FROM {view} LIMIT 0").keys())

    try:
        migrate(engine)
        assert {"rewritten", "kept_upper", "dropped_upper"} <= set(columns("story_articles"))
        assert "rewrites" in columns("ledger_lines")
        downgrade(engine, "0012")
        assert "rewritten" not in columns("story_articles")
        assert "rewrites" not in columns("ledger_lines")
        assert "avg_rewritten" not in columns("site_records")
        downgrade(engine, "0009")  # before rewrites: the views still read
        assert "kept" in columns("story_articles")
        migrate(engine)
        assert "avg_rewritten" in columns("site_records")
    finally:
        engine.dispose()


def _foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        con.execute("INSERT INTO notes (body) VALUES ('mine, not dedup''s')")
    con.close()


_READING = [["status"], ["report"], ["export", "passages"]]
_WRITING = [["import", "--no-analyze"], ["analyze"]]


@pytest.mark.parametrize(
    ("kind", "command"),
    [(k, c) for k in ("foreign", "empty", "text") for c in _READING]
    + [(k, c) for k in ("foreign", "text") for c in _WRITING],
)
def test_a_file_that_is_not_a_dedup_store_is_never_written(
    tmp_path: Path, seeds_dir: Path, kind: str, command: list[str]
) -> None:
    path = tmp_path / "other.sqlite"
    if kind == "foreign":
        _foreign_database(path)
    elif kind == "empty":
        path.touch()
    else:
        path.write_text("not a database")
    before = path.read_bytes()
    args = [*command, str(seeds_dir)] if command[0] == "import" else command
    result = CliRunner().invoke(cli, ["--db", str(path), *args])
    assert result.exit_code == 5, result.output
    assert str(path) in result.output and "nothing was written" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "other.sqlite.lock") == [
        "other.sqlite"
    ]


def test_status_of_a_missing_store_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "dedup.sqlite"
    result = CliRunner().invoke(cli, ["--db", str(path), "status", "--format", "json"])
    assert result.exit_code == 5 and str(path) in result.output, result.output
    assert not path.parent.exists()


def test_an_empty_file_becomes_a_store_only_for_a_writing_command(
    tmp_path: Path, seeds_dir: Path
) -> None:
    path = tmp_path / "new.sqlite"
    path.touch()
    result = CliRunner().invoke(cli, ["--db", str(path), "import", str(seeds_dir)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["--db", str(path), "status"]).exit_code == 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis://localhost/0", "a redis:// URL is a band index: --index"),
        ("mysqlx://user:secret@host/db", "give a SQLite file path or a postgresql:// URL"),
    ],
)
def test_a_url_of_no_store_kind_is_one_clear_line_without_its_password(url: str, says: str) -> None:
    from dedup.errors import StoreError

    with pytest.raises(StoreError) as caught:
        make_engine(url)
    message = str(caught.value)
    assert says in message and "secret" not in message and "\n" not in message


def test_a_server_that_refuses_gets_a_server_hint_not_a_path_hint() -> None:
    from dedup.errors import StoreError

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreError) as caught:
        open_store(f"postgresql://nobody:secret@127.0.0.1:{port}/x")
    message = str(caught.value)
    assert "check that the server is running" in message
    assert "check the path" not in message and "secret" not in message
