"""Tables that let several pollers share one store: feed leases and per-host request slots.

Part of the schema in ``docs/schema.md`` like :mod:`dedup.store.models` (which imports this
module so both share one metadata); created by migration 0009.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dedup.store.models import Base, UTCDateTime


class FeedLease(Base):
    """Which poller holds a feed, until when, and when the feed was last polled under a lease.

    A lease that outlives ``expires_at`` belongs to a poller that died: the next poller takes
    the feed over. Everything a claim tests is on this row, so the row lock a claim takes
    (``FOR UPDATE SKIP LOCKED``) covers the whole decision.
    """

    __tablename__ = "feed_leases"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True, doc="the leased feed"
    )
    holder: Mapped[str | None] = mapped_column(
        String(200), doc="host:pid of the poller holding the lease, null when free"
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), doc="the holder's run, null when free"
    )
    expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, index=True, doc="the lease ends then even if its holder never returns"
    )
    polled_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="when a poller last recorded this feed's outcome"
    )


class HostSlot(Base):
    """The next moment a poller, on any machine, may send a request to a host."""

    __tablename__ = "host_slots"

    host: Mapped[str] = mapped_column(String(255), primary_key=True, doc="host name, lowercase")
    next_at: Mapped[float] = mapped_column(
        Float, doc="seconds since 1970 on the database server's clock"
    )
