"""Every SQL block of docs/queries.md runs against a store built from the seeds.

Blocks preceded by ``<!-- expect rows -->`` are the key questions and must return rows; the
others (feeds, rewritten articles...) may find nothing in the seeds but must still run.
Queries run through the plain ``sqlite3`` module, the way a researcher runs them.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from dedup.config import Settings
from dedup.store.engine import sqlite_path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "docs" / "queries.md"
_BLOCK = re.compile(
    r"^### (?P<title>.+?)\n(?:(?!^### ).)*?(?P<expect><!-- expect rows -->\n)?```sql\n"
    r"(?P<sql>.*?)```",
    re.S | re.M,
)


def _blocks() -> list[tuple[str, str, bool]]:
    text = QUERIES.read_text(encoding="utf-8")
    found = [(m["title"], m["sql"], bool(m["expect"])) for m in _BLOCK.finditer(text)]
    assert len(found) == text.count("```sql"), "every sql block needs a ### heading above it"
    return found


BLOCKS = _blocks()


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dedup import pipeline

    url = f"sqlite:///{tmp_path_factory.mktemp('queries') / 'seeds.sqlite'}"
    pipeline.import_paths(Settings(db_url=url), [ROOT / "examples" / "seeds"])
    path = sqlite_path(url)
    assert path is not None
    return path


def test_the_doc_has_key_queries() -> None:
    assert len(BLOCKS) >= 15
    assert sum(expect for _, _, expect in BLOCKS) >= 8


@pytest.mark.parametrize(("title", "sql", "expect"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_query_runs(seeds_db: Path, title: str, sql: str, expect: bool) -> None:
    assert sqlite3.complete_statement(sql), f"{title}: not one complete statement"
    with sqlite3.connect(seeds_db) as conn:
        rows = conn.execute(sql).fetchall()
    if expect:
        assert rows, f"{title!r} returned no rows on the seeds"
