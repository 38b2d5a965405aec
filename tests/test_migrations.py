"""Migrations: a blank database migrated to head matches the models, and every step reverses."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dedup.store.engine import alembic_config, head_revision, make_engine, migrate, open_store
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
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        assert not set(VIEW_NAMES) & set(inspect(engine).get_view_names())
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        migrate(engine)
        assert set(VIEW_NAMES) <= set(inspect(engine).get_view_names())
    finally:
        engine.dispose()
    assert _diff(url) == []
