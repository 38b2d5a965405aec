"""The reading commands: the story report, ``dedup status``, exports and the feed list.

They open only a store that exists (a typo in ``--db`` is an error naming the path, never a
new empty store), take no lock (SQLite's WAL lets them run beside a poll), and import only
what the command needs: ``dedup status`` on SQLite never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dedup.config import Settings
from dedup.errors import StoreError
from dedup.progress import Progress
from dedup.report import status as status_mod
from dedup.report.model import Report
from dedup.store.files import sqlite_path

if TYPE_CHECKING:
    from dedup.report import export as export_mod
    from dedup.store.engine import Store


def missing_store(settings: Settings) -> Path | None:
    """The SQLite file ``settings`` names when it does not exist yet, else None."""
    path = sqlite_path(settings.db_url)
    return path if path is not None and not path.exists() else None


def require_store(settings: Settings) -> None:
    path = missing_store(settings)
    if path is not None:
        raise StoreError(
            f"no dedup store at {path}: check --db (or $DEDUP_DB); "
            "`dedup import` or `dedup poll` creates one"
        )


@contextmanager
def existing_store(settings: Settings) -> Iterator[Store]:
    """Open a store for reading, refusing one that does not exist (and creating no folder)."""
    from dedup.store.engine import open_store

    require_store(settings)
    store = open_store(settings.db_url, create=False)
    try:
        yield store
    finally:
        store.close()


def load_report(
    settings: Settings,
    story_id: int | None = None,
    since: datetime | None = None,
    source: str | None = None,
    ledgers: bool = False,
    sort: str = "newest",
    limit: int | None = None,
) -> Report:
    """The story list, or one story's detail when ``story_id`` is set.

    ``ledgers`` gives every listed story its detail (ledgers, origin text, events), as
    ``--story`` does for one. Reads only: no lock is taken, so a report never waits for (or
    blocks) a poll.
    """
    from dedup.report import queries

    with existing_store(settings) as store, store.session() as session:
        if story_id is not None:
            return queries.story_detail(session, story_id)
        return queries.list_stories(
            session, since=since, source=source, ledgers=ledgers, sort=sort, limit=limit
        )


def load_status(settings: Settings) -> dict[str, Any]:
    """Each feed's health, the store's counts and the last runs (reads only).

    An SQLite store at head is read through the standard library alone (see
    :mod:`dedup.store.reader`); any other store, or one that needs a migration first, is
    opened as the other reading commands open it.
    """
    from dedup.store.reader import sqlite_reader

    require_store(settings)
    path = sqlite_path(settings.db_url)
    if path is not None:
        with sqlite_reader(settings.db_url, path) as reader:
            if reader is not None:
                return status_mod.gather_status(reader, settings)
    with existing_store(settings) as store:
        return status_mod.gather_status(store, settings)


def export(
    settings: Settings,
    what: str,
    fmt: str,
    output: Path | None,
    stdout: IO[bytes],
    progress: Progress | None = None,
) -> export_mod.ExportSummary:
    """Export one researcher view to ``output`` or ``stdout`` (reads only, no lock)."""
    from dedup.report import export as export_mod

    export_mod.check_request(what, fmt, output)
    with existing_store(settings) as store:
        return export_mod.export(store, what, fmt, output, stdout, progress)


def list_feeds(settings: Settings) -> list[dict[str, Any]]:
    """The feeds of ``feeds.yml`` with their health, then stored feeds no longer listed there.

    A feed not polled yet (or no store yet) shows as new; reading creates no store.
    """
    stored: dict[str, dict[str, Any]] = {}
    if missing_store(settings) is None:
        stored = {f["name"]: f for f in load_status(settings)["feeds"]}
    rows = []
    for feed in settings.feeds:
        row = stored.pop(feed.name, None) or {
            **dict.fromkeys(status_mod.FEED_FIELDS),
            "enabled": True,
            "failures": 0,
            "articles": 0,
            "warnings": [],
        }
        rows.append(
            {**row, "name": feed.name, "site": feed.site, "url": feed.url, "in_config": True}
        )
    return rows + list(stored.values())
