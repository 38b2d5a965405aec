"""The store layer: engine, sessions, migrations applied on open, and the run lock.

Every command opens the store through :func:`open_store`, which migrates the database to
head first, so a user never runs a migration by hand. A migration runs only under the
writer lock (two commands started together on a new store never race it), and only on a
file that is a dedup store already or a new, empty one: a reading command (``status``,
``report``, ``export``) never writes to a file dedup did not make. SQLite connections get
foreign keys, WAL and a busy timeout, so a reader (``dedup status`` or a researcher's
notebook) never blocks a poll.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, TextClause, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from dedup.errors import LockedError, StoreError
from dedup.store.files import MIGRATIONS_DIR, check_sqlite_file, shipped_head, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_ROWS_PER_STATEMENT = 50_000


@dataclass
class Store:
    """An open, migrated database."""

    url: str
    engine: Engine
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)
    _checkpoint: threading.Thread | None = field(default=None, repr=False)

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, made on first use: readers on Core never load the ORM."""
        if self._sessions is None:
            from sqlalchemy.orm import sessionmaker

            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection for reading, with the same one-line errors as :meth:`session`."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database error on {self.display_url}: {_first_line(exc)}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                raise StoreError(
                    f"database error on {self.display_url}: {_first_line(exc)}"
                ) from exc
            except BaseException:
                session.rollback()
                raise

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.join()
            self._checkpoint = None
        self.engine.dispose()

    def checkpoint_behind(self) -> None:
        """On SQLite, copy the write-ahead log into the database in a thread, while this
        process goes on (after a large write: the stories run meanwhile).

        Closing the last connection checkpoints the whole log, and after a large import
        that is most of the database (0.5 s of a Reuters import with both cores waiting on
        it). A passive checkpoint runs in SQLite's C code without the GIL and never blocks a
        writer; what is written after it is left for the close. Its failure costs nothing
        but that time: the close checkpoints what it did not.
        """
        if not self.is_sqlite or self._checkpoint is not None:
            return
        if self.engine.url.database in (None, "", ":memory:"):
            return  # one connection shared by every thread: nothing to checkpoint anyway

        def run() -> None:
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except SQLAlchemyError as exc:
                log.debug("background checkpoint failed: %s", _first_line(exc))

        self._checkpoint = threading.Thread(target=run, name="dedup-checkpoint", daemon=True)
        self._checkpoint.start()

    def optimize(self) -> None:
        """Refresh the planner's statistics after a large write.

        Without them SQLite plans the footer check's ``norm_hash IN (...) AND indexed``
        query on the ``indexed`` index and walks every indexed paragraph. ``analysis_limit``
        samples a bounded number of rows per index, so this costs the same at any size.
        """
        with self.engine.begin() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("PRAGMA analysis_limit=1000")
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql("PRAGMA optimize")
            else:
                conn.exec_driver_sql("ANALYZE")


def _open_hint(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return "check the path and that it is a dedup database"
    return "check that the server is running and the URL's host, port, user and database"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


WAL_CHECKPOINT_PAGES = 65536
JOURNAL_LIMIT = 64 << 20


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except Exception:  # noqa: BLE001 - an in-memory db or read-only file has no WAL; fine
        log.debug("WAL not available for this SQLite database")
    # A checkpoint copies every page the log holds into the database file. At SQLite's
    # default (1,000 pages, 4 MB) an import checkpoints at nearly every batch's commit and
    # copies the same index pages again each time (1.4 s of Reuters' import waits in
    # commit); at 64K pages (256 MB of log, bounded) each page is copied about once. The
    # log file is cut back to JOURNAL_LIMIT after a checkpoint, so no 256 MB file stays.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_LIMIT}")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"{url!r} is not a database path or URL; give a file path or e.g. postgresql://host/db"
        ) from exc
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {path}: {exc.strerror}") from exc
    try:
        engine = create_engine(parsed, future=True)
    except ImportError as exc:
        raise StoreError(
            f"cannot use database {parsed.render_as_string()}: its driver is not installed "
            f"({_first_line(exc)}); for PostgreSQL: pip install 'dedup[postgres]'"
        ) from exc
    except ArgumentError as exc:
        kind = parsed.get_backend_name()
        hint = " (a redis:// URL is a band index: --index)" if kind == "redis" else ""
        raise StoreError(
            f"cannot use database {parsed.render_as_string()}: {kind!r} is not a database "
            f"dedup stores in{hint}; give a SQLite file path or a postgresql:// URL"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _stored_revision(conn: Connection) -> str | None:
    try:
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DatabaseError:
        conn.rollback()
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is the newest shipped one (no Alembic import when so)."""
    try:
        with engine.connect() as conn:
            current = _stored_revision(conn)
        if current is not None and current == shipped_head():
            return True
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            return bool(MigrationContext.configure(conn).get_current_revision() == head_revision())
    except DatabaseError as exc:
        raise StoreError(
            f"cannot open the database {engine.url.render_as_string()}: "
            f"{_first_line(exc)}; {_open_hint(engine)}"
        ) from exc


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; cheap when it is already there.

    The caller holds the writer lock (or owns the database alone, as a test does).
    """
    try:
        with engine.connect() as conn:
            current = _stored_revision(conn)
        head = shipped_head()
        if current is not None and current == head:
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        head = head_revision()
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DatabaseError as exc:
        raise StoreError(
            f"cannot open or migrate the database {engine.url.render_as_string()}: "
            f"{_first_line(exc)}; {_open_hint(engine)}"
        ) from exc


def open_store(url: str, *, create: bool = True, locked: bool = False) -> Store:
    """Open and migrate the database at ``url``.

    ``create`` allows a new store where there is none (or an empty file); without it (the
    reading commands) a missing SQLite file gives an empty in-memory store, so the answer
    is "nothing yet" and no file appears. ``locked`` says the caller holds the writer lock;
    otherwise it is taken for the migration, when one is needed.
    """
    path = sqlite_path(url)
    if path is not None:
        if not path.exists() and not create:
            engine = create_engine("sqlite://", poolclass=StaticPool)
            migrate(engine)
            return Store(url=url, engine=engine)
        check_sqlite_file(path, create)
    engine = make_engine(url)
    try:
        if not at_head(engine):
            if locked:
                migrate(engine)
            else:
                with run_lock(url):
                    migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(url=url, engine=engine)


def insert_many(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ignore_conflicts: bool = False,
) -> None:
    """Insert many plain rows (values needing no type conversion) in one executemany.

    SQLite gets the driver's executemany directly: SQLAlchemy's per-row parameter handling
    costs more than the insert itself when a whole archive is stored. PostgreSQL gets one
    ``INSERT ... SELECT FROM unnest(arrays)`` per 50,000 rows, with ``ON CONFLICT DO
    NOTHING`` standing for ``OR IGNORE``.
    """
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "sqlite":
        verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
        marks = ", ".join("?" for _ in columns)
        sql = f"{verb} INTO {table} ({names}) VALUES ({marks})"
        conn.exec_driver_sql(sql, [tuple(row) for row in rows])
        return
    # One statement per chunk whose parameters are whole columns (arrays, unnest), not one
    # statement per row: a server pays a round trip per statement, and a statement of
    # thousands of parameters costs the driver more to parse than the insert.
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    types = _column_types(conn, table)
    arrays = ", ".join(f"%s::{types[c]}[]" for c in columns)
    sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){suffix}"
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        conn.exec_driver_sql(sql, tuple(list(column) for column in zip(*chunk, strict=True)))


