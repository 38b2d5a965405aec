"""Several pollers on one PostgreSQL store: leases share the feeds, a dead poller's come back.

Each poller is a real `dedup poll` process in a working folder of its own (its own
feeds.yml, as on two machines), against one throwaway PostgreSQL and 500 feeds served from
four loopback hosts (tests/servers.py). Plus the writer lock on both engines and the lease
rules on SQLite, where the writer lock makes one poller the only one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import FeedFarm
from sqlalchemy import create_engine, text

from dedup.config import PollSettings
from dedup.errors import LockedError
from dedup.ingest.leases import FeedClaims
from dedup.store.engine import Store, open_store
from dedup.store.locks import AdvisoryWriterLock, FileWriterLock, writer_lock, writer_lock_for

FEEDS, HOSTS = 500, 4
WAIT = 180.0  # a bound on waiting for a subprocess; never reached when things work
DEDUP = (sys.executable, "-c", "from dedup.cli import main; main()")
FETCH = "concurrency: 4; per_host_delay: 0.002"


def _poller(folder: Path, farm: FeedFarm, db: str, agent: str, poll: str) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feeds.yml").write_text(farm.feeds_yml(agent, fetch=FETCH, poll=poll))
    return subprocess.Popen(
        [*DEDUP, "--db", db, "-q", "poll", "--no-analyze", "--format", "json"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "DEDUP_INDEX": ""},
    )


def _finish(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def _reset(url: str) -> None:
    """An empty store at head (migrated once here, not by two pollers racing)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    open_store(url).close()


def _counts(url: str) -> dict[str, object]:
    engine = create_engine(url)
    with engine.connect() as conn:
        per_feed = dict(
            conn.execute(
                text(
                    "SELECT f.name, count(a.id) FROM feeds f "
                    "LEFT JOIN fetch_attempts a ON a.feed_id = f.id GROUP BY f.name"
                )
            ).all()
        )
        figures = {
            "per_feed": per_feed,
            "articles": conn.scalar(text("SELECT count(*) FROM articles")),
            "distinct_keys": conn.scalar(text("SELECT count(DISTINCT key) FROM articles")),
            "versions": conn.scalar(text("SELECT count(*) FROM article_versions")),
            "runs": conn.execute(text("SELECT id, status FROM runs ORDER BY id")).all(),
            "live_leases": conn.scalar(
                text("SELECT count(*) FROM feed_leases WHERE holder IS NOT NULL")
            ),
        }
    engine.dispose()
    return figures


@pytest.fixture
def farm() -> Iterator[FeedFarm]:
    served = FeedFarm(FEEDS, HOSTS)
    yield served
    served.close()


def test_two_pollers_poll_every_feed_exactly_once(
    pg_url: str, farm: FeedFarm, tmp_path: Path
) -> None:
    _reset(pg_url)
    farm.gate = 2  # no answers until both pollers have asked: both take part
    first = _poller(tmp_path / "machine-a", farm, pg_url, "poller-a", "claim_batch: 8")
    second = _poller(tmp_path / "machine-b", farm, pg_url, "poller-b", "claim_batch: 8")
    a, b = _finish(first), _finish(second)
    assert a["polled"] and b["polled"]
    assert int(a["polled"]) + int(b["polled"]) == FEEDS  # type: ignore[call-overload]
    counts = _counts(pg_url)
    assert set(counts["per_feed"].values()) == {1}  # type: ignore[attr-defined]
    assert len(counts["per_feed"]) == FEEDS  # type: ignore[arg-type]
    requests = farm.feed_requests()
    assert len([p for p in requests if p.startswith("/feed/")]) == FEEDS
    assert set(requests.values()) == {1}
    assert counts["articles"] == counts["distinct_keys"] == farm.expected_articles()
    assert counts["versions"] == counts["articles"]
    assert counts["live_leases"] == 0
    assert [status for _, status in counts["runs"]] == ["ok", "ok"]  # type: ignore[attr-defined]
    # A second round polls each feed once more (each run polls what it has not seen since
    # it started), still split between the two.
    farm.log.clear()
    third = _poller(tmp_path / "machine-a", farm, pg_url, "poller-a", "claim_batch: 8")
    fourth = _poller(tmp_path / "machine-b", farm, pg_url, "poller-b", "claim_batch: 8")
    c, d = _finish(third), _finish(fourth)
    assert int(c["polled"]) + int(d["polled"]) == FEEDS  # type: ignore[call-overload]
    assert set(_counts(pg_url)["per_feed"].values()) == {2}  # type: ignore[attr-defined]
    assert _counts(pg_url)["articles"] == farm.expected_articles()


