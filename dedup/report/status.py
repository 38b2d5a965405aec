"""What ``dedup status`` shows: every feed's health, the store's counts and the last runs.

``last_run`` is the newest run of any command with its figures; ``last_runs`` holds the newest
run of each command. A run shown as ``running`` while no dedup process is alive was killed.

:func:`gather_status` takes an open store (:func:`dedup.pipeline.load_status` opens it) and
returns plain data (the ``--format json`` output); :func:`render_status`
draws it as rich tables for a person. Reading needs no lock: SQLite's WAL lets status run
beside a poll.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection, RowMapping, func, select

from dedup.config import Settings
from dedup.ingest.redact import mask_url, mask_urls_in
from dedup.report.feed_warnings import feed_warnings, last_outcomes
from dedup.store import tables as t
from dedup.store.engine import Store

COUNTED = {
    "sources": t.sources,
    "articles": t.articles,
    "versions": t.article_versions,
    "paragraphs": t.paragraphs,
    "links": t.links,
    "passages": t.passages,
    "stories": t.stories,
}


def gather_status(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    """Feeds with their health and warnings, the store's counts and each command's last run.

    With ``settings``, each feed says whether ``feeds.yml`` still lists it (``in_config``):
    a feed removed from the file keeps its history here but is no longer polled; and each
    feed's own ``stale_after_days`` decides when no new entry becomes a warning.
    """
    stale = {f.name: f.fetch.stale_after_days for f in settings.feeds} if settings else None
    with store.reading() as conn:
        feeds = _feeds(conn, feed_warnings(conn, stale_after_days=stale))
        if settings is not None:
            configured = {feed.name for feed in settings.feeds}
            for feed in feeds:
                feed["in_config"] = feed["name"] in configured
        data: dict[str, Any] = {"database": store.display_url, "feeds": feeds}
        for name, clause in COUNTED.items():
            data[name] = conn.scalar(select(func.count()).select_from(clause)) or 0
        data["stories"] = (
            conn.scalar(
                select(func.count()).select_from(t.stories).where(t.stories.c.status == "active")
            )
            or 0
        )
        # What the next `dedup analyze` would index: current body paragraphs not yet indexed.
        p, a = t.paragraphs, t.articles
        data["awaiting_analysis"] = (
            conn.scalar(
                select(func.count())
                .select_from(p)
                .join(a, a.c.current_version_id == p.c.version_id)
                .where(p.c.indexed.is_(False), p.c.kind == "body")
            )
            or 0
        )
        r = t.runs
        run_columns = [r.c[name] for name in RUN_FIELDS]
        data["last_run"] = _run_dict(
            conn.execute(select(*run_columns).order_by(r.c.id.desc()).limit(1)).mappings().first()
        )
        latest = select(func.max(r.c.id)).group_by(r.c.command)
        data["last_runs"] = {
            run["command"]: _run_dict(run)
            for run in conn.execute(
                select(*run_columns).where(r.c.id.in_(latest)).order_by(r.c.id)
            ).mappings()
        }
    return data


RUN_FIELDS = ("id", "command", "status", "started_at", "finished_at", "error", "figures")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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


def _feeds(conn: Connection, warnings: dict[int, list[str]]) -> list[dict[str, Any]]:
    a, f = t.articles, t.feeds
    articles: dict[int, int] = dict(
        conn.execute(select(a.c.feed_id, func.count()).group_by(a.c.feed_id)).all()
    )
    outcomes = last_outcomes(conn)
    rows = conn.execute(
        select(f, t.sources.c.display_name.label("site"))
        .join(t.sources, t.sources.c.id == f.c.source_id)
        .order_by(f.c.name)
    )
    return [
        {
            "name": feed.name,
            "site": feed.site,
            "url": mask_url(feed.url),
            "current_url": mask_url(feed.current_url) if feed.current_url else None,
            "enabled": feed.enabled,
            "disabled_reason": feed.disabled_reason,
            "last_status": feed.last_status,
            "last_outcome": outcomes.get(feed.id),
            "last_error": mask_urls_in(feed.last_error) if feed.last_error else None,
            "bozo": feed.bozo,
            "failures": feed.failures,
            "last_attempt": _iso(feed.last_attempt_at),
            "last_success": _iso(feed.last_success_at),
            "next_poll": _iso(feed.next_poll_at),
            "articles": articles.get(feed.id, 0),
            "warnings": warnings.get(feed.id, []),
        }
        for feed in rows
    ]


def _run_dict(run: RowMapping | None) -> dict[str, Any] | None:
    if run is None:
        return None
    data = {name: run[name] for name in RUN_FIELDS}
    data["started_at"], data["finished_at"] = _iso(run["started_at"]), _iso(run["finished_at"])
    data["figures"] = run["figures"] or {}
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
