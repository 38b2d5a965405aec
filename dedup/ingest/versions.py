"""Which of a feed's records update the store: no downgrade, no return to an older text.

Used by the poller when it records a feed (in its transaction), so that feeds re-serving
old versions or carrying one article differently never flip its current version.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dedup.records import ArticleRecord
from dedup.store.articles import content_hash
from dedup.store.batching import chunks
from dedup.store.models import Article, ArticleVersion


def worth_saving(session: Session, records: Sequence[ArticleRecord]) -> list[ArticleRecord]:
    """The records that update the store: no downgrade to a summary, no return to an old text.

    A summary-only record of an article stored in full is no update, and neither is a text
    the article already had (a feed re-serving an older version, or two feeds carrying the
    same article differently): storing those would flip the current version on every poll.
    """
    keys = list({r.key for r in records})
    if not keys:
        return []
    current_full: set[str] = set()
    current_hash: dict[str, str] = {}
    hashes: dict[str, set[str]] = {}
    for chunk in chunks(keys):
        rows = session.execute(
            select(
                Article.key,
                ArticleVersion.content_hash,
                ArticleVersion.full_text,
                ArticleVersion.id == Article.current_version_id,
            )
            .join(ArticleVersion, ArticleVersion.article_id == Article.id)
            .where(Article.key.in_(chunk))
        )
        for key, chash, full, is_current in rows:
            hashes.setdefault(key, set()).add(chash)
            if is_current:
                current_hash[key] = chash
                if full:
                    current_full.add(key)
    kept: list[ArticleRecord] = []
    for record in records:
        known = hashes.get(record.key)
        if known is None:
            kept.append(record)
            continue
        if not record.full_text and record.key in current_full:
            continue
        chash = content_hash(record.title, record.text)
        if chash in known and chash != current_hash.get(record.key):
            continue
        kept.append(record)
    return kept
