"""A feed's health: backoff after failures, and the warnings ``dedup status`` shows.

A success clears the failure count; a failure increments it and sets ``next_poll_at`` by
exponential backoff (:data:`BACKOFF_BASE` doubled per failure in a row, at most
``max_backoff_hours``), or by the server's ``Retry-After`` when it sends one.

A feed can also answer "200 OK" and still be unwell; :func:`feed_warnings` says so when its
last poll returned no entries, when it has not produced a new entry for ``stale_after_days``,
or when article links in it were refused by the fetch policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dedup.config import FetchSettings
from dedup.ingest.redact import mask_urls_in
from dedup.store.models import Article, Feed, FetchAttempt, PageRefusal, utcnow

BACKOFF_BASE = timedelta(minutes=5)
DEFAULT_STALE_DAYS = FetchSettings().stale_after_days
REFUSALS_SHOWN_FOR = timedelta(days=7)


def succeeded(feed: Feed, now: datetime, error: str | None) -> None:
    feed.failures = 0
    feed.last_success_at = now
    feed.next_poll_at = None
    feed.last_error = mask_urls_in(error) if error else None


def failed(
    feed: Feed,
    now: datetime,
    settings: FetchSettings,
    error: str | None,
    retry_after: float | None,
) -> datetime:
    feed.failures = (feed.failures or 0) + 1
    feed.last_error = mask_urls_in(error) if error else None
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


def feed_warnings(
    session: Session,
    now: datetime | None = None,
    stale_after_days: Mapping[str, float] | None = None,
) -> dict[int, list[str]]:
    """Warnings per feed id, each a one-line reason; feeds without any are left out.

    ``stale_after_days`` maps feed names to their setting (from ``feeds.yml``); a feed not
    named uses the default.
    """
    now = now or utcnow()
    stale_after_days = stale_after_days or {}
    last_outcome = last_outcomes(session)
    newest = dict(
        session.execute(
            select(Article.feed_id, func.max(Article.first_seen)).group_by(Article.feed_id)
        ).all()
    )
    since = now - REFUSALS_SHOWN_FOR
    refusals: dict[int, tuple[int, str, str]] = {}
    for feed_id, count, last_id in session.execute(
        select(PageRefusal.feed_id, func.count(), func.max(PageRefusal.id))
        .where(PageRefusal.refused_at >= since)
        .group_by(PageRefusal.feed_id)
    ):
        latest = session.get(PageRefusal, last_id)
        if latest is not None:
            refusals[feed_id] = (count, latest.url, latest.reason)

    warnings: dict[int, list[str]] = {}
    for feed in session.scalars(select(Feed).where(Feed.enabled.is_(True))):
        found: list[str] = []
        if last_outcome.get(feed.id) == "empty":
            found.append("empty: the last poll returned no entries (the feed may have gone blank)")
        days = stale_after_days.get(feed.name, DEFAULT_STALE_DAYS)
        newest_at = newest.get(feed.id) or feed.created_at
        if (
            feed.last_success_at is not None
            and newest_at is not None
            and now - newest_at > timedelta(days=days)
        ):
            found.append(
                f"stale: no new entry for {(now - newest_at).days} days "
                f"(since {newest_at:%Y-%m-%d}; stale_after_days is {days:g})"
            )
        if feed.id in refusals:
            count, url, reason = refusals[feed.id]
            found.append(
                f"refused: {count} article link(s) not fetched in the last 7 days by the "
                f"fetch policy; latest {url}: {reason}"
            )
        if found:
            warnings[feed.id] = found
    return warnings


def last_outcomes(session: Session) -> dict[int, str]:
    """Each feed's latest fetch outcome, by feed id."""
    last_attempt = (
        select(FetchAttempt.feed_id, func.max(FetchAttempt.id).label("id"))
        .group_by(FetchAttempt.feed_id)
        .subquery()
    )
    rows = session.execute(
        select(FetchAttempt.feed_id, FetchAttempt.outcome).join(
            last_attempt, last_attempt.c.id == FetchAttempt.id
        )
    ).all()
    return {feed_id: outcome for feed_id, outcome in rows}
