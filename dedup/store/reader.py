"""Read-only SQL for readers that must start fast: the standard library's sqlite3 for an SQLite
store at head, SQLAlchemy Core for everything else, one SQL text for both.

``dedup status`` is run by people and by monitoring scripts many times a day; SQLAlchemy's
import alone is a third of its start-up. Its queries are plain SQL that SQLite and PostgreSQL
both read, with ``:name`` parameters (sqlite3 and SQLAlchemy's ``text()`` both take them).
Values come back as each driver gives them: :func:`as_time`, :func:`as_bool` and
:func:`as_json` turn SQLite's text and integers into what the ORM would return.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dedup.errors import StoreError
from dedup.store.files import check_sqlite_file, shipped_head

if TYPE_CHECKING:
    from dedup.store.engine import Store

Row = tuple[Any, ...]


class Reader(Protocol):
    """One open read-only connection."""

    display_url: str

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Every row of ``sql``; a database error is a one-line :class:`StoreError`."""
        ...

    def time_param(self, value: datetime) -> Any:
        """``value`` (aware) as this database compares it with a stored timestamp."""
        ...


def scalar(reader: Reader, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    rows = reader.rows(sql, params)
    return rows[0][0] if rows else None


class SqliteReader:
    """Reads an SQLite store through the standard library."""

    def __init__(self, url: str, conn: sqlite3.Connection) -> None:
        self.display_url = url  # an SQLite URL holds no password to hide
        self._conn = conn

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            return self._conn.execute(sql, dict(params or {})).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"database error on {self.display_url}: {exc}") from exc

    def time_param(self, value: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime stores naive UTC text in this form, which sorts as time.
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class CoreReader:
    """Reads any store through an SQLAlchemy connection."""

    def __init__(self, store: Store, conn: Any) -> None:
        # imported here, not at the top: the sqlite3 path must not load SQLAlchemy
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        self.display_url = store.display_url
        self._conn, self._text, self._error = conn, text, SQLAlchemyError

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            return [tuple(r) for r in self._conn.execute(self._text(sql), dict(params or {}))]
        except self._error as exc:
            line = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise StoreError(f"database error on {self.display_url}: {line[0]}") from exc

    def time_param(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None)


@contextmanager
def sqlite_reader(url: str, path: Path) -> Iterator[SqliteReader | None]:
    """A reader on the SQLite store ``url`` (its file ``path``), or None when its schema is
    not the shipped head (the caller then opens it through
    :func:`dedup.store.engine.open_store`, which migrates it or says why it cannot)."""
    check_sqlite_file(path, create=False)
    try:
        # The same connection settings as the engine's (WAL readers never block a writer).
        conn = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from exc
    try:
        try:
            stored = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.Error:
            stored = []
        head = shipped_head()
        yield SqliteReader(url, conn) if head and stored == [(head,)] else None
    finally:
        conn.close()


@contextmanager
def store_reader(store: Store) -> Iterator[CoreReader]:
    with store.reading() as conn:
        yield CoreReader(store, conn)


def as_time(value: Any) -> datetime | None:
    """A stored timestamp (naive UTC: text from sqlite3, a datetime from other drivers),
    timezone-aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise StoreError(f"unreadable timestamp in the store: {value!r}")
    return value.replace(tzinfo=UTC)


def as_iso(value: Any) -> str | None:
    """A stored timestamp as ISO 8601 in UTC (what reports print), None for none."""
    moment = as_time(value)
    return moment.isoformat() if moment is not None else None


def as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def as_json(value: Any) -> Any:
    """A JSON column: text from sqlite3, already decoded by PostgreSQL's driver."""
    return json.loads(value) if isinstance(value, str | bytes) else value
