"""SQLAlchemy models: the store's schema, a public interface documented in ``docs/schema.md``.

The schema changes only through the Alembic migrations in ``migrations/``; a test checks that
a blank database migrated to head matches these models. Every timestamp is stored as UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dedup.store.types import UTCDateTime as UTCDateTime
from dedup.store.types import utcnow as utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A publisher (site). Articles, feeds and stories' origins point at it."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, doc="stable key, e.g. 'joemygod'")
    display_name: Mapped[str | None] = mapped_column(String(200), doc="name shown in reports")
    domain: Mapped[str | None] = mapped_column(String(255), index=True, doc="host, www. stripped")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when dedup first stored the source"
    )


class Feed(Base):
    """A feed from ``feeds.yml`` with its HTTP cache validators and health."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        String(200), unique=True, doc="the feed's name in feeds.yml (also its source name)"
    )
    url: Mapped[str] = mapped_column(Text, doc="URL as configured")
    current_url: Mapped[str | None] = mapped_column(Text, doc="URL after a permanent redirect")
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    enabled: Mapped[bool] = mapped_column(
        Boolean, default=True, doc="false once disabled (410 Gone) until its URL changes"
    )
    disabled_reason: Mapped[str | None] = mapped_column(Text, doc="why the feed is disabled")
    etag: Mapped[str | None] = mapped_column(Text, doc="ETag validator sent back on the next poll")
    last_modified: Mapped[str | None] = mapped_column(
        Text, doc="Last-Modified validator sent back on the next poll"
    )
    last_status: Mapped[int | None] = mapped_column(Integer, doc="HTTP status of the last poll")
    last_error: Mapped[str | None] = mapped_column(
        Text, doc="error of the last poll, null when it succeeded"
    )
    bozo: Mapped[bool] = mapped_column(Boolean, default=False, doc="last parse was malformed")
    failures: Mapped[int] = mapped_column(Integer, default=0, doc="consecutive failed polls")
    last_attempt_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="when the feed was last polled"
    )
    last_success_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="when a poll of the feed last succeeded"
    )
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, doc="backoff: not before")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the feed was first configured"
    )


class FetchAttempt(Base):
    """One HTTP fetch (or file read) of a feed: the poll log."""

    __tablename__ = "fetch_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    url: Mapped[str] = mapped_column(Text, doc="URL or path fetched")
    started_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the fetch started"
    )
    finished_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="when the fetch and its storing ended"
    )
    status: Mapped[int | None] = mapped_column(Integer, doc="HTTP status; null for files/errors")
    outcome: Mapped[str] = mapped_column(
        String(20),
        doc="ok | empty | not_modified | bozo | refused | error | gone | moved | timed_out",
    )
    error: Mapped[str | None] = mapped_column(Text, doc="what went wrong, null when nothing did")
    bozo: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="feedparser found the feed malformed"
    )
    bytes: Mapped[int | None] = mapped_column(Integer, doc="size of the response body")
    entries_seen: Mapped[int] = mapped_column(
        Integer, default=0, doc="usable entries in the response"
    )
    entries_new: Mapped[int] = mapped_column(
        Integer, default=0, doc="entries stored as new articles"
    )
    entries_changed: Mapped[int] = mapped_column(
        Integer, default=0, doc="entries stored as new versions"
    )


class PageRefusal(Base):
    """An article page the fetch policy refused to fetch (private address), and why.

    Nothing of the refused page is stored; this row is what ``dedup status`` warns about.
    """

    __tablename__ = "page_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    article_key: Mapped[str] = mapped_column(Text, doc="key of the entry whose link was refused")
    url: Mapped[str] = mapped_column(Text, doc="the refused hop's URL, credentials masked")
    reason: Mapped[str] = mapped_column(Text, doc="why: e.g. 'loopback address 127.0.0.1'")
    refused_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the fetch was refused"
    )


