"""The only place that strings the stages together: import/poll -> store -> analyze -> stories.

Each writing function opens the store (creating and migrating it), takes the writer lock,
records a ``runs`` row with its figures, and returns a summary the CLI renders. Work is
committed in batches, so a run killed at any point loses at most the batch under way, which
the next run redoes. The reading functions (report, status, export) open only a store that
exists (:mod:`dedup.reading`): a typo in ``--db`` is an error naming the path, never a new
empty store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dedup.config import Settings
from dedup.errors import InputError, LockedError, NotFoundError
from dedup.progress import NullProgress, Progress
from dedup.reading import require_store
from dedup.records import ArticleRecord
from dedup.store.files import sqlite_path

if TYPE_CHECKING:
    from dedup.index import analysis
    from dedup.index.early import EarlySketches
    from dedup.ingest import importer, poller
    from dedup.store.engine import Store

# The stages are imported by the functions that run them: `dedup status` and `dedup --help`
# should not pay for numpy, httpx, feedparser and trafilatura (issue 12's fast start), and
# `dedup status` on SQLite not even for SQLAlchemy (the store's engine and locks).

log = logging.getLogger(__name__)

IMPORT_BATCH = 1000
# An import of this many bytes or more uses the workers for its parsing and its analysis
# (see dedup.workers.warm); a smaller one may never start them.
WARM_BYTES = 8 << 20


@dataclass
class ImportSummary:
    files: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    bad: list[importer.BadRecord] = field(default_factory=list)
    analysis: analysis.AnalyzeSummary | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bad"] = [str(b) for b in self.bad]
        data["analysis"] = self.analysis.as_dict() if self.analysis else None
        return data

    def describe(self) -> str:
        line = (
            f"imported {self.new} new, {self.changed} changed, {self.unchanged} unchanged "
            f"article(s) from {self.files} file(s)"
        )
        if self.bad:
            line += f"; skipped {len(self.bad)} bad record(s)"
        if self.analysis is not None:
            line += "\n" + self.analysis.describe()
        return line


@dataclass
class RunRecord:
    """The ``runs`` row of the command under way, and the figures it will be saved with."""

    id: int
    figures: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _run(store: Store, command: str, exclusive: bool = True) -> Iterator[RunRecord]:
    """Record a run with its figures (called with the lock held, unless not ``exclusive``).

    A row still "running" from an earlier run can only be one that was killed (we hold the
    lock), so it is marked as such for ``dedup status``. On a server, polls run beside the
    lock holder; a dead poll is found by its expired leases instead (issue 13).
    """
    from sqlalchemy import update

    from dedup.store.models import Run, utcnow

    with store.session() as session:
        if exclusive:
            stale = update(Run).where(Run.status == "running")
            if not store.is_sqlite:
                stale = stale.where(Run.command != "poll")
            session.execute(
                stale.values(status="killed", error="ended without finishing (killed or crashed)")
            )
        row = Run(command=command, started_at=utcnow(), status="running", figures={})
        session.add(row)
        session.flush()
        run = RunRecord(id=row.id)
    try:
        yield run
    except BaseException as exc:
        with store.session() as session:
            failed = session.get(Run, run.id)
            if failed is not None:
                failed.status, failed.finished_at = "failed", utcnow()
                failed.error = str(exc)[:2000] or type(exc).__name__
                failed.figures = run.figures
        raise
    with store.session() as session:
        done = session.get(Run, run.id)
        if done is not None:
            done.status, done.finished_at, done.figures = "ok", utcnow(), run.figures


@contextmanager
def _locked_run(
    settings: Settings, command: str, warm: Sequence[str] = ()
) -> Iterator[tuple[Store, RunRecord]]:
    """Take the writer lock, open and migrate the store, and record the run around a command.

    The lock comes first: two commands started together on a new store never race its
    first migration. With ``warm`` (module names), the command's workers start first and
    import them while this process opens (or creates) the store.
    """
    from dedup.store.engine import open_store
    from dedup.store.locks import writer_lock
    from dedup.workers import warm as warm_workers
    from dedup.workers import worker_pool

    # One pool of workers for every stage of the command (started only if a stage uses it).
    with worker_pool():
        if warm:
            warm_workers(*warm)
        with writer_lock(settings.db_url):
            store = open_store(settings.db_url, locked=True)
            try:
                with _run(store, command) as run:
                    yield store, run
            finally:
                store.close()


def select_files(
    files: Sequence[Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Path]:
    """``files`` kept by the globs: any ``include`` matches (when given) and no ``exclude``.

    A glob matches a file's name or its whole path (``*.sgm``, ``*/README*``).

    >>> select_files([Path("r/reut2-000.sgm"), Path("r/README.txt")], exclude=["README*"])
    [PosixPath('r/reut2-000.sgm')]
    """

    def hit(path: Path, globs: Sequence[str]) -> bool:
        return any(fnmatch(path.name, g) or fnmatch(path.as_posix(), g) for g in globs)

    return [
        f for f in files if (not include or hit(f, include)) and not (exclude and hit(f, exclude))
    ]


def import_paths(
    settings: Settings,
    paths: Sequence[Path],
    source: str | None = None,
    analyze: bool = True,
    progress: Progress | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> ImportSummary:
    """Import archive files and folders, then (unless told not to) analyze what is new.

    ``include`` / ``exclude`` are globs choosing which of the files found are read.
    """
    from dedup.ingest import importer
    from dedup.workers import warm as warm_workers

    progress = progress or NullProgress()
    files = select_files(importer.collect_files(paths), include, exclude)
    if not files:
        raise InputError(
            "no files to import: the paths hold no .txt, .html, .jsonl or .sgm files"
            + (" that --include/--exclude keep" if include or exclude else "")
        )
    # A large import uses the workers from its first file to its last story: they import
    # the parser while this process opens the store, and the later stages once the first
    # batch is stored (imported first, they would hold up the first file's parse, which
    # this process then waits for).
    large = analyze and _total_bytes(files) >= WARM_BYTES
    warm = ("dedup.ingest.importer",) if large else ()
    later = ("dedup.index.sketch", "dedup.stories.story") if large else ()
    with _locked_run(settings, "import", warm) as (store, run):
        early = _early_sketches() if large else None
        summary = ImportSummary()
        summary.files = len(files)
        batch: list[ArticleRecord] = []
        with progress.task("importing", total=len(files)) as task:
            for item in importer.read_files(files, source=source, on_file_done=task.advance):
                if isinstance(item, importer.BadRecord):
                    summary.bad.append(item)
                    continue
                batch.append(item)
                if len(batch) >= IMPORT_BATCH:
                    _store_batch(store, batch, summary)
                    batch = []
                    if later:
                        warm_workers(*later)
                        later = ()
                    if early is not None:
                        early.advance(store)
            if batch:
                _store_batch(store, batch, summary)
            if early is not None:
                early.advance(store)
        run.figures.update(
            files=summary.files,
            new=summary.new,
            changed=summary.changed,
            unchanged=summary.unchanged,
            bad=len(summary.bad),
        )
        if summary.new or summary.changed:
            store.optimize()
        if analyze:
            summary.analysis = _analyze(store, progress, settings, early)
            run.figures["analysis"] = summary.analysis.as_dict()
        return summary


def _early_sketches() -> EarlySketches:
    from dedup.index.early import EarlySketches

    return EarlySketches()


def _total_bytes(files: Sequence[Path]) -> int:
    total = 0
    for path in files:
        with suppress(OSError):  # the reader reports it
            total += path.stat().st_size
    return total


def _store_batch(store: Store, batch: list[ArticleRecord], summary: ImportSummary) -> None:
    from dedup.store.articles import save_articles
    from dedup.workers import gc_paused

    # A batch's records and rows hold no cycles: collections during it would walk every
    # object of the process for nothing (0.4 s of this process's CPU on Reuters). Paused
    # per batch, so what cycles a session leaves are still freed batch by batch.
    with gc_paused(), store.session() as session:
        result = save_articles(session, batch)
    summary.new += result.new
    summary.changed += result.changed
    summary.unchanged += result.unchanged


def poll(
    settings: Settings,
    analyze: bool = True,
    progress: Progress | None = None,
    names: Sequence[str] = (),
    force: bool = False,
) -> poller.PollSummary:
    """Poll the feeds that are due (only ``names``, when given), store, then analyze.

    ``force`` polls them even while they back off after failures (a disabled feed stays
    disabled until its URL changes in ``feeds.yml``).
    """
    from dedup.ingest import poller

    progress = progress or NullProgress()
    if names:
        known = {f.name for f in settings.feeds}
        unknown = [n for n in names if n not in known]
        if unknown:
            listed = ", ".join(sorted(known)) or "none"
            raise NotFoundError(
                f"no feed named {', '.join(map(repr, unknown))} in "
                f"{settings.config_path or 'feeds.yml'}; its feeds: {listed}"
            )
        settings = replace(settings, feeds=tuple(f for f in settings.feeds if f.name in names))
    from dedup.store.locks import is_server

    if is_server(settings.db_url):
        return _shared_poll(settings, analyze, progress, force)
    with _locked_run(settings, "poll") as (store, run):
        _forget_backoff(store, settings, force)
        summary = poller.poll_feeds(store, settings, progress=progress, run_id=run.id)
        run.figures.update(summary.as_dict())
        if analyze:
            summary.analysis = _analyze(store, progress, settings)
            run.figures["analysis"] = summary.analysis.as_dict()
        return summary


def _forget_backoff(store: Store, settings: Settings, force: bool) -> None:
    from sqlalchemy import update

    from dedup.store.models import Feed

    if force:
        with store.session() as session:
            session.execute(
                update(Feed)
                .where(Feed.name.in_([f.name for f in settings.feeds]))
                .values(next_poll_at=None)
            )


@dataclass
class SkippedAnalysis:
    """A poll's analysis left to the run that holds the writer lock (on another machine)."""

    reason: str = "another dedup run holds the writer lock; it or the next run analyzes these"

    def as_dict(self) -> dict[str, Any]:
        return {"skipped": self.reason}

    def describe(self) -> str:
        return f"analyze: skipped: {self.reason}"


