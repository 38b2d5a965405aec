"""Hostile servers on loopback only: bombs within 300 MB, hangs cut off, poison feeds backed off.

Memory is measured in a fresh process (its peak resident set), so the figure is the fetch's
or the parse's own, not this test process's.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from rich.console import Console
from sqlalchemy import select

from dedup import pipeline
from dedup.config import FetchSettings, Settings
from dedup.ingest import poller
from dedup.ingest.fetch import fetch, make_client
from dedup.ingest.poller import poll_feeds
from dedup.report.status import gather_status, render_status
from dedup.store.engine import Store, open_store
from dedup.store.models import Feed, FetchAttempt
from tests.test_poller import FAST, feed_row, make_due, rss, settings_for

MEMORY_LIMIT_MB = 300


# ---------------------------------------------------------------- 2. compression bombs


def _gzip_stream(size: int, wbits: int = 31) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = b"\0" * (1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(size >> 20)) + packer.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[bytes, str]]:
    inflated = 512 << 20  # far past the 300 MB bound if it were ever inflated whole
    gzipped = _gzip_stream(inflated)
    deflated = _gzip_stream(inflated, wbits=15)
    return {
        "gzip": (gzipped, "gzip"),
        "deflate": (deflated, "deflate"),
        "gzip, gzip": (zlib.compress(gzipped, 9, wbits=31), "gzip, gzip"),
        "deflate, gzip": (zlib.compress(deflated, 9, wbits=31), "deflate, gzip"),
    }


# The child's peak resident memory: VmHWM belongs to its own address space, while ru_maxrss
# would include the forked copy of this (large) test process.
_PEAK = """
def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
"""

_MEASURE = (
    _PEAK
    + """
import json, sys
from dedup.config import FetchSettings
from dedup.ingest.fetch import fetch, make_client
settings = FetchSettings(timeout=60, per_host_delay=0, allow_private=True)
with make_client(settings) as client:
    result = fetch(sys.argv[1], settings=settings, client=client, user_url=True)
peak = peak_mb()
print(json.dumps({"error": result.error, "content": result.content is not None, "mb": peak}))
"""
)


def measured_fetch(url: str) -> dict[str, Any]:
    """Fetch in a fresh process; its peak resident memory comes back in MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("name", ["gzip", "deflate", "gzip, gzip", "deflate, gzip"])
def test_compression_bombs_stay_under_the_memory_bound(
    name: str, bombs: dict[str, tuple[bytes, str]], server: HTTPServer
) -> None:
    body, encoding = bombs[name]
    server.expect_request("/bomb").respond_with_data(
        body, headers={"Content-Encoding": encoding}, content_type="application/rss+xml"
    )
    result = measured_fetch(server.url_for("/bomb"))
    print(f"{name}: {len(body)} bytes on the wire, peak {result['mb']:.0f} MB, {result['error']}")
    assert not result["content"] and result["mb"] < MEMORY_LIMIT_MB
    if "," in name:
        assert result["error"].startswith("stacked compression")
    else:
        assert "larger than 5000000 bytes" in result["error"]


def test_one_gzip_layer_still_decodes(server: HTTPServer) -> None:
    feed = rss(("https://a.example/1", "T", "x"))
    server.expect_request("/feed").respond_with_data(
        zlib.compress(feed, wbits=31), headers={"Content-Encoding": "gzip"}
    )
    with make_client(FAST) as client:
        result = fetch(server.url_for("/feed"), settings=FAST, client=client, user_url=True)
    assert result.ok and result.content == feed


def test_brotli_is_not_decoded(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(
        b"\x0b\x02", headers={"Content-Encoding": "br"}
    )
    with make_client(FAST) as client:
        result = fetch(server.url_for("/feed"), settings=FAST, client=client, user_url=True)
    assert result.error is not None and "unsupported Content-Encoding 'br'" in result.error


# ---------------------------------------------------------------- 3. slow servers and the deadlines


@contextmanager
def dripping_server(pause: float = 0.25) -> Iterator[str]:
    """A server that sends a whole, valid response one byte every ``pause`` seconds.

    It would finish after about 40 seconds: a fetch that ends sooner with an error was cut
    off by its deadline, not by the server.
    """
    body = rss(("https://drip.example/1", "Drip", "Dripped."))
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
        + f"Content-Length: {len(body)}\r\nX-Padding: {'p' * 60}\r\n\r\n".encode()
        + body
    )
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)

    def drip(conn: socket.socket) -> None:
        with conn:
            for byte in response[: int(40 / pause)]:
                if stop.wait(pause):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_a_header_dripping_server_is_cut_off_by_the_request_deadline() -> None:
    quick = replace(FAST, timeout=1.0)
    with dripping_server() as url, make_client(quick) as client:
        result = fetch(url, settings=quick, client=client, user_url=True)
    assert result.content is None and result.error == "timed out after 1s"


