"""Feed bytes -> :class:`ParsedFeed`: feedparser's view of a feed, entries ready to store.

Pure: no network, no session. feedparser never raises; a malformed feed comes back with
``bozo`` set, and whatever entries it could still read are kept. An entry is *usable* when it
has an identity (a link, an id or a title) and something to store (content, a summary or a
title); a title, content or summary counts only if it holds text outside HTML tags (a title
that is just an ``<img>`` is none). :func:`entry_is_usable` is that rule.

Identity (the article key): the canonical URL of the entry's link; else
``guid:<scope>:<id>`` where the scope is the feed's own declared id or else its configured
URL (GUIDs like "123" are only unique within a feed); else ``title:<scope>:<hash>``.

The text is the richest the feed carries (content:encoded or Atom content, the longest if
several, else the summary). An entry with only a summary is marked ``full_text=False``; the
poller can then fetch the article page.
"""

from __future__ import annotations

import hashlib
import io
import re
from calendar import timegm
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any

import feedparser

from dedup.extract import Extracted, extract_fragment, extract_text
from dedup.records import ArticleRecord
from dedup.urls import canonical_url, domain_of

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its health (bozo), its own title and link, and its usable entries."""

    bozo: bool
    bozo_error: str | None
    title: str | None
    link: str | None
    feed_id: str | None
    entries: tuple[ArticleRecord, ...]
    skipped: int  # entries without identity or anything to store

    @property
    def summary_only(self) -> int:
        return sum(1 for e in self.entries if not e.full_text)


def parse_bytes(data: bytes, headers: Mapping[str, str] | None = None) -> Any:
    """feedparser on bytes, never touching network or disk.

    ``headers`` are the HTTP response headers (lower-case names); they carry the charset and
    the base URL (``content-location``). Give none for a local file: feedparser then trusts
    the XML declaration instead of complaining about a missing Content-Type.
    """
    return feedparser.parse(io.BytesIO(data), response_headers=dict(headers or {}))


def describe_bozo(exc: object) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    name = type(exc).__name__
    return f"{name}: {line}" if line else name


def parse_feed(
    data: bytes,
    *,
    source: str,
    feed_url: str,
    site: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ParsedFeed:
    """Parse feed bytes into records for :func:`dedup.article_store.save_articles`."""
    parsed = parse_bytes(data, headers)
    feed = parsed.get("feed", {})
    feed_id = _clean(feed.get("id"))
    scope = feed_id or feed_url
    records: list[ArticleRecord] = []
    skipped = 0
    for entry in parsed.get("entries", []):
        record = entry_record(entry, scope=scope, source=source, site=site)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    bozo = bool(parsed.get("bozo"))
    return ParsedFeed(
        bozo=bozo,
        bozo_error=describe_bozo(parsed.get("bozo_exception")) if bozo else None,
        title=_plain(feed.get("title")),
        link=_clean(feed.get("link")),
        feed_id=feed_id,
        entries=tuple(records),
        skipped=skipped,
    )


def entry_is_usable(entry: Mapping[str, Any]) -> bool:
    """An entry dedup stores: an identity (link, id or title) and some content or title."""
    title = entry_title(entry)
    has_identity = bool(_clean(entry.get("link")) or _clean(entry.get("id")) or title)
    return has_identity and bool(_best_body(entry)[0] or title)


def entry_key(entry: Mapping[str, Any], scope: str) -> str | None:
    """The article identity of a feed entry (see the module docstring), or None."""
    link = _clean(entry.get("link"))
    if link and link.lower().startswith(("http://", "https://")):
        return canonical_url(link)
    ident = _clean(entry.get("id"))
    if ident:
        return f"guid:{scope}:{ident}"
    title = entry_title(entry)
    if title:
        return f"title:{scope}:{hashlib.sha256(title.encode()).hexdigest()[:16]}"
    if link:  # a relative or non-HTTP link the feed gave no base for
        return f"link:{scope}:{link}"
    return None


def entry_record(
    entry: Mapping[str, Any], *, scope: str, source: str, site: str | None = None
) -> ArticleRecord | None:
    """One feed entry as an article record, or None when it is not usable."""
    if not entry_is_usable(entry):
        return None
    key = entry_key(entry, scope)
    if key is None:
        return None
    link = _clean(entry.get("link"))
    url = key if key.startswith(("http://", "https://")) else None
    title = entry_title(entry)
    body, body_type, full = _best_body(entry)
    extracted = _extract(body, body_type, base_url=link)
    return ArticleRecord(
        source=source,
        key=key,
        title=title or extracted.title,
        text=extracted.text,
        paragraphs=tuple(extracted.paragraphs),
        url=url,
        guid=_clean(entry.get("id")),
        published=entry_time(entry),
        author=_plain(entry.get("author")),
        links=tuple(extracted.links),
        full_text=full,
        site=site,
        domain=domain_of(url),
    )


def entry_title(entry: Mapping[str, Any]) -> str | None:
    """The entry title as plain text (an HTML title loses its tags and entities)."""
    detail = entry.get("title_detail") or {}
    title = _plain(entry.get("title"))
    if title and str(detail.get("type", "")).lower() in _HTML_TYPES:
        title = _plain(unescape(title))
    return title


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    """Published (else updated) time as an aware UTC datetime; feedparser gives UTC tuples."""
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if value:
            try:
                return datetime.fromtimestamp(timegm(value), UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _best_body(entry: Mapping[str, Any]) -> tuple[str, str, bool]:
    """(value, media type, is full text): the longest content, else the summary."""
    contents = [
        c for c in entry.get("content") or [] if isinstance(c, Mapping) and _plain(c.get("value"))
    ]
    if contents:
        best = max(contents, key=lambda c: len(c.get("value") or ""))
        return str(best["value"]), str(best.get("type") or "text/html"), True
    summary = _clean(entry.get("summary"))
    if summary and _plain(summary):
        detail = entry.get("summary_detail") or {}
        return summary, str(detail.get("type") or "text/html"), False
    return "", "text/plain", False


def _extract(body: str, body_type: str, base_url: str | None) -> Extracted:
    if not body:
        return extract_text("")
    if body_type.lower() in _HTML_TYPES:
        return extract_fragment(body, base_url=base_url)
    return extract_text(body)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _plain(value: object) -> str | None:
    """A one-line plain string: tags dropped (titles may be HTML), whitespace collapsed."""
    text = _clean(value)
    if text is None:
        return None
    text = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    return text or None