def select_tuples(conn: Connection, statement: TextClause, params: dict[str, Any]) -> list[Any]:
    """The rows of a ``text()`` query of plain values, as the driver's tuples.

    SQLite gets the driver's cursor directly: on a page of 25,000 paragraphs SQLAlchemy's
    row objects cost more than reading the rows (Reuters' analysis pages: about twice the
    read). Elsewhere the rows come through SQLAlchemy as usual.
    """
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(statement, params)]
    sql, names = _positional(conn, statement)
    raw = conn.connection.dbapi_connection
    assert raw is not None  # a live connection of the pool
    rows: list[Any] = raw.execute(sql, [params[name] for name in names]).fetchall()
    return rows


def _positional(conn: Connection, statement: TextClause) -> tuple[str, tuple[str, ...]]:
    """``statement`` compiled for the driver once per connection: its SQL with ``?`` marks
    and the parameter names in their order."""
    cache: dict[str, tuple[str, tuple[str, ...]]] = conn.info.setdefault("dedup_positional", {})
    key = statement.text
    if key not in cache:
        compiled = statement.compile(dialect=conn.dialect)
        cache[key] = (str(compiled), tuple(compiled.positiontup or ()))
    return cache[key]


def update_many(
    conn: Connection, table: str, column: str, by_id: Sequence[tuple[Any, int]]
) -> None:
    """Set ``column`` to each row's value, for many rows by ``id``: ``by_id`` holds (value,
    id) pairs. As :func:`insert_many`: the driver's executemany on SQLite, one statement over
    arrays (``UPDATE ... FROM unnest``) per chunk on PostgreSQL."""
    if not by_id:
        return
    if conn.dialect.name == "sqlite":
        sql = f'UPDATE {table} SET "{column}" = ? WHERE id = ?'
        conn.exec_driver_sql(sql, [tuple(pair) for pair in by_id])
        return
    types = _column_types(conn, table)
    sql = (
        f'UPDATE {table} SET "{column}" = v.value FROM unnest(%s::{types[column]}[], '
        f"%s::{types['id']}[]) AS v(value, id) WHERE {table}.id = v.id"
    )
    for start in range(0, len(by_id), _ROWS_PER_STATEMENT):
        chunk = by_id[start : start + _ROWS_PER_STATEMENT]
        conn.exec_driver_sql(sql, tuple(list(values) for values in zip(*chunk, strict=True)))


def _column_types(conn: Connection, table: str) -> dict[str, str]:
    """Column name -> PostgreSQL type name, asked once per connection."""
    cache: dict[str, dict[str, str]] = conn.info.setdefault("dedup_column_types", {})
    if table not in cache:
        rows = conn.execute(
            text(
                "SELECT column_name, udt_name FROM information_schema.columns "
                "WHERE table_name = :table AND table_schema = current_schema()"
            ),
            {"table": table},
        )
        cache[table] = {str(name): str(udt) for name, udt in rows}
    return cache[table]


def lock_path(url: str) -> Path:
    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".lock")
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"dedup-{digest}.lock"


@contextmanager
def run_lock(url: str) -> Iterator[None]:
    """Hold the store's writer lock, or raise :class:`LockedError` at once.

    The lock is an OS file lock (flock): the kernel releases it when the holder dies, even by
    SIGKILL, so a killed cron run never blocks the next one.
    """
    path = lock_path(url)
    lock = FileLock(str(path), timeout=0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout as exc:
        raise LockedError(
            f"another dedup run is writing to this store (lock {path}); "
            "this run exits without doing anything, the next one will catch up"
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"cannot open the lock file {path}: {exc.strerror or exc}; "
            "it must be a file dedup can create and write beside the store"
        ) from exc
    try:
        yield
    finally:
        lock.release()
