"""Hostile servers on loopback only: private fetches refused, bombs bounded, hangs cut off.

Every server here listens on 127.0.0.1; addresses such as 169.254.169.254 appear only as
links the fetch policy must refuse before any connection is made.
"""

from __future__ import annotations

import io
import socket
import subprocess
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from pytest_httpserver import HTTPServer
from rich.console import Console
from sqlalchemy import select
from werkzeug import Request, Response

from dedup.ingest import policy
from dedup.ingest.fetch import fetch, make_client
from dedup.ingest.poller import poll_feeds
from dedup.report.status import gather_status, render_status
from dedup.store.engine import Store
from dedup.store.models import ArticleVersion, PageRefusal
from tests.test_poller import FAST, feed_row, rss, settings_for

GUARDED = replace(FAST, allow_private=False)
SECRET = "SECRET-INTERNAL-PAGE the admin password is hunter2"


def secret_page(_request: Request) -> Response:
    return Response(f"<html><body><p>{SECRET}</p></body></html>", content_type="text/html")


def requested_paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


# ---------------------------------------------------------------- 1. server-side request forgery


def test_article_links_to_private_addresses_are_refused(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    port = server.port
    links = [
        server.url_for("/secret"),
        f"http://localhost:{port}/secret",
        f"http://[::1]:{port}/secret",
        f"http://2130706433:{port}/secret",
        f"http://0x7f.0.0.1:{port}/secret",
        f"http://[::ffff:127.0.0.1]:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/intranet",
    ]
    items = [(link, f"Story {i}", f"Teaser {i}.") for i, link in enumerate(links)]
    server.expect_request("/feed").respond_with_data(
        rss(*items, summary_only=True), content_type="application/rss+xml"
    )
    server.expect_request("/secret").respond_with_handler(secret_page)
    settings = settings_for(db_url, server.url_for("/feed"), fetch=GUARDED, full_text=True)

    summary = poll_feeds(store, settings)

    assert requested_paths(server) == ["/feed"]  # the feed URL the user wrote may be private
    assert (summary.new, summary.pages_fetched, summary.pages_refused) == (len(links), 0, 8)
    with store.session() as session:
        texts = session.scalars(select(ArticleVersion.text)).all()
        refusals = session.scalars(select(PageRefusal).order_by(PageRefusal.id)).all()
        reasons = [r.reason for r in refusals]
    assert all("SECRET" not in text for text in texts) and all(
        t.startswith("Teaser") for t in texts
    )
    assert len(refusals) == len(links)
    assert reasons[0] == "loopback address 127.0.0.1"
    assert reasons[1] == "loopback name localhost"
    assert reasons[2] == "loopback address ::1"
    assert reasons[3:6] == ["loopback address 127.0.0.1"] * 3
    assert reasons[6] == "link-local address 169.254.169.254"
    assert reasons[7] == "private address 10.1.2.3"

    status = gather_status(store)
    (feed,) = status["feeds"]
    assert any(w.startswith("refused: 8 article link(s)") for w in feed["warnings"])
    out = io.StringIO()
    render_status(status, Console(file=out, width=300))
    assert "ok (warning)" in out.getvalue() and "warning: refused" in out.getvalue()
    assert "refused by the fetch policy" in summary.describe()


def test_allow_private_fetches_the_page(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/feed").respond_with_data(
        rss((server.url_for("/secret"), "Story", "Teaser."), summary_only=True),
        content_type="application/rss+xml",
    )
    server.expect_request("/secret").respond_with_handler(secret_page)
    allowed = replace(GUARDED, allow_private=True)
    summary = poll_feeds(
        store, settings_for(db_url, server.url_for("/feed"), fetch=allowed, full_text=True)
    )
    assert (summary.pages_fetched, summary.pages_refused) == (1, 0)
    with store.session() as session:
        assert SECRET in session.scalars(select(ArticleVersion.text)).one()


def test_a_feed_redirect_to_a_private_address_is_refused(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    server.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": server.url_for("/internal")}
    )
    server.expect_request("/internal").respond_with_data(rss(("https://a.example/1", "T", "x")))
    summary = poll_feeds(store, settings_for(db_url, server.url_for("/feed"), fetch=GUARDED))
    assert requested_paths(server) == ["/feed"]
    assert (summary.refused, summary.failed) == (1, 1)
    feed = feed_row(store)
    assert feed.failures == 1 and feed.next_poll_at is not None
    assert feed.last_error is not None and "loopback address 127.0.0.1" in feed.last_error
    assert "allow_private" in feed.last_error


def test_every_redirect_hop_is_judged() -> None:
    """A public-looking page that redirects to the metadata service (no traffic is sent)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "news.example":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})
        return httpx.Response(200, text="metadata")  # reached only if the policy failed

    with make_client(GUARDED, transport=httpx.MockTransport(handler)) as client:
        result = fetch("http://news.example/story", settings=GUARDED, client=client)
    assert result.content is None and result.refused == "link-local address 169.254.169.254"
    assert result.final_url == "http://169.254.169.254/latest/"


def test_the_address_checked_is_the_address_connected_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Resolved once: a rebinding name cannot answer the check and the connection differently."""
    answers = iter(["93.184.215.14", "127.0.0.1", "127.0.0.1"])
    lookups: list[str] = []
    connected: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    def no_connection(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        connected.append(host)  # record where it would connect; send nothing anywhere
        raise httpcore.ConnectError("test: no connection made")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", no_connection)
    with make_client(GUARDED) as client:
        result = fetch("http://rebind.test/page", settings=GUARDED, client=client)
    assert lookups == ["rebind.test"] and connected == ["93.184.215.14"]
    assert result.refused is None and result.error is not None


def test_a_name_resolving_to_a_private_address_is_refused_at_connect(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "internal.test":
            host = "127.0.0.1"
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server.expect_request("/secret").respond_with_handler(secret_page)
    url = f"http://internal.test:{server.port}/secret"
    with make_client(GUARDED) as client:
        refused = fetch(url, settings=GUARDED, client=client)
        allowed = replace(GUARDED, allow_private=True)
        fetched = fetch(url, settings=allowed, client=client)
    assert refused.refused == "internal.test resolves to a loopback address 127.0.0.1"
    assert fetched.ok and fetched.content is not None and SECRET.encode() in fetched.content
    assert requested_paths(server) == ["/secret"]  # once: by the allowed fetch only


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback address 127.0.0.1"),
        ("[::1]", "loopback address ::1"),
        ("localhost", "loopback name localhost"),
        ("api.localhost", "loopback name api.localhost"),
        ("2130706433", "loopback address 127.0.0.1"),
        ("017700000001", "loopback address 127.0.0.1"),
        ("0x7f000001", "loopback address 127.0.0.1"),
        ("[::ffff:127.0.0.1]", "loopback address 127.0.0.1"),
        ("[::ffff:192.168.0.1]", "private address 192.168.0.1"),
        ("[fd00::1]", "unique-local address fd00::1"),
        ("[fe80::1]", "link-local address fe80::1"),
        ("224.0.0.1", "multicast address 224.0.0.1"),
        ("240.0.0.1", "reserved address 240.0.0.1"),
        ("0.0.0.0", "unspecified address 0.0.0.0"),
        ("100.64.0.1", "non-global address 100.64.0.1"),
        ("172.16.5.4", "private address 172.16.5.4"),
    ],
)
def test_host_refusals(host: str, reason: str) -> None:
    assert policy.host_refusal(host) == reason


def test_public_hosts_pass_the_literal_check() -> None:
    assert policy.host_refusal("93.184.215.14") is None
    assert policy.host_refusal("news.example.com") is None  # judged when resolved


def test_tls_to_the_checked_address_still_verifies_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guarded backend connects to an IP; TLS must still check the certificate's name."""
    import http.server
    import os
    import shutil
    import ssl
    import time

    if shutil.which("openssl") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("openssl is needed to make a test certificate")
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=tls.test"),
            *("-addext", "subjectAltName=DNS:tls.test"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = http.server.SimpleHTTPRequestHandler
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return real_getaddrinfo(
            "127.0.0.1" if host in {"tls.test", "other.test"} else host, port, *args, **kwargs
        )

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # Loopback is the only address a test may use, so the rule itself is lifted here.
    monkeypatch.setattr(policy, "address_refusal", lambda address: None)
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(cafile=str(cert)),
        network_backend=policy.PolicyBackend(guard=True),
    )
    port = server.server_address[1]
    try:
        with httpx.Client(transport=transport) as client:
            with policy.request_deadline(time.monotonic() + 10):
                good = client.get(f"https://tls.test:{port}/")
            with (
                pytest.raises(httpx.ConnectError, match="certificate"),
                policy.request_deadline(time.monotonic() + 10),
            ):
                client.get(f"https://other.test:{port}/")
    finally:
        server.shutdown()
    assert good.status_code == 200