def test_a_dripping_feed_does_not_hold_up_the_others(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    server.expect_request("/feed").respond_with_data(rss(("https://a.example/1", "A", "Text.")))
    quick = replace(FAST, timeout=1.0)
    with dripping_server() as drip_url:
        summary = poll_feeds(
            store, settings_for(db_url, drip_url, server.url_for("/feed"), fetch=quick)
        )
    assert (summary.new, summary.failed) == (1, 1)
    dripping = feed_row(store, "feed0")
    assert dripping.last_error == "timed out after 1s" and dripping.next_poll_at is not None
    assert feed_row(store, "feed1").failures == 0


def test_the_poll_deadline_ends_the_run_and_frees_the_lock(server: HTTPServer, db_url: str) -> None:
    server.expect_request("/feed").respond_with_data(
        rss(("https://a.example/1", "A", "Text.")), content_type="application/rss+xml"
    )
    # One worker, a long request timeout and a short run deadline: the dripping feed is cut
    # by the run's deadline, and the second feed is never reached.
    slow = replace(FAST, timeout=60.0, concurrency=1, poll_deadline=1.5)
    with dripping_server() as drip_url:
        settings = settings_for(db_url, drip_url, server.url_for("/feed"), fetch=slow)
        first = pipeline.poll(settings, analyze=False)
        # The lock is free at once: a later run polls the feed the first never reached.
        second = pipeline.poll(settings, analyze=False)
    assert first.timed_out == 2 and first.new == 0
    assert "the poll's deadline passed: 2 feed(s)" in first.describe()
    assert (second.new, second.skipped_backoff) == (1, 1)
    store = open_store(db_url)
    try:
        with store.session() as session:
            attempts = session.execute(
                select(Feed.name, FetchAttempt.outcome, FetchAttempt.error)
                .join(Feed, Feed.id == FetchAttempt.feed_id)
                .order_by(FetchAttempt.id)
            ).all()
        dripping = feed_row(store, "feed0")
    finally:
        store.close()
    assert attempts[0][:2] == ("feed0", "timed_out")
    assert attempts[0][2] == "stopped: the poll's run deadline passed"
    assert attempts[1] == (
        "feed1",
        "timed_out",
        "not polled: the poll's deadline (1.5s) passed first",
    )
    assert attempts[2][:2] == ("feed1", "ok")
    assert dripping.failures == 1 and dripping.next_poll_at is not None


# ---------------------------------------------------------------- 4. entity expansion, poison feeds


def entity_feed(uses: int, size: int = 100_000) -> bytes:
    refs = "&big;" * uses
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{"x" * size}">]>'
        f'<rss version="2.0"><channel><title>E</title><item><title>Boom</title>'
        f"<link>https://e.example/1</link><description>{refs}</description></item>"
        "</channel></rss>"
    ).encode()


_MEASURE_PARSE = (
    _PEAK
    + """
import json, sys
from dedup.ingest.feeds import parse_feed
data = open(sys.argv[1], "rb").read()
parsed = parse_feed(data, source="e", feed_url="http://e.example/feed")
peak = peak_mb()
print(json.dumps({"refused": parsed.refused, "entries": len(parsed.entries), "mb": peak}))
"""
)


