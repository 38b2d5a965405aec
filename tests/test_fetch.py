"""The network seam against a local HTTP server and httpx's mock transport: no live network."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dedup.config import FetchSettings
from dedup.ingest.fetch import (
    FetchResult,
    HostScheduler,
    fetch,
    is_local,
    make_client,
    parse_retry_after,
    resolve_location,
)

FEED = b"<rss><channel><title>t</title></channel></rss>"
# These tests are about HTTP behaviour against loopback servers; the fetch policy that
# refuses loopback by default is tested in test_hostile.py.
SETTINGS = FetchSettings(timeout=5.0, max_bytes=10_000, per_host_delay=0.0, allow_private=True)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(SETTINGS) as c:
        yield c


def get(
    url: str,
    client: httpx.Client,
    settings: FetchSettings = SETTINGS,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    return fetch(
        url,
        settings=settings,
        client=client,
        etag=etag,
        last_modified=last_modified,
        user_url=True,
    )


def test_conditional_get_round_trip(server: HTTPServer, client: httpx.Client) -> None:
    lm = "Tue, 01 Jan 2030 00:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            FEED, headers={"ETag": '"v1"', "Last-Modified": lm}, content_type="application/rss+xml"
        )

    server.expect_request("/feed").respond_with_handler(handler)
    first = get(server.url_for("/feed"), client)
    assert first.ok and first.status == 200 and first.content == FEED
    assert (first.etag, first.last_modified) == ('"v1"', lm)
    assert first.headers["content-type"] == "application/rss+xml"

    second = get(server.url_for("/feed"), client, etag=first.etag, last_modified=lm)
    assert second.not_modified and second.content is None and not second.ok
    assert (second.etag, second.last_modified) == ('"v1"', lm)
    sent = server.log[-1][0]
    assert sent.headers["If-Modified-Since"] == lm
    assert sent.headers["User-Agent"] == SETTINGS.user_agent


def test_permanent_redirect_is_reported(server: HTTPServer, client: httpx.Client) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(FEED)
    result = get(server.url_for("/old"), client)
    assert result.ok and result.content == FEED
    assert result.permanent_redirect_url == server.url_for("/new")
    assert result.final_url == server.url_for("/new")


def test_temporary_hop_breaks_the_permanent_chain(server: HTTPServer, client: httpx.Client) -> None:
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=308, headers={"Location": "/c"})
    server.expect_request("/c").respond_with_data(FEED)
    result = get(server.url_for("/a"), client)
    assert result.ok and result.permanent_redirect_url is None


def test_redirect_loop_gives_up(server: HTTPServer, client: httpx.Client) -> None:
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    result = get(server.url_for("/loop"), client)
    assert result.error is not None and "redirects" in result.error


def test_redirect_to_a_local_file_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "file:///etc/passwd"})

    with make_client(SETTINGS, transport=httpx.MockTransport(handler)) as c:
        result = get("http://example.test/feed", c)
    assert result.content is None and result.error is not None and "refused" in result.error


@pytest.mark.parametrize("status", [404, 410, 500])
def test_http_errors_are_reported_not_raised(
    server: HTTPServer, client: httpx.Client, status: int
) -> None:
    server.expect_request("/x").respond_with_data("nope", status=status)
    result = get(server.url_for("/x"), client)
    assert result.status == status and result.content is None
    assert result.error is not None and result.error.startswith(f"HTTP {status}")


def test_retry_after_seconds_and_date(server: HTTPServer, client: httpx.Client) -> None:
    server.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "120"})
    assert get(server.url_for("/busy"), client).retry_after_seconds == 120.0
    when = (datetime.now(UTC) + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    server.expect_request("/down").respond_with_data("", status=503, headers={"Retry-After": when})
    seconds = get(server.url_for("/down"), client).retry_after_seconds
    assert seconds is not None and 3000 < seconds <= 3600


def test_parse_retry_after() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after("Tue, 01 Jan 2030 00:10:00 GMT", now=now) == 600.0
    assert parse_retry_after("Mon, 31 Dec 2029 00:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None


def test_oversized_response_is_cut_off(server: HTTPServer, client: httpx.Client) -> None:
    server.expect_request("/big").respond_with_data(b"x" * 20_000)
    result = get(server.url_for("/big"), client)
    assert result.content is None and result.error is not None
    assert "larger than 10000 bytes" in result.error


def test_oversized_stream_without_length_is_cut_off() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"y" * 4000] * 5))  # chunked, no length

    with make_client(SETTINGS, transport=httpx.MockTransport(handler)) as c:
        result = get("http://example.test/feed", c)
    assert result.content is None and result.error is not None and "cut off" in result.error


def test_gzip_body_is_decoded_and_capped_after_decoding() -> None:
    body = gzip.compress(b"z" * 50_000)  # small on the wire, too big once decoded

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Encoding": "gzip"})

    with make_client(SETTINGS, transport=httpx.MockTransport(handler)) as c:
        result = get("http://example.test/feed", c)
    assert result.error is not None and "cut off" in result.error


def test_hanging_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections in the kernel, never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
        quick = FetchSettings(timeout=0.3, per_host_delay=0.0)
        with make_client(quick) as c:
            result = get(url, c, settings=quick)
    assert result.content is None and result.error == "timed out after 0.3s"


def test_refused_connection_is_an_error(client: httpx.Client) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    result = get(f"http://127.0.0.1:{port}/feed", client)
    assert result.status is None and result.error is not None
    assert result.error.startswith("cannot connect")


def test_local_paths_and_file_urls_are_read(tmp_path: Path, client: httpx.Client) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    for url in (str(path), path.as_uri()):
        result = get(url, client)
        assert result.ok and result.status is None and result.content == FEED and result.is_file


def test_local_file_problems_are_reported(tmp_path: Path, client: httpx.Client) -> None:
    missing = get(str(tmp_path / "nope.xml"), client)
    assert missing.error is not None and missing.error.startswith("no such file")
    folder = get(str(tmp_path), client)
    assert folder.error is not None and "folder" in folder.error
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 20_000)
    assert "larger than" in (get(str(big), client).error or "")


def test_unsupported_scheme(client: httpx.Client) -> None:
    result = get("ftp://example.test/feed.xml", client)
    assert result.error is not None and "unsupported URL scheme 'ftp'" in result.error


def test_resolve_location(tmp_path: Path) -> None:
    assert resolve_location("examples/feed.xml", tmp_path) == str(tmp_path / "examples/feed.xml")
    assert resolve_location("/abs/feed.xml", tmp_path) == "/abs/feed.xml"
    assert resolve_location("https://a.test/feed", tmp_path) == "https://a.test/feed"
    assert resolve_location("file:///abs/feed.xml", tmp_path) == "file:///abs/feed.xml"
    assert is_local("C:\\feeds\\a.xml") and not is_local("http://a.test/")


def test_host_scheduler_spaces_one_host_only() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    scheduler = HostScheduler(clock=lambda: now[0], sleep=sleep)
    scheduler.wait("http://a.test/1", 2.0)
    scheduler.wait("http://A.test/2", 2.0)
    scheduler.wait("http://a.test/3", 2.0)
    scheduler.wait("http://b.test/1", 2.0)
    scheduler.wait("http://a.test/4", 0.0)
    assert slept == [2.0, 4.0]
    now[0] = 110.0
    scheduler.wait("http://a.test/5", 2.0)
    assert slept == [2.0, 4.0]


def test_politeness_applies_to_real_fetches(server: HTTPServer, client: httpx.Client) -> None:
    server.expect_request("/p").respond_with_handler(lambda _req: Response(FEED))
    slept: list[float] = []
    scheduler = HostScheduler(sleep=slept.append)
    polite = FetchSettings(per_host_delay=30.0)
    for _ in range(2):
        url = server.url_for("/p")
        assert fetch(url, settings=polite, client=client, scheduler=scheduler, user_url=True).ok
    assert len(slept) == 1 and slept[0] > 29


def test_the_politeness_wait_does_not_use_up_the_request_deadline(server: HTTPServer) -> None:
    server.expect_request("/p").respond_with_handler(lambda _req: Response(FEED))
    settings = replace(SETTINGS, timeout=1.0, per_host_delay=1.5)
    scheduler = HostScheduler()
    with make_client(settings) as client:
        results = [
            fetch(
                server.url_for("/p"),
                settings=settings,
                client=client,
                scheduler=scheduler,
                user_url=True,
            )
            for _ in range(2)
        ]
    assert [r.ok for r in results] == [True, True]  # the second waited 1.5s for its slot first
