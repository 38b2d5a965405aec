"""Polling the configured feeds: fetch concurrently, store each feed's entries and health at once.

Fetching (and parsing, and fetching article pages for summary-only entries) runs in a thread
pool of ``fetch.concurrency`` workers that share one HTTP client and one per-host scheduler.
Every database write happens in the calling thread, one transaction per feed holding its
entries, its new validators (ETag/Last-Modified), its health and a ``fetch_attempts`` row: a
run killed at any point leaves each feed either fully recorded or untouched, so the next run
neither loses nor duplicates anything.

Health (:mod:`dedup.ingest.health`): a failure backs off, a success clears it. A 410
disables the feed until its URL in ``feeds.yml`` changes; a 301/308 records the new URL.

Bounded work: a failure of any kind in one feed (a parser bug, MemoryError, a database error
while storing it) is that feed's recorded failure with backoff, never the run's. The whole
poll ends by ``poll_deadline``: what finished is stored, feeds still running are recorded as
timed out (and back off), feeds not reached are recorded as not polled and go first next time.
Article links are fetched under the fetch policy; each refused one is a ``page_refusals`` row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dedup.config import FeedConfig, FetchSettings, Settings
from dedup.errors import ConfigError
from dedup.ingest import leases
from dedup.ingest.feeds import ParsedFeed, parse_feed
from dedup.ingest.fetch import (
    FetchResult,
    HostScheduler,
    fetch,
    is_http_url,
    make_client,
    resolve_location,
)
from dedup.ingest.health import BACKOFF_BASE, backoff_delay, failed, succeeded
from dedup.ingest.pages import KnownKeys, fill_full_text
from dedup.ingest.poll_summary import FeedReport, PollSummary
from dedup.ingest.redact import mask_url, mask_urls_in
from dedup.ingest.versions import worth_saving
from dedup.ingest.workers import run_until
from dedup.progress import NullProgress, Progress
from dedup.store.articles import ensure_source, save_articles
from dedup.store.batching import chunks
from dedup.store.engine import Store
from dedup.store.locks import serialise_transaction
from dedup.store.models import Article, Feed, FetchAttempt, PageRefusal, utcnow
from dedup.text.urls import domain_of

log = logging.getLogger(__name__)

__all__ = ["BACKOFF_BASE", "FeedReport", "PollSummary", "backoff_delay", "poll_feeds"]


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
    last_attempt_at: datetime | None = None


@dataclass
class _Outcome:
    job: _Job
    started_at: datetime
    result: FetchResult
    parsed: ParsedFeed | None = None
    parse_error: str | None = None
    pages_fetched: int = 0
    pages_failed: int = 0
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # key, url, reason


def poll_feeds(
    store: Store,
    settings: Settings,
    progress: Progress | None = None,
    *,
    run_id: int | None = None,
    transport: httpx.BaseTransport | None = None,
    scheduler: HostScheduler | None = None,
    exclusive: bool = True,
) -> PollSummary:
    """Poll every configured feed that is enabled and due; record entries and health.

    ``exclusive`` says the caller holds the writer lock (no other poller runs): this run
    claims every due feed at once. Without it, concurrent pollers share the feeds through
    leases claimed a few at a time (:mod:`dedup.ingest.leases`, issue 13).

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
    by_name = {f.name: f for f in settings.feeds}
    with store.session() as session:
        serialise_transaction(session)  # pollers on several machines create rows in turn
        feeds = sync_feeds(session, settings)
        for feed in feeds:
            if not feed.enabled:
                summary.skipped_disabled += 1
            elif feed.next_poll_at is not None and feed.next_poll_at > now:
                summary.skipped_backoff += 1
        claims = leases.FeedClaims(
            store, settings.poll, [f.id for f in feeds], run_id=run_id, exclusive=exclusive
        )
        claims.ensure_rows(session)
        total = claims.due_count(session)

    def claim_jobs(limit: int | None = -1) -> list[_Job]:
        claimed = claims.next_batch(limit)
        if not claimed:
            return []
        with store.sessions() as session:
            rows = session.scalars(select(Feed).where(Feed.id.in_(claimed))).all()
            jobs = [_job(feed, by_name[feed.name], base_dir) for feed in rows]
        jobs.sort(key=lambda job: job.last_attempt_at or _NEVER)  # unpolled feeds go first
        return interleave_hosts(jobs)

    first = claim_jobs(None) if exclusive else []
    scheduler = scheduler or leases.scheduler_for(store)
    known = _stored_keys(store)
    limit = settings.fetch.poll_deadline
    deadline = time.monotonic() + limit
    # Fetches end by the deadline themselves; the grace covers parsing what they got.
    grace = min(30.0, max(2.0, limit / 10))
    with (
        make_client(settings.fetch, transport=transport) as client,
        progress.task("polling feeds", total=total) as task,
    ):

        def work(job: _Job) -> _Outcome:
            return _poll_one(job, client, scheduler, known, deadline)

        refill = None if exclusive else claim_jobs
        workers = settings.fetch.concurrency
        for done in run_until(first, work, workers, deadline, grace, refill=refill):
            outcome = done.result
            if outcome is None:
                outcome = _unfinished(done.job, limit, started=done.started)
            report = _record_safely(store, claims, outcome, run_id)
            if report is None:
                continue  # our lease expired and another poller took the feed
            _add(summary, report, outcome)
            task.advance()
    return summary


