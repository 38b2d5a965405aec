"""Article pages for summary-only entries: fetched under the fetch policy, main text kept.

A page's URL comes from feed content, so every fetch here is guarded (private and loopback
addresses refused, on every redirect hop) unless the feed sets ``allow_private``. A refused
page is never fetched: the entry keeps its summary and the refusal is reported with its
reason. Pure but for the network: no database here (``known`` is a read-only lookup).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import httpx

from dedup.config import FetchSettings
from dedup.ingest.bounds import bound_record
from dedup.ingest.feeds import ParsedFeed
from dedup.ingest.fetch import FetchResult, HostScheduler, fetch
from dedup.ingest.redact import mask_url
from dedup.records import ArticleRecord
from dedup.text.encoding import charset_of, decode_bytes
from dedup.text.extract import extract_page

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
KnownKeys = Callable[[Sequence[str]], set[str]]


@dataclass
class PageFetches:
    """What fetching one feed's article pages did."""

    fetched: int = 0
    failed: int = 0
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # key, url, reason


def fill_full_text(
    parsed: ParsedFeed,
    settings: FetchSettings,
    client: httpx.Client,
    scheduler: HostScheduler,
    known: KnownKeys,
    deadline: float | None,
) -> tuple[ParsedFeed, PageFetches]:
    """Fetch the article page of each new summary-only entry.

    Only entries not yet stored: an article already stored has its page text (or, when its
    page could not be used, its summary), and re-fetching pages on every poll is impolite.
    """
    fetches = PageFetches()
    wanted = [r.key for r in parsed.entries if not r.full_text and r.url]
    done = known(wanted) if wanted else set()
    records: list[ArticleRecord] = []
    for record in parsed.entries:
        late = deadline is not None and time.monotonic() >= deadline
        if record.full_text or not record.url or record.key in done or late:
            records.append(record)  # past the deadline the summary is kept; the page is not
            continue
        page = fetch(
            record.url,
            settings=settings,
            client=client,
            scheduler=scheduler,
            accept=PAGE_ACCEPT,
            run_deadline=deadline,
        )
        full = _page_record(record, page)
        if page.refused is not None:
            refused_url = mask_url(page.final_url or record.url)
            fetches.refusals.append((record.key, refused_url, page.refused))
            log.info("refused %s: %s", refused_url, page.refused)
            records.append(record)
        elif full is None:
            fetches.failed += 1
            log.info(
                "no full text for %s: %s", mask_url(record.url), page.error or "nothing extracted"
            )
            records.append(record)
        else:
            fetches.fetched += 1
            records.append(full)
    return replace(parsed, entries=tuple(records)), fetches


def _page_record(record: ArticleRecord, page: FetchResult) -> ArticleRecord | None:
    if not page.ok or page.content is None or page.is_file:
        return None
    content_type = page.headers.get("content-type", "text/html")
    if "html" not in content_type.lower():
        return None
    html = decode_bytes(page.content, declared=charset_of(content_type))
    extracted = extract_page(html, url=page.final_url or record.url)
    if not extracted.text.strip():
        return None
    return bound_record(
        replace(
            record,
            title=record.title or extracted.title,
            text=extracted.text,
            paragraphs=tuple(extracted.paragraphs),
            links=tuple(extracted.links),
            full_text=True,
        )
    )
