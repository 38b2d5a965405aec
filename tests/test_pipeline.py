"""The pipeline: runs are recorded with their figures; a killed run is marked as such."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from dedup import pipeline
from dedup.cli import cli
from dedup.config import Settings
from dedup.store.engine import Store
from dedup.store.models import Run, utcnow


def test_runs_are_recorded_with_figures_and_killed_ones_marked(
    store: Store, settings: Settings, seeds_dir: Path
) -> None:
    with store.session() as s:
        s.add(Run(command="poll", started_at=utcnow(), status="running", figures={}))
    summary = pipeline.import_paths(settings, [seeds_dir], analyze=True)
    assert summary.new == 5 and summary.analysis is not None
    again = pipeline.analyze(settings)
    assert again.paragraphs == 0
    with store.session() as s:
        runs = s.scalars(select(Run).order_by(Run.id)).all()
    assert [(r.command, r.status) for r in runs] == [
        ("poll", "killed"),
        ("import", "ok"),
        ("analyze", "ok"),
    ]
    assert runs[1].figures["new"] == 5
    assert runs[1].figures["analysis"]["passages"]["reuse"] >= 6
    assert runs[2].finished_at is not None


def test_reindex_rebuilds_the_same_passages(
    store: Store, settings: Settings, seeds_dir: Path
) -> None:
    first = pipeline.import_paths(settings, [seeds_dir], analyze=True)
    rebuilt = pipeline.reindex(settings)
    assert first.analysis is not None
    assert rebuilt.passages == first.analysis.passages
    assert rebuilt.stories is not None


def test_cli_changed_settings_exit_6_until_reindex(
    runner: CliRunner, store: Store, seeds_dir: Path
) -> None:
    assert runner.invoke(cli, ["import", str(seeds_dir)]).exit_code == 0
    with store.session() as s:
        s.execute(text("UPDATE index_settings SET value = '96' WHERE key = 'num_perm'"))
    refused = runner.invoke(cli, ["analyze"])
    assert refused.exit_code == 6
    assert "num_perm: 96 -> 48" in refused.output and "dedup reindex" in refused.output
    result = runner.invoke(cli, ["reindex", "--yes"])
    assert result.exit_code == 0, result.output
    assert "indexed 50" in result.output
    assert runner.invoke(cli, ["analyze"]).exit_code == 0


def test_a_file_that_is_not_a_database_is_a_store_error(runner: CliRunner, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("these are my notes, not a database")
    result = runner.invoke(cli, ["--db", str(bogus), "status"])
    assert result.exit_code == 5
    assert "is a dedup database" in result.output and "Traceback" not in result.output
    assert bogus.read_text() == "these are my notes, not a database"


def test_a_reader_that_stops_early_is_no_error(
    settings: Settings, seeds_dir: Path, db_url: str
) -> None:
    """`dedup export ... | head -1`: the pipe closes early; no traceback, no internal error."""
    import subprocess
    import sys

    pipeline.import_paths(settings, [seeds_dir])
    dedup = Path(sys.executable).with_name("dedup")
    proc = subprocess.Popen(
        [str(dedup), "--db", db_url, "export", "articles", "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode in (0, 1), err  # click exits 1, silently, on a closed pipe
    assert err == ""


def test_the_log_checkpointed_behind_the_stories_leaves_a_whole_store(
    settings: Settings, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After indexing, the write-ahead log is copied into the database in a thread while the
    stories run (``Store.checkpoint_behind``); the close waits for it. The store then holds
    every row, its log is empty, and an analysis that finds nothing new starts none."""
    from dedup.store import engine

    started: list[str] = []
    real = engine.Store.checkpoint_behind

    def spy(self: engine.Store) -> None:
        real(self)
        if self._checkpoint is not None:
            started.append(self._checkpoint.name)

    monkeypatch.setattr(engine.Store, "checkpoint_behind", spy)
    pipeline.import_paths(settings, [seeds_dir], analyze=True)
    assert started == ["dedup-checkpoint"]
    path = engine.sqlite_path(settings.db_url)
    assert path is not None
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM story_members").fetchone()[0] >= 4
    pipeline.analyze(settings)
    assert started == ["dedup-checkpoint"]  # nothing new: no checkpoint started


def test_no_checkpoint_thread_for_a_store_in_memory() -> None:
    store = Store(url="sqlite://", engine=create_engine("sqlite://"))
    try:
        store.checkpoint_behind()
        assert store._checkpoint is None
    finally:
        store.close()
