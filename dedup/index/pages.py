"""The analysis's pages: unindexed body paragraphs of current versions, read by keyset
in id order, whole articles, and a page made a batch to sketch.

Memory follows the page size, never the store: a page is the next ``size`` unindexed ids
above the last page's, through the unindexed index, plus the rest of the article it ends
inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter

from sqlalchemy import text
from sqlalchemy.orm import Session

from dedup.index.fingerprint import FingerprintSettings
from dedup.index.folding import fold_short_articles
from dedup.index.passages import Para
from dedup.store.engine import Store

CURRENT = "FROM paragraphs p JOIN articles a ON a.current_version_id = p.version_id "
PARA_COLUMNS = (
    "SELECT p.id, p.article_id, a.source_id, p.text, p.norm_text, p.norm_hash, p.position "
    + CURRENT
)


_NEW_WHERE = "WHERE p.indexed = :no AND p.kind = 'body' "
_COUNT_NEW = text("SELECT count(*) " + CURRENT + _NEW_WHERE)
# Keyset pages in id order: the unindexed index holds (indexed, kind, id), so a page costs
# its own rows whatever the size of the store, with no sort.
_PAGE = _NEW_WHERE + "AND p.id > :after ORDER BY p.id LIMIT :limit"
_NEW_PAGE = text(PARA_COLUMNS + _PAGE)
# One article's paragraphs, through its own index: a condition on ``indexed`` or ``id`` here
# could let the planner walk every paragraph after the page instead (filtered in Python).
_ARTICLE = "WHERE p.article_id = :article AND p.kind = 'body'"
_REST_OF_ARTICLE = text(PARA_COLUMNS.replace(" FROM", ", p.indexed FROM", 1) + _ARTICLE)
# The same page and rest, without the texts: (id, article id, indexed, position).
_NEW_PAGE_IDS = text("SELECT p.id, p.article_id, 0, p.position " + CURRENT + _PAGE)
_REST_IDS = text("SELECT p.id, p.article_id, p.indexed, p.position " + CURRENT + _ARTICLE)


def count_new(session: Session) -> int:
    return int(session.scalar(_COUNT_NEW, {"no": False}) or 0)


# a page row's (article id, position): the page in article order
_ARTICLE_ORDER = itemgetter(1, 6)


def new_page(session: Session, after: int, size: int) -> list[Para]:
    """About ``size`` unindexed body paragraphs with ids above ``after``, whole articles, in
    article order (an article the page ends inside is read to its end)."""
    rows = list(session.execute(_NEW_PAGE, {"no": False, "after": after, "limit": size}).all())
    if len(rows) == size:
        last = rows[-1]
        rest = session.execute(_REST_OF_ARTICLE, {"article": last[1]}).all()
        rows.extend(row for row in rest if row[0] > last[0] and not row[7])
    # itemgetter and _make: C-level key and constructor for a page of 25,000 rows.
    rows.sort(key=_ARTICLE_ORDER)
    make = Para._make
    return [make(row[:6]) for row in rows]


def new_page_ids(session: Session, after: int, size: int) -> list[int]:
    """The ids of :func:`new_page` (same page, same order), read without their texts: to
    check that a page read earlier still holds the same paragraphs."""
    rows = list(session.execute(_NEW_PAGE_IDS, {"no": False, "after": after, "limit": size}))
    if len(rows) == size:
        last = rows[-1]
        rest = session.execute(_REST_IDS, {"article": last[1]}).all()
        rows.extend(row for row in rest if row[0] > last[0] and not row[2])
    rows.sort(key=_ID_ARTICLE_ORDER)
    return [row[0] for row in rows]


_ID_ARTICLE_ORDER = itemgetter(1, 3)

Batch = tuple[list[int], list[Para], set[int]]


def max_id(page: list[Para]) -> int:
    return max(p.id for p in page)


def batch_of(page: list[Para], settings: FingerprintSettings) -> Batch:
    """A page as a batch: the ids read, the page with short articles folded, and the ids
    that own a folded text."""
    unfolded = {p.id: p for p in page}
    folded_batch = fold_short_articles(page, settings.min_unit_words)
    folded = {p.id for p in folded_batch if p is not unfolded[p.id]}
    return [p.id for p in page], folded_batch, folded


def new_batches(store: Store, size: int, after: int = 0) -> Iterator[list[Para]]:
    """Batches of about ``size`` unindexed body paragraphs, whole articles, by id.

    Each page is read in a short session of its own, so a batch being written never waits
    on one being read (SQLite's WAL lets a reader run beside the writer).
    """
    while True:
        with store.session() as session:
            batch = new_page(session, after, size)
        if not batch:
            return
        after = max_id(batch)
        yield batch
