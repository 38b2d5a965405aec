"""What a run keeps of the index in memory changes its cost, never its answers.

A Reuters sample is imported in two runs (the second finds its candidates in the first's
segments) with chunks small enough to make many segments and merges, once with a cache that
keeps everything decoded, once with one that keeps only key digests (every lookup goes through
them), and once with one that keeps nothing (every batch reads every chunk it needs): the
candidates and the passages are the same.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import shared_path
from test_index_segments import passage_rows

from dedup import pipeline
from dedup.config import Settings
from dedup.index import analysis, chunk_cache, segments


def test_the_same_passages_whatever_the_cache_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shared_path("reuters21578")
    monkeypatch.setattr(segments, "CHUNK_ENTRIES", 2048)
    monkeypatch.setattr(segments, "BASE_ENTRIES", 16_384)
    # Small batches: the first run's later batches look up its earlier ones too.
    monkeypatch.setattr(analysis, "BATCH_PARAGRAPHS", 1500)
    monkeypatch.setenv("DEDUP_WORKERS", "0")  # the cache lives in this process anyway
    outcomes = {}
    for name, budgets in {
        "decoded": (chunk_cache.CACHE_BYTES, chunk_cache.DIGEST_BYTES),
        "digests": (0, chunk_cache.DIGEST_BYTES),
        "nothing": (0, 0),
    }.items():
        monkeypatch.setattr(analysis, "ChunkCache", lambda b=budgets: chunk_cache.ChunkCache(*b))
        db = tmp_path / f"{name}.sqlite"
        settings = Settings(db_url=f"sqlite:///{db}")
        candidates = []
        for part in ("reut2-000.sgm", "reut2-001.sgm"):
            summary = pipeline.import_paths(settings, [folder / part])
            assert summary.analysis is not None
            candidates.append(summary.analysis.candidates)
        with sqlite3.connect(db) as con:
            seg_count, chunk_count = con.execute(
                "SELECT count(DISTINCT segment_id), count(*) FROM index_chunks"
            ).fetchone()
        assert seg_count >= 2 and chunk_count >= 20
        outcomes[name] = (candidates, passage_rows(db))
    assert len(outcomes["decoded"][1]) > 300
    assert outcomes["digests"] == outcomes["decoded"]
    assert outcomes["nothing"] == outcomes["decoded"]
