"""The only place that strings the stages together: import/poll -> store -> analyze -> stories.

Each writing function opens the store (creating and migrating it), takes the writer lock,
records a ``runs`` row with its figures, and returns a summary the CLI renders. Work is
committed in batches, so a run killed at any point loses at most the batch under way, which
the next run redoes. The reading functions (report, status, export) open only a store that
exists: a typo in ``--db`` is an error naming the path, never a new empty store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import update

from dedup.config import Settings
from dedup.errors import StoreError
from dedup.index import analysis
from dedup.ingest import importer, poller
from dedup.progress import NullProgress, Progress
from dedup.records import ArticleRecord
from dedup.report import export as export_mod
from dedup.report import queries
from dedup.report import status as status_mod
from dedup.report.model import Report
from dedup.store.articles import save_articles
from dedup.store.engine import Store, open_store, run_lock, sqlite_path
from dedup.store.models import Run, utcnow
from dedup.stories import update as stories

log = logging.getLogger(__name__)

IMPORT_BATCH = 1000


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
def _run(store: Store, command: str) -> Iterator[RunRecord]:
    """Record a run with its figures (called with the lock held).

    A row still "running" from an earlier run can only be one that was killed (we hold the
    lock), so it is marked as such for ``dedup status``.
    """
    with store.session() as session:
        session.execute(
            update(Run)
            .where(Run.status == "running")
            .values(status="killed", error="ended without finishing (killed or crashed)")
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
def _locked_run(settings: Settings, command: str) -> Iterator[tuple[Store, RunRecord]]:
    """Open and migrate the store, take the writer lock and record the run around a command."""
    store = open_store(settings.db_url)
    try:
        with run_lock(settings.db_url), _run(store, command) as run:
            yield store, run
    finally:
        store.close()


def import_paths(
    settings: Settings,
    paths: Sequence[Path],
    source: str | None = None,
    analyze: bool = True,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import archive files and folders, then (unless told not to) analyze what is new."""
    progress = progress or NullProgress()
    with _locked_run(settings, "import") as (store, run):
        summary = ImportSummary()
        files = importer.collect_files(paths)
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
            if batch:
                _store_batch(store, batch, summary)
        run.figures.update(
            files=summary.files,
            new=summary.new,
            changed=summary.changed,
            unchanged=summary.unchanged,
            bad=len(summary.bad),
        )
        if analyze:
            summary.analysis = _analyze(store, progress)
            run.figures["analysis"] = summary.analysis.as_dict()
        return summary


def _store_batch(store: Store, batch: list[ArticleRecord], summary: ImportSummary) -> None:
    with store.session() as session:
        result = save_articles(session, batch)
    summary.new += result.new
    summary.changed += result.changed
    summary.unchanged += result.unchanged


def poll(
    settings: Settings, analyze: bool = True, progress: Progress | None = None
) -> poller.PollSummary:
    """Poll every feed that is due, store new entries, then analyze what is new."""
    progress = progress or NullProgress()
    with _locked_run(settings, "poll") as (store, run):
        summary = poller.poll_feeds(store, settings, progress=progress, run_id=run.id)
        run.figures.update(summary.as_dict())
        if analyze:
            summary.analysis = _analyze(store, progress)
            run.figures["analysis"] = summary.analysis.as_dict()
        return summary


def analyze(settings: Settings, progress: Progress | None = None) -> analysis.AnalyzeSummary:
    """Index new paragraphs, link reused passages and update the stories."""
    with _locked_run(settings, "analyze") as (store, run):
        summary = _analyze(store, progress or NullProgress())
        run.figures.update(summary.as_dict())
        return summary


def reindex(settings: Settings, progress: Progress | None = None) -> analysis.AnalyzeSummary:
    """Drop the index and passages, adopt the current settings, and analyze everything again."""
    with _locked_run(settings, "reindex") as (store, run):
        with store.session() as session:
            analysis.reset_index(store, session)
        summary = _analyze(store, progress or NullProgress())
        run.figures.update(summary.as_dict())
        return summary


def _analyze(store: Store, progress: Progress) -> analysis.AnalyzeSummary:
    summary = analysis.index_new_paragraphs(store, progress=progress)
    started = time.perf_counter()
    with store.session() as session:
        summary.stories = stories.update_stories(session).as_dict()
    summary.stories_seconds = round(time.perf_counter() - started, 3)
    return summary


def missing_store(settings: Settings) -> Path | None:
    """The SQLite file ``settings`` names when it does not exist yet, else None."""
    path = sqlite_path(settings.db_url)
    return path if path is not None and not path.exists() else None


@contextmanager
def _existing_store(settings: Settings) -> Iterator[Store]:
    """Open a store for reading, refusing one that does not exist (and creating no folder)."""
    path = missing_store(settings)
    if path is not None:
        raise StoreError(
            f"no dedup store at {path}: check --db (or $DEDUP_DB); "
            "`dedup import` or `dedup poll` creates one"
        )
    store = open_store(settings.db_url)
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
    with _existing_store(settings) as store, store.session() as session:
        if story_id is not None:
            return queries.story_detail(session, story_id)
        return queries.list_stories(
            session, since=since, source=source, ledgers=ledgers, sort=sort, limit=limit
        )


def load_status(settings: Settings) -> dict[str, Any]:
    """Each feed's health, the store's counts and the last runs (reads only)."""
    with _existing_store(settings) as store:
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
    export_mod.check_request(what, fmt, output)
    with _existing_store(settings) as store:
        return export_mod.export(store, what, fmt, output, stdout, progress)
