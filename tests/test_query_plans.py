"""No hidden scans: the plans of an incremental run's queries, with the statistics dedup keeps.

Every SELECT an incremental ``dedup import`` (one new article into a Reuters slice, then
analyze and stories) sends is captured and explained with SQLite's ``EXPLAIN QUERY PLAN``:
the hot ones must name their intended index, and none may walk a table that grows with the
store. Issue 12, item 2: the footer check's site-count query was planned on the ``indexed``
index (no statistics) and walked every indexed paragraph.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path
from sqlalchemy import Engine, event

from dedup import pipeline
from dedup.config import Settings
from dedup.store.engine import Store

# Tables that grow with the store; a per-run query must reach them through an index.
# Not listed: ``stories`` (one row per ~20 articles), which the stories step's thin-story
# check and summary counts still read whole; small index tables (settings, segments).
GROWING = (
    "paragraphs",
    "passages",
    "articles",
    "article_versions",
    "story_members",
    "index_chunks",
    "links",
    "ledger_entries",
)

HOT = {
    # The footer check (dedup.index.analysis._SITE_COUNTS).
    "WHERE p.norm_hash IN": "ix_paragraphs_norm_hash",
    # The unindexed-paragraph fetch.
    "WHERE p.indexed = ": "ix_paragraphs_unindexed",
    # The stories scope: passages since the last run, members with a new version since.
    "passages.created_at >": "ix_passages_created_at",
    "article_versions.fetched_at >": "ix_article_versions_fetched_at",
}


@pytest.fixture
def captured() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, params))

    event.listen(Engine, "before_cursor_execute", capture)
    yield statements
    event.remove(Engine, "before_cursor_execute", capture)


def _plan(con: sqlite3.Connection, statement: str, params: Any) -> list[str]:
    return [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + statement, params)]


def _incremental_plans(tmp_path: Path, captured: list[tuple[str, Any]]) -> dict[str, list[str]]:
    db = tmp_path / "plans.sqlite"
    settings = Settings(db_url=f"sqlite:///{db}")
    pipeline.import_paths(settings, [shared_path("reuters21578", "reut2-000.sgm")])
    lead = (
        "SHOWERS CONTINUED THROUGHOUT THE WEEK IN THE BAHIA COCOA ZONE, ALLEVIATING THE "
        "DROUGHT SINCE EARLY JANUARY AND IMPROVING PROSPECTS FOR THE COMING TEMPORAO, "
        "ALTHOUGH NORMAL HUMIDITY LEVELS HAVE NOT BEEN RESTORED, COMISSARIA SMITH SAID."
    )
    late = tmp_path / "late.jsonl"
    late.write_text(
        json.dumps({"source": "reuters", "id": "late-1", "title": "Cocoa", "text": lead}) + "\n"
    )
    captured.clear()
    summary = pipeline.import_paths(settings, [late])
    assert summary.analysis is not None and summary.analysis.paragraphs == 1
    statements = {s: p for s, p in captured}
    with sqlite3.connect(db) as con:
        return {s: _plan(con, s, p) for s, p in statements.items()}


def test_an_incremental_run_uses_its_indexes(
    tmp_path: Path, captured: list[tuple[str, Any]]
) -> None:
    plans = _incremental_plans(tmp_path, captured)
    for marker, index in HOT.items():
        found = [plan for s, plan in plans.items() if marker in s]
        assert found, f"no query with {marker!r} ran"
        for plan in found:
            assert any(index in step for step in plan), (marker, plan)
    for statement, plan in plans.items():
        for step in plan:
            if step.startswith("SCAN"):
                table = step.split()[1]
                assert table not in GROWING, (
                    " ".join(statement.split())[:200],
                    step,
                )


def test_without_statistics_the_footer_check_still_reaches_texts_by_hash(
    tmp_path: Path, captured: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two defences against the plan that walked every indexed paragraph: the statistics
    ``Store.optimize`` keeps, and a query whose shape needs none (the indexed test sits
    inside the count), so a store never analysed still gets the hash index."""
    monkeypatch.setattr(Store, "optimize", lambda self: None)
    plans = _incremental_plans(tmp_path, captured)
    (plan,) = [plan for s, plan in plans.items() if "WHERE p.norm_hash IN" in s]
    assert any("ix_paragraphs_norm_hash" in step for step in plan), plan
    assert not any("ix_paragraphs_unindexed" in step for step in plan), plan


def test_the_story_list_reaches_members_by_story_and_articles_by_id(
    tmp_path: Path, captured: list[tuple[str, Any]]
) -> None:
    """An archive import has one source. With the statistics of Reuters' 19,043 articles
    (sampled: about 1,000 articles per source) and a chunk of 900 story ids, SQLite planned
    the report's members-articles-sources join from the source, probing each of its articles
    against the story ids: 3 s for Reuters' 1,094 stories. Every query of the story list must
    reach articles by id, not by source."""
    import re

    from dedup.report.queries import _members
    from dedup.store.engine import open_store

    db = tmp_path / "report.sqlite"
    pipeline.import_paths(
        Settings(db_url=f"sqlite:///{db}"), [shared_path("reuters21578", "reut2-000.sgm")]
    )
    with sqlite3.connect(db) as con:  # the statistics PRAGMA optimize left on all of Reuters
        con.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'articles'")
        con.executemany(
            "INSERT INTO sqlite_stat1 VALUES ('articles', ?, ?)",
            [
                ("ix_articles_source_id", "19024 1001"),
                ("sqlite_autoindex_articles_1", "8320 1"),
                ("ix_articles_current_version", "8798 1"),
            ],
        )
    store = open_store(f"sqlite:///{db}")
    try:
        captured.clear()
        with store.session() as session:
            members = _members(session, list(range(1, 901)))
    finally:
        store.close()
    assert len(members) > 10
    by_source = re.compile(r"INDEX ix_articles_source_id \(source_id=\?\)$")
    with sqlite3.connect(db) as con:
        plans = [(statement, _plan(con, statement, params)) for statement, params in captured]
    assert plans
    for statement, plan in plans:
        for step in plan:
            assert not by_source.search(step), (" ".join(statement.split())[:200], step)
            assert not step.startswith("SCAN story_members"), step