class Article(Base):
    """A story as one publisher ran it, identified by canonical URL, feed GUID or import id."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_current_version", "current_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True, doc="identity: canonical URL, GUID or id")
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(Text, doc="canonical URL, tracking parameters dropped")
    guid: Mapped[str | None] = mapped_column(Text, doc="the feed entry's id, when it had one")
    title: Mapped[str | None] = mapped_column(Text, doc="title of the current version")
    author: Mapped[str | None] = mapped_column(Text, doc="author as the source names them")
    published: Mapped[datetime | None] = mapped_column(
        UTCDateTime, index=True, doc="publication time as the source claims it"
    )
    first_seen: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True, doc="when dedup first stored it"
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when dedup last stored a version"
    )
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", use_alter=True, name="fk_articles_current_version"),
    )
    origin_path: Mapped[str | None] = mapped_column(Text, doc="file it was imported from")


class ArticleVersion(Base):
    """The text of an article at one time; a changed text is a new version, the old kept."""

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        UniqueConstraint("article_id", "content_hash"),
        Index("ix_article_versions_fetched_at", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, doc="1 for the first text seen")
    title: Mapped[str | None] = mapped_column(Text, doc="title of this version")
    text: Mapped[str] = mapped_column(Text, doc="clean text; paragraphs separated by blank lines")
    content_hash: Mapped[str] = mapped_column(String(64), doc="sha256 of title + text")
    fetched_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when this version was stored"
    )
    full_text: Mapped[bool] = mapped_column(
        Boolean, default=True, doc="false when only a feed summary was available"
    )


class Paragraph(Base):
    """A paragraph of one article version, in order, with offsets into the version's text."""

    __tablename__ = "paragraphs"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        Index("ix_paragraphs_unindexed", "indexed", "kind"),
        Index("ix_paragraphs_article", "article_id", "position"),
        Index("ix_paragraphs_norm_hash", "norm_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, doc="0-based order in the version")
    kind: Mapped[str] = mapped_column(
        String(12), doc="body | comment | boilerplate (promo, bio, share boxes)"
    )
    text: Mapped[str] = mapped_column(Text, doc="as published, whitespace tidied")
    norm_text: Mapped[str] = mapped_column(Text, doc="normalised: Unicode, case, punctuation")
    norm_hash: Mapped[str] = mapped_column(String(16), doc="hash of norm_text, for exact reuse")
    start: Mapped[int] = mapped_column(Integer, doc="character offset into the version text")
    end: Mapped[int] = mapped_column(Integer, doc="end offset (exclusive) into the version text")
    words: Mapped[int] = mapped_column(Integer, doc="number of words")
    indexed: Mapped[bool] = mapped_column(Boolean, default=False, doc="fingerprinted and indexed")


class Link(Base):
    """A hyperlink found in an article's HTML: evidence for origin detection."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("version_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text, doc="absolute URL of the link")
    domain: Mapped[str | None] = mapped_column(
        String(255), index=True, doc="host of the link, www. stripped"
    )
    anchor: Mapped[str | None] = mapped_column(Text, doc="the link's text")


class IndexSetting(Base):
    """The fingerprint settings the stored index was built with (shingle, num_perm, bands...).

    Besides them: ``index_id`` (the segments' index), ``index_entries`` (the pairs the
    segments hold, checked on every open) and ``chunk_checksum`` (see ``index_chunks``).
    """

    __tablename__ = "index_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, doc="the setting's value")


class IndexSegment(Base):
    """One immutable sorted run of the LSH band index: (band key, paragraph) pairs in chunks.

    A paragraph's units (the whole paragraph, or each sentence of a longer one) are MinHashed
    and cut into bands; each band hashes to a 64-bit key; candidates share a key. Only keys
    are stored, not signatures: verification re-reads the paragraphs' text. The segments live
    in the database, written in the same transaction as the ``indexed`` marks they stand for,
    so a kill at any moment leaves both or neither, and a copy of the database file is a copy
    of its index. Segments are merged by size tier (see ``dedup.index.segments``).
    """

    __tablename__ = "index_segments"
    __table_args__ = (Index("ix_index_segments_index", "index_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    index_id: Mapped[str] = mapped_column(String(32), doc="its index (index_settings.index_id)")
    level: Mapped[int] = mapped_column(Integer, doc="size tier: merged segments move up a level")
    entries: Mapped[int] = mapped_column(BigInteger, doc="(key, paragraph) pairs in the segment")
    chunks: Mapped[int] = mapped_column(Integer, doc="rows of index_chunks holding them")


class IndexChunk(Base):
    """A slice of a segment: sorted keys and their paragraph ids as little-endian arrays.

    ``checksum`` covers the index id, segment, chunk number, key range and both arrays, so
    flipped bytes or a chunk copied from elsewhere are detected when it is read. It is the
    algorithm ``index_settings.chunk_checksum`` names: XXH3-128 (``xxh3-128``); an index
    built before that setting existed has none and uses BLAKE2b-128 until a reindex.
    """

    __tablename__ = "index_chunks"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("index_segments.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True, doc="0-based, in key order")
    first_key: Mapped[int] = mapped_column(BigInteger, doc="smallest key in the chunk")
    last_key: Mapped[int] = mapped_column(BigInteger, doc="largest key in the chunk")
    entries: Mapped[int] = mapped_column(Integer, doc="pairs in the chunk")
    checksum: Mapped[str] = mapped_column(String(32), doc="hex 128-bit hash of the chunk")
    keys: Mapped[bytes] = mapped_column(LargeBinary, doc="int64 little-endian band keys, sorted")
    owners: Mapped[bytes] = mapped_column(
        LargeBinary, doc="uint32 little-endian paragraph ids, sorted within equal keys"
    )


class Passage(Base):
    """A reused passage: two paragraphs of different articles found to share text."""

    __tablename__ = "passages"
    __table_args__ = (
        UniqueConstraint("paragraph_a", "paragraph_b"),
        Index("ix_passages_b", "paragraph_b"),
        Index("ix_passages_articles", "article_a", "article_b"),
        Index("ix_passages_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_a: Mapped[int] = mapped_column(
        ForeignKey("paragraphs.id", ondelete="CASCADE"), doc="the lower paragraph id"
    )
    paragraph_b: Mapped[int] = mapped_column(ForeignKey("paragraphs.id", ondelete="CASCADE"))
    article_a: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    article_b: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    similarity: Mapped[float] = mapped_column(Float, doc="Jaccard similarity of word shingles")
    containment: Mapped[float] = mapped_column(
        Float, doc="share of the smaller paragraph's shingles found in the other"
    )
    kind: Mapped[str] = mapped_column(String(10), doc="reuse | quote | template")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the link was found"
    )


class Story(Base):
    """A group of articles that carry the same reused text, with its decided origin."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="active", doc="active | merged | gone")
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    origin_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    origin_name: Mapped[str | None] = mapped_column(Text, doc="publisher named as the origin")
    origin_external: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="origin is credited by copies but not in the store"
    )
    confidence: Mapped[float] = mapped_column(
        Float, default=0.0, doc="confidence in the origin, 0..1"
    )
    evidence: Mapped[list[Any]] = mapped_column(
        JSON, default=list, doc="JSON list of the evidence for the origin, as sentences"
    )
    first_seen: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="earliest publication (or first sight) among the members"
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the story was first formed"
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the story was last recomputed"
    )


