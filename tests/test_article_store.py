"""Storing articles: identity, versions (kept, and restored when an edit is undone), links."""

from __future__ import annotations

from sqlalchemy import func, select

from dedup.records import ArticleRecord
from dedup.store.articles import save_articles
from dedup.store.engine import Store
from dedup.store.models import Article, ArticleVersion, Link, Paragraph
from dedup.text.extract import extract_text


def record(text: str, key: str = "https://example.org/a", source: str = "alpha") -> ArticleRecord:
    ex = extract_text(text, title="A title")
    return ArticleRecord(
        source=source,
        key=key,
        title=ex.title,
        text=ex.text,
        paragraphs=ex.paragraphs,
        url=key,
        links=(("https://example.org/origin", "the origin"),),
    )


FIRST = "First paragraph of the story, long enough to matter.\n\nSecond paragraph here."
SECOND = "First paragraph of the story, corrected by the editor.\n\nSecond paragraph here."


def counts(store: Store) -> tuple[int, int, int, int]:
    with store.session() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(model))
            for model in (Article, ArticleVersion, Paragraph, Link)
        )


def test_new_then_unchanged(store: Store) -> None:
    with store.session() as s:
        first = save_articles(s, [record(FIRST)])
    with store.session() as s:
        again = save_articles(s, [record(FIRST), record(FIRST)])
    assert (first.new, again.new, again.unchanged) == (1, 0, 1)
    assert counts(store) == (1, 1, 2, 1)


def test_changed_text_is_a_new_version_and_the_old_one_is_kept(store: Store) -> None:
    with store.session() as s:
        save_articles(s, [record(FIRST)])
    with store.session() as s:
        result = save_articles(s, [record(SECOND)])
    assert result.changed == 1
    assert counts(store) == (1, 2, 4, 2)
    with store.session() as s:
        article = s.scalars(select(Article)).one()
        current = s.get(ArticleVersion, article.current_version_id)
        assert current is not None and current.number == 2 and "corrected" in current.text


def test_an_undone_edit_makes_the_earlier_version_current_again(store: Store) -> None:
    for text in (FIRST, SECOND):
        with store.session() as s:
            save_articles(s, [record(text)])
    with store.session() as s:
        result = save_articles(s, [record(FIRST)])
    assert result.changed == 1
    assert counts(store)[1] == 2
    with store.session() as s:
        article = s.scalars(select(Article)).one()
        current = s.get(ArticleVersion, article.current_version_id)
        assert current is not None and current.number == 1


def test_same_key_from_two_sources_is_stored_once(store: Store) -> None:
    with store.session() as s:
        save_articles(s, [record(FIRST, source="feed-a")])
    with store.session() as s:
        result = save_articles(s, [record(FIRST, source="feed-b")])
    assert result.unchanged == 1
    assert counts(store)[0] == 1


def test_the_write_ahead_log_is_checkpointed_in_large_steps_and_cut_back(store: Store) -> None:
    # At SQLite's default of 1,000 pages an import checkpoints at nearly every commit and
    # copies the same index pages again each time; the log is bounded all the same.
    from dedup.store.engine import JOURNAL_LIMIT, WAL_CHECKPOINT_PAGES

    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_CHECKPOINT_PAGES
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == JOURNAL_LIMIT
    assert WAL_CHECKPOINT_PAGES * 4096 <= 256 << 20
