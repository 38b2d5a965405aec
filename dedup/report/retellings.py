"""Articles that retell a story in their own words: they credit its origin, share no passage.

Stories are built from shared passages, so an article that credits the origin and says what
it says in other words (a blog's summary of a BuzzFeed scoop, one quote of the update and
the rest its own) shares none and no story holds it. When one story is shown, the articles
published near it that credit its origin by name are aligned against the origin's text as a
crediting copy would be, with the credit as the anchor of their rewrites (no copied sentence
is needed); those with a rewritten sentence are shown beside the story as retellings. They
are found when the story is shown and stored nowhere: the members, the listing and the SQL
views do not count them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import String, TextClause, bindparam, text
from sqlalchemy.orm import Session

from dedup.report.model import LedgerLine, ReportArticle, ReportStory
from dedup.store.reader import as_iso, as_time
from dedup.store.types import UTCDateTime
from dedup.stories.align import align
from dedup.stories.credits import find_credits
from dedup.stories.publishers import KEY_ALIASES, publisher_key

# How far from the story's first publication a retelling is looked for (a blog's summary
# follows a scoop by hours or days; it seldom comes before it).
BEFORE = timedelta(days=1)
AFTER = timedelta(days=7)
# Articles read at most per story: each is credit-checked and aligned when the story is shown.
CANDIDATES = 200


def _candidates_query(patterns: int) -> TextClause:
    """Articles in the window, not members nor the origin's own, holding one of ``patterns``
    (``' ' || text || ' '``, so a word opening or closing a paragraph stands alone too)."""
    held = " OR ".join(
        f"' ' || lower(p.text) || ' ' LIKE :like{i} ESCAPE '\\'" for i in range(patterns)
    )
    return text(
        "SELECT DISTINCT a.id FROM articles a "
        "JOIN sources s ON s.id = a.source_id AND s.name NOT IN :own "
        "JOIN paragraphs p ON p.version_id = a.current_version_id "
        "WHERE ((a.published >= :lo AND a.published <= :hi) "
        "    OR (a.published IS NULL AND a.first_seen >= :lo AND a.first_seen <= :hi)) "
        f"AND a.id NOT IN :members AND p.kind = 'body' AND ({held}) "
        "ORDER BY a.id LIMIT :limit"
    ).bindparams(
        bindparam("members", expanding=True),
        # typed: an empty list is rendered as an empty set of that type (PostgreSQL checks)
        bindparam("own", expanding=True, type_=String),
        bindparam("lo", type_=UTCDateTime),
        bindparam("hi", type_=UTCDateTime),
    )


_ARTICLES = text(
    "SELECT a.id, s.name, coalesce(s.display_name, s.name), a.title, a.url, a.published, "
    "a.first_seen, p.text "
    "FROM articles a JOIN sources s ON s.id = a.source_id "
    "JOIN paragraphs p ON p.version_id = a.current_version_id "
    "WHERE a.id IN :ids AND p.kind = 'body' ORDER BY a.id, p.position"
).bindparams(bindparam("ids", expanding=True))


def find_retellings(session: Session, story: ReportStory) -> list[ReportArticle]:
    """The retellings of ``story`` (its detail loaded: ``origin_paragraphs``), in id order."""
    name = story.origin.name
    key = publisher_key(name) if name else None
    when = as_time(story.first_published or story.first_seen)
    unknown = not story.origin.external and story.origin.article_id is None
    if unknown or not key or not story.origin_paragraphs or when is None:
        return []
    patterns = [p for word in _search_words(name, key) for p in _patterns(word)]
    if not patterns:
        return []
    members = [a.article_id for a in story.articles]
    # the origin's own later articles are no retellings of it (read before the cap)
    origin = story.origin_article
    own = [origin.source] if origin is not None else []
    ids = session.execute(
        _candidates_query(len(patterns)),
        {
            "lo": when - BEFORE,
            "hi": when + AFTER,
            "members": members,
            "own": own,
            **{f"like{i}": pattern for i, pattern in enumerate(patterns)},
            "limit": CANDIDATES,
        },
    ).scalars()
    found: list[ReportArticle] = []
    # rows come in article order: one group of paragraphs per article
    rows = session.execute(_ARTICLES, {"ids": list(ids)})
    for _, paragraphs in groupby(map(tuple, rows), key=itemgetter(0)):
        retelling = _retelling(list(paragraphs), name, key, story.origin_paragraphs)
        if retelling is not None:
            found.append(retelling)
    return found


def _retelling(
    rows: Sequence[tuple[Any, ...]], name: str, key: str, origin: Sequence[str]
) -> ReportArticle | None:
    article_id, source, display, title, url, published, first_seen, _ = rows[0]
    if publisher_key(str(source)) == key or publisher_key(str(display)) == key:
        return None  # the origin's own later article is no retelling of it
    paragraphs = [str(r[7]) for r in rows]
    credits = [c for c in find_credits(paragraphs, [name]) if c.key == key and c.pattern != "told"]
    if not credits:
        return None  # an interview given to the origin, or no credit of it at all
    alignment = align(origin, paragraphs, anchors=0)
    if alignment.rewritten <= 0:
        return None
    return ReportArticle(
        article_id=int(article_id),
        source=str(source),
        site=str(display),
        title=str(title or ""),
        role="retelling",
        url=None if url is None else str(url),
        published=as_iso(published),
        first_seen=as_iso(first_seen),
        kept=alignment.kept,
        edited=alignment.edited,
        rewritten=alignment.rewritten,
        dropped=alignment.dropped,
        added=alignment.added,
        credit=max(credits, key=lambda c: c.strength).line,
        ledger=[
            LedgerLine(
                op=line.op,
                origin_text=line.origin_text,
                copy_text=line.copy_text,
                rewrites=list(line.rewrites),
            )
            for line in alignment.lines
            if line.rewrites
        ],
    )


def _search_words(name: str, key: str) -> list[str]:
    """What a text naming the origin holds: the longest word of its name, and the names its
    key is known by ("AP" for the Associated Press)."""
    words = sorted(re.findall(r"[^\W_]+", name.lower()), key=len, reverse=True)[:1]
    return words + sorted(alias for alias, target in KEY_ALIASES.items() if target == key)


def _patterns(word: str) -> list[str]:
    """LIKE patterns for a text holding ``word``: anywhere for a word of four letters or
    more; a shorter one ("AP") only as a word of its own ("AP said", "(AP)", "AP's", "AP,"),
    or it would match inside most words."""
    w = _escape(word)
    if len(word) >= 4:
        return [f"%{w}%"]
    return [f"% {w} %", f"%({w})%", f"% {w}'%", f"% {w},%", f"% {w}.%"]


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
