"""Polling the configured feeds: fetch concurrently, store each feed's entries and health at once.

Fetching (and parsing, and fetching article pages for summary-only entries) runs in a thread
pool of ``fetch.concurrency`` workers that share one HTTP client and one per-host scheduler.
Every database write happens in the calling thread, one transaction per feed holding its
entries, its new validators (ETag/Last-Modified), its health and a ``fetch_attempts`` row: a
run killed at any point leaves each feed either fully recorded or untouched, so the next run
neither loses nor duplicates anything.

Health: a success clears the failure count; a failure increments it and sets
``next_poll_at`` by exponential backoff (:data:`BACKOFF_BASE` doubled per failure in a row,
at most ``max_backoff_hours``), or by the server's ``Retry-After`` when it sends one. A 410
disables the feed until its URL in ``feeds.yml`` changes; a 301/308 records the new URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dedup.config import FetchSettings, Settings
from dedup.errors import ConfigError
from dedup.ingest.feeds import ParsedFeed, parse_feed
from dedup.ingest.fetch import (
    FetchResult,
    HostScheduler,
    fetch,
    is_http_url,
    make_client,
    resolve_location,
)
from dedup.progress import NullProgress, Progress
from dedup.records import ArticleRecord
from dedup.store.articles import content_hash, ensure_source, save_articles
from dedup.store.engine import Store
from dedup.store.models import Article, ArticleVersion, Feed, FetchAttempt, utcnow
from dedup.text.encoding import charset_of, decode_bytes
from dedup.text.extract import extract_page
from dedup.text.urls import domain_of

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=5)
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class _Summary(Protocol):
    def as_dict(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...


@dataclass
class FeedReport:
    """What one feed's poll did, for the summary."""

    name: str
    outcome: str  # ok | not_modified | bozo | error | gone | moved
    status: int | None = None
    error: str | None = None
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    next_poll_at: datetime | None = None


@dataclass
class PollSummary:
    """Figures of one poll; ``analysis`` is filled in by :func:`dedup.pipeline.poll`."""

    feeds: int = 0
    polled: int = 0
    skipped_disabled: int = 0
    skipped_backoff: int = 0
    not_modified: int = 0
    failed: int = 0
    bozo: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    reports: list[FeedReport] = field(default_factory=list)
    analysis: _Summary | None = None

    def as_dict(self) -> dict[str, Any]:
        counts = {
            name: getattr(self, name)
            for name in (
                "feeds",
                "polled",
                "skipped_disabled",
                "skipped_backoff",
                "not_modified",
                "failed",
                "bozo",
                "new",
                "changed",
                "unchanged",
                "pages_fetched",
                "pages_failed",
            )
        }
        counts["problems"] = [
            {
                "feed": r.name,
                "outcome": r.outcome,
                "status": r.status,
                "error": r.error,
                "next_poll_at": r.next_poll_at.isoformat() if r.next_poll_at else None,
            }
            for r in self.reports
            if r.error
        ]
        counts["analysis"] = self.analysis.as_dict() if self.analysis is not None else None
        return counts

    def describe(self) -> str:
        skipped = self.skipped_backoff + self.skipped_disabled
        lines = [
            f"polled {self.polled} of {self.feeds} feed(s): {self.new} new, {self.changed} "
            f"changed, {self.unchanged} unchanged article(s); {self.not_modified} not modified, "
            f"{self.failed} failed, {skipped} skipped (backing off or disabled)"
        ]
        if self.pages_fetched or self.pages_failed:
            lines.append(
                f"fetched {self.pages_fetched} article page(s) for full text; "
                f"{self.pages_failed} could not be used"
            )
        for r in self.reports:
            if r.error:
                when = (
                    f"; next try after {r.next_poll_at:%Y-%m-%d %H:%M} UTC"
                    if r.next_poll_at
                    else ""
                )
                lines.append(f"  {r.name}: {r.outcome}: {r.error}{when}")
        if self.analysis is not None:
            lines.append(self.analysis.describe())
        return "\n".join(lines)


@dataclass(frozen=True)
class _Job:
    feed_id: int
    name: str
    configured_url: str
    location: str  # what is fetched: current URL (after a 301) or the resolved path
    site: str | None
    etag: str | None
    last_modified: str | None
    settings: FetchSettings