_NEVER = datetime.min.replace(tzinfo=UTC)


def _job(feed: Feed, config: FeedConfig, base_dir: Path | None) -> _Job:
    return _Job(
        feed_id=feed.id,
        name=feed.name,
        configured_url=feed.url,
        location=resolve_location(feed.current_url or feed.url, base_dir),
        site=config.site,
        etag=feed.etag,
        last_modified=feed.last_modified,
        settings=config.fetch,
        last_attempt_at=feed.last_attempt_at,
    )


def _unfinished(job: _Job, limit: float, started: bool) -> _Outcome:
    if started:
        error = f"timed out: still running when the poll's deadline ({limit:g}s) passed"
    else:
        error = f"{_NOT_POLLED} the poll's deadline ({limit:g}s) passed first"
    return _Outcome(
        job=job, started_at=utcnow(), result=FetchResult(url=job.location), parse_error=error
    )


_NOT_POLLED = "not polled:"


def _record_safely(
    store: Store, claims: leases.FeedClaims, outcome: _Outcome, run_id: int | None
) -> FeedReport | None:
    """Record a feed's outcome and give its lease back; a failure to store is its failure.

    None when the lease is no longer ours (see :func:`dedup.ingest.leases.record`).
    """
    polled = not (outcome.parse_error or "").startswith(_NOT_POLLED)
    feed_id = outcome.job.feed_id
    try:
        return leases.record(
            store, claims, feed_id, partial(_record, outcome, run_id), polled=polled
        )
    except Exception as exc:  # one feed's entries must not end the poll for all feeds
        log.info("storing %s failed", outcome.job.name, exc_info=True)  # shown with --verbose
        failed_outcome = replace(
            outcome,
            parsed=None,
            refusals=[],
            parse_error=f"internal error while storing: {type(exc).__name__}: {exc}"[:500],
        )
        return leases.record(store, claims, feed_id, partial(_record, failed_outcome, run_id))