def _shared_poll(
    settings: Settings, analyze: bool, progress: Progress, force: bool
) -> poller.PollSummary:
    """Poll on a server store: no writer lock while polling, leases share the feeds.

    Analysis still takes the writer lock (an advisory lock); when another machine holds it,
    this poll leaves the new articles to that run or the next.
    """
    from dedup.ingest import poller
    from dedup.store.engine import open_store
    from dedup.store.locks import writer_lock

    store = open_store(settings.db_url)
    try:
        with _run(store, "poll", exclusive=False) as run:
            _forget_backoff(store, settings, force)
            summary = poller.poll_feeds(
                store, settings, progress=progress, run_id=run.id, exclusive=False
            )
            run.figures.update(summary.as_dict())
            if analyze:
                try:
                    with writer_lock(settings.db_url):
                        summary.analysis = _analyze(store, progress, settings)
                except LockedError:
                    summary.analysis = SkippedAnalysis()
                run.figures["analysis"] = summary.analysis.as_dict()
            return summary
    finally:
        store.close()


def analyze(settings: Settings, progress: Progress | None = None) -> analysis.AnalyzeSummary:
    """Index new paragraphs, link reused passages and update the stories."""
    require_store(settings)  # nothing to analyze in a store a typo would create
    with _locked_run(settings, "analyze") as (store, run):
        summary = _analyze(store, progress or NullProgress(), settings)
        run.figures.update(summary.as_dict())
        return summary


