"""The paragraph index on a throwaway Redis server gives what the SQLite segments give.

Same passages (pairs, kinds, scores) and same stories on the seeds and on a Reuters sample
imported in three runs (so later runs find their candidates in the index, not only within
their own batch), plus the bucket rules (cap, newest members), the index id check and the
one-line errors for a bad or unreachable ``--index``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from click.testing import CliRunner
from conftest import shared_path
from sqlalchemy import create_engine, text

from dedup.cli import cli
from dedup.errors import StoreError
from dedup.index.bands import SegmentBandIndex, reset_settings
from dedup.index.fingerprint import FingerprintSettings
from dedup.index.redis_bands import RedisBandIndex
from dedup.store.engine import Store


def _dedup(runner: CliRunner, db: str, index: str | None, *args: str) -> str:
    base = ["--db", db] + (["--index", index] if index else [])
    result = runner.invoke(cli, [*base, *args])
    assert result.exit_code == 0, result.output
    return result.output


def _outcome(db: str) -> dict[str, Any]:
    engine = create_engine(db)
    with engine.connect() as conn:
        passages = conn.execute(
            text(
                "SELECT paragraph_a, paragraph_b, kind, round(similarity, 6), "
                "round(containment, 6) FROM passages ORDER BY paragraph_a, paragraph_b"
            )
        ).all()
    engine.dispose()
    report = json.loads(_dedup(CliRunner(), db, None, "report", "--format", "json"))
    stories = sorted(
        (s["origin"]["name"], sorted(a["source"] for a in s["articles"])) for s in report["stories"]
    )
    return {"passages": [tuple(p) for p in passages], "stories": stories}


def _run_both(tmp_path: Path, redis_url: str, imports: list[list[str]]) -> tuple[Any, Any]:
    runner = CliRunner()
    plain = f"sqlite:///{tmp_path / 'segments.sqlite'}"
    shared = f"sqlite:///{tmp_path / 'redis.sqlite'}"
    index = f"{redis_url}?prefix={tmp_path.name}:"
    for args in imports:
        _dedup(runner, plain, None, "import", *args)
        _dedup(runner, shared, index, "import", *args)
    assert not (tmp_path / "redis.sqlite.index").exists()  # the index really is elsewhere
    return _outcome(plain), _outcome(shared)


def test_seeds_same_passages_and_stories_as_segments(
    tmp_path: Path, redis_url: str, seeds_dir: Path
) -> None:
    files = sorted(str(p) for p in seeds_dir.iterdir() if p.is_file())
    # One article per run: every link is found through the index.
    segments, on_redis = _run_both(tmp_path, redis_url, [[f] for f in files])
    assert on_redis == segments
    assert len(segments["passages"]) >= 6 and len(segments["stories"]) == 1


def test_seeds_on_postgresql_with_redis(pg_url: str, redis_url: str, seeds_dir: Path) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    runner = CliRunner()
    index = f"{redis_url}?prefix=pg:"
    _dedup(runner, pg_url, index, "import", str(seeds_dir))
    report = json.loads(_dedup(runner, pg_url, None, "report", "--format", "json"))
    (story,) = report["stories"]
    assert story["origin"]["name"] == "BuzzFeed News"
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM index_chunks")) == 0  # keys went to Redis
        passages = conn.scalar(text("SELECT count(*) FROM passages"))
    engine.dispose()
    rebuilt = runner.invoke(cli, ["--db", pg_url, "--index", index, "reindex", "--yes"])
    assert rebuilt.exit_code == 0, rebuilt.output
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM passages")) == passages >= 6
    engine.dispose()


@pytest.mark.slow
def test_reuters_sample_same_passages_and_stories_as_segments(
    tmp_path: Path, redis_url: str
) -> None:
    folder = shared_path("reuters21578")
    parts = [[str(folder / f"reut2-00{i}.sgm")] for i in range(3)]
    segments, on_redis = _run_both(tmp_path, redis_url, parts)
    assert len(segments["passages"]) > 500
    assert on_redis["passages"] == segments["passages"]
    assert on_redis["stories"] == segments["stories"]


def _keys(*pairs: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([k for k, _ in pairs], dtype=np.int64),
        np.array([o for _, o in pairs], dtype=np.int64),
    )


def test_buckets_over_the_cap_give_their_newest_members(redis_url: str, store: Store) -> None:
    url = f"{redis_url}?prefix=cap:"
    index = RedisBandIndex(url, "id-1", cap=4, recent=2, per_paragraph=10)
    small = [(7, p) for p in (1, 2, 3)]
    big = [(-(2**63), p) for p in range(10, 20)]  # the smallest int64 is a key like any other
    probe = _keys((7, 100), (-(2**63), 101))
    expected = {(1, 100), (2, 100), (3, 100), (18, 101), (19, 101)}
    index.add(*_keys(*small, *big))
    with store.session() as session:
        index_id = reset_settings(session, FingerprintSettings())
        segments = SegmentBandIndex(session, index_id, cap=4, recent=2, per_paragraph=10)
        segments.add(*_keys(*small, *big))
        assert index.candidates(*probe) == segments.candidates(*probe) == expected


def test_index_id_mismatch_and_clear_empty_the_prefix(redis_url: str) -> None:
    url = f"{redis_url}?prefix=ids:"
    first = RedisBandIndex(url, "id-a", cap=50, recent=5, per_paragraph=20)
    first.add(*_keys((1, 1), (2, 2)))
    assert RedisBandIndex(url, "id-a", 50, 5, 20).candidates(*_keys((1, 9))) == {(1, 9)}
    # Another store's (or a reindexed store's) id: the old keys are worthless and go.
    other = RedisBandIndex(url, "id-b", cap=50, recent=5, per_paragraph=20)
    assert other.candidates(*_keys((1, 9))) == set()
    client = redis.Redis.from_url(redis_url)
    assert client.keys("ids:b:*") == []
    other.add(*_keys((3, 3)))
    other.clear()
    assert client.keys("ids:*") == [b"ids:index_id"]
    client.close()


def test_unreachable_redis_is_one_line_store_error(tmp_path: Path) -> None:
    from servers import free_port

    port = free_port()
    with pytest.raises(StoreError) as caught:
        RedisBandIndex(f"redis://user:secret@127.0.0.1:{port}/0", "x", 50, 5, 20)
    message = str(caught.value)
    # the address as given, port included, password left out; one reason, one hint
    assert message.startswith(f"cannot reach the Redis index at redis://127.0.0.1:{port}/0: ")
    assert "secret" not in message and ".;" not in message and "\n" not in message


def test_index_option_refuses_other_urls(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.sqlite"), "--index", "mysql://x", "analyze"]
    )
    assert result.exit_code == 3
    assert "give a redis://host:port/db URL" in result.output
    after = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.sqlite"), "analyze", "--index", "mysql://x"]
    )
    assert after.exit_code == 3 and "give a redis://host:port/db URL" in after.output
