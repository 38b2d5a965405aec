"""Storing articles: identity, versions, paragraphs and links, in bulk.

An article is identified by its key (canonical URL, feed GUID or import id), so re-polling or
re-importing adds nothing, and the same article reached through two feeds is stored once. A
changed text becomes a new version; the old version and its paragraphs stay, but leave the
index: their units and passages are removed so analysis only ever sees current text.

Every version is kept: a new version takes the next free number (the highest stored plus
one, never the current one plus one, since an undone edit makes an older version current),
and a key repeated in one batch (an archive of article versions) is stored as successive
versions in the order given, each counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from dedup.records import ArticleRecord, SaveResult
from dedup.store.batching import IN_LIST_CHUNK
from dedup.store.engine import insert_many, update_many
from dedup.store.models import (
    Article,
    ArticleVersion,
    Link,
    Paragraph,
    Passage,
    Source,
    UTCDateTime,
    utcnow,
)
from dedup.text.normalize import norm_hash
from dedup.text.urls import domain_of

_CHUNK = IN_LIST_CHUNK
# Core tables for the bulk paths (the UTC-aware type decorators still apply).
_ARTICLES = cast(Table, Article.__table__)
_VERSIONS = cast(Table, ArticleVersion.__table__)
_PARAGRAPHS = cast(Table, Paragraph.__table__)
_LINKS = cast(Table, Link.__table__)
_PARAGRAPH_COLUMNS = (
    "version_id",
    "article_id",
    "position",
    "kind",
    "text",
    "norm_text",
    "norm_hash",
    "start",
    "end",
    "words",
    "indexed",
)


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows of one shape through :func:`insert_many`, timestamps converted once each.

    The conversion is the column type's own (UTC-aware, then the dialect's storage format),
    so the stored values are exactly what a Core insert would store.
    """
    if not rows:
        return
    columns = list(rows[0])
    processors: dict[str, Callable[[Any], Any]] = {}
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            # The dialect's own variant of the type: the generic one stops at a naive
            # datetime, which sqlite3's default adapter (deprecated since Python 3.12)
            # then wrote without microseconds when they were 0 ("18:12:00", where every
            # other writer stores "18:12:00.000000"), so text comparisons such as
            # ``published >= :since`` missed the boundary second.
            processor = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            if processor is not None:
                processors[name] = processor
    converted: dict[tuple[str, datetime], Any] = {}

    def value(name: str, raw: Any) -> Any:
        if raw is None:
            return raw
        key = (name, raw)
        if key not in converted:  # most rows of a batch share one `now`
            converted[key] = processors[name](raw)
        return converted[key]

    # Only the timestamp columns go through a function: the rest are taken as they are
    # (a call per value was a fifth of storing an archive's articles).
    plain = [c not in processors for c in columns]
    values = [
        [row[c] if keep else value(c, row[c]) for c, keep in zip(columns, plain, strict=True)]
        for row in rows
    ]
    insert_many(conn, table.name, columns, values)


def content_hash(title: str | None, text: str) -> str:
    return hashlib.sha256(f"{title or ''}\x00{text}".encode()).hexdigest()


def source_ids(session: Session, records: Iterable[ArticleRecord]) -> dict[str, int]:
    """Ids of the records' sources, creating missing ones (display name and domain kept)."""
    wanted: dict[str, ArticleRecord] = {}
    for rec in records:
        wanted.setdefault(rec.source, rec)
    found: dict[str, int] = {
        name: source_id
        for name, source_id in session.execute(
            select(Source.name, Source.id).where(Source.name.in_(wanted))
        )
    }
    for name, rec in wanted.items():
        if name in found:
            continue
        domain = rec.domain or (domain_of(rec.url) if rec.url else None)
        source = Source(name=name, display_name=rec.site, domain=domain)
        session.add(source)
        session.flush()
        found[name] = source.id
    return found


def ensure_source(
    session: Session, name: str, display_name: str | None = None, domain: str | None = None
) -> int:
    """Id of the source ``name``, created if missing; fills a missing display name or domain."""
    source = session.execute(select(Source).where(Source.name == name)).scalar_one_or_none()
    if source is None:
        source = Source(name=name, display_name=display_name, domain=domain)
        session.add(source)
        session.flush()
    else:
        if display_name and not source.display_name:
            source.display_name = display_name
        if domain and not source.domain:
            source.domain = domain
    return source.id


