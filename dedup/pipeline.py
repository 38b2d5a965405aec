"""The only place that strings the stages together: import/poll -> store -> analyze -> stories.

Each public function opens the store (migrating it), takes the writer lock, records a ``runs``
row with its figures, and returns a summary the CLI renders. Work is committed in batches, so
a run killed at any point loses at most the batch under way, which the next run redoes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update

from dedup.config import Settings
from dedup.index import analysis
from dedup.index.bands import remove_legacy_files
from dedup.ingest import importer, poller
from dedup.progress import NullProgress, Progress
from dedup.records import ArticleRecord
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
    """Take the writer lock, open and migrate the store, and record the run around a command.

    The lock comes first: two commands started together on a new store never race its
    first migration.
    """
    with run_lock(settings.db_url):
        store = open_store(settings.db_url, locked=True)
        try:
            with _run(store, command) as run:
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
        if summary.new or summary.changed:
            store.optimize()
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
        legacy = sqlite_path(store.url)
        if legacy is not None:
            remove_legacy_files(legacy)
        summary = _analyze(store, progress or NullProgress())
        run.figures.update(summary.as_dict())
        return summary


def _analyze(store: Store, progress: Progress) -> analysis.AnalyzeSummary:
    summary = analysis.index_new_paragraphs(store, progress=progress)
    if summary.paragraphs:
        store.optimize()  # statistics for the next run's plans (see Store.optimize)
    started = time.perf_counter()
    with store.session() as session:
        summary.stories = stories.update_stories(session).as_dict()
    summary.stories_seconds = round(time.perf_counter() - started, 3)
    return summary