def test_killed_poller_gives_its_feeds_back_when_the_lease_expires(
    pg_url: str, farm: FeedFarm, tmp_path: Path
) -> None:
    _reset(pg_url)
    lease = "lease_seconds: 4; claim_batch: 8; interval_minutes: 60"
    farm.hold_after["poller-a"] = 60  # then poller-a's requests hang until it is killed
    victim = _poller(tmp_path / "machine-a", farm, pg_url, "poller-a", lease)
    deadline = time.monotonic() + WAIT
    while farm.served("poller-a") < 60 or len(farm.log) < 64:
        assert victim.poll() is None, victim.stderr.read() if victim.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # let it record what it was answered
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=WAIT)
    killed_at = time.monotonic()
    farm.release()
    held = _counts(pg_url)
    stranded = int(held["live_leases"])  # type: ignore[call-overload]
    assert stranded > 0  # it died holding leases on feeds it had not recorded
    done_by_victim = sum(1 for n in held["per_feed"].values() if n)  # type: ignore[attr-defined]
    assert done_by_victim + stranded <= FEEDS

    # Started at once, the survivor polls every feed not polled in the last hour but those
    # leased by the dead poller; those are taken over once the lease has expired (by the
    # survivor if it is still running then, else by the next run).
    survivor = _poller(tmp_path / "machine-b", farm, pg_url, "poller-b", lease)
    polled = int(_finish(survivor)["polled"])  # type: ignore[call-overload]
    while time.monotonic() < killed_at + 4.5:
        time.sleep(0.1)
    late = _poller(tmp_path / "machine-b", farm, pg_url, "poller-b", lease)
    polled += int(_finish(late)["polled"])  # type: ignore[call-overload]
    assert polled == FEEDS - done_by_victim
    counts = _counts(pg_url)
    assert set(counts["per_feed"].values()) == {1}  # type: ignore[attr-defined]
    assert counts["articles"] == counts["distinct_keys"] == farm.expected_articles()
    assert counts["versions"] == counts["articles"]
    assert counts["live_leases"] == 0
    statuses = [status for _, status in counts["runs"]]  # type: ignore[attr-defined]
    assert statuses == ["killed", "ok", "ok"]


def test_advisory_writer_lock_is_one_holder_across_connections(pg_url: str) -> None:
    first = writer_lock_for(pg_url)
    assert isinstance(first, AdvisoryWriterLock)
    first.acquire()
    try:
        with pytest.raises(LockedError, match="advisory lock"), writer_lock(pg_url):
            pass
    finally:
        first.release()
    with writer_lock(pg_url):  # released: free again
        pass


def test_file_writer_lock_on_sqlite(db_url: str) -> None:
    lock = writer_lock_for(db_url)
    assert isinstance(lock, FileWriterLock)
    with writer_lock(db_url), pytest.raises(LockedError, match="lock"), writer_lock(db_url):
        pass


def _feeds(store: Store, names: list[str]) -> list[int]:
    from dedup.config import FeedConfig, Settings
    from dedup.ingest.poller import sync_feeds

    settings = Settings(feeds=tuple(FeedConfig(name=n, url=f"/x/{n}.xml") for n in names))
    with store.session() as session:
        return [f.id for f in sync_feeds(session, settings)]


