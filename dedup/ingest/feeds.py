"""Feed bytes -> :class:`ParsedFeed`: feedparser's view of a feed, entries ready to store.

Pure: no network, no session. feedparser never raises; a malformed feed comes back with
``bozo`` set, and whatever entries it could still read are kept. An entry is *usable* when it
has an identity (a link, an id or a title) and something to store (content, a summary or a
title); a title, content or summary counts only if it holds text outside HTML tags (a title
that is just an ``<img>`` is none). :func:`entry_is_usable` is that rule.

Identity (the article key): the canonical URL of the entry's link; else
``guid:<scope>:<id>`` where the scope is the feed's own declared id or else its configured
URL (GUIDs like "123" are only unique within a feed); else ``title:<scope>:<hash>``. A link
to a site's front page (``http://taverncast.com/``: a podcast feed gives it for every
episode) names no article: such an entry is known by its id or title, and has no URL.

The text is the richest the feed carries (content:encoded or Atom content, the longest if
several, else the summary). An entry with only a summary is marked ``full_text=False``; the
poller can then fetch the article page.

Entity tricks are refused before or after parsing: a feed that declares entities in its
document type (expat refuses to expand them, and feedparser's loose parser then expands them
anyway: a 106 KB feed became a 200-million-character article), or whose parsed text is more
than :data:`TEXT_EXPANSION` times its size, comes back with ``refused`` set and no entries.
Every entry is bounded too (:mod:`dedup.ingest.bounds`).

JSON Feed (https://jsonfeed.org, versions 1 and 1.1), which feedparser cannot read, is read
here: a body served as JSON (``application/feed+json``, ``application/json``) or opening with
``{`` (no XML feed does). Each item becomes the mapping feedparser would have given for it
(``url`` the link, ``content_html`` or ``content_text`` the content, ``summary``, RFC 3339
``date_published``/``date_modified``, the item's or else the feed's ``authors``), so the
rules above apply unchanged. Malformed JSON, or JSON that is not a JSON Feed, is a bozo feed
with the reason as its error and whatever items could be read.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from calendar import timegm
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from dedup.ingest.bounds import bound_record, cut_input
from dedup.records import ArticleRecord
from dedup.text.encoding import charset_of, decode_bytes
from dedup.text.extract import Extracted, extract_fragment, extract_text
from dedup.text.urls import canonical_url, domain_of

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Parsed text may exceed the bytes a little (HTML-escaped content unescapes to fewer
# characters, never more), so a generous multiple plus a constant tells expansion apart.
TEXT_EXPANSION = 4
_TEXT_ALLOWANCE = 100_000


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
    refused: str | None = None  # why the feed was refused (entity tricks); no entries then

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
    """Parse feed bytes into records for :func:`dedup.store.articles.save_articles`."""
    if is_json(data, headers):
        parsed = parse_json_feed(data, headers)
    elif declares_entities(data):
        return _refused(
            "refused: the feed declares XML entities (<!ENTITY>), a way to expand a small "
            "feed into gigabytes; no feed needs them"
        )
    else:
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
    size = sum(len(r.text) + len(r.title or "") for r in records)
    if size > TEXT_EXPANSION * len(data) + _TEXT_ALLOWANCE:
        return _refused(
            f"refused: the parsed text ({size} characters) is more than {TEXT_EXPANSION} times "
            f"the feed's {len(data)} bytes (entity expansion?)"
        )
    bozo = bool(parsed.get("bozo"))
    error = parsed.get("bozo_error") or describe_bozo(parsed.get("bozo_exception"))
    return ParsedFeed(
        bozo=bozo,
        bozo_error=error if bozo else None,
        title=_plain(feed.get("title")),
        link=_clean(feed.get("link")),
        feed_id=feed_id,
        entries=tuple(records),
        skipped=skipped,
    )


def declares_entities(data: bytes) -> bool:
    """Whether the XML declares entities (``<!ENTITY``), in UTF-8 or a UTF-16/32 encoding.

    >>> declares_entities(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>')
    True
    >>> declares_entities('<!DOCTYPE r [<!ENTITY a "x">]><r/>'.encode("utf-16"))
    True
    >>> declares_entities(b"<rss><channel><title>&amp;</title></channel></rss>")
    False
    """
    if _ENTITY_DECLARATION.search(data):
        return True
    if b"\x00" in data[:200]:  # a wide encoding: look again in the decoded text
        for codec in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if "<!entity" in text.lower():
                return True
    return False


def _refused(reason: str) -> ParsedFeed:
    return ParsedFeed(
        bozo=False,
        bozo_error=reason,
        title=None,
        link=None,
        feed_id=None,
        entries=(),
        skipped=0,
        refused=reason,
    )


def entry_is_usable(entry: Mapping[str, Any]) -> bool:
    """An entry dedup stores: an identity (link, id or title) and some content or title."""
    title = entry_title(entry)
    has_identity = bool(_clean(entry.get("link")) or _clean(entry.get("id")) or title)
    return has_identity and bool(_best_body(entry)[0] or title)


# Paths of a site's front page: a link there is the site's, shared by every entry that has it.
_FRONT_PAGES = frozenset({"", "/", "/index.html", "/index.htm", "/index.php"})


def _article_link(link: str | None) -> str | None:
    """The canonical URL of an entry's link, unless it is not an article's (not HTTP, or the
    site's front page with no query)."""
    if not link or not link.lower().startswith(("http://", "https://")):
        return None
    url = canonical_url(link)
    parts = urlsplit(url)
    return None if parts.path in _FRONT_PAGES and not parts.query else url


def entry_key(entry: Mapping[str, Any], scope: str) -> str | None:
    """The article identity of a feed entry (see the module docstring), or None."""
    link = _clean(entry.get("link"))
    url = _article_link(link)
    if url is not None:
        return url
    ident = _clean(entry.get("id"))
    if ident:
        return f"guid:{scope}:{ident}"
    title = entry_title(entry)
    if title:
        return f"title:{scope}:{hashlib.sha256(title.encode()).hexdigest()[:16]}"
    if link:  # a relative or non-HTTP link the feed gave no base for, or a front page
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
    return bound_record(
        ArticleRecord(
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
    body = cut_input(body)
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


# ---------------------------------------------------------------- JSON Feed

JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_BOM = b"\xef\xbb\xbf"


def is_json(data: bytes, headers: Mapping[str, str] | None = None) -> bool:
    """Whether the body is JSON: it opens with ``{``, or it is served as JSON and is not XML."""
    head = data[:256].removeprefix(_BOM).lstrip()
    if head.startswith(b"{"):
        return True
    content_type = _header(headers, "content-type").split(";")[0].strip().lower()
    return content_type.endswith(("/json", "+json")) and not head.startswith(b"<")


def parse_json_feed(data: bytes, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A JSON Feed as feedparser's result: ``feed``, ``entries``, ``bozo`` and its reason.

    Never raises: bytes that are not JSON, or JSON that is not a JSON Feed, give ``bozo`` with
    a one-line ``bozo_error``; items are still read from an object that has a list of them.
    Relative item URLs resolve against the ``content-location`` header, as feedparser's do.
    """
    error = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # JSON Feed must be UTF-8; read what a server sent anyway, like feedparser does XML.
        text = decode_bytes(data, charset_of(_header(headers, "content-type")))
        error = "not UTF-8, as JSON Feed must be; decoded by its declared or guessed charset"
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return _json_bozo(f"not valid JSON ({describe_bozo(exc)})")
    if not isinstance(doc, dict):
        return _json_bozo(f"not a JSON Feed: the document is a JSON {type(doc).__name__}")
    version = doc.get("version")
    if not (isinstance(version, str) and "jsonfeed.org" in version):
        error = (
            f'not a JSON Feed: no "version" naming {JSON_FEED_VERSION}1 or 1.1'
            if version is None
            else f'not a JSON Feed: "version" is {json.dumps(version)[:80]}'
        )
    items = doc.get("items")
    if not isinstance(items, list):
        error = error or 'JSON Feed without an "items" list'
    feed_authors = _json_authors(doc)
    base = _header(headers, "content-location") or None
    entries = [
        _json_entry(item, feed_authors, base)
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]
    feed = {"title": _json_str(doc.get("title")), "link": _json_str(doc.get("home_page_url"))}
    return {
        "feed": {k: v for k, v in feed.items() if v},
        "entries": entries,
        "bozo": error is not None,
        "bozo_error": f"JSONFeedError: {error}" if error else None,
    }


def parse_rfc3339(value: object) -> datetime | None:
    """An RFC 3339 date-time as an aware UTC datetime; None when it is not one.

    A time without an offset is taken as UTC, as feedparser takes W3C dates.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text.replace("t", "T").replace(" ", "T", 1))
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or out of range once in UTC
        return None


def _json_bozo(reason: str) -> dict[str, Any]:
    return {"feed": {}, "entries": [], "bozo": True, "bozo_error": f"JSONFeedError: {reason}"}


def _json_entry(
    item: Mapping[str, Any], feed_authors: list[str], base: str | None
) -> dict[str, Any]:
    """One JSON Feed item as the entry mapping feedparser gives for an RSS/Atom item."""
    entry: dict[str, Any] = {}
    ident = item.get("id")
    if isinstance(ident, int | float) and not isinstance(ident, bool):
        ident = str(ident)  # the spec says string; numbers are common and mean the same
    if ident := _json_str(ident):
        entry["id"] = ident.strip()
    url = _json_str(item.get("url"))
    if url:
        entry["link"] = urljoin(base, url) if base else url
    title = _json_str(item.get("title"))
    if title:
        entry["title"] = title
        entry["title_detail"] = {"type": "text/plain"}
    contents = [
        {"value": value, "type": media_type}
        for name, media_type in (("content_html", "text/html"), ("content_text", "text/plain"))
        if (value := _json_str(item.get(name)))
    ]
    if contents:
        # The HTML is the richer when both are given; a blank one leaves the text.
        entry["content"] = [c for c in contents if _plain(c["value"])][:1] or contents[:1]
    summary = _json_str(item.get("summary"))
    if summary:
        entry["summary"] = summary
        entry["summary_detail"] = {"type": "text/plain"}
    authors = _json_authors(item) or feed_authors
    if authors:
        entry["author"] = ", ".join(authors)
    for field, name in (
        ("date_published", "published_parsed"),
        ("date_modified", "updated_parsed"),
    ):
        when = parse_rfc3339(item.get(field))
        if when is not None:
            entry[name] = when.utctimetuple()
    return entry


def _json_authors(obj: Mapping[str, Any]) -> list[str]:
    """Names in ``authors`` (1.1), else in ``author`` (1.0)."""
    found = obj.get("authors")
    if not isinstance(found, list):
        found = [obj.get("author")]
    return [
        name
        for author in found
        if isinstance(author, dict) and (name := _plain(author.get("name")))
    ]


def _json_str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return ""
