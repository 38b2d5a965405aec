"""What can be known of a store without SQLAlchemy: its file, whether the file is a dedup store,
and the newest schema revision shipped.

``dedup status`` on an SQLite store at head reads through the standard library alone
(:mod:`dedup.store.reader`); importing SQLAlchemy is a third of its start-up. The engine
uses these same functions, so the two paths agree on what a store is.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import unquote

from dedup.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_SQLITE_URL = re.compile(r"^sqlite(?:\+\w+)?://(?P<rest>.*)$", re.DOTALL)
_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and ``:memory:``.

    Reads the URL as SQLAlchemy's ``make_url`` does (``sqlite:///relative``,
    ``sqlite:////absolute``, percent-escapes decoded, a query string ignored); a test holds
    the two to the same answers.
    """
    match = _SQLITE_URL.match(url)
    if match is None:
        return None
    rest = match["rest"]
    if not rest.startswith("/"):
        return None  # sqlite:// (in memory) or a host part, which SQLite has not
    database = unquote(rest[1:].split("?", 1)[0])
    if not database or database == ":memory:":
        return None
    return Path(database)


def shipped_head() -> str | None:
    """The newest shipped revision, read from the migration files' ``revision`` lines.

    Alembic costs a fifth of a second to import; a store already at head (every run but the
    first after an upgrade) needs only this and one ``SELECT``. A test checks it against
    Alembic's own head; a branched or unreadable history gives None and the full check.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((name, value) for name, value in _REVISION.findall(path.read_text()))
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def check_sqlite_file(path: Path, create: bool) -> None:
    """Refuse, without writing to it, a file that is not a dedup store.

    A new store may be made in an empty file only when ``create`` is set; a file that is
    not SQLite, or an SQLite database of another application, is never touched.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot open the store {path}: {exc.strerror}") from exc
    if size == 0:
        if create:
            return
        raise StoreError(f"{path} is an empty file, not a dedup store; nothing was written to it")
    try:
        # Read-only: the file itself is not written, whatever it holds.
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"cannot open {path} ({exc}); nothing was written to it: "
            "check the path and that it is a dedup database"
        ) from exc
    if "alembic_version" not in tables or "articles" not in tables:
        if not tables and create:
            return
        raise StoreError(
            f"{path} is an SQLite database of another application, not a dedup store; "
            "nothing was written to it (give dedup a path of its own)"
        )
