"""Poll scale-out: pollers on several machines share the feeds through leases in the database.

Each ``dedup poll`` claims a few due feeds at a time (``poll.claim_batch``) by writing a
lease on their ``feed_leases`` rows, polls them, and gives each lease back in the same
transaction that records the feed's outcome, stamping ``polled_at``. A feed is due when it
is enabled, not backing off, not leased (or its lease has expired) and not polled since this
run started (nor within ``poll.interval_minutes``). On PostgreSQL the claim is one
``UPDATE ... WHERE feed_id IN (SELECT ... FOR UPDATE SKIP LOCKED)``: concurrent pollers lock
disjoint rows, and every condition of the claim is on the locked row, so a lease or stamp a
concurrent poller just committed is re-checked before the row is taken. A poller killed
mid-run leaves leases that expire after ``poll.lease_seconds``; the next claim takes those
feeds over and marks the dead run killed. On SQLite the writer lock already makes the poller
the only one, so every lease it finds is a dead one and is taken over at once.

Politeness across pollers: :class:`SharedHostScheduler` reserves each request's slot in
``host_slots`` with one atomic upsert on the database server's clock, so pollers on several
machines together keep ``per_host_delay`` between requests to a host.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dedup.config import PollSettings
from dedup.errors import StoreError
from dedup.ingest.fetch import HostScheduler
from dedup.store.engine import Store, insert_many
from dedup.store.lease_models import FeedLease
from dedup.store.models import Feed, Run, utcnow

T = TypeVar("T")


def record(
    store: Store,
    claims: FeedClaims,
    feed_id: int,
    write: Callable[[Session], T],
    tries: int = 3,
    polled: bool = True,
) -> T | None:
    """Release ``feed_id``'s lease and ``write`` its outcome in one transaction.

    None when the lease is no longer ours (it expired and another poller took the feed): the
    outcome is then not recorded, so each feed's poll counts once. Pollers storing the same
    article at the same moment (one wire story in many feeds) collide on its unique key; the
    loser's transaction is retried and then finds the article stored. ``polled`` false (a
    feed the deadline kept us from reaching) gives the lease back without the polled stamp.
    """
    for attempt in range(tries):
        try:
            with store.session() as session:
                if not claims.release(session, feed_id, polled=polled):
                    return None
                return write(session)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError) or attempt == tries - 1:
                raise
    return None  # pragma: no cover - the loop returns or raises


def holder_name() -> str:
    """Who holds a lease: this machine and process, for ``dedup status`` and a curious admin."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


