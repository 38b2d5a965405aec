"""Core table clauses for readers that must start fast, such as ``dedup status``.

Importing the ORM models costs about a quarter of ``dedup status``'s start-up (the mapper and
twenty declarative classes), so the status reader builds its queries on these lightweight
``table()`` clauses instead. They name only the columns those readers use; a test checks
each against :mod:`dedup.store.models` (same table, same column, same type), so they cannot
drift from the schema.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String, TableClause, Text, column, table

from dedup.store.types import UTCDateTime

sources = table("sources", column("id", Integer), column("display_name", String))

feeds = table(
    "feeds",
    column("id", Integer),
    column("name", String),
    column("url", Text),
    column("current_url", Text),
    column("source_id", Integer),
    column("enabled", Boolean),
    column("disabled_reason", Text),
    column("last_status", Integer),
    column("last_error", Text),
    column("bozo", Boolean),
    column("failures", Integer),
    column("last_attempt_at", UTCDateTime),
    column("last_success_at", UTCDateTime),
    column("next_poll_at", UTCDateTime),
    column("created_at", UTCDateTime),
)

fetch_attempts = table(
    "fetch_attempts", column("id", Integer), column("feed_id", Integer), column("outcome", String)
)

page_refusals = table(
    "page_refusals",
    column("id", Integer),
    column("feed_id", Integer),
    column("url", Text),
    column("reason", Text),
    column("refused_at", UTCDateTime),
)

articles = table(
    "articles",
    column("id", Integer),
    column("feed_id", Integer),
    column("current_version_id", Integer),
    column("first_seen", UTCDateTime),
)

article_versions = table("article_versions", column("id", Integer))

paragraphs = table(
    "paragraphs",
    column("id", Integer),
    column("version_id", Integer),
    column("kind", String),
    column("indexed", Boolean),
)

links = table("links", column("id", Integer))

passages = table("passages", column("id", Integer))

stories = table("stories", column("id", Integer), column("status", String))

runs = table(
    "runs",
    column("id", Integer),
    column("command", String),
    column("status", String),
    column("started_at", UTCDateTime),
    column("finished_at", UTCDateTime),
    column("error", Text),
    column("figures", JSON),
)

ALL: tuple[TableClause, ...] = (
    sources,
    feeds,
    fetch_attempts,
    page_refusals,
    articles,
    article_versions,
    paragraphs,
    links,
    passages,
    stories,
    runs,
)