class StoryMember(Base):
    """An article's place in a story: its role and ledger fractions against the origin."""

    __tablename__ = "story_members"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10), doc="origin | copy")
    shared_paragraphs: Mapped[int] = mapped_column(
        Integer, default=0, doc="copy paragraphs that are kept or edited origin text"
    )
    kept: Mapped[float] = mapped_column(Float, default=0.0, doc="share of origin text kept")
    edited: Mapped[float] = mapped_column(Float, default=0.0, doc="share of origin text edited")
    rewritten: Mapped[float] = mapped_column(
        Float,
        default=0.0,
        server_default="0",
        doc="share of origin text said again in the copy's own words",
    )
    dropped: Mapped[float] = mapped_column(Float, default=0.0, doc="share of origin text dropped")
    added: Mapped[float] = mapped_column(Float, default=0.0, doc="share of own text added")
    kept_upper: Mapped[float | None] = mapped_column(
        Float,
        doc="for a copy of an external origin (whose text, rebuilt from what copies share, "
        "is a lower bound): share of the origin kept if every word of the copy's own were "
        "origin text; NULL otherwise",
    )
    dropped_upper: Mapped[float | None] = mapped_column(
        Float, doc="the dropped share under the same assumption as kept_upper; NULL otherwise"
    )
    moved: Mapped[int] = mapped_column(Integer, default=0, doc="origin paragraphs reordered")
    headline_changed: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="the copy's headline differs from the origin's"
    )
    credit: Mapped[str | None] = mapped_column(Text, doc="credit line found in the copy")


class LedgerEntry(Base):
    """One line of a copier's ledger: what happened to one origin or copy paragraph."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_story_article", "story_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    op: Mapped[str] = mapped_column(
        String(10), doc="kept | edited | rewritten | dropped | added | template"
    )
    origin_paragraph_id: Mapped[int | None] = mapped_column(
        ForeignKey("paragraphs.id", ondelete="SET NULL")
    )
    copy_paragraph_id: Mapped[int | None] = mapped_column(
        ForeignKey("paragraphs.id", ondelete="SET NULL")
    )
    origin_text: Mapped[str | None] = mapped_column(
        Text, doc="origin paragraph text (the reconstructed text for an external origin)"
    )
    moved: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="the paragraph is in another place than in the origin"
    )
    similarity: Mapped[float | None] = mapped_column(
        Float, doc="similarity of the copy paragraph to the origin's"
    )
    weight: Mapped[float] = mapped_column(Float, default=0.0, doc="share this line contributes")
    # none_as_null: a line without a diff is SQL NULL (`diff IS NULL`), not the JSON text null
    diff: Mapped[list[Any] | None] = mapped_column(
        JSON(none_as_null=True), doc="word diff: [[op, text], ...]"
    )
    rewrites: Mapped[list[Any] | None] = mapped_column(
        JSON(none_as_null=True),
        doc="origin sentences the copy says in its own words: [[origin, copy], ...]",
    )


class StoryEvent(Base):
    """A story's history: created, grew, merged into another, split off."""

    __tablename__ = "story_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(
        String(10), doc="created | grew | shrank | merged | split | gone"
    )
    other_story_id: Mapped[int | None] = mapped_column(
        Integer, doc="the other story of a merge or split"
    )
    detail: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), doc="JSON detail of the event"
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, doc="when it happened")


class Run(Base):
    """One dedup command run, with its figures (shown by ``dedup status``)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    command: Mapped[str] = mapped_column(String(20), doc="poll | import | analyze | reindex")
    started_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, doc="when the run started"
    )
    finished_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="when it ended, null while running or if killed"
    )
    status: Mapped[str] = mapped_column(String(10), default="running", doc="running | ok | failed")
    figures: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, doc="JSON figures of the run (articles, passages, stories...)"
    )
    error: Mapped[str | None] = mapped_column(Text, doc="error of a failed or killed run")


# Scale-out tables live in a module of their own but in this metadata (issue 13).
from dedup.store import lease_models as _lease_models  # noqa: E402, F401
