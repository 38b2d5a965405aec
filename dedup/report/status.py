"""What ``dedup status`` shows: every feed's health, the store's counts and the last runs.

``last_run`` is the newest run of any command with its figures; ``last_runs`` holds the newest
run of each command. A run shown as ``running`` while no dedup process is alive was killed.

:func:`gather_status` takes an open store, or a reader on one
(:func:`dedup.reading.load_status` reads an SQLite store at head through the standard library
alone), and returns plain data (the ``--format json`` output); :func:`render_status` draws it
as rich tables for a person. Reading needs no lock: SQLite's WAL lets status run
beside a poll.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from dedup.config import Settings
from dedup.ingest.redact import mask_url, mask_urls_in
from dedup.report.feed_warnings import feed_warnings, last_outcomes
from dedup.store.reader import Reader, as_bool, as_iso, as_json, scalar, store_reader

if TYPE_CHECKING:
    from dedup.store.engine import Store

# Table names are the schema's (docs/schema.md); the counts are the store's public figures.
COUNTED = {
    "sources": "sources",
    "articles": "articles",
    "versions": "article_versions",
    "paragraphs": "paragraphs",
    "links": "links",
    "passages": "passages",
    "stories": "stories",
}


def gather_status(source: Store | Reader, settings: Settings | None = None) -> dict[str, Any]:
    """Feeds with their health and warnings, the store's counts and each command's last run.

    ``source`` is an open store or a :class:`~dedup.store.reader.Reader` on one. With
    ``settings``, each feed says whether ``feeds.yml`` still lists it (``in_config``):
    a feed removed from the file keeps its history here but is no longer polled; and each
    feed's own ``stale_after_days`` decides when no new entry becomes a warning.
    """
    stale = {f.name: f.fetch.stale_after_days for f in settings.feeds} if settings else None
    with _reader(source) as reader:
        feeds = _feeds(reader, feed_warnings(reader, stale_after_days=stale))
        if settings is not None:
            configured = {feed.name for feed in settings.feeds}
            for feed in feeds:
                feed["in_config"] = feed["name"] in configured
        data: dict[str, Any] = {"database": reader.display_url, "feeds": feeds}
        for name, table in COUNTED.items():
            data[name] = scalar(reader, f"SELECT count(*) FROM {table}") or 0
        data["stories"] = (
            scalar(reader, "SELECT count(*) FROM stories WHERE status = 'active'") or 0
        )
        # What the next `dedup analyze` would index: current body paragraphs not yet indexed.
        data["awaiting_analysis"] = (
            scalar(
                reader,
                "SELECT count(*) FROM paragraphs AS p"
                " JOIN articles AS a ON a.current_version_id = p.version_id"
                " WHERE NOT p.indexed AND p.kind = 'body'",
            )
            or 0
        )
        columns = ", ".join(RUN_FIELDS)
        newest = reader.rows(f"SELECT {columns} FROM runs ORDER BY id DESC LIMIT 1")
        data["last_run"] = _run_dict(newest[0]) if newest else None
        data["last_runs"] = {
            run["command"]: run
            for run in map(
                _run_dict,
                reader.rows(
                    f"SELECT {columns} FROM runs WHERE id IN"
                    " (SELECT max(id) FROM runs GROUP BY command) ORDER BY id"
                ),
            )
        }
    return data


@contextmanager
def _reader(source: Store | Reader) -> Iterator[Reader]:
    if not hasattr(source, "engine"):
        yield source
        return
    with store_reader(cast("Store", source)) as reader:
        yield reader


RUN_FIELDS = ("id", "command", "status", "started_at", "finished_at", "error", "figures")


FEED_FIELDS = (
    "name",
    "site",
    "url",
    "current_url",
    "enabled",
    "disabled_reason",
    "last_status",
    "last_outcome",
    "last_error",
    "bozo",
    "failures",
    "last_attempt",
    "last_success",
    "next_poll",
    "articles",
    "warnings",
)


def _feeds(reader: Reader, warnings: dict[int, list[str]]) -> list[dict[str, Any]]:
    articles: dict[int, int] = dict(
        reader.rows("SELECT feed_id, count(*) FROM articles GROUP BY feed_id")
    )
    outcomes = last_outcomes(reader)
    rows = reader.rows(
        "SELECT f.id, f.name, s.display_name, f.url, f.current_url, f.enabled,"
        " f.disabled_reason, f.last_status, f.last_error, f.bozo, f.failures,"
        " f.last_attempt_at, f.last_success_at, f.next_poll_at"
        " FROM feeds AS f JOIN sources AS s ON s.id = f.source_id ORDER BY f.name"
    )
    feeds = []
    for (
        feed_id,
        name,
        site,
        url,
        current_url,
        enabled,
        disabled_reason,
        last_status,
        last_error,
        bozo,
        failures,
        last_attempt,
        last_success,
        next_poll,
    ) in rows:
        feeds.append(
            {
                "name": name,
                "site": site,
                "url": mask_url(url),
                "current_url": mask_url(current_url) if current_url else None,
                "enabled": as_bool(enabled),
                "disabled_reason": disabled_reason,
                "last_status": last_status,
                "last_outcome": outcomes.get(feed_id),
                "last_error": mask_urls_in(last_error) if last_error else None,
                "bozo": as_bool(bozo),
                "failures": failures,
                "last_attempt": as_iso(last_attempt),
                "last_success": as_iso(last_success),
                "next_poll": as_iso(next_poll),
                "articles": articles.get(feed_id, 0),
                "warnings": warnings.get(feed_id, []),
            }
        )
    return feeds


def _run_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    data = dict(zip(RUN_FIELDS, row, strict=True))
    data["started_at"], data["finished_at"] = as_iso(row[3]), as_iso(row[4])
    data["figures"] = as_json(data["figures"]) or {}
    return data


# ---------------------------------------------------------------- rendering


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "-"


def _health(feed: dict[str, Any]) -> Text:
    if feed.get("in_config") is False:
        return Text("not in feeds.yml", style="dim")
    if not feed["enabled"]:
        return Text("disabled", style="red")
    if feed["failures"]:
        return Text(f"failing x{feed['failures']}", style="yellow")
    if feed["last_attempt"] is None:
        return Text("new", style="cyan")
    if feed["bozo"]:
        return Text("ok (bozo)", style="yellow")
    if feed["warnings"]:
        return Text("ok (warning)", style="yellow")
    return Text("ok", style="green")


def feeds_table(feeds: list[dict[str, Any]]) -> Table:
    table = Table(title="Feeds", title_justify="left", expand=False)
    for column in ("feed", "health", "status", "articles", "last success", "next poll"):
        table.add_column(column, no_wrap=True)
    table.add_column("note", overflow="fold", min_width=20)
    for feed in feeds:
        note = feed["disabled_reason"] or feed["last_error"] or ""
        if feed["current_url"]:
            note = f"moved to {feed['current_url']}" + (f"; {note}" if note else "")
        note = "; ".join([*(f"warning: {w}" for w in feed["warnings"]), *([note] if note else [])])
        table.add_row(
            feed["name"],
            _health(feed),
            str(feed["last_status"] or ("file" if feed["last_success"] else "-")),
            str(feed["articles"]),
            _when(feed["last_success"]),
            _next_poll(feed),
            Text(note),  # plain text: a feed cannot inject rich markup
        )
    return table


def _next_poll(feed: dict[str, Any]) -> str:
    if feed.get("in_config") is False:
        return "never (removed)"
    return _when(feed["next_poll"]) if feed["next_poll"] else "due"


# Labels a person reads: `links` are the hyperlinks found in articles, not reuse links.
_LABELS = {"links": "hyperlinks", "awaiting_analysis": "awaiting analysis"}


def counts_table(data: dict[str, Any]) -> Table:
    table = Table(title="Store", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in (*COUNTED, "awaiting_analysis"):
        table.add_row(_LABELS.get(name, name), str(data[name]))
    return table


def run_table(run: dict[str, Any]) -> Table:
    table = Table(
        title=f"Last run: {run['command']} ({run['status']})",
        title_justify="left",
        show_header=False,
    )
    table.add_column("what")
    table.add_column("value", overflow="fold")
    table.add_row("started", _when(run["started_at"]))
    table.add_row("finished", _when(run["finished_at"]))
    if run["error"]:
        table.add_row("error", run["error"])
    for key, value in _flat(run["figures"]):
        table.add_row(key, value)
    return table


def runs_table(runs: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Last run of each command", title_justify="left")
    for column in ("command", "status", "started", "finished", "error"):
        table.add_column(column, overflow="fold")
    for command, run in runs.items():
        table.add_row(
            command,
            run["status"],
            _when(run["started_at"]),
            _when(run["finished_at"]),
            run["error"] or "",
        )
    return table


def _flat(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Scalar figures as (label, value) rows; one nested level (e.g. analysis) prefixed."""
    rows: list[tuple[str, str]] = []
    for key, value in figures.items():
        label = f"{prefix}{key.replace('_', ' ')}"
        if isinstance(value, dict) and not prefix:
            rows.extend(_flat(value, prefix=f"{label}: "))
        elif isinstance(value, float):
            rows.append((label, f"{value:.3g}"))
        elif isinstance(value, int | str) and not isinstance(value, bool):
            rows.append((label, str(value)))
    return rows


def render_status(data: dict[str, Any], console: Console) -> None:
    parts: list[Any] = [Text(f"database: {data['database']}")]
    if data["feeds"]:
        parts.append(feeds_table(data["feeds"]))
    else:
        parts.append(Text("no feeds polled yet: list them in feeds.yml and run `dedup poll`"))
    parts.append(counts_table(data))
    if data["last_run"] is not None:
        parts.append(run_table(data["last_run"]))
    if len(data["last_runs"]) > 1:
        parts.append(runs_table(data["last_runs"]))
    console.print(Group(*parts))
