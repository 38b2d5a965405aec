"""Bounded memory: a large update is done in parts of bounded size with the same result.

Story updates go in parts of ``scope.PART_ARTICLES`` dirty articles; the stories (members,
origins, ledgers) must be those of one update over everything. Story ids may be numbered in
another order, so stories are compared by their members.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dedup import pipeline, workers
from dedup.config import Settings
from dedup.index import analysis
from dedup.store.batching import LARGE_IN_LIST_CHUNK
from dedup.store.engine import sqlite_path
from dedup.stories import scope
from tests.conftest import SEEDS, shared_path

_STORIES = (
    "SELECT s.id, s.origin_article_id, s.origin_name, s.origin_external, "
    "round(s.confidence, 9), group_concat(m.article_id, ' ') "
    "FROM stories s JOIN story_members m ON m.story_id = s.id WHERE s.status = 'active' "
    "GROUP BY s.id"
)
_LEDGER = (
    "SELECT story_id, article_id, count(*), group_concat(op, ' ') FROM ledger_entries "
    "GROUP BY story_id, article_id"
)


def _stories(db_url: str) -> set[tuple[object, ...]]:
    path = sqlite_path(db_url)
    assert path is not None
    with sqlite3.connect(path) as con:
        members = {}
        stories = set()
        for sid, origin, name, external, conf, ids in con.execute(_STORIES):
            key = tuple(sorted(int(x) for x in ids.split()))
            members[sid] = key
            stories.add((key, origin, name, external, conf))
        ledger = {(members[s], a, n, ops) for s, a, n, ops in con.execute(_LEDGER) if s in members}
    return stories | {("ledger", *row) for row in ledger}


def _build(tmp_path: Path, name: str, paths: list[Path]) -> set[tuple[object, ...]]:
    settings = Settings(db_url=f"sqlite:///{tmp_path / name}")
    summary = pipeline.import_paths(settings, paths, analyze=True)
    assert summary.analysis is not None and summary.analysis.stories
    return _stories(settings.db_url)


@pytest.mark.slow
def test_stories_in_parts_equal_one_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = shared_path("reuters21578", "reut2-000.sgm")
    paths = [first, first.with_name("reut2-001.sgm"), SEEDS]
    monkeypatch.setenv(workers.ENV, "0")
    whole = _build(tmp_path, "whole.sqlite", paths)
    monkeypatch.setattr(scope, "PART_ARTICLES", 40)
    parted = _build(tmp_path, "parts.sqlite", paths)
    assert len(whole) > 50
    assert parted == whole


def test_parts_split_the_dirty_articles_and_keep_thin_stories_once() -> None:
    dirty = scope.Dirty(set(range(1, 11)), {7}, passages={})
    parts = list(scope.parts(dirty, 4))
    assert [sorted(p.articles) for p in parts] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert [p.thin for p in parts] == [{7}, set(), set()]
    assert all(p.passages is None for p in parts)
    assert list(scope.parts(dirty, 10)) == [dirty]


def _plan(db: Path, sql: str, params: dict[str, object]) -> str:
    with sqlite3.connect(db) as con:
        rows = con.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return " | ".join(str(row[-1]) for row in rows)


def test_analysis_pages_use_their_indexes(tmp_path: Path) -> None:
    """A page costs its own rows: never a walk of the indexed paragraphs or of every
    unindexed one after it (with and without ANALYZE statistics)."""
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'plan.sqlite'}")
    pipeline.import_paths(settings, [SEEDS], analyze=True)
    db = sqlite_path(settings.db_url)
    assert db is not None
    page = str(analysis._NEW_PAGE).replace(":no", "0")
    rest = str(analysis._REST_OF_ARTICLE)
    for _ in range(2):
        assert "ix_paragraphs_unindexed (indexed=? AND kind=? AND rowid>?)" in _plan(
            db, page, {"after": 0, "limit": 10}
        )
        assert "ix_paragraphs_article (article_id=?)" in _plan(db, rest, {"article": 1})
        with sqlite3.connect(db) as con:
            con.execute("ANALYZE")


def test_site_counts_are_planned_on_the_text_hash(tmp_path: Path) -> None:
    """The footer check's count asks for thousands of texts at once: it must reach them
    through their hash, not walk every indexed paragraph."""
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'sites.sqlite'}")
    pipeline.import_paths(settings, [SEEDS], analyze=True)
    db = sqlite_path(settings.db_url)
    assert db is not None
    hashes = [f"h{i}" for i in range(LARGE_IN_LIST_CHUNK)]
    marks = ", ".join("?" for _ in hashes)
    sql = str(analysis._SITE_COUNTS).replace("__[POSTCOMPILE_hashes]", marks)
    with sqlite3.connect(db) as con:
        plan = " | ".join(r[-1] for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", hashes))
    assert "ix_paragraphs_norm_hash (norm_hash=?)" in plan, plan
