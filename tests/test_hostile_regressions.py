"""Attacks dedup already held, kept as regression tests: entities, DTDs, endless and slow bodies.

All servers listen on 127.0.0.1. Parsing memory is measured in a fresh process.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dedup.ingest.feeds import parse_feed
from dedup.ingest.fetch import fetch, make_client
from dedup.ingest.poller import poll_feeds
from dedup.store.engine import Store
from tests.test_hostile_bounds import MEMORY_LIMIT_MB, measured_parse
from tests.test_poller import FAST, feed_row, settings_for

ITEM = (
    "<item><title>Story</title><link>https://a.example/1</link>"
    "<description>Some text.</description></item>"
)


def billion_laughs() -> bytes:
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{"".join(lines)}]><rss version="2.0"><channel>'
        f"<title>&lol9;</title>{ITEM}</channel></rss>"
    ).encode()


def test_billion_laughs_is_refused_within_the_memory_bound(tmp_path: Path) -> None:
    path = tmp_path / "laughs.xml"
    path.write_bytes(billion_laughs())
    result = measured_parse(path)
    assert result["entries"] == 0 and result["mb"] < MEMORY_LIMIT_MB
    assert result["refused"].startswith("refused: the feed declares XML entities")


def test_xxe_reads_no_local_file() -> None:
    feed = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title>'
        b"<link>https://a.example/1</link><description>&xxe;</description></item></channel></rss>"
    )
    parsed = parse_feed(feed, source="s", feed_url="http://s/")
    assert parsed.refused is not None and parsed.entries == ()


def test_external_dtds_are_never_fetched(store: Store, server: HTTPServer, db_url: str) -> None:
    dtd = server.url_for("/evil.dtd")
    plain = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd}"><rss version="2.0"><channel>'
        f"<title>t</title>{ITEM}</channel></rss>"
    )
    parameter = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % ext SYSTEM "{dtd}"> %ext;]>'
        f'<rss version="2.0"><channel><title>t</title>{ITEM}</channel></rss>'
    )
    server.expect_request("/plain").respond_with_data(plain, content_type="application/rss+xml")
    server.expect_request("/param").respond_with_data(parameter, content_type="application/rss+xml")
    server.expect_request("/evil.dtd").respond_with_data('<!ENTITY leak "LEAKED">')
    settings = settings_for(db_url, server.url_for("/plain"), server.url_for("/param"))
    summary = poll_feeds(store, settings)
    assert sorted(request.path for request, _ in server.log) == ["/param", "/plain"]
    assert summary.new == 1 and summary.refused == 1  # the plain DOCTYPE parses, unfetched


def _endless(chunk: bytes) -> Iterator[bytes]:
    while True:
        yield chunk


def test_an_endless_body_is_cut_off(server: HTTPServer) -> None:
    server.expect_request("/endless").respond_with_handler(
        lambda _r: Response(_endless(b"<item>" * 1000), content_type="application/rss+xml")
    )
    with make_client(FAST) as client:
        result = fetch(server.url_for("/endless"), settings=FAST, client=client, user_url=True)
    assert result.content is None and result.error is not None and "cut off" in result.error


def test_an_endless_gzip_stream_is_cut_off(server: HTTPServer) -> None:
    def gzip_forever() -> Iterator[bytes]:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        while True:
            yield packer.compress(b"\0" * (1 << 20)) + packer.flush(zlib.Z_SYNC_FLUSH)

    server.expect_request("/endless").respond_with_handler(
        lambda _r: Response(gzip_forever(), headers={"Content-Encoding": "gzip"})
    )
    with make_client(FAST) as client:
        result = fetch(server.url_for("/endless"), settings=FAST, client=client, user_url=True)
    assert result.content is None and result.error is not None and "cut off" in result.error


def test_a_slow_body_is_cut_off_by_the_deadline(server: HTTPServer) -> None:
    def drip(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(160):  # 40 seconds if the client kept reading
                time.sleep(0.25)
                yield b" "

        return Response(body(), content_type="application/rss+xml")

    server.expect_request("/slow").respond_with_handler(drip)
    quick = replace(FAST, timeout=1.0)
    with make_client(quick) as client:
        result = fetch(server.url_for("/slow"), settings=quick, client=client, user_url=True)
    assert result.content is None and result.error is not None and "timed out" in result.error


def test_a_huge_content_length_is_refused_before_reading() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nxxxx")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/huge"
    with make_client(FAST) as client:
        result = fetch(url, settings=FAST, client=client, user_url=True)
    thread.join(5)
    listener.close()
    assert result.error is not None and "larger than 50000 bytes" in result.error


@pytest.fixture
def resetting_server() -> Iterator[str]:
    """Accepts a connection and resets it at once (SO_LINGER 0)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    stop.set()
    thread.join(5)
    listener.close()


def test_a_reset_connection_is_the_feeds_failure(
    store: Store, resetting_server: str, db_url: str
) -> None:
    summary = poll_feeds(store, settings_for(db_url, resetting_server))
    assert summary.failed == 1
    feed = feed_row(store)
    assert feed.failures == 1 and feed.next_poll_at is not None and feed.last_error


def test_retry_after_abuse_is_capped(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/feed").respond_with_data(
        "", status=503, headers={"Retry-After": str(10**9)}
    )
    capped = replace(FAST, max_backoff_hours=2.0)
    poll_feeds(store, settings_for(db_url, server.url_for("/feed"), fetch=capped))
    feed = feed_row(store)
    assert feed.next_poll_at is not None and feed.last_attempt_at is not None
    assert (feed.next_poll_at - feed.last_attempt_at).total_seconds() <= 2 * 3600 + 1
