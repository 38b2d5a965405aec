"""Sketches an import starts early change when the analysis's first batches are sketched,
never what the analysis finds.

A large import hands each whole analysis batch to the worker as soon as it is stored
(:mod:`dedup.index.early`); the analysis uses such a sketch only when its own read of the
batch holds the same paragraphs. Both runs here are compared with one process, index
chunks included (a stale sketch would index keys of paragraphs that are no longer current).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dedup import pipeline, workers
from dedup.config import Settings
from dedup.index import analysis, early
from dedup.progress import NullProgress
from dedup.store.engine import open_store, sqlite_path
from tests.conftest import shared_path
from tests.test_workers import _TABLES

# Not the checksum: it covers the store's own index id.
_CHUNKS = (
    "SELECT number, first_key, last_key, entries, keys, owners FROM index_chunks ORDER BY 1, 2"
)


def _dump(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    path = sqlite_path(db_url)
    assert path is not None
    with sqlite3.connect(path) as con:
        tables = {name: con.execute(sql).fetchall() for name, sql in _TABLES.items()}
        tables["index_chunks"] = [
            (*row[:4], hashlib.sha256(row[4] + row[5]).hexdigest()) for row in con.execute(_CHUNKS)
        ]
        return tables


def _spy_take(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records how many prepared batches each analysis was offered."""
    taken: list[int] = []
    real = early.EarlySketches.take

    def take(self: early.EarlySketches, settings: Any) -> Any:
        prepared = real(self, settings)
        taken.append(len(prepared))
        return prepared

    monkeypatch.setattr(early.EarlySketches, "take", take)
    return taken


def test_an_import_with_early_sketches_matches_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [shared_path("reuters21578", "reut2-000.sgm")]
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", 700)
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 100)
    monkeypatch.setattr(pipeline, "WARM_BYTES", 0)  # every import counts as large
    monkeypatch.setenv(workers.ENV, "0")
    alone_url = f"sqlite:///{tmp_path / 'alone.sqlite'}"
    pipeline.import_paths(Settings(db_url=alone_url), paths, analyze=True)
    taken = _spy_take(monkeypatch)
    monkeypatch.setenv(workers.ENV, "1")
    shared_url = f"sqlite:///{tmp_path / 'early.sqlite'}"
    pipeline.import_paths(Settings(db_url=shared_url), paths, analyze=True)
    assert taken == [early.EARLY_BATCHES]
    alone = _dump(alone_url)
    assert len(alone["passages"]) > 100 and alone["index_chunks"]
    assert _dump(shared_url) == alone


def _jsonl(path: Path, texts: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for key, text in texts.items():
            out.write(json.dumps({"source": "wire", "id": key, "title": key, "text": text}) + "\n")
    return path


def _story(n: int, words: int = 12) -> str:
    """Two paragraphs of distinct words (``n`` picks them), long enough to be indexed."""
    return "\n\n".join(" ".join(f"w{n}x{p}x{i}" for i in range(words)) + "." for p in range(2))


def test_a_batch_changed_after_its_early_sketch_is_sketched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later record retires an article of a batch sketched early: that batch is read
    and sketched again, with the new version's paragraphs in it."""
    texts = {f"a{n}": _story(n % 7) for n in range(30)}  # copies: passages to find
    changed = {"a1": _story(50), "a2": _story(51)}
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", 10)

    def build(name: str, count: int) -> tuple[dict[str, list[tuple[object, ...]]], int]:
        monkeypatch.setenv(workers.ENV, str(count))
        settings = Settings(db_url=f"sqlite:///{tmp_path / name}")
        first = _jsonl(tmp_path / f"{name}-1.jsonl", texts)
        second = _jsonl(tmp_path / f"{name}-2.jsonl", changed)
        prepared = 0
        with workers.worker_pool():
            workers.warm("dedup.index.sketch")  # starts the pool, as a large import does
            pipeline.import_paths(settings, [first], analyze=False)
            store = open_store(settings.db_url)
            try:
                sketches = early.EarlySketches()
                parsing = workers.ordered_map(abs, [1, 2, 3])
                next(parsing)
                sketches.advance(store)
                assert not sketches.prepared  # not while a map still hands out tasks
                assert list(parsing) == [2, 3]
                sketches.advance(store)
                prepared = len(sketches.prepared)
                pipeline.import_paths(settings, [second], analyze=False)
                analysis.index_new_paragraphs(store, NullProgress(), early=sketches)
            finally:
                store.close()
        return _dump(settings.db_url), prepared

    alone, none = build("alone.sqlite", 0)
    shared, prepared = build("early.sqlite", 1)
    assert none == 0 and prepared == early.EARLY_BATCHES
    assert alone["passages"] and alone["index_chunks"]
    assert shared == alone


def test_without_workers_an_import_reads_no_page_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On one core (``DEDUP_WORKERS=0``) no sketch can be handed over, so a large import
    reads no analysis page while it stores: only the analysis reads its pages."""
    paths = [shared_path("reuters21578", "reut2-000.sgm")]
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", 700)
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 100)
    monkeypatch.setattr(pipeline, "WARM_BYTES", 0)  # every import counts as large
    monkeypatch.setenv(workers.ENV, "0")
    reads: list[int] = []
    real = analysis.new_page

    def counted(session: Any, after: int, size: int) -> Any:
        page = real(session, after, size)
        reads.append(len(page))
        return page

    monkeypatch.setattr(analysis, "new_page", counted)
    url = f"sqlite:///{tmp_path / 'alone.sqlite'}"
    summary = pipeline.import_paths(Settings(db_url=url), paths, analyze=True)
    assert summary.analysis is not None and summary.analysis.paragraphs > 700
    # The analysis's pages hold every new paragraph once, then one empty read ends it.
    assert sum(reads) == summary.analysis.paragraphs and reads[-1] == 0