def save_articles(
    session: Session,
    records: Sequence[ArticleRecord],
    feed_id: int | None = None,
    now: datetime | None = None,
) -> SaveResult:
    """Store new articles and new versions of changed ones; unchanged ones cost one lookup.

    Works in the caller's transaction, so a feed's entries and its new HTTP validators commit
    together: a run killed half-way leaves nothing that makes the next run skip an entry.
    """
    result = SaveResult()
    now = now or utcnow()
    for batch in _rounds(records):
        for start in range(0, len(batch), _CHUNK):
            result.add(_save_chunk(session, batch[start : start + _CHUNK], feed_id, now))
    return result


def _rounds(records: Sequence[ArticleRecord]) -> list[list[ArticleRecord]]:
    """Records split so no key repeats within a round: the n-th text of a key is in round n.

    Stored round after round, a key's texts become versions in the order given. A record
    repeating the text just given for its key (a feed listing an entry twice) is dropped.
    """
    rounds: list[list[ArticleRecord]] = []
    seen: dict[str, int] = {}
    last_text: dict[str, str] = {}
    for rec in records:
        chash = content_hash(rec.title, rec.text)
        if last_text.get(rec.key) == chash:
            continue
        last_text[rec.key] = chash
        n = seen.get(rec.key, 0)
        seen[rec.key] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(rec)
    return rounds


def _save_chunk(
    session: Session, records: list[ArticleRecord], feed_id: int | None, now: datetime
) -> SaveResult:
    result = SaveResult()
    sources = source_ids(session, records)
    keys = [r.key for r in records]
    existing = {
        key: (article_id, chash)
        for key, article_id, chash in session.execute(
            select(Article.key, Article.id, ArticleVersion.content_hash)
            .join(ArticleVersion, ArticleVersion.id == Article.current_version_id, isouter=True)
            .where(Article.key.in_(keys))
        )
    }
    highest = _highest_numbers(session, [article_id for article_id, _ in existing.values()])
    new_records: list[ArticleRecord] = []
    changed: list[tuple[ArticleRecord, int, int]] = []
    candidates = []
    for rec in records:
        hit = existing.get(rec.key)
        if hit is None:
            new_records.append(rec)
        elif hit[1] != content_hash(rec.title, rec.text):
            candidates.append((rec, hit[0], highest.get(hit[0], 0) + 1))
        else:
            result.unchanged += 1
            result.article_ids.append(hit[0])
    # A text can go back to an earlier version (an edit undone): that version becomes current
    # again instead of being stored twice.
    earlier = _earlier_versions(session, candidates)
    reverted: list[tuple[ArticleRecord, int, int]] = []
    for rec, article_id, number in candidates:
        version_id = earlier.get((article_id, content_hash(rec.title, rec.text)))
        if version_id is None:
            changed.append((rec, article_id, number))
        else:
            reverted.append((rec, article_id, version_id))
    if reverted:
        _retire_current_versions(session, [article_id for _, article_id, _ in reverted])
        session.connection().execute(
            update(_ARTICLES)
            .where(_ARTICLES.c.id == bindparam("aid"))
            .values(current_version_id=bindparam("vid"), title=bindparam("t"), updated_at=now),
            [{"aid": a, "vid": v, "t": rec.title} for rec, a, v in reverted],
        )
        result.changed += len(reverted)
        result.article_ids.extend(article_id for _, article_id, _ in reverted)

    if new_records:
        rows = [
            {
                "key": r.key,
                "source_id": sources[r.source],
                "feed_id": feed_id,
                "url": r.url,
                "guid": r.guid,
                "title": r.title,
                "author": r.author,
                "published": r.published,
                "first_seen": now,
                "updated_at": now,
                "origin_path": r.origin_path,
            }
            for r in new_records
        ]
        conn = session.connection()
        # The driver's executemany, then one lookup by key: far cheaper than ORM inserts with
        # RETURNING, or Core's per-row parameter handling, when a whole archive is imported.
        _insert_rows(conn, _ARTICLES, rows)
        by_key = dict(
            conn.execute(
                select(_ARTICLES.c.key, _ARTICLES.c.id).where(
                    _ARTICLES.c.key.in_([r.key for r in new_records])
                )
            ).all()
        )
        ids = [by_key[r.key] for r in new_records]
        targets = [(rec, article_id, 1) for rec, article_id in zip(new_records, ids, strict=True)]
        _insert_versions(session, targets, now)
        result.new += len(new_records)
        result.article_ids.extend(ids)

    if changed:
        _retire_current_versions(session, [article_id for _, article_id, _ in changed])
        _insert_versions(session, changed, now)
        session.connection().execute(
            update(_ARTICLES)
            .where(_ARTICLES.c.id == bindparam("aid"))
            .values(
                title=bindparam("t"),
                updated_at=now,
                published=bindparam("p"),
                author=bindparam("a"),
            ),
            [
                {"aid": article_id, "t": rec.title, "p": rec.published, "a": rec.author}
                for rec, article_id, _ in changed
            ],
        )
        result.changed += len(changed)
        result.article_ids.extend(article_id for _, article_id, _ in changed)
    return result