@dataclass
class _Outcome:
    job: _Job
    started_at: datetime
    result: FetchResult
    parsed: ParsedFeed | None = None
    parse_error: str | None = None
    pages_fetched: int = 0
    pages_failed: int = 0


KnownKeys = Callable[[Sequence[str]], set[str]]


def poll_feeds(
    store: Store,
    settings: Settings,
    progress: Progress | None = None,
    *,
    run_id: int | None = None,
    transport: httpx.BaseTransport | None = None,
    scheduler: HostScheduler | None = None,
) -> PollSummary:
    """Poll every configured feed that is enabled and due; record entries and health.

    ``run_id`` (the ``runs`` row of this poll) is written on each ``fetch_attempts`` row;
    ``transport`` replaces the network (``httpx.MockTransport``) and ``scheduler`` the
    per-host clock, in tests.
    """
    if not settings.feeds:
        where = settings.config_path or "./feeds.yml"
        raise ConfigError(f"no feeds configured in {where}; list feeds there or pass --config PATH")
    progress = progress or NullProgress()
    summary = PollSummary(feeds=len(settings.feeds))
    now = utcnow()
    base_dir = settings.config_path.parent if settings.config_path else None
    with store.session() as session:
        feeds = sync_feeds(session, settings)
        jobs: list[_Job] = []
        by_name = {f.name: f for f in settings.feeds}
        for feed in feeds:
            if not feed.enabled:
                summary.skipped_disabled += 1
            elif feed.next_poll_at is not None and feed.next_poll_at > now:
                summary.skipped_backoff += 1
            else:
                jobs.append(
                    _Job(
                        feed_id=feed.id,
                        name=feed.name,
                        configured_url=feed.url,
                        location=resolve_location(feed.current_url or feed.url, base_dir),
                        site=by_name[feed.name].site,
                        etag=feed.etag,
                        last_modified=feed.last_modified,
                        settings=by_name[feed.name].fetch,
                    )
                )
    jobs = interleave_hosts(jobs)
    scheduler = scheduler or HostScheduler()
    known = _stored_keys(store)
    workers = max(1, min(settings.fetch.concurrency, len(jobs)))
    with (
        make_client(settings.fetch, transport=transport) as client,
        progress.task("polling feeds", total=len(jobs)) as task,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dedup-poll") as pool,
    ):
        futures: list[Future[_Outcome]] = [
            pool.submit(_poll_one, job, client, scheduler, known) for job in jobs
        ]
        try:
            for future in as_completed(futures):
                outcome = future.result()
                with store.session() as session:
                    report = record_outcome(session, outcome, run_id=run_id)
                _add(summary, report, outcome)
                task.advance()
        except BaseException:
            for pending in futures:
                pending.cancel()
            raise
    return summary


def interleave_hosts(jobs: Iterable[_Job]) -> list[_Job]:
    """Order jobs round-robin over hosts, so workers do not all wait on one polite host."""
    groups: dict[str, list[_Job]] = {}
    for job in jobs:
        host = urlsplit(job.location).hostname or "" if is_http_url(job.location) else ""
        groups.setdefault(host, []).append(job)
    return [job for row in zip_longest(*groups.values()) for job in row if job is not None]


def sync_feeds(session: Session, settings: Settings) -> list[Feed]:
    """Create or update the ``feeds`` rows from ``feeds.yml``; returns them in config order.

    A feed whose URL changed in ``feeds.yml`` starts afresh: validators, redirect, health and
    a 410's disabling are cleared, since the old URL's history says nothing about the new one.
    """
    existing = {
        f.name: f
        for f in session.scalars(
            select(Feed).where(Feed.name.in_([c.name for c in settings.feeds]))
        )
    }
    feeds: list[Feed] = []
    for config in settings.feeds:
        domain = domain_of(config.url) if is_http_url(config.url) else None
        feed = existing.get(config.name)
        if feed is None:
            source_id = ensure_source(session, config.name, config.site, domain)
            feed = Feed(
                name=config.name,
                url=config.url,
                source_id=source_id,
                enabled=True,
                failures=0,
                bozo=False,
                created_at=utcnow(),
            )
            session.add(feed)
        elif feed.url != config.url:
            feed.url = config.url
            feed.current_url = feed.etag = feed.last_modified = None
            feed.enabled, feed.disabled_reason = True, None
            feed.failures, feed.next_poll_at, feed.last_error = 0, None, None
        feeds.append(feed)
    session.flush()
    return feeds


