"""Every captured feed under ../shared/data/feeds through the poller, served over local HTTP.

feedparser's own well-formed, ill-formed, encoding and entity cases plus real captured feeds
(2,100+ files) are listed in one generated feeds.yml and served by one local HTTP server,
with the headers feedparser's test files declare for themselves. One poll must record every
feed without a crash, record bozo feeds with their error, and store exactly the entries
feedparser itself finds, by the rule below, applied here independently of dedup.ingest.feeds.

feedparser cannot read JSON Feed, so the ``.json`` files (a few JSON Feeds, and other JSON
that is no feed at all) are compared with the JSON read here by the json module instead:
an object whose "version" names jsonfeed.org and that has a list of "items" is a feed, each
item found by the same rule; anything else must be recorded as a bozo feed without entries.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update
from werkzeug import Request, Response

from dedup.config import load_settings
from dedup.ingest.feeds import declares_entities, entry_key
from dedup.ingest.fetch import FetchResult
from dedup.ingest.poller import feed_headers, poll_feeds
from dedup.report.status import gather_status
from dedup.store.engine import Store
from dedup.store.models import Article, Feed, FetchAttempt
from tests.conftest import shared_path

pytestmark = pytest.mark.slow

_HEADER = re.compile(r"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)
_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
}


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


def json_reference(data: bytes, base: str) -> tuple[bool, list[dict[str, Any]]]:
    """A ``.json`` file read independently: (bozo, its found items as feedparser-style entries)."""
    try:
        doc = json.loads(data)
    except ValueError:  # not JSON, or not UTF-8 (which JSON Feed must be)
        return True, []
    if not isinstance(doc, dict):
        return True, []
    version, items = doc.get("version"), doc.get("items")
    is_feed = isinstance(version, str) and "jsonfeed.org" in version and isinstance(items, list)
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        ident = item.get("id")
        entry = {
            "id": str(ident) if isinstance(ident, int | float) else ident,
            "link": urljoin(base, item["url"]) if isinstance(item.get("url"), str) else None,
            "title": item.get("title"),
            "summary": item.get("summary"),
            "content": [{"value": item.get("content_html")}, {"value": item.get("content_text")}],
        }
        if finds(entry):
            entries.append(entry)
    return not is_feed, entries


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
    json_feeds = {"parsed": 0, "bozo": 0, "entries": 0}
    for name, url_path in names.items():
        url = server.url_for(url_path)
        data, headers = served[url_path]
        result = FetchResult(
            url=url, status=200, final_url=url, headers={k.lower(): v for k, v in headers.items()}
        )
        if url_path.endswith(".json"):
            reference_bozo, found = json_reference(data, url)
            scope, error_name = url, "JSONFeedError"
            json_feeds["bozo" if reference_bozo else "parsed"] += 1
            json_feeds["entries"] += len(found)
        else:
            reference = feedparser.parse(io.BytesIO(data), response_headers=feed_headers(result))
            reference_bozo = bool(reference.bozo)
            found = [e for e in reference.entries if finds(e)]
            scope = (reference.feed.get("id") or "").strip() or url
            error_name = type(reference.get("bozo_exception")).__name__
        expected_keys.update(k for k in (entry_key(e, scope) for e in found) if k)

        feed = status[name]
        seen, bozo = attempts[name]
        if declares_entities(data):  # refused by design (entity expansion), unlike feedparser
            assert seen == 0 and feed["last_error"].startswith("refused"), (name, feed)
            expected_keys.difference_update(k for k in (entry_key(e, scope) for e in found) if k)
            continue
        assert feed["last_attempt"] is not None and feed["last_status"] == 200, (name, feed)
        assert not (feed["last_error"] or "").startswith("internal error"), (name, feed)
        if seen != len(found):
            mismatches.append(f"{url_path}: stored {seen}, the reference finds {len(found)}")
        if reference_bozo != bool(bozo):
            mismatches.append(f"{url_path}: bozo {bozo}, the reference says {reference_bozo}")
        if reference_bozo:
            bozo_feeds += 1
            assert feed["bozo"] and feed["last_error"], (name, feed)
            assert error_name in feed["last_error"], (name, feed)
    print(f"JSON files: {json_feeds}")
    assert not mismatches, "\n".join(mismatches[:20])
    assert stored_keys == expected_keys
    assert bozo_feeds == summary.bozo > 100  # the ill-formed and encoding cases
    # The JSON Feeds are read (NPR's and feedparser's example), the other JSON is no feed.
    assert json_feeds["parsed"] >= 2 and json_feeds["entries"] >= 27
    assert json_feeds["bozo"] >= 25

    # Polling the same bytes again changes nothing, even where feeds share articles.
    with store.session() as session:
        session.execute(update(Feed).values(next_poll_at=None))
    again = poll_feeds(store, settings)
    assert (again.new, again.changed) == (0, 0)
