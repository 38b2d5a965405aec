"""What a stories update reads, loaded in a few set-based queries per wave of articles.

:mod:`dedup.stories.update` recomputes the articles reachable from the dirty ones through reuse
links
and shared stories. :func:`load_scope` finds that scope wave by wave: each wave reads the
passages of its articles (through the passages' paragraph and article indexes) and the active
stories they belong to, at most ``IN_LIST_CHUNK`` ids per query, so the cost follows the scope and
not the size of the store. Rows come back as plain tuples; nothing here builds ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from dedup.store import batching
from dedup.store.models import (
    Article,
    ArticleVersion,
    Link,
    Paragraph,
    Passage,
    Source,
    Story,
    StoryMember,
)
from dedup.stories.graph import PassageLink
from dedup.stories.origin import UNKNOWN
from dedup.workers import gc_paused

_PASSAGES: Table = Passage.__table__  # type: ignore[assignment]
_PARAGRAPHS: Table = Paragraph.__table__  # type: ignore[assignment]
_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_MEMBERS: Table = StoryMember.__table__  # type: ignore[assignment]
_STORIES: Table = Story.__table__  # type: ignore[assignment]
_VERSIONS: Table = ArticleVersion.__table__  # type: ignore[assignment]
# A paragraph of its article's current version.
_CURRENT = and_(
    _ARTICLES.c.id == _PARAGRAPHS.c.article_id,
    _ARTICLES.c.current_version_id == _PARAGRAPHS.c.version_id,
)


# kind, article_a, article_b, paragraph_a, paragraph_b, containment
_Row = tuple[str, int, int, int, int, float]


@dataclass
class Scope:
    """The dirty articles closed under reuse links and shared stories, with their passages."""

    articles: set[int] = field(default_factory=set)
    previous: dict[int, frozenset[int]] = field(default_factory=dict)  # touched stories
    reuse: list[PassageLink] = field(default_factory=list)  # within the scope, in passage id order
    template: set[PassageLink] = field(default_factory=set)  # touching the scope's body paragraphs
    quotes: dict[int, list[int]] = field(default_factory=dict)  # paragraph_a -> paragraph_b's
    sizes: dict[int, int] = field(default_factory=dict)  # body words of the current versions
    source_of: dict[int, int] = field(default_factory=dict)


@dataclass
class Texts:
    """Current-version paragraphs of some articles, in order."""

    titles: dict[int, str | None] = field(default_factory=dict)
    body: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # (paragraph id, text)
    boilerplate: dict[int, list[str]] = field(default_factory=dict)


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Sorted ids in slices of at most :data:`~dedup.store.batching.IN_LIST_CHUNK`."""
    for chunk in batching.chunks(sorted(ids)):
        yield list(chunk)


@dataclass
class Dirty:
    """What changed since the last update."""

    articles: set[int]  # new passages or a new text version
    thin: set[int]  # active stories that lost members or their origin article
    passages: dict[int, _Row] | None = None  # every passage, read whole on a first update


# Dirty articles per part of an update: a part's scope (its stories, texts and passages) is
# held in memory at once, so a large import is brought up to date in parts of this size.
PART_ARTICLES = 20_000


def parts(dirty: Dirty, size: int | None = None) -> Iterator[Dirty]:
    """``dirty`` in parts of at most ``size`` dirty articles (by id), thin stories in the first.

    A single part is ``dirty`` itself; more parts read their passages wave by wave rather than
    holding every passage of a first update at once.
    """
    size = size or PART_ARTICLES
    if len(dirty.articles) <= size:
        yield dirty
        return
    thin = dirty.thin
    for chunk in _slices(sorted(dirty.articles), size):
        yield Dirty(set(chunk), thin)
        thin = set()


