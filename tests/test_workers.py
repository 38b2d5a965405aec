"""Worker processes change where the pure stages run, never what they find.

The same archive imported and analysed with worker processes and without must give the same
articles, paragraphs, passages and stories, row for row; and analysis reads the store in
bounded batches.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import pipeline, workers
from dedup.config import Settings
from dedup.errors import ConfigError
from dedup.index import analysis, sketch
from dedup.index.fingerprint import FingerprintSettings, WordHasher
from dedup.ingest import importer
from dedup.store.engine import open_store, sqlite_path
from tests.conftest import SEEDS, shared_path

_TABLES = {
    "articles": "SELECT id, source_id, key, title FROM articles ORDER BY id",
    "paragraphs": "SELECT id, article_id, position, kind, norm_hash, indexed FROM paragraphs "
    "ORDER BY id",
    "passages": "SELECT paragraph_a, paragraph_b, article_a, article_b, kind, "
    "round(similarity, 9), round(containment, 9) FROM passages ORDER BY paragraph_a, paragraph_b",
    "stories": "SELECT s.id, s.origin_article_id, s.status, group_concat(m.article_id) "
    "FROM stories s LEFT JOIN story_members m ON m.story_id = s.id GROUP BY s.id ORDER BY s.id",
    "ledger": "SELECT story_id, article_id, count(*) FROM ledger_entries "
    "GROUP BY story_id, article_id ORDER BY story_id, article_id",
}


def _dump(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    path = sqlite_path(db_url)
    assert path is not None
    with sqlite3.connect(path) as con:
        return {name: con.execute(sql).fetchall() for name, sql in _TABLES.items()}


def _build(
    tmp_path: Path, name: str, paths: list[Path], count: int, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[tuple[object, ...]]]:
    monkeypatch.setenv(workers.ENV, str(count))
    settings = Settings(db_url=f"sqlite:///{tmp_path / name}")
    summary = pipeline.import_paths(settings, paths, analyze=True)
    assert summary.analysis is not None and summary.analysis.paragraphs > 0
    return _dump(settings.db_url)


@pytest.mark.slow
def test_workers_give_the_same_passages_and_stories_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files of Reuters in many small batches: worker results are used out of step with
    the reading, so any mix-up of batches would show as different rows."""
    first = shared_path("reuters21578", "reut2-000.sgm")
    paths = [first, first.with_name("reut2-001.sgm"), SEEDS]
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", 700)
    alone = _build(tmp_path, "alone.sqlite", paths, 0, monkeypatch)
    shared = _build(tmp_path, "workers.sqlite", paths, 2, monkeypatch)
    assert len(alone["passages"]) > 500 and len(alone["stories"]) > 50
    for table, rows in alone.items():
        assert shared[table] == rows, table


def test_seeds_with_a_worker_match_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", 6)
    alone = _build(tmp_path, "alone.sqlite", [SEEDS], 0, monkeypatch)
    shared = _build(tmp_path, "worker.sqlite", [SEEDS], 1, monkeypatch)
    assert alone["passages"] and alone["stories"]
    assert shared == alone


def test_analysis_reads_whole_articles_in_bounded_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(workers.ENV, "0")
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'pages.sqlite'}")
    pipeline.import_paths(settings, [SEEDS], analyze=False)
    store = open_store(settings.db_url)
    try:
        batches = list(analysis._new_batches(store, 4))
        with store.session() as session:
            every = analysis.new_page(session, 0, 10**9)  # every unindexed paragraph at once
    finally:
        store.close()
    assert len(batches) > 2
    assert [p.id for b in batches for p in b] == [p.id for p in every]
    # Each article lies wholly inside one batch, and a batch passes the size only to end one.
    owner = {p.article_id: i for i, b in enumerate(batches) for p in b}
    assert all(owner[p.article_id] == i for i, b in enumerate(batches) for p in b)
    for batch in batches:
        head = [p for p in batch if p.article_id != batch[-1].article_id]
        assert len(head) < 4


def test_a_sketch_equals_the_in_process_fingerprints() -> None:
    settings = FingerprintSettings()
    texts = [
        "The central bank raised its key rate by half a point on Tuesday, citing inflation.",
        'He said: "We will keep buying the company\'s shares as long as the price is right."',
        "short line",
        "",
    ]
    norms = [t.lower().replace(",", "").replace(".", "") for t in texts]
    pairs = enumerate(zip(texts, norms, strict=True))
    paras = [analysis.Para(i + 1, 1, 1, t, n, str(i)) for i, (t, n) in pairs]
    task = sketch.make_task(settings, [1, 2, 3, 4], texts, norms, 50, 5)
    out = sketch.sketch(task)
    keys, owners = analysis.paragraph_keys(paras, settings, WordHasher())
    assert np.array_equal(out.keys, keys) and np.array_equal(out.owners, owners)
    assert out.indexed == 2 and out.units == len(keys) // settings.bands
    assert sketch.unpack_texts(task.texts, task.text_offsets) == texts