def reindex(settings: Settings, progress: Progress | None = None) -> analysis.AnalyzeSummary:
    """Drop the index and passages, adopt the current settings, and analyze everything again."""
    from dedup.index import analysis
    from dedup.index.bands import remove_legacy_files

    require_store(settings)
    with _locked_run(settings, "reindex") as (store, run):
        with store.session() as session:
            analysis.reset_index(store, session)
        legacy = sqlite_path(store.url)
        if legacy is not None:
            remove_legacy_files(legacy)
        summary = _analyze(store, progress or NullProgress(), settings)
        run.figures.update(summary.as_dict())
        return summary


def _analyze(
    store: Store, progress: Progress, settings: Settings, early: EarlySketches | None = None
) -> analysis.AnalyzeSummary:
    """Index what is new and update the stories; ``early`` holds the first batches' sketches
    an import started while it stored."""
    from dedup.index import analysis
    from dedup.stories import update as stories
    from dedup.workers import worker_pool

    with worker_pool():  # the command's pool when it has one (a shared poll has not)
        summary = analysis.index_new_paragraphs(
            store, progress=progress, index_url=settings.index_url, early=early
        )
        if summary.paragraphs:
            store.optimize()  # statistics for the next run's plans (see Store.optimize)
            store.checkpoint_behind()
        started = time.perf_counter()
        with store.session() as session:
            summary.stories = stories.update_stories(session).as_dict()
        summary.stories_seconds = round(time.perf_counter() - started, 3)
    return summary


@dataclass
class NewFeed:
    name: str
    site: str | None
    url: str
    entries: int
    config: Path


def add_feed(
    settings: Settings, config: Path, url: str, name: str | None = None, site: str | None = None
) -> NewFeed:
    """Fetch ``url`` once to check it is a feed, then add it to ``config`` (feeds.yml).

    The name defaults to the feed's title made a key (``Example News`` -> ``example-news``),
    the site to the feed's title. Nothing is stored: the next ``dedup poll`` polls it.
    """
    from dedup import feeds_file
    from dedup.ingest.feeds import parse_feed
    from dedup.ingest.fetch import fetch, make_client, resolve_location

    location = resolve_location(url, config.parent)
    with make_client(settings.fetch) as client:
        # The user typed this URL, as they would write it in feeds.yml: its first hop may be
        # private (an intranet feed); its redirects follow the fetch policy.
        result = fetch(location, settings=settings.fetch, client=client, user_url=True)
    if not result.ok or result.content is None:
        raise InputError(f"cannot fetch {url}: {result.error or f'HTTP {result.status}'}")
    parsed = parse_feed(
        result.content, source=name or "new", feed_url=url, headers=result.headers or None
    )
    if not parsed.entries and (parsed.bozo or not parsed.title):
        why = f" ({parsed.bozo_error})" if parsed.bozo_error else ""
        raise InputError(f"{url} is not an RSS, Atom or JSON feed{why}; give the feed's own URL")
    title = parsed.title or urlsplit(result.final_url or url).hostname or "feed"
    chosen = name or feeds_file.feed_name(title)
    feeds_file.add_feed(config, chosen, url, site or parsed.title)
    return NewFeed(chosen, site or parsed.title, url, len(parsed.entries), config)


def remove_feed(config: Path, name: str) -> None:
    """Take ``name`` out of ``config``; its articles and history stay in the store."""
    from dedup import feeds_file

    feeds_file.remove_feed(config, name)