def _stored_keys(store: Store) -> KnownKeys:
    """A read-only lookup for workers: which article keys are already in the store."""

    def lookup(keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with store.sessions() as session:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                found.update(session.scalars(select(Article.key).where(Article.key.in_(chunk))))
        return found

    return lookup


def feed_headers(result: FetchResult) -> dict[str, str] | None:
    """Response headers as feedparser should see them; None for a local file.

    Content-Location is made absolute against the URL actually fetched, so relative links in
    the feed resolve (feedparser parsing bytes has no URL of its own).
    """
    if result.is_file:
        return None
    headers = dict(result.headers)
    base = result.final_url or result.url
    headers["content-location"] = urljoin(base, headers.get("content-location", ""))
    return headers


def _poll_one(
    job: _Job, client: httpx.Client, scheduler: HostScheduler, known: KnownKeys
) -> _Outcome:
    """Fetch and parse one feed (in a worker thread; no database writes here)."""
    outcome = _Outcome(job=job, started_at=utcnow(), result=FetchResult(url=job.location))
    try:
        outcome.result = fetch(
            job.location,
            etag=job.etag,
            last_modified=job.last_modified,
            settings=job.settings,
            client=client,
            scheduler=scheduler,
        )
        if not outcome.result.ok or outcome.result.content is None:
            return outcome
        outcome.parsed = parse_feed(
            outcome.result.content,
            source=job.name,
            site=job.site,
            feed_url=job.configured_url,
            headers=feed_headers(outcome.result),
        )
        if job.settings.full_text and outcome.parsed.summary_only:
            _fill_full_text(outcome, client, scheduler, known)
    except Exception as exc:  # one feed's bad bytes must not end the poll for all feeds
        log.info("polling %s failed", job.name, exc_info=True)  # shown with --verbose
        outcome.parsed = None
        outcome.parse_error = f"internal error: {type(exc).__name__}: {exc}"
    return outcome


def _fill_full_text(
    outcome: _Outcome, client: httpx.Client, scheduler: HostScheduler, known: KnownKeys
) -> None:
    """Fetch the article page of each new summary-only entry.

    Only entries not yet stored: an article already stored has its page text (or, when its
    page could not be used, its summary), and re-fetching pages on every poll is impolite.
    """
    assert outcome.parsed is not None
    wanted = [r.key for r in outcome.parsed.entries if not r.full_text and r.url]
    done = known(wanted) if wanted else set()
    records: list[ArticleRecord] = []
    for record in outcome.parsed.entries:
        if record.full_text or not record.url or record.key in done:
            records.append(record)
            continue
        page = fetch(
            record.url,
            settings=outcome.job.settings,
            client=client,
            scheduler=scheduler,
            accept=_PAGE_ACCEPT,
        )
        full = _page_record(record, page)
        if full is None:
            outcome.pages_failed += 1
            log.info("no full text for %s: %s", record.url, page.error or "nothing extracted")
            records.append(record)
        else:
            outcome.pages_fetched += 1
            records.append(full)
    outcome.parsed = replace(outcome.parsed, entries=tuple(records))


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
    return replace(
        record,
        title=record.title or extracted.title,
        text=extracted.text,
        paragraphs=tuple(extracted.paragraphs),
        links=tuple(extracted.links),
        full_text=True,
    )


def record_outcome(
    session: Session, outcome: _Outcome, now: datetime | None = None, run_id: int | None = None
) -> FeedReport:
    """Write one feed's entries, validators, health and attempt row (caller's transaction)."""
    now = now or utcnow()
    job, result, parsed = outcome.job, outcome.result, outcome.parsed
    feed = session.get(Feed, job.feed_id)
    if feed is None:  # removed by hand while we fetched; nothing to record against
        return FeedReport(name=job.name, outcome="error", error="feed row vanished")
    attempt = FetchAttempt(
        feed_id=feed.id,
        run_id=run_id,
        url=job.location,
        started_at=outcome.started_at,
        finished_at=now,
        status=result.status,
        bytes=len(result.content) if result.content is not None else None,
        outcome="error",
        bozo=False,
    )
    report = FeedReport(name=feed.name, outcome="error", status=result.status)
    feed.last_attempt_at = now
    feed.last_status = result.status
    if result.permanent_redirect_url:
        feed.current_url = result.permanent_redirect_url

    if result.not_modified:
        report.outcome = "not_modified"
        feed.etag = result.etag or feed.etag
        feed.last_modified = result.last_modified or feed.last_modified
        _succeeded(feed, now, error=None)
    elif result.status == 410:
        report.outcome, report.error = "gone", result.error
        feed.enabled = False
        feed.disabled_reason = (
            f"410 Gone on {now:%Y-%m-%d}: the publisher removed this feed; "
            "change its url in feeds.yml to poll it again"
        )
        feed.failures += 1
        feed.last_error = result.error
    elif parsed is not None:
        report.seen = attempt.entries_seen = len(parsed.entries)
        attempt.bozo = feed.bozo = parsed.bozo
        saved = save_articles(
            session, worth_saving(session, parsed.entries), feed_id=feed.id, now=now
        )
        attempt.entries_new, attempt.entries_changed = saved.new, saved.changed
        report.new, report.changed = saved.new, saved.changed
        report.unchanged = len(parsed.entries) - saved.new - saved.changed
        report.error = parsed.bozo_error
        if parsed.bozo and not parsed.entries and not (parsed.title or parsed.link):
            report.outcome = "bozo"
            report.next_poll_at = _failed(feed, now, job.settings, parsed.bozo_error, None)
        else:
            report.outcome = (
                "moved" if result.permanent_redirect_url else "bozo" if parsed.bozo else "ok"
            )
            feed.etag, feed.last_modified = result.etag, result.last_modified
            _succeeded(feed, now, error=parsed.bozo_error)
            if parsed.link and is_http_url(parsed.link):
                ensure_source(session, feed.name, domain=domain_of(parsed.link))
    else:
        error = outcome.parse_error or result.error or "no content"
        report.error = error
        report.next_poll_at = _failed(feed, now, job.settings, error, result.retry_after_seconds)
    attempt.outcome = report.outcome
    attempt.error = report.error
    session.add(attempt)
    return report


def _succeeded(feed: Feed, now: datetime, error: str | None) -> None:
    feed.failures = 0
    feed.last_success_at = now
    feed.next_poll_at = None
    feed.last_error = error


def _failed(
    feed: Feed,
    now: datetime,
    settings: FetchSettings,
    error: str | None,
    retry_after: float | None,
) -> datetime:
    feed.failures = (feed.failures or 0) + 1
    feed.last_error = error
    delay = backoff_delay(feed.failures, settings.max_backoff_hours, retry_after)
    feed.next_poll_at = now + delay
    return feed.next_poll_at


def backoff_delay(
    failures: int, max_backoff_hours: float, retry_after: float | None = None
) -> timedelta:
    """How long a failing feed rests: doubling per failure, or what the server asked for.

    Both are capped by ``max_backoff_hours`` so one odd header never parks a feed for weeks.
    """
    cap = timedelta(hours=max_backoff_hours)
    exponent = min(max(failures - 1, 0), 30)
    delay = BACKOFF_BASE * (1 << exponent)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(delay, cap)


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
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(
                Article.key,
                ArticleVersion.content_hash,
                ArticleVersion.full_text,
                ArticleVersion.id == Article.current_version_id,
            )
            .join(ArticleVersion, ArticleVersion.article_id == Article.id)
            .where(Article.key.in_(keys[start : start + 500]))
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


def _add(summary: PollSummary, report: FeedReport, outcome: _Outcome) -> None:
    summary.polled += 1
    summary.reports.append(report)
    summary.new += report.new
    summary.changed += report.changed
    summary.unchanged += report.unchanged
    summary.pages_fetched += outcome.pages_fetched
    summary.pages_failed += outcome.pages_failed
    if report.outcome == "not_modified":
        summary.not_modified += 1
    if report.outcome == "bozo" or (outcome.parsed is not None and outcome.parsed.bozo):
        summary.bozo += 1
    if report.next_poll_at is not None or report.outcome == "gone":
        summary.failed += 1
