"""Kill ``analyze`` and ``reindex`` with SIGKILL, rerun, and get exactly the clean run's store.

Issue 10 items 6 and 7, verified the way they failed: a child process runs the command on a
copy of one imported Reuters slice and is killed, either by itself at chosen moments (a
segment written and the batch not committed; a merge half done; a reindex's reset done and
not committed) or by the test at 20 random moments per command. Then ``dedup analyze`` runs
again and the passages and stories must equal a clean run's, 20 times out of 20.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path

from dedup import pipeline
from dedup.config import Settings
from dedup.index import analysis, segments
from dedup.stories import update as stories

BATCH = 500  # about eleven batches of the slice, so kills land between and inside them
TRIALS = 20


def snapshot(db: Path) -> dict[str, Any]:
    """Passages and stories in a form two stores can be compared by (ids aside)."""
    with sqlite3.connect(db) as con:
        q = con.execute
        passages = sorted(
            q(
                "SELECT aa.key, pa.position, ab.key, pb.position, s.kind, "
                "round(s.similarity, 6), round(s.containment, 6) FROM passages s "
                "JOIN paragraphs pa ON pa.id = s.paragraph_a "
                "JOIN paragraphs pb ON pb.id = s.paragraph_b "
                "JOIN articles aa ON aa.id = s.article_a JOIN articles ab ON ab.id = s.article_b"
            ).fetchall()
        )
        members: dict[int, list[tuple[Any, ...]]] = {}
        for story, key, role, shared, kept in q(
            "SELECT m.story_id, a.key, m.role, m.shared_paragraphs, round(m.kept, 4) "
            "FROM story_members m JOIN articles a ON a.id = m.article_id "
            "JOIN stories s ON s.id = m.story_id WHERE s.status = 'active'"
        ):
            members.setdefault(story, []).append((key, role, shared, kept))
        origins = dict(
            q(
                "SELECT s.id, coalesce(a.key, s.origin_name) FROM stories s "
                "LEFT JOIN articles a ON a.id = s.origin_article_id WHERE s.status = 'active'"
            ).fetchall()
        )
        unindexed = q(
            "SELECT count(*) FROM paragraphs p JOIN articles a ON a.current_version_id = "
            "p.version_id WHERE p.indexed = 0 AND p.kind = 'body'"
        ).fetchone()[0]
    return {
        "passages": passages,
        "stories": sorted((origins[s], sorted(m)) for s, m in members.items()),
        "unindexed": unindexed,
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("crash") / "imported.sqlite"
    pipeline.import_paths(
        Settings(db_url=f"sqlite:///{db}"),
        [shared_path("reuters21578", "reut2-000.sgm")],
        analyze=False,
    )
    return db


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", BATCH)
    monkeypatch.setattr(segments, "CHUNK_ENTRIES", 4096)  # many chunks, merges inside a run


def _settings(db: Path) -> Settings:
    return Settings(db_url=f"sqlite:///{db}")


def run_child(db: Path, command: str, kill_after: float | None = None) -> int:
    """Run ``pipeline.<command>`` in a forked child; SIGKILL it after ``kill_after`` seconds.

    Returns the child's wait status: 0 when it finished, -9 when it was killed.
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            getattr(pipeline, command)(_settings(db))
        except BaseException:  # noqa: BLE001 - reported through the exit code
            code = 3
        os._exit(code)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _copy(src: Path, dst: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


@pytest.fixture(scope="module")
def clean(imported: Path) -> tuple[dict[str, Any], float]:
    """The clean run's snapshot, and how long its analyze took."""
    db = _copy(imported, imported.with_name("clean.sqlite"))
    mp = pytest.MonkeyPatch()
    mp.setattr(analysis, "BATCH_PARAGRAPHS", BATCH)
    mp.setattr(segments, "CHUNK_ENTRIES", 4096)
    started = time.perf_counter()
    assert run_child(db, "analyze") == 0
    seconds = time.perf_counter() - started
    mp.undo()
    expected = snapshot(db)
    assert len(expected["passages"]) > 300 and expected["stories"] and not expected["unindexed"]
    return expected, seconds


def _self_kill_at(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, nth: int, before: bool = False
) -> None:
    """Make the child SIGKILL itself at the ``nth`` call of ``owner.name`` (after it returns,
    or just before it runs)."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if before and calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if not before and calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    monkeypatch.setattr(owner, name, wrapper)


POINTS = {
    # A batch's segment written, its links stored and its marks set; the commit not reached.
    "analyze: segment written, batch not committed": (
        "analyze",
        analysis,
        "_mark_indexed",
        3,
        False,
    ),
    # A merge wrote its output segment and has not deleted its inputs.
    "analyze: merge half done": ("analyze", segments.SegmentStore, "delete", 1, True),
    "analyze: index done, stories not": ("analyze", stories, "update_stories", 1, True),
    # The marks, passages and segments cleared and the transaction not committed.
    "reindex: reset not committed": ("reindex", analysis, "reset_index", 1, False),
    "reindex: first new segment not committed": ("reindex", analysis, "_mark_indexed", 1, False),
    "reindex: later segment not committed": ("reindex", analysis, "_mark_indexed", 6, False),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_killed_at_a_chosen_moment_then_rerun_equals_a_clean_run(
    imported: Path,
    clean: tuple[dict[str, Any], float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    point: str,
) -> None:
    command, owner, name, nth, before = POINTS[point]
    db = _copy(imported, tmp_path / "victim.sqlite")
    if command == "reindex":
        assert run_child(db, "analyze") == 0
    with monkeypatch.context() as patched:
        _self_kill_at(patched, owner, name, nth, before)
        assert run_child(db, command) == -signal.SIGKILL
    assert run_child(db, "analyze") == 0
    assert snapshot(db) == clean[0]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["analyze", "reindex"])
def test_killed_at_random_moments_then_rerun_equals_a_clean_run(
    imported: Path, clean: tuple[dict[str, Any], float], tmp_path: Path, command: str
) -> None:
    expected, seconds = clean
    rng = random.Random(f"kill-{command}")
    analysed = tmp_path / "analysed.sqlite"
    if command == "reindex":
        _copy(imported, analysed)
        assert run_child(analysed, "analyze") == 0
    equal = killed = 0
    for trial in range(TRIALS):
        db = tmp_path / f"victim-{trial}.sqlite"
        _copy(analysed if command == "reindex" else imported, db)
        kill_after = rng.uniform(0.0, seconds * 1.1)
        status = run_child(db, command, kill_after=kill_after)
        killed += status == -signal.SIGKILL
        assert status in (0, -signal.SIGKILL)
        if status == 0:
            # The run took less than that (the clean run may have met a busier machine):
            # the next kills are drawn from the run as long as it now is.
            seconds = min(seconds, kill_after)
        assert run_child(db, "analyze") == 0
        equal += snapshot(db) == expected
        for path in db.parent.glob(f"{db.name}*"):
            path.unlink()
    assert equal == TRIALS, f"{equal} of {TRIALS} equal to the clean run"
    assert killed >= TRIALS // 2  # most kills landed inside the run, not after it
    shutil.rmtree(tmp_path, ignore_errors=True)