def _slices(ordered: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def dirty_articles(session: Session, mark: datetime | None) -> Dirty:
    """Articles whose links or text changed since ``mark``, and stories that lost members.

    Without a mark (no story yet) every linked article is dirty.
    """
    if mark is None:
        passages = _passages_of(session, None)
        return Dirty({x for row in passages.values() for x in row[1:3]}, set(), passages)
    dirty: set[int] = set()
    for a, b in session.execute(
        select(_PASSAGES.c.article_a, _PASSAGES.c.article_b).where(_PASSAGES.c.created_at > mark)
    ).all():
        dirty.update((a, b))
    # Members reached from the new versions (an IN list drives the members' index); a join
    # is planned as a walk over every story member.
    changed = (
        select(_ARTICLES.c.id)
        .join(_VERSIONS, _VERSIONS.c.id == _ARTICLES.c.current_version_id)
        .where(_VERSIONS.c.fetched_at > mark)
    )
    dirty.update(
        session.execute(select(_MEMBERS.c.article_id).where(_MEMBERS.c.article_id.in_(changed)))
        .scalars()
        .all()
    )
    # Deleted articles leave stories too small, or without their origin article.
    thin = set(
        session.execute(
            select(_STORIES.c.id)
            .join(_MEMBERS, _MEMBERS.c.story_id == _STORIES.c.id, isouter=True)
            .where(_STORIES.c.status == "active")
            .group_by(_STORIES.c.id)
            .having(func.count(_MEMBERS.c.article_id) < 2)
        )
        .scalars()
        .all()
    )
    # A story whose origin article was deleted keeps the origin's name; one whose origin is
    # unknown has nothing to lose, and counting it here recomputed every such story on every
    # run (a cost that grew with the store).
    thin.update(
        session.execute(
            select(_STORIES.c.id).where(
                _STORIES.c.status == "active",
                _STORIES.c.origin_article_id.is_(None),
                _STORIES.c.origin_external.is_(False),
                or_(_STORIES.c.origin_name.is_(None), _STORIES.c.origin_name != UNKNOWN),
            )
        )
        .scalars()
        .all()
    )
    return Dirty(dirty, thin)


def load_scope(session: Session, dirty: Dirty) -> Scope:
    """The scope of an update: the dirty articles and thin stories' members, closed."""
    scope = Scope()
    scope.previous = _members_of(session, dirty.thin)
    every_passage = dirty.passages is not None
    passages = dirty.passages if dirty.passages is not None else {}
    frontier = set(dirty.articles).union(*scope.previous.values())
    while frontier:
        wave = frontier - scope.articles
        scope.articles |= wave
        if every_passage:
            found = {k: r for k, r in passages.items() if r[1] in wave or r[2] in wave}
        else:
            found = _passages_of(session, wave)
            passages.update(found)
        linking = [r for r in found.values() if r[0] == "reuse"]
        frontier = set(map(itemgetter(1), linking)).union(map(itemgetter(2), linking))
        frontier -= scope.articles
        stories = _stories_of(session, wave) - scope.previous.keys()
        joined = _members_of(session, stories)
        scope.previous.update(joined)
        frontier |= set().union(*joined.values()) - scope.articles
    if every_passage:
        passages = {
            k: r for k, r in passages.items() if r[1] in scope.articles or r[2] in scope.articles
        }

    body = _body_paragraphs(session, scope)
    rows = [passages[pid] for pid in sorted(passages)]
    reuse = [row for row in rows if row[0] == "reuse"]
    template = [row for row in rows if row[0] == "template" and (row[3] in body or row[4] in body)]
    words = dict(body)
    ends = [*reuse, *template]
    needed = set(map(itemgetter(3), ends)).union(map(itemgetter(4), ends))
    words.update(_words_of(session, needed - body.keys()))
    scope.reuse = [PassageLink(a, b, p, q, c, words[p], words[q]) for _, a, b, p, q, c in reuse]
    scope.template = {
        PassageLink(a, b, p, q, c, words[p], words[q]) for _, a, b, p, q, c in template
    }
    quotes: dict[int, list[int]] = defaultdict(list)
    for kind, _a, _b, p, q, _c in rows:
        if kind == "quote":
            quotes[p].append(q)
    scope.quotes = {p: sorted(qs) for p, qs in quotes.items()}
    scope.source_of.update(_sources_of(session, scope.articles))
    outside = {link.article_a for link in scope.template} | {
        link.article_b for link in scope.template
    }
    outside -= scope.source_of.keys()
    known = _sources_of(session, outside)
    scope.source_of.update({a: known.get(a) or -a for a in outside})
    return scope


def _passages_of(session: Session, articles: set[int] | None) -> dict[int, _Row]:
    """Every passage with a paragraph in ``articles`` (None: every passage), by id."""
    s = _PASSAGES.c
    base = select(
        s.id, s.kind, s.article_a, s.article_b, s.paragraph_a, s.paragraph_b, s.containment
    )
    sqlite = session.get_bind().dialect.name == "sqlite"
    # Forced on SQLite: on a small store its statistics can favour a scan of passages, which
    # a grown store would then pay on every run.
    by_article_a = sql_text(
        "SELECT id, kind, article_a, article_b, paragraph_a, paragraph_b, containment "
        "FROM passages INDEXED BY ix_passages_articles WHERE article_a IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    queries: list[Any]
    if articles is None:
        queries = [base]
    else:
        # article_a has an index of its own; article_b is reached through its paragraphs.
        queries = [
            query
            for chunk in chunks(articles)
            for query in (
                by_article_a.bindparams(ids=list(chunk))
                if sqlite
                else base.where(s.article_a.in_(chunk)),
                base.where(
                    s.paragraph_b.in_(
                        select(_PARAGRAPHS.c.id).where(_PARAGRAPHS.c.article_id.in_(chunk))
                    ),
                    s.article_a.not_in(chunk),
                ),
            )
        ]
    out: dict[int, _Row] = {}
    with gc_paused():  # every passage of a first analysis: rows with no cycles to free
        for query in queries:
            out.update((row[0], row[1:]) for row in session.execute(query).all())
    return out


def _words_of(session: Session, paragraphs: set[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in chunks(paragraphs):
        rows = session.execute(
            select(_PARAGRAPHS.c.id, _PARAGRAPHS.c.words).where(_PARAGRAPHS.c.id.in_(chunk))
        ).all()
        out.update((pid, int(n)) for pid, n in rows)
    return out


def _sources_of(session: Session, articles: set[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in chunks(articles):
        out.update(
            session.execute(
                select(_ARTICLES.c.id, _ARTICLES.c.source_id).where(_ARTICLES.c.id.in_(chunk))
            ).all()
        )
    return out


def _stories_of(session: Session, articles: set[int]) -> set[int]:
    """Active stories with a member among ``articles``."""
    out: set[int] = set()
    for chunk in chunks(articles):
        out.update(
            session.execute(
                select(_MEMBERS.c.story_id)
                .join(_STORIES, _STORIES.c.id == _MEMBERS.c.story_id)
                .where(_MEMBERS.c.article_id.in_(chunk), _STORIES.c.status == "active")
            )
            .scalars()
            .all()
        )
    return out


def _members_of(session: Session, stories: Iterable[int]) -> dict[int, frozenset[int]]:
    """Members of each story (a story without members maps to an empty set)."""
    members: dict[int, set[int]] = {s: set() for s in stories}
    for chunk in chunks(members):
        for story_id, article_id in session.execute(
            select(_MEMBERS.c.story_id, _MEMBERS.c.article_id).where(_MEMBERS.c.story_id.in_(chunk))
        ).all():
            members[story_id].add(article_id)
    return {s: frozenset(m) for s, m in members.items()}


def _body_paragraphs(session: Session, scope: Scope) -> dict[int, int]:
    """Words of the scope's current body paragraphs, by id; fills ``scope.sizes``."""
    body: dict[int, int] = {}
    p = _PARAGRAPHS.c
    for chunk in chunks(scope.articles):
        rows = session.execute(
            select(p.article_id, p.id, p.words)
            .join(_ARTICLES, _CURRENT)
            .where(p.article_id.in_(chunk), p.kind == "body")
        ).all()
        for article_id, pid, words in rows:
            body[pid] = int(words)
            scope.sizes[article_id] = scope.sizes.get(article_id, 0) + int(words or 0)
    return body


def load_texts(session: Session, articles: Iterable[int]) -> Texts:
    """Body and boilerplate paragraphs of the current versions, with the versions' titles."""
    texts = Texts()
    p = _PARAGRAPHS.c
    for chunk in chunks(articles):
        rows = session.execute(
            select(p.article_id, p.id, p.kind, p.text, _VERSIONS.c.title)
            .join(_ARTICLES, _CURRENT)
            .join(_VERSIONS, _VERSIONS.c.id == p.version_id)
            .where(p.article_id.in_(chunk), p.kind.in_(("body", "boilerplate")))
            .order_by(p.article_id, p.position)
        ).all()
        for article_id, pid, kind, text, title in rows:
            if kind == "body":
                texts.body.setdefault(article_id, []).append((pid, text))
                texts.titles[article_id] = title
            else:
                texts.boilerplate.setdefault(article_id, []).append(text)
    return texts


ArticleRow = tuple[
    int, str, str | None, str | None, str | None, str | None, datetime | None, datetime
]


def load_articles(session: Session, articles: Iterable[int]) -> list[ArticleRow]:
    """(id, source name, display name, domain, url, title, published, first_seen) rows."""
    sources: Table = Source.__table__  # type: ignore[assignment]
    a = _ARTICLES.c
    rows: list[ArticleRow] = []
    for chunk in chunks(articles):
        rows.extend(
            session.execute(
                select(
                    a.id,
                    sources.c.name,
                    sources.c.display_name,
                    sources.c.domain,
                    a.url,
                    a.title,
                    a.published,
                    a.first_seen,
                )
                .join(sources, sources.c.id == a.source_id)
                .where(a.id.in_(chunk))
            ).all()
        )
    return rows


def load_links(
    session: Session, articles: Iterable[int]
) -> dict[int, list[tuple[str, str | None]]]:
    """Links of the current versions, (url, anchor) by article in stored order."""
    links: Table = Link.__table__  # type: ignore[assignment]
    out: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for chunk in chunks(articles):
        rows = session.execute(
            select(links.c.article_id, links.c.url, links.c.anchor)
            .join(_ARTICLES, _ARTICLES.c.current_version_id == links.c.version_id)
            .where(links.c.article_id.in_(chunk))
            .order_by(links.c.article_id, links.c.id)
        ).all()
        for aid, url, anchor in rows:
            out[aid].append((url, anchor))
    return out