class FeedClaims:
    """This run's claims on the feeds of its ``feeds.yml``.

    ``exclusive`` is true when the caller holds the writer lock (SQLite): no other poller can
    be alive, so live-looking leases are taken over too.
    """

    def __init__(
        self,
        store: Store,
        poll: PollSettings,
        feed_ids: Sequence[int],
        *,
        run_id: int | None,
        exclusive: bool,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.poll = poll
        self.run_id = run_id
        self.exclusive = exclusive
        self.holder = holder_name()
        self.clock = clock
        self.started_at = clock()
        self.feed_ids = sorted(set(feed_ids))
        self.claimed = 0

    def ensure_rows(self, session: Session) -> None:
        """Every feed gets its lease row once (claims only ever update rows)."""
        rows = [(feed_id,) for feed_id in self.feed_ids]
        insert_many(session.connection(), "feed_leases", ("feed_id",), rows, ignore_conflicts=True)

    def next_batch(self, limit: int | None = -1) -> list[int]:
        """Claim up to ``limit`` (default ``claim_batch``; None: all) due feeds, the never
        polled and longest unpolled first; an empty list when none is left for us."""
        limit = self.poll.claim_batch if limit == -1 else limit
        if not self.feed_ids:
            return []
        now = self.clock()
        until = now + timedelta(seconds=self.poll.lease_seconds)
        not_since = min(self.started_at, now - timedelta(minutes=self.poll.interval_minutes))
        free = FeedLease.expires_at.is_(None) | (FeedLease.expires_at <= now)
        if self.exclusive:  # another holder's lease is a dead run's; ours are still pending
            free = free | ~self._ours()
        due = (
            select(FeedLease.feed_id)
            .join(Feed, Feed.id == FeedLease.feed_id)
            .where(
                FeedLease.feed_id.in_(self.feed_ids),
                Feed.enabled.is_(True),
                or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now),
                free,
                or_(FeedLease.polled_at.is_(None), FeedLease.polled_at < not_since),
            )
            .order_by(Feed.last_attempt_at.is_not(None), Feed.last_attempt_at, FeedLease.feed_id)
            .limit(limit)
            .with_for_update(of=FeedLease, skip_locked=True)
        )
        with self.store.session() as session:
            if not self.exclusive:  # the exclusive caller's run bookkeeping did this already
                self._mark_dead_holders(session, now)
            claimed = session.scalars(
                update(FeedLease)
                .where(FeedLease.feed_id.in_(due.scalar_subquery()))
                .values(holder=self.holder, run_id=self.run_id, expires_at=until)
                .returning(FeedLease.feed_id)
                .execution_options(synchronize_session=False)
            ).all()
        self.claimed += len(claimed)
        return sorted(claimed)

    def _mark_dead_holders(self, session: Session, now: datetime) -> None:
        """A run whose lease expired unreturned died mid-poll: say so in ``runs``."""
        stale = select(FeedLease.run_id).where(
            FeedLease.run_id.is_not(None),
            FeedLease.feed_id.in_(self.feed_ids),
            FeedLease.expires_at <= now,
        )
        session.execute(
            update(Run)
            .where(
                and_(Run.status == "running", Run.id.in_(stale.scalar_subquery())),
                Run.id != (self.run_id if self.run_id is not None else -1),
            )
            .values(status="killed", error="ended without finishing (killed or crashed)")
            .execution_options(synchronize_session=False)
        )

    def release(self, session: Session, feed_id: int, polled: bool = True) -> bool:
        """Give the feed back, stamped as polled now (in the caller's recording transaction).

        False when the lease is no longer ours (it expired and another poller took the feed):
        the caller then records nothing, so the feed's outcome is counted once.
        """
        values: dict[str, object] = {"holder": None, "run_id": None, "expires_at": None}
        if polled:
            values["polled_at"] = self.clock()
        result = session.execute(
            update(FeedLease)
            .where(FeedLease.feed_id == feed_id, self._ours())
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def _ours(self) -> ColumnElement[bool]:
        run = FeedLease.run_id.is_(None) if self.run_id is None else FeedLease.run_id == self.run_id
        return and_(FeedLease.holder == self.holder, run)

    def due_count(self, session: Session) -> int:
        """Feeds due now and not leased: the size of the job, for the progress bar."""
        now = self.clock()
        rows = session.scalar(
            select(func.count())
            .select_from(FeedLease)
            .join(Feed, Feed.id == FeedLease.feed_id)
            .where(
                FeedLease.feed_id.in_(self.feed_ids),
                Feed.enabled.is_(True),
                or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now),
                FeedLease.expires_at.is_(None) | (FeedLease.expires_at <= now),
            )
        )
        return int(rows or 0)


_RESERVE = text(
    """
    INSERT INTO host_slots (host, next_at)
    VALUES (:host, extract(epoch FROM clock_timestamp()) + :delay)
    ON CONFLICT (host) DO UPDATE
        SET next_at = GREATEST(host_slots.next_at, extract(epoch FROM clock_timestamp())) + :delay
    RETURNING next_at - :delay - extract(epoch FROM clock_timestamp())
    """
)
# A request that wakes this much after its slot (a busy machine, a descheduled process)
# gives the slot up and takes the next free one: sending late would crowd the next holder.
_SLACK = 0.1
_MAX_REQUEUES = 5


class SharedHostScheduler(HostScheduler):
    """Per-host request spacing kept in the database, shared by pollers on every machine.

    A request reserves its host's next slot in one statement (read, advance and write under
    the row's lock, on the server's clock) and sleeps until it outside any transaction. If it
    wakes more than a tenth of the delay late, it reserves again rather than send close on the
    heels of the next slot's holder. Only for PostgreSQL: on SQLite one poller runs at a time
    and the in-memory scheduler is enough.
    """

    def __init__(
        self,
        engine: Engine,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clock=clock, sleep=sleep)
        self.engine = engine
        self._reserving = threading.Lock()

    def wait(self, url: str, delay: float) -> None:
        if delay <= 0:
            return
        host = (urlsplit(url).hostname or "").lower()[:255]
        for _ in range(_MAX_REQUEUES):
            # One reservation at a time per process: a round trip of a millisecond or so, and
            # the workers never hold more than one of the pool's connections between them.
            with self._reserving, self.engine.begin() as conn:
                wait = float(conn.execute(_RESERVE, {"host": host, "delay": delay}).scalar_one())
            # The slot on this machine's clock, counted from when the answer arrived: later
            # than the server meant by the round trip, never earlier.
            target = self._clock() + max(wait, 0.0)
            if wait > 0:
                self._sleep(wait)
            if self._clock() - target <= _SLACK * delay:
                return


def scheduler_for(store: Store) -> HostScheduler:
    """The host scheduler that fits the store: shared on a server, in memory on SQLite."""
    if store.is_sqlite:
        return HostScheduler()
    return SharedHostScheduler(store.engine)
