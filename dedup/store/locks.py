"""The store's writer lock: one interface, a file lock for SQLite, an advisory lock on a server.

Whatever runs analysis (and, on SQLite, anything that writes) holds the writer lock, so two
analyses never interleave their batches. On SQLite the lock is an OS file lock beside the
database, which only processes on the same machine can see, as only they can open the file.
On PostgreSQL it is a session advisory lock held on a connection of its own for the whole
run: every machine sees it, and the server drops it when that connection ends, including
when the holder is SIGKILLed or its machine vanishes (the server notices the dead socket),
so a killed run never blocks the next one.

Polling on a server takes no writer lock at all: pollers coordinate through feed leases
(:mod:`dedup.ingest.leases`) and only their analysis step asks for this lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from dedup.errors import LockedError, StoreError
from dedup.store.engine import lock_path, make_engine
from dedup.store.files import sqlite_path

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# One fixed 64-bit key: the database itself is the lock's namespace, so every dedup on every
# machine pointed at the same database asks for the same lock. (The bytes spell "dedupwr!".)
ADVISORY_KEY = int.from_bytes(b"dedupwr!", "big", signed=True)

_BUSY = (
    "another dedup run is writing to this store ({where}); "
    "this run exits without doing anything, the next one will catch up"
)


class WriterLock(Protocol):
    """Held by at most one run per store at a time; ``acquire`` never waits."""

    where: str

    def acquire(self) -> None:
        """Take the lock, or raise :class:`LockedError` at once."""
        ...

    def release(self) -> None:
        """Give the lock back (also done by the OS or server when the holder dies)."""
        ...


class FileWriterLock:
    """An flock on ``<database>.lock`` (or a file in the temp folder for other URLs)."""

    def __init__(self, url: str) -> None:
        self.path = lock_path(url)
        self.where = f"lock {self.path}"
        self._lock = FileLock(str(self.path), timeout=0)

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout as exc:
            raise LockedError(_BUSY.format(where=self.where)) from exc
        except OSError as exc:
            raise StoreError(
                f"cannot open the lock file {self.path}: {exc.strerror or exc}; "
                "it must be a file dedup can create and write beside the store"
            ) from exc

    def release(self) -> None:
        self._lock.release()


class AdvisoryWriterLock:
    """``pg_try_advisory_lock`` on a dedicated connection kept open while the lock is held.

    The connection comes from an engine of its own, disposed of on release: a connection
    handed back to a shared pool would keep the session, and with it the lock, alive.
    """

    def __init__(self, url: str, key: int = ADVISORY_KEY) -> None:
        self.url = url
        self.key = key
        self.where = f"advisory lock {key} on the database server"
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    def acquire(self) -> None:
        engine = make_engine(self.url)
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn = engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        except SQLAlchemyError as exc:
            engine.engine.dispose()
            raise StoreError(f"cannot take the writer lock on the database server: {exc}") from exc
        if not got:
            conn.close()
            engine.engine.dispose()
            raise LockedError(_BUSY.format(where=self.where))
        self._engine, self._conn = engine.engine, conn

    def release(self) -> None:
        conn, engine = self._conn, self._engine
        self._conn = self._engine = None
        if conn is not None:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except SQLAlchemyError:
                pass  # the connection is gone, and the server dropped the lock with it
            finally:
                conn.close()
        if engine is not None:
            engine.dispose()


def is_server(url: str) -> bool:
    """True for a PostgreSQL store: writers on several machines, coordinated by the server."""
    return sqlite_path(url) is None and url.split(":", 1)[0].split("+", 1)[0] in {
        "postgresql",
        "postgres",
    }


def writer_lock_for(url: str) -> WriterLock:
    """The writer lock that fits the store at ``url``."""
    if is_server(url):
        return AdvisoryWriterLock(url)
    return FileWriterLock(url)


@contextmanager
def writer_lock(url: str) -> Iterator[None]:
    """Hold the store's writer lock for the block, or raise :class:`LockedError` at once."""
    lock = writer_lock_for(url)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


SYNC_KEY = int.from_bytes(b"dedupsyn", "big", signed=True)


def serialise_transaction(session: Session, key: int = SYNC_KEY) -> None:
    """On a server, make concurrent transactions that call this take turns (until commit).

    For short read-then-insert steps several pollers run at once, such as creating the rows
    of ``feeds.yml``; on SQLite the writer lock already makes such a step the only one.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
