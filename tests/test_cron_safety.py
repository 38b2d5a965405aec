"""Cron safety with real `dedup poll` processes against a slow local server.

Two polls started together: one runs, the other exits at once with the lock message (exit 7).
A poll killed with SIGKILL part-way, then run again, ends with exactly what a clean run stores:
nothing lost (validators never commit without their entries) and nothing duplicated.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DEDUP = Path(sys.executable).parent / "dedup"
FEEDS = 24
WAIT = 60.0  # generous limit on waiting for a subprocess; never reached when things work


def feed_body(i: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {i} story {j}</title><link>https://site{i}.example/{j}</link>"
        f"<description>Paragraph one of story {j} from feed {i}, long enough to keep."
        f"&lt;p&gt;Paragraph two of story {j}.&lt;/p&gt;</description></item>"
        for j in range(3)
    )
    return f"<rss><channel><title>Feed {i}</title>{items}</channel></rss>".encode()


class SlowFeeds:
    """Serves FEEDS feeds, each after a delay, with ETags; counts the feeds served."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.arrived = 0
        self.served = 0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.hold = False

    def __call__(self, request: Request) -> Response:
        i = int(request.path.rsplit("/", 1)[1])
        with self.lock:
            self.arrived += 1
        if self.hold:
            self.release.wait(WAIT)
        time.sleep(self.delay)
        etag = f'"feed-{i}-v1"'
        with self.lock:
            self.served += 1
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(feed_body(i), headers={"ETag": etag}, content_type="application/rss+xml")


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", threaded=True) as srv:
        yield srv


def write_config(folder: Path, server: HTTPServer, feeds: int = FEEDS) -> Path:
    lines = ["fetch:", "  per_host_delay: 0", "  concurrency: 2", "  timeout: 30", "feeds:"]
    for i in range(feeds):
        lines += [f"  - name: feed{i}", f"    url: {server.url_for(f'/feed/{i}')}"]
    config = folder / "feeds.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def start_poll(folder: Path, db: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DEDUP_DB": str(db)}
    return subprocess.Popen(
        [str(DEDUP), "--config", str(folder / "feeds.yml"), "poll", "--no-analyze", *extra],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def snapshot(db: Path) -> dict[str, Any]:
    """Everything a poll stores, in a form two databases can be compared by."""
    with sqlite3.connect(db) as conn:
        q = conn.execute
        return {
            "articles": sorted(
                q(
                    "SELECT a.key, a.title, a.url, s.name, f.name FROM articles a "
                    "JOIN sources s ON s.id = a.source_id LEFT JOIN feeds f ON f.id = a.feed_id"
                ).fetchall()
            ),
            "versions": sorted(
                q(
                    "SELECT a.key, v.number, v.content_hash, v.id = a.current_version_id "
                    "FROM article_versions v JOIN articles a ON a.id = v.article_id"
                ).fetchall()
            ),
            "paragraphs": sorted(
                q(
                    "SELECT a.key, p.position, p.text FROM paragraphs p "
                    "JOIN articles a ON a.id = p.article_id"
                ).fetchall()
            ),
            # Not last_status: a feed stored before the kill answers 304 to the rerun.
            "feeds": sorted(
                q("SELECT name, url, etag, enabled, failures, last_error FROM feeds").fetchall()
            ),
            "sources": sorted(q("SELECT name, domain FROM sources").fetchall()),
        }


def test_second_poll_exits_at_once_with_the_lock_message(
    server: HTTPServer, tmp_path: Path
) -> None:
    feeds = SlowFeeds(delay=0.0)
    feeds.hold = True
    server.expect_request("/feed/0").respond_with_handler(feeds)
    write_config(tmp_path, server, feeds=1)
    db = tmp_path / "dedup.sqlite"
    first = start_poll(tmp_path, db)
    try:
        wait_for(lambda: feeds.arrived > 0, "the first poll to reach the server")
        second = start_poll(tmp_path, db)
        out, err = second.communicate(timeout=WAIT)
        assert second.returncode == 7, (out, err)
        assert "another dedup run is writing to this store" in err
        assert "Traceback" not in err and out == ""
    finally:
        feeds.release.set()
        out, err = first.communicate(timeout=WAIT)
    assert first.returncode == 0, err
    assert "polled 1 of 1 feed(s): 3 new" in out


@pytest.mark.parametrize("kill_after", [3, 12])
def test_poll_killed_mid_run_then_rerun_matches_a_clean_run(
    server: HTTPServer, tmp_path: Path, kill_after: int
) -> None:
    feeds = SlowFeeds(delay=0.05)
    server.expect_request(re.compile(r"^/feed/\d+$")).respond_with_handler(feeds)
    write_config(tmp_path, server)

    clean_db = tmp_path / "clean.sqlite"
    clean = start_poll(tmp_path, clean_db)
    _, err = clean.communicate(timeout=WAIT)
    assert clean.returncode == 0, err
    expected = snapshot(clean_db)
    assert len(expected["articles"]) == FEEDS * 3

    db = tmp_path / "killed.sqlite"
    feeds.served = 0
    victim = start_poll(tmp_path, db)
    wait_for(lambda: feeds.served >= kill_after, f"{kill_after} feeds to be served")
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=WAIT)
    assert victim.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        validated = conn.execute("SELECT count(*) FROM feeds WHERE etag IS NOT NULL").fetchone()[0]
    assert stored < FEEDS * 3, "killed part-way, not after the end"
    assert stored == 3 * validated  # a feed's validators never commit without its entries

    rerun = start_poll(tmp_path, db)
    _, err = rerun.communicate(timeout=WAIT)
    assert rerun.returncode == 0, err  # the killed run's lock does not block
    assert snapshot(db) == expected
    with sqlite3.connect(db) as conn:
        not_modified = conn.execute("SELECT count(*) FROM feeds WHERE last_status = 304")
        assert not_modified.fetchone()[0] == validated


def start_dedup(folder: Path, db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DEDUP), "--db", str(db), *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_commands_on_a_new_store_never_race_its_first_migration(tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "examples" / "seeds"
    for attempt in range(6):
        db = tmp_path / f"new-{attempt}.sqlite"
        both = [start_dedup(tmp_path, db, "import", "--no-analyze", str(seeds)) for _ in range(2)]
        results = [(p.wait(WAIT), p.communicate()) for p in both]
        codes = sorted(code for code, _ in results)
        errors = " ".join(err for _, (_, err) in results)
        assert codes in ([0, 0], [0, 7]), errors
        assert "already exists" not in errors and "Traceback" not in errors
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def test_a_lock_file_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    db = tmp_path / "dedup.sqlite"
    (tmp_path / "dedup.sqlite.lock").mkdir()  # a directory where the lock file should be
    seeds = Path(__file__).resolve().parent.parent / "examples" / "seeds"
    proc = start_dedup(tmp_path, db, "import", str(seeds))
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 5, err
    assert f"cannot open the lock file {db}.lock" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
