"""Shared fixtures: a real SQLite file per test, the bundled seeds, and the ../shared corpora.

Tests that need ``../shared`` skip with a reason when it is absent (a user's clone), but
fail instead when ``CI=true``: there the data is always beside the clone and must be used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from servers import ServerUnavailable, postgres_server, redis_server, unavailable
from sqlalchemy import Engine

from dedup.config import Settings
from dedup.index import analysis
from dedup.progress import NullProgress
from dedup.records import ArticleRecord
from dedup.report.queries import list_stories
from dedup.store.articles import save_articles
from dedup.store.engine import Store, open_store
from dedup.stories.update import update_stories

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "seeds"
SHARED = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip (fail under CI=true) when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent: the shared corpora are not beside this clone"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}, but CI=true requires them")
        pytest.skip(reason)
    return path


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database of ``engine`` back to ``revision``, as an older release left it."""
    from alembic import command

    from dedup.store.engine import alembic_config

    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def store_and_report(store: Store, records: Sequence[ArticleRecord]) -> dict[str, Any]:
    """Store ``records``, index them, update the stories and return the stories' report."""
    with store.session() as session:
        save_articles(session, records)
    analysis.index_new_paragraphs(store, NullProgress())
    with store.session() as session:
        update_stories(session)
        return list_stories(session).to_dict()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'dedup.sqlite'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="module")
def running_server() -> Iterator[HTTPServer]:
    """A local HTTP server on 127.0.0.1 (no live network in tests), one per test module."""
    with HTTPServer(host="127.0.0.1", threaded=True) as srv:
        yield srv


@pytest.fixture
def server(running_server: HTTPServer) -> Iterator[HTTPServer]:
    yield running_server
    running_server.clear()


@pytest.fixture
def runner(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """A CliRunner whose `dedup` uses the test's database and a blank working folder."""
    monkeypatch.setenv("DEDUP_DB", db_url)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database (see tests/servers.py), one per test module."""
    try:
        with postgres_server() as url:
            yield url
    except ServerUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server (see tests/servers.py), one per test module."""
    try:
        with redis_server() as url:
            yield url
    except ServerUnavailable as exc:
        unavailable(str(exc))
