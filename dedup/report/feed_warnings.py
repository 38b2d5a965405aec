"""The warnings ``dedup status`` shows for a feed that answers "200 OK" and is still unwell.

A feed is warned about when its last poll returned no entries, when it has not produced a new
entry for ``stale_after_days``, or when article links in it were refused by the fetch policy.
These read through Core (:mod:`dedup.store.tables`), so ``dedup status`` never loads the ORM.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from dedup.config import FetchSettings
from dedup.store import tables as t
from dedup.store.types import utcnow

DEFAULT_STALE_DAYS = FetchSettings().stale_after_days
REFUSALS_SHOWN_FOR = timedelta(days=7)


def feed_warnings(
    conn: Connection,
    now: datetime | None = None,
    stale_after_days: Mapping[str, float] | None = None,
) -> dict[int, list[str]]:
    """Warnings per feed id, each a one-line reason; feeds without any are left out.

    ``stale_after_days`` maps feed names to their setting (from ``feeds.yml``); a feed not
    named uses the default.
    """
    now = now or utcnow()
    stale_after_days = stale_after_days or {}
    last_outcome = last_outcomes(conn)
    a, f, r = t.articles, t.feeds, t.page_refusals
    newest = dict(
        conn.execute(select(a.c.feed_id, func.max(a.c.first_seen)).group_by(a.c.feed_id)).all()
    )
    latest_refusal = (
        select(r.c.feed_id, func.count().label("n"), func.max(r.c.id).label("last_id"))
        .where(r.c.refused_at >= now - REFUSALS_SHOWN_FOR)
        .group_by(r.c.feed_id)
        .subquery()
    )
    refusals = {
        feed_id: (count, url, reason)
        for feed_id, count, url, reason in conn.execute(
            select(latest_refusal.c.feed_id, latest_refusal.c.n, r.c.url, r.c.reason).join(
                r, r.c.id == latest_refusal.c.last_id
            )
        )
    }

    warnings: dict[int, list[str]] = {}
    rows = conn.execute(
        select(f.c.id, f.c.name, f.c.created_at, f.c.last_success_at).where(f.c.enabled.is_(True))
    )
    for feed_id, name, created_at, last_success_at in rows:
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


def last_outcomes(conn: Connection) -> dict[int, str]:
    """Each feed's latest fetch outcome, by feed id."""
    fa = t.fetch_attempts
    last_attempt = (
        select(fa.c.feed_id, func.max(fa.c.id).label("id")).group_by(fa.c.feed_id).subquery()
    )
    rows = conn.execute(
        select(fa.c.feed_id, fa.c.outcome).join(last_attempt, last_attempt.c.id == fa.c.id)
    ).all()
    return {feed_id: outcome for feed_id, outcome in rows}