def measured_parse(path: Path) -> dict[str, Any]:
    """parse_feed on a file in a fresh process; its peak resident memory in MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE_PARSE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("uses", [2_000, 20_000])
def test_entity_expansion_is_refused_within_the_memory_bound(uses: int, tmp_path: Path) -> None:
    path = tmp_path / "entities.xml"
    path.write_bytes(entity_feed(uses))
    result = measured_parse(path)
    print(f"{uses} uses, {path.stat().st_size} bytes: peak {result['mb']:.0f} MB")
    assert result["entries"] == 0 and result["mb"] < MEMORY_LIMIT_MB
    assert result["refused"].startswith("refused: the feed declares XML entities")


def test_an_entity_feed_is_recorded_refused_with_backoff(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    server.expect_request("/bomb").respond_with_data(entity_feed(2_000))
    server.expect_request("/feed").respond_with_data(rss(("https://a.example/1", "A", "Text.")))
    roomy = replace(FAST, max_bytes=1_000_000)
    settings = settings_for(db_url, server.url_for("/bomb"), server.url_for("/feed"), fetch=roomy)
    summary = poll_feeds(store, settings)
    assert (summary.refused, summary.new) == (1, 1)
    bomb = feed_row(store, "feed0")
    assert bomb.failures == 1 and bomb.next_poll_at is not None
    assert bomb.last_error is not None and "declares XML entities" in bomb.last_error


def test_parsed_text_far_larger_than_the_feed_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.ingest import feeds

    monkeypatch.setattr(feeds, "_TEXT_ALLOWANCE", 0)
    parsed = feeds.parse_feed(
        rss(("https://a.example/1", "A", "Text " * 50)), source="s", feed_url="http://s/"
    )
    assert parsed.refused is None  # text is smaller than the markup around it
    monkeypatch.setattr(feeds, "TEXT_EXPANSION", 0)
    parsed = feeds.parse_feed(
        rss(("https://a.example/1", "A", "Text " * 50)), source="s", feed_url="http://s/"
    )
    assert parsed.refused is not None and "more than 0 times the feed's" in parsed.refused


@pytest.mark.parametrize("stage", ["parse", "store"])
def test_a_memory_error_in_one_feed_is_that_feeds_failure(
    stage: str, store: Store, server: HTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.expect_request("/poison").respond_with_data(rss(("https://p.example/1", "P", "x")))
    server.expect_request("/feed").respond_with_data(rss(("https://a.example/1", "A", "Text.")))
    settings = settings_for(db_url, server.url_for("/poison"), server.url_for("/feed"))
    real_parse, real_save = poller.parse_feed, poller.save_articles

    def parse(data: bytes, **kwargs: Any) -> Any:
        if kwargs["source"] == "feed0" and stage == "parse":
            raise MemoryError
        return real_parse(data, **kwargs)

    def save(session: Any, records: Any, **kwargs: Any) -> Any:
        if any(r.source == "feed0" for r in records) and stage == "store":
            raise MemoryError
        return real_save(session, records, **kwargs)

    monkeypatch.setattr(poller, "parse_feed", parse)
    monkeypatch.setattr(poller, "save_articles", save)
    summary = poll_feeds(store, settings)
    assert (summary.new, summary.failed) == (1, 1)
    poison = feed_row(store, "feed0")
    assert poison.failures == 1 and poison.next_poll_at is not None
    assert poison.last_error is not None and "MemoryError" in poison.last_error
    again = poll_feeds(store, settings)  # backed off: not retried on the next cron run
    assert again.skipped_backoff == 1 and again.failed == 0


# ---------------------------------------------------------------- 5. health that means something


def test_an_empty_200_response_is_a_warning(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/blank").respond_with_data("", content_type="application/rss+xml")
    server.expect_request("/entryless").respond_with_data(
        b"<rss><channel><title>Nothing</title></channel></rss>"
    )
    settings = settings_for(db_url, server.url_for("/blank"), server.url_for("/entryless"))
    summary = poll_feeds(store, settings)
    assert summary.empty == 2
    assert "warning: empty response: no entries" in summary.describe()
    feeds = {f["name"]: f for f in gather_status(store)["feeds"]}
    for name in ("feed0", "feed1"):
        assert feeds[name]["last_outcome"] == "empty"
        assert feeds[name]["warnings"][0].startswith("empty: the last poll returned no entries")
    out = io.StringIO()
    render_status(gather_status(store), Console(file=out, width=300))
    assert out.getvalue().count("warning: empty") == 2


def test_a_feed_without_new_entries_for_long_is_stale(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from sqlalchemy import update

    from dedup.store.models import Article, utcnow

    server.expect_request("/feed").respond_with_data(rss(("https://a.example/1", "A", "Text.")))
    settings = settings_for(db_url, server.url_for("/feed"))
    poll_feeds(store, settings)
    assert gather_status(store)["feeds"][0]["warnings"] == []
    with store.session() as session:
        session.execute(update(Article).values(first_seen=utcnow() - timedelta(days=30)))
    make_due(store)
    poll_feeds(store, settings)  # polled fine, but the same old entry
    (warning,) = gather_status(store)["feeds"][0]["warnings"]
    assert warning.startswith("stale: no new entry for 30 days")
    lenient = replace(
        settings,
        feeds=type(settings.feeds)(
            replace(f, fetch=replace(f.fetch, stale_after_days=60)) for f in settings.feeds
        ),
    )
    assert gather_status(store, lenient)["feeds"][0]["warnings"] == []


# ---------------------------------------------------------------- credentials in URLs


def test_feed_credentials_are_masked_everywhere(
    store: Store, server: HTTPServer, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    server.expect_request("/feed").respond_with_data("", status=500)
    url = server.url_for("/feed").replace("http://", "http://reader:s3cr3t@")
    summary = poll_feeds(store, settings_for(db_url, url))
    status = gather_status(store)
    out = io.StringIO()
    render_status(status, Console(file=out, width=300))
    shown = [json.dumps(status), out.getvalue(), summary.describe(), json.dumps(summary.as_dict())]
    with store.session() as session:
        shown.extend(session.scalars(select(FetchAttempt.url)).all())
    shown.append(caplog.text)
    assert [text for text in shown if "s3cr3t" in text] == []
    assert status["feeds"][0]["url"].startswith("http://***@127.0.0.1:")


def test_settings_objects_default_to_the_guarded_policy() -> None:
    assert FetchSettings().allow_private is False
    assert Settings().fetch.poll_deadline == 600.0