def _record(outcome: _Outcome, run_id: int | None, session: Session) -> FeedReport:
    return record_outcome(session, outcome, run_id=run_id)


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
            for chunk in chunks(keys):
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
    job: _Job,
    client: httpx.Client,
    scheduler: HostScheduler,
    known: KnownKeys,
    deadline: float | None = None,
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
            user_url=True,
            run_deadline=deadline,
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
        if job.settings.full_text and outcome.parsed.summary_only and not outcome.parsed.refused:
            parsed, fetched = fill_full_text(
                outcome.parsed, job.settings, client, scheduler, known, deadline
            )
            outcome.parsed = parsed
            outcome.pages_fetched, outcome.pages_failed = fetched.fetched, fetched.failed
            outcome.refusals = fetched.refusals
    except Exception as exc:  # MemoryError too: one feed's bytes must not end the poll
        log.info("polling %s failed", job.name, exc_info=True)  # shown with --verbose
        outcome.parsed = None
        outcome.parse_error = f"internal error: {type(exc).__name__}: {exc}"[:500]
    return outcome


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
        url=mask_url(job.location),
        started_at=outcome.started_at,
        finished_at=now,
        status=result.status,
        bytes=len(result.content) if result.content is not None else None,
        outcome="error",
        bozo=False,
    )
    report = FeedReport(name=feed.name, outcome="error", status=result.status)
    if outcome.parse_error and outcome.parse_error.startswith(_NOT_POLLED):
        # Health untouched; its old last_attempt_at keeps it first in line next run.
        report.outcome = attempt.outcome = "timed_out"
        report.error = attempt.error = outcome.parse_error
        session.add(attempt)
        return report
    feed.last_attempt_at = now
    feed.last_status = result.status
    if result.permanent_redirect_url:
        feed.current_url = result.permanent_redirect_url

    for key, url, reason in outcome.refusals:
        session.add(
            PageRefusal(
                feed_id=feed.id,
                run_id=run_id,
                article_key=key,
                url=url,
                reason=reason,
                refused_at=now,
            )
        )
    if result.not_modified:
        report.outcome = "not_modified"
        feed.etag = result.etag or feed.etag
        feed.last_modified = result.last_modified or feed.last_modified
        succeeded(feed, now, error=None)
    elif parsed is not None and parsed.refused is not None:
        report.outcome, report.error = "refused", parsed.refused
        report.next_poll_at = failed(feed, now, job.settings, parsed.refused, None)
    elif result.status == 410:
        report.outcome, report.error = "gone", result.error
        feed.enabled = False
        feed.disabled_reason = (
            f"410 Gone on {now:%Y-%m-%d}: the publisher removed this feed; "
            "change its url in feeds.yml to poll it again"
        )
        feed.failures += 1
        feed.last_error = mask_urls_in(result.error or "")
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
            report.next_poll_at = failed(feed, now, job.settings, parsed.bozo_error, None)
        else:
            report.outcome = (
                "moved" if result.permanent_redirect_url else "bozo" if parsed.bozo else "ok"
            )
            if not parsed.entries:
                report.outcome = "empty"
                report.warning = "empty response: no entries" + (
                    f" ({parsed.skipped} unusable)" if parsed.skipped else ""
                )
            feed.etag, feed.last_modified = result.etag, result.last_modified
            succeeded(feed, now, error=parsed.bozo_error)
            if parsed.link and is_http_url(parsed.link):
                ensure_source(session, feed.name, domain=domain_of(parsed.link))
    else:
        error = outcome.parse_error or result.error or "no content"
        report.error = error
        if result.refused is not None:
            report.outcome = "refused"
        elif error.startswith(("timed out: still running", "stopped: the poll's run deadline")):
            report.outcome = "timed_out"
        report.next_poll_at = failed(feed, now, job.settings, error, result.retry_after_seconds)
    report.error = mask_urls_in(report.error) if report.error else None
    attempt.outcome = report.outcome
    attempt.error = report.error or report.warning
    session.add(attempt)
    return report


def _add(summary: PollSummary, report: FeedReport, outcome: _Outcome) -> None:
    summary.polled += not (report.error or "").startswith(_NOT_POLLED)
    summary.reports.append(report)
    summary.new += report.new
    summary.changed += report.changed
    summary.unchanged += report.unchanged
    summary.pages_fetched += outcome.pages_fetched
    summary.pages_failed += outcome.pages_failed
    summary.pages_refused += len(outcome.refusals)
    summary.refused += report.outcome == "refused"
    summary.timed_out += report.outcome == "timed_out"
    summary.empty += report.outcome == "empty"
    if report.outcome == "not_modified":
        summary.not_modified += 1
    if report.outcome == "bozo" or (outcome.parsed is not None and outcome.parsed.bozo):
        summary.bozo += 1
    if report.next_poll_at is not None or report.outcome == "gone":
        summary.failed += 1