def _highest_numbers(session: Session, article_ids: list[int]) -> dict[int, int]:
    """The highest version number stored for each article."""
    found: dict[int, int] = {}
    for start in range(0, len(article_ids), _CHUNK):
        chunk = article_ids[start : start + _CHUNK]
        rows = session.connection().execute(
            select(_VERSIONS.c.article_id, func.max(_VERSIONS.c.number))
            .where(_VERSIONS.c.article_id.in_(chunk))
            .group_by(_VERSIONS.c.article_id)
        )
        found.update((article_id, number) for article_id, number in rows)
    return found


def _earlier_versions(
    session: Session, candidates: list[tuple[ArticleRecord, int, int]]
) -> dict[tuple[int, str], int]:
    """Stored versions of these articles by (article id, content hash)."""
    if not candidates:
        return {}
    rows = session.connection().execute(
        select(_VERSIONS.c.article_id, _VERSIONS.c.content_hash, _VERSIONS.c.id).where(
            _VERSIONS.c.article_id.in_([article_id for _, article_id, _ in candidates])
        )
    )
    return {(article_id, chash): version_id for article_id, chash, version_id in rows}


def _insert_versions(
    session: Session, targets: list[tuple[ArticleRecord, int, int]], now: datetime
) -> None:
    version_rows = [
        {
            "article_id": article_id,
            "number": number,
            "title": rec.title,
            "text": rec.text,
            "content_hash": content_hash(rec.title, rec.text),
            "fetched_at": now,
            "full_text": rec.full_text,
        }
        for rec, article_id, number in targets
    ]
    conn = session.connection()
    _insert_rows(conn, _VERSIONS, version_rows)
    wanted = {(article_id, number) for _, article_id, number in targets}
    found = {
        (article_id, number): version_id
        for version_id, article_id, number in conn.execute(
            select(_VERSIONS.c.id, _VERSIONS.c.article_id, _VERSIONS.c.number).where(
                _VERSIONS.c.article_id.in_([a for a, _ in wanted])
            )
        )
        if (article_id, number) in wanted
    }
    version_ids = [found[(article_id, number)] for _, article_id, number in targets]
    # Core's per-row parameter handling cost more than the update itself.
    update_many(
        conn,
        _ARTICLES.name,
        "current_version_id",
        [(version_id, aid) for (_, aid, _), version_id in zip(targets, version_ids, strict=True)],
    )
    # Plain tuples in _PARAGRAPH_COLUMNS order: an archive import stores millions of them.
    paragraph_rows: list[tuple[Any, ...]] = []
    link_rows = []
    for (rec, article_id, _), version_id in zip(targets, version_ids, strict=True):
        paragraph_rows.extend(
            (
                version_id,
                article_id,
                p.position,
                p.kind,
                p.text,
                p.norm_text,
                norm_hash(p.norm_text),
                p.start,
                p.end,
                p.words,
                False,
            )
            for p in rec.paragraphs
        )
        seen_urls: set[str] = set()
        for url, anchor in rec.links:
            if url in seen_urls:
                continue
            seen_urls.add(url)
            link_rows.append(
                {
                    "version_id": version_id,
                    "article_id": article_id,
                    "url": url,
                    "domain": domain_of(url),
                    "anchor": anchor,
                }
            )
    if paragraph_rows:
        insert_many(conn, _PARAGRAPHS.name, _PARAGRAPH_COLUMNS, paragraph_rows)
    if link_rows:
        conn.execute(insert(_LINKS), link_rows)


def _retire_current_versions(session: Session, article_ids: list[int]) -> None:
    """Take the current versions' paragraphs out of the index before a new version lands.

    Their band keys stay in the immutable segments: a lookup drops candidates that are no
    longer current, and a reindex leaves them out.
    """
    old_paragraphs = (
        select(Paragraph.id)
        .join(Article, Article.current_version_id == Paragraph.version_id)
        .where(Article.id.in_(article_ids))
    )
    session.execute(
        delete(Passage).where(
            or_(Passage.paragraph_a.in_(old_paragraphs), Passage.paragraph_b.in_(old_paragraphs))
        )
    )
    session.execute(update(Paragraph).where(Paragraph.id.in_(old_paragraphs)).values(indexed=False))
