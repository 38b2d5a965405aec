"""The warnings ``dedup status`` shows for a feed that answers "200 OK" and is still unwell.

A feed is warned about when its last poll returned no entries, when it has not produced a new
entry for ``stale_after_days``, or when article links in it were refused by the fetch policy.
The queries are plain SQL through a :class:`dedup.store.reader.Reader`, so ``dedup status``
on SQLite never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from dedup.config import FetchSettings
from dedup.store.reader import Reader, as_time

DEFAULT_STALE_DAYS = FetchSettings().stale_after_days
REFUSALS_SHOWN_FOR = timedelta(days=7)


def feed_warnings(
    reader: Reader,
    now: datetime | None = None,
    stale_after_days: Mapping[str, float] | None = None,
) -> dict[int, list[str]]:
    """Warnings per feed id, each a one-line reason; feeds without any are left out.

    ``stale_after_days`` maps feed names to their setting (from ``feeds.yml``); a feed not
    named uses the default.
    """
    now = now or datetime.now(UTC)
    stale_after_days = stale_after_days or {}
    last_outcome = last_outcomes(reader)
    newest = {
        feed_id: as_time(first_seen)
        for feed_id, first_seen in reader.rows(
            "SELECT feed_id, max(first_seen) FROM articles GROUP BY feed_id"
        )
    }
    refusals = {
        feed_id: (count, url, reason)
        for feed_id, count, url, reason in reader.rows(
            "SELECT latest.feed_id, latest.n, r.url, r.reason FROM"
            " (SELECT feed_id, count(*) AS n, max(id) AS last_id FROM page_refusals"
            "  WHERE refused_at >= :since GROUP BY feed_id) AS latest"
            " JOIN page_refusals AS r ON r.id = latest.last_id",
            {"since": reader.time_param(now - REFUSALS_SHOWN_FOR)},
        )
    }

    warnings: dict[int, list[str]] = {}
    rows = reader.rows("SELECT id, name, created_at, last_success_at FROM feeds WHERE enabled")
    for feed_id, name, created, last_success in rows:
        created_at, last_success_at = as_time(created), as_time(last_success)
        found: list[str] = []
        if last_outcome.get(feed_id) == "empty":
            found.append("empty: the last poll returned no entries (the feed may have gone blank)")
        days = stale_after_days.get(name, DEFAULT_STALE_DAYS)
        newest_at = newest.get(feed_id) or created_at
        if (
            last_success_at is not None
            and newest_at is not None
            and now - newest_at > timedelta(days=days)
        ):
            found.append(
                f"stale: no new entry for {(now - newest_at).days} days "
                f"(since {newest_at:%Y-%m-%d}; stale_after_days is {days:g})"
            )
        if feed_id in refusals:
            count, url, reason = refusals[feed_id]
            found.append(
                f"refused: {count} article link(s) not fetched in the last 7 days by the "
                f"fetch policy; latest {url}: {reason}"
            )
        if found:
            warnings[feed_id] = found
    return warnings


def last_outcomes(reader: Reader) -> dict[int, str]:
    """Each feed's latest fetch outcome, by feed id."""
    rows = reader.rows(
        "SELECT fa.feed_id, fa.outcome FROM fetch_attempts AS fa JOIN"
        " (SELECT feed_id, max(id) AS id FROM fetch_attempts GROUP BY feed_id) AS last"
        " ON last.id = fa.id"
    )
    return {feed_id: outcome for feed_id, outcome in rows}