def test_bad_worker_setting_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.ENV, "two")
    with pytest.raises(ConfigError, match="DEDUP_WORKERS"):
        workers.default_workers()
    monkeypatch.setenv(workers.ENV, "0")
    assert list(workers.ordered_map(abs, [-1, 2, -3])) == [1, 2, 3]


def test_records_parsed_in_workers_equal_those_read_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = importer.collect_files([SEEDS])
    monkeypatch.setenv(workers.ENV, "0")
    alone = list(importer.read_files(files))
    monkeypatch.setenv(workers.ENV, "1")
    shared = list(importer.read_files(files))
    assert shared == alone and len(alone) == 5


def test_a_large_jsonl_file_is_parsed_in_slices_with_its_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.jsonl"
    lines = []
    for i in range(60):
        if i % 17 == 5:
            lines.append("{not json")
        elif i % 23 == 7:
            lines.append("")
        else:
            text = f"Story number {i} says the harbour reopened after the storm. " * (1 + i % 4)
            lines.append(json.dumps({"source": "wire", "id": i, "text": text}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv(workers.ENV, "0")
    whole = list(importer.read_files([path]))
    monkeypatch.setattr(importer, "JSONL_SLICE", 300)
    assert len(importer._tasks(path, None)) > 5
    sliced = list(importer.read_files([path]))
    monkeypatch.setenv(workers.ENV, "1")
    in_workers = list(importer.read_files([path]))
    bad = [b for b in whole if isinstance(b, importer.BadRecord)]
    assert [b.line for b in bad] == [6, 23, 40, 57]
    assert sliced == whole and in_workers == whole


def test_stories_shared_with_a_worker_match_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every story of a Reuters file goes to the worker or is computed here, two per task,
    with only its own part of the inputs: any part :meth:`StoryInputs.for_members` left out
    would change a story's origin or ledgers."""
    from dedup.stories import update

    paths = [shared_path("reuters21578", "reut2-000.sgm")]
    alone = _build(tmp_path, "alone.sqlite", paths, 0, monkeypatch)
    shipped: list[int] = []
    real = update.shared_map

    def spy(func: Any, tasks: Any) -> Any:
        shipped.append(len(tasks))
        return real(func, tasks)

    monkeypatch.setattr(update, "STORIES_PER_TASK", 2)
    monkeypatch.setattr(update, "shared_map", spy)
    monkeypatch.setenv(workers.ENV, "1")
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'shared.sqlite'}")
    with workers.worker_pool():
        workers.warm("dedup.stories.update")  # starts the pool, as a large import does
        pipeline.import_paths(settings, paths, analyze=True)
    assert shipped and shipped[0] * 2 >= len(alone["stories"]) > 20
    assert _dump(settings.db_url) == alone


def _pid(_: int) -> int:
    return os.getpid()


def test_one_pool_serves_every_map_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.ENV, "1")
    with workers.worker_pool():
        assert not workers.pool_started()
        first = list(workers.ordered_map(_pid, [1, 2, 3]))
        assert workers.pool_started()
        second = workers.shared_map(_pid, [4, 5, 6, 7])
    assert not workers.pool_started()
    assert len(set(first)) == 1 and os.getpid() not in first
    assert set(second) <= {first[0], os.getpid()}


_KILLED_PARENT = """
import os, time
from dedup import workers
with workers.worker_pool(2):
    pool = workers._shared.get()
    pids = sorted({pool.submit(os.getpid).result() for _ in range(8)})
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose: it waits only for its reaper (init here).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_workers_end_when_their_parent_is_killed() -> None:
    # SIGKILL gives the parent no chance to shut its pool down: the workers must notice on
    # their own, or every killed cron run leaves processes behind for good.
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [sys.executable, "-c", _KILLED_PARENT],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEDUP_WORKERS": "2"},
    )
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert pids and parent.pid not in pids and all(_alive(p) for p in pids)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60  # a liveness bound, not a speed target
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in pids if _alive(p)], "workers outlived their killed parent"


_EXITING_WORKER = """
import sys
from dedup import workers

def note(text):
    sys.stdout.write(text)  # no newline: left in the worker's buffer
    return len(text)

if __name__ == "__main__":
    with workers.worker_pool(1):
        print(sum(workers.ordered_map(note, ["written ", "by ", "the worker "])), flush=True)
    print("pool shut down", flush=True)
"""


def test_a_worker_ending_without_teardown_still_flushes_its_output(tmp_path: Path) -> None:
    # Workers end with os._exit (no interpreter teardown, which only frees objects one by
    # one), after multiprocessing flushed their streams: what they wrote must not be lost.
    import subprocess
    import sys

    script = tmp_path / "exiting_worker.py"
    script.write_text(_EXITING_WORKER)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,  # a liveness bound, not a speed target
        env={**os.environ, "DEDUP_WORKERS": "1", "PYTHONPATH": str(Path.cwd())},
    )
    assert done.returncode == 0, done.stderr
    assert "written by the worker" in done.stdout
    assert done.stdout.rstrip().endswith("pool shut down")
