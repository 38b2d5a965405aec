"""Every captured feed under ../shared/data/feeds through the poller, served over local HTTP.

feedparser's own well-formed, ill-formed, encoding and entity cases plus real captured feeds
(2,100+ files) are listed in one generated feeds.yml and served by one local HTTP server,
with the headers feedparser's test files declare for themselves. One poll must record every
feed without a crash, record bozo feeds with their error, and store exactly the entries
feedparser itself finds, by the rule below, applied here independently of dedup.feeds.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update
from werkzeug import Request, Response

from dedup.config import load_settings
from dedup.feeds import entry_key
from dedup.fetch import FetchResult
from dedup.models import Article, Feed, FetchAttempt
from dedup.poller import feed_headers, poll_feeds
from dedup.status import gather_status
from dedup.store import Store
from tests.conftest import shared_path

pytestmark = pytest.mark.slow

_HEADER = re.compile(r"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)
_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml",
          ".json": "application/json"}


def served_headers(path: Path, data: bytes) -> dict[str, str]:
    """The headers a file is served with: its own ``Header:`` lines, else by extension."""
    declared = {k: v for k, v in _HEADER.findall(data[:4096].decode("latin-1"))}
    if not any(k.lower() == "content-type" for k in declared):
        declared["Content-Type"] = _TYPES.get(path.suffix, "application/xml")
    return declared


def finds(entry: dict[str, object]) -> bool:
    """An entry feedparser "finds": an id, a link or a title, and some content, summary or title.

    A title, content or summary counts when it has text outside HTML tags; id and link count
    when they are not blank.
    """

    def text(value: object) -> bool:
        return isinstance(value, str) and bool(re.sub(r"<[^>]*>", "", value).strip())

    def given(value: object) -> bool:
        return isinstance(value, str) and bool(value.strip())

    contents = entry.get("content") or []
    texts = [c.get("value") for c in contents if isinstance(c, dict)]  # type: ignore[union-attr]
    texts += [entry.get("summary"), entry.get("title")]
    identity = given(entry.get("id")) or given(entry.get("link")) or text(entry.get("title"))
    return identity and any(text(t) for t in texts)


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    root = shared_path("feeds")
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix in {".xml", ".rss", ".atom", ".json"}
    )
    assert len(files) > 2100
    return files


Served = dict[str, tuple[bytes, dict[str, str]]]  # URL path -> (body, headers)


@pytest.fixture
def corpus_server(corpus: list[Path]) -> Iterator[tuple[HTTPServer, Served]]:
    served: Served = {}
    for i, path in enumerate(corpus):
        data = path.read_bytes()
        served[f"/feeds/{i:04d}{path.suffix}"] = (data, served_headers(path, data))

    def handler(request: Request) -> Response:
        data, headers = served[request.path]
        return Response(data, headers=headers)

    with HTTPServer(host="127.0.0.1", threaded=True) as server:
        server.no_handler_status_code = 404
        server.expect_request(re.compile(r"^/feeds/")).respond_with_handler(handler)
        yield server, served


def test_every_captured_feed_polls_and_matches_feedparser(
    corpus_server: tuple[HTTPServer, Served],
    store: Store,
    tmp_path: Path,
    db_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, served = corpus_server
    lines = ["fetch:", "  per_host_delay: 0", "  concurrency: 4", "  timeout: 30", "feeds:"]
    names: dict[str, str] = {}
    for i, url_path in enumerate(served):
        names[f"c{i:04d}"] = url_path
        lines += [f"  - name: c{i:04d}", f"    url: {server.url_for(url_path)}"]
    config = tmp_path / "feeds.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(config, db_url)

    started = time.perf_counter()
    summary = poll_feeds(store, settings)
    elapsed = time.perf_counter() - started
    print(f"\npolled {summary.polled} captured feeds in {elapsed:.1f}s: {summary.describe()[:200]}")
    assert summary.polled == summary.feeds == len(served)
    assert "Traceback" not in caplog.text

    status = {f["name"]: f for f in gather_status(store)["feeds"]}
    assert set(status) == set(names)
    with store.session() as session:
        attempts = {
            feed_name: (seen, bozo)
            for feed_name, seen, bozo in session.execute(
                select(Feed.name, FetchAttempt.entries_seen, FetchAttempt.bozo).join(
                    FetchAttempt, FetchAttempt.feed_id == Feed.id
                )
            ).all()
        }
        stored_keys = set(session.scalars(select(Article.key)).all())

    expected_keys: set[str] = set()
    mismatches: list[str] = []
    bozo_feeds = 0
    for name, url_path in names.items():
        url = server.url_for(url_path)
        data, headers = served[url_path]
        result = FetchResult(url=url, status=200, final_url=url,
                             headers={k.lower(): v for k, v in headers.items()})
        reference = feedparser.parse(io.BytesIO(data), response_headers=feed_headers(result))
        found = [e for e in reference.entries if finds(e)]
        scope = (reference.feed.get("id") or "").strip() or url
        expected_keys.update(k for k in (entry_key(e, scope) for e in found) if k)

        feed = status[name]
        seen, bozo = attempts[name]
        assert feed["last_attempt"] is not None and feed["last_status"] == 200, (name, feed)
        assert not (feed["last_error"] or "").startswith("internal error"), (name, feed)
        if seen != len(found):
            mismatches.append(f"{url_path}: stored {seen}, feedparser finds {len(found)}")
        if bool(reference.bozo) != bool(bozo):
            mismatches.append(f"{url_path}: bozo {bozo}, feedparser says {reference.bozo}")
        if reference.bozo:
            bozo_feeds += 1
            assert feed["bozo"] and feed["last_error"], (name, feed)
            assert type(reference.bozo_exception).__name__ in feed["last_error"]
    assert not mismatches, "\n".join(mismatches[:20])
    assert stored_keys == expected_keys
    assert bozo_feeds == summary.bozo > 100  # the ill-formed and encoding cases

    # Polling the same bytes again changes nothing, even where feeds share articles.
    with store.session() as session:
        session.execute(update(Feed).values(next_poll_at=None))
    again = poll_feeds(store, settings)
    assert (again.new, again.changed) == (0, 0)