def test_claims_on_sqlite_take_over_a_dead_runs_leases(store: Store) -> None:
    ids = _feeds(store, ["a", "b", "c"])
    poll = PollSettings(claim_batch=2, lease_seconds=600)
    dead = FeedClaims(store, poll, ids, run_id=None, exclusive=True)
    with store.session() as session:
        dead.ensure_rows(session)
    assert dead.next_batch() == ids[:2]
    assert dead.next_batch() == ids[2:]  # its own pending claims are not taken twice
    assert dead.next_batch() == []
    # The next run holds the writer lock, so the unexpired leases can only be a dead run's.
    after = FeedClaims(store, poll, ids, run_id=None, exclusive=True)
    after.holder = "other-host:1"
    assert after.next_batch() + after.next_batch() == ids
    with store.session() as session:
        assert not dead.release(session, ids[0])  # taken over: the dead run records nothing
        assert after.release(session, ids[0])
    # Polled since this run started: not due again in the same run.
    assert ids[0] not in after.next_batch()


def test_claims_without_the_lock_respect_live_leases(store: Store) -> None:
    ids = _feeds(store, ["a", "b"])
    poll = PollSettings(claim_batch=5, lease_seconds=600)
    one = FeedClaims(store, poll, ids, run_id=None, exclusive=False)
    with store.session() as session:
        one.ensure_rows(session)
    assert one.next_batch() == ids
    other = FeedClaims(store, poll, ids, run_id=None, exclusive=False)
    other.holder = "other-host:2"
    assert other.next_batch() == []
    with store.session() as session:
        assert one.release(session, ids[1])
    # Polled after the other run started: not due for it either.
    assert other.next_batch() == []
    later = FeedClaims(store, poll, ids, run_id=None, exclusive=False)
    later.holder = "other-host:3"
    assert later.next_batch() == [ids[1]]


def test_poll_settings_from_feeds_yml(tmp_path: Path) -> None:
    from dedup.config import load_settings

    path = tmp_path / "feeds.yml"
    path.write_text("poll:\n  lease_seconds: 30\n  claim_batch: 4\n  interval_minutes: 10\n")
    assert load_settings(path).poll == PollSettings(30.0, 4, 10.0)
    path.write_text("feeds: []\n")
    assert load_settings(path).poll == PollSettings()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("poll:\n  lease_seconds: 0\n", r"poll\.lease_seconds: must be greater than 0"),
        ("poll:\n  claim_batch: 1.5\n", r"poll\.claim_batch: expected a whole number"),
        ("poll:\n  interval_minutes: -1\n", r"poll\.interval_minutes: must be 0 or more"),
        ("poll:\n  lease: 3\n", r"unknown setting 'lease'; known settings: lease_seconds"),
        ("poll: 5\n", r"expected a mapping of poll settings"),
    ],
)
def test_bad_poll_settings_are_one_line_config_errors(
    tmp_path: Path, body: str, message: str
) -> None:
    from dedup.config import load_settings
    from dedup.errors import ConfigError

    path = tmp_path / "feeds.yml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_shared_host_slots_space_requests_across_schedulers(pg_url: str) -> None:
    from dedup.ingest.leases import SharedHostScheduler

    _reset(pg_url)
    store = open_store(pg_url)
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:  # a clock that sleeps exactly: no late wake-ups
        slept.append(seconds)
        now[0] += seconds

    try:
        # Two schedulers, as in two pollers on two machines, share the host's slots.
        one, two = (SharedHostScheduler(store.engine, sleep, lambda: now[0]) for _ in range(2))
        one.wait("http://127.0.0.2/a", 30.0)
        two.wait("http://127.0.0.2/b", 30.0)
        two.wait("http://127.0.0.3/c", 30.0)  # another host does not wait
        one.wait("http://127.0.0.2/d", 0)  # no delay: no reservation
        assert len(slept) == 1 and 25.0 < slept[0] <= 30.0
        with store.engine.connect() as conn:
            hosts = conn.execute(text("SELECT host FROM host_slots ORDER BY host")).scalars()
            assert list(hosts) == ["127.0.0.2", "127.0.0.3"]
    finally:
        store.close()
