from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dedup.records import ArticleRecord
from dedup.store.articles import save_articles
from dedup.store.engine import Store
from dedup.store.models import Article, ArticleVersion, Paragraph, Passage, Story, StoryMember
from dedup.stories.scope import Dirty, dirty_articles, load_scope, load_texts
from dedup.text.extract import extract_text

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _articles(store: Store, count: int) -> dict[int, list[int]]:
    """``count`` articles of two body paragraphs each (sources alternate): id -> paragraphs."""
    records = []
    for n in range(count):
        text = f"Article {n} opens with its own words here.\n\nArticle {n} then closes the story."
        extracted = extract_text(text, f"Title {n}")
        records.append(
            ArticleRecord(
                source=f"site{n % 2}",
                key=f"k{n}",
                title=f"Title {n}",
                text=extracted.text,
                paragraphs=extracted.paragraphs,
            )
        )
    with store.session() as session:
        save_articles(session, records, now=T0)
        rows = session.execute(
            select(Paragraph.article_id, Paragraph.id).order_by(
                Paragraph.article_id, Paragraph.position
            )
        ).all()
    out: dict[int, list[int]] = {}
    for article_id, pid in rows:
        out.setdefault(article_id, []).append(pid)
    return out


def _link(
    session: Session, paras: dict[int, list[int]], a: int, b: int, kind: str, at: datetime = T0
) -> None:
    session.add(
        Passage(
            paragraph_a=paras[a][0],
            paragraph_b=paras[b][0],
            article_a=a,
            article_b=b,
            similarity=0.9,
            containment=0.8,
            kind=kind,
            created_at=at,
        )
    )


def _story(session: Session, members: list[int], origin: int | None) -> int:
    story = Story(
        status="active",
        origin_article_id=origin,
        origin_name="x",
        updated_at=T0 + timedelta(hours=1),
    )
    session.add(story)
    session.flush()
    for article_id in members:
        session.add(
            StoryMember(
                story_id=story.id,
                article_id=article_id,
                role="origin" if article_id == origin else "copy",
            )
        )
    return story.id


def test_scope_follows_reuse_links_and_shared_stories_not_templates(store: Store) -> None:
    paras = _articles(store, 8)
    a = sorted(paras)
    with store.session() as session:
        _link(session, paras, a[0], a[1], "reuse")
        _link(session, paras, a[1], a[2], "reuse")
        _link(session, paras, a[2], a[3], "template")  # no path into the scope
        _link(session, paras, a[4], a[5], "reuse")
        _link(session, paras, a[6], a[7], "reuse")  # unrelated
        _link(session, paras, a[0], a[2], "quote")
        story = _story(session, [a[2], a[4]], a[2])
    with store.session() as session:
        scope = load_scope(session, Dirty({a[0]}, set()))
    assert scope.articles == {a[0], a[1], a[2], a[4], a[5]}
    assert scope.previous == {story: frozenset({a[2], a[4]})}
    with store.session() as session:
        words = dict(session.execute(select(Paragraph.id, Paragraph.words)).all())
    assert scope.reuse == [
        (x, y, paras[x][0], paras[y][0], 0.8, words[paras[x][0]], words[paras[y][0]])
        for x, y in ((a[0], a[1]), (a[1], a[2]), (a[4], a[5]))
    ]
    assert {edge[:2] for edge in scope.template} == {(a[2], a[3])}
    assert scope.quotes == {paras[a[0]][0]: [paras[a[2]][0]]}
    assert set(scope.sizes) == scope.articles
    # the template passage's outside article gets its source too
    with store.session() as session:
        sources = dict(session.execute(select(Article.id, Article.source_id)).all())
    assert scope.source_of[a[3]] == sources[a[3]]


def test_a_first_update_reads_every_passage_once(store: Store) -> None:
    paras = _articles(store, 4)
    a = sorted(paras)
    with store.session() as session:
        _link(session, paras, a[0], a[1], "reuse")
        _link(session, paras, a[2], a[3], "template")
    with store.session() as session:
        dirty = dirty_articles(session, None)
        assert dirty.articles == set(a) and dirty.thin == set()
        assert dirty.passages is not None and len(dirty.passages) == 2
        scope = load_scope(session, dirty)
    assert scope.articles == set(a)
    assert [edge[:2] for edge in scope.reuse] == [(a[0], a[1])]
    assert {edge[:2] for edge in scope.template} == {(a[2], a[3])}


def test_dirty_articles_are_those_linked_since_the_mark_and_thin_stories(store: Store) -> None:
    paras = _articles(store, 6)
    a = sorted(paras)
    mark = T0 + timedelta(hours=1)
    with store.session() as session:
        _link(session, paras, a[0], a[1], "reuse", at=T0)
        _link(session, paras, a[2], a[3], "template", at=mark + timedelta(minutes=5))
        lonely = _story(session, [a[4]], a[4])  # lost a member
        headless = _story(session, [a[0], a[1]], None)  # lost its origin article
        _story(session, [a[2], a[5]], a[2])
        # a member with a new text version since the mark
        session.execute(
            update(ArticleVersion)
            .where(
                ArticleVersion.id
                == select(Article.current_version_id).where(Article.id == a[5]).scalar_subquery()
            )
            .values(fetched_at=mark + timedelta(minutes=1))
        )
    with store.session() as session:
        dirty = dirty_articles(session, mark)
    assert dirty.articles == {a[2], a[3], a[5]}
    assert dirty.thin == {lonely, headless}
    assert dirty.passages is None


def test_texts_are_the_current_versions_paragraphs_in_order(store: Store) -> None:
    paras = _articles(store, 2)
    first = min(paras)
    with store.session() as session:
        texts = load_texts(session, [first])
    assert [pid for pid, _ in texts.body[first]] == paras[first]
    assert texts.body[first][0][1].startswith("Article 0 opens")
    assert texts.titles[first] == "Title 0"
    assert texts.boilerplate == {}
