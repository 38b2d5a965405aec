"""A feed's health: backoff after failures.

A success clears the failure count; a failure increments it and sets ``next_poll_at`` by
exponential backoff (:data:`BACKOFF_BASE` doubled per failure in a row, at most
``max_backoff_hours``), or by the server's ``Retry-After`` when it sends one.

A feed can also answer "200 OK" and still be unwell: :mod:`dedup.report.feed_warnings` says
so in ``dedup status``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dedup.config import FetchSettings
from dedup.ingest.redact import mask_urls_in
from dedup.store.models import Feed

BACKOFF_BASE = timedelta(minutes=5)


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
