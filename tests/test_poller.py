"""The poller against a local HTTP server: validators, redirects, failures, backoff, versions."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, update
from werkzeug import Request, Response

from dedup.config import FeedConfig, FetchSettings, Settings
from dedup.errors import ConfigError
from dedup.ingest.fetch import HostScheduler
from dedup.ingest.poller import BACKOFF_BASE, PollSummary, backoff_delay, poll_feeds
from dedup.store.engine import Store
from dedup.store.models import Article, ArticleVersion, Feed, FetchAttempt, Source, utcnow

# The local test server is a loopback address, which the fetch policy refuses for article
# pages and redirects unless allowed; the policy itself is tested in test_hostile.py.
FAST = FetchSettings(
    timeout=2.0, max_bytes=50_000, per_host_delay=0.0, concurrency=4, allow_private=True
)


def rss(*items: tuple[str, str, str], summary_only: bool = False) -> bytes:
    """An RSS feed of (link, title, text) items."""
    tag = "description" if summary_only else "content:encoded"
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        f"<pubDate>Tue, 16 May 2017 18:12:00 GMT</pubDate><{tag}><![CDATA[<p>{text}</p>]]></{tag}>"
        "</item>"
        for link, title, text in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
        f"<link>https://site.example/</link>{body}</channel></rss>"
    ).encode()


ONE = rss(("https://site.example/a/1", "First", "The first article body text."))
TWO = rss(
    ("https://site.example/a/1", "First", "The first article body text."),
    ("https://site.example/a/2", "Second", "The second article body text."),
)


def settings_for(
    db_url: str, *urls: str, fetch: FetchSettings = FAST, full_text: bool = False
) -> Settings:
    per_feed = replace(fetch, full_text=full_text)
    feeds = tuple(
        FeedConfig(name=f"feed{i}", url=url, site=f"Site {i}", fetch=per_feed)
        for i, url in enumerate(urls)
    )
    return Settings(db_url=db_url, fetch=fetch, feeds=feeds)


def feed_row(store: Store, name: str = "feed0") -> Feed:
    with store.session() as session:
        feed = session.scalars(select(Feed).where(Feed.name == name)).one()
        session.expunge(feed)
        return feed


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def make_due(store: Store) -> None:
    with store.session() as session:
        session.execute(update(Feed).values(next_poll_at=utcnow() - timedelta(seconds=1)))


def test_etag_and_last_modified_round_trip_then_304(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    lm = "Tue, 16 May 2017 18:12:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            ONE, headers={"ETag": '"v1"', "Last-Modified": lm}, content_type="application/rss+xml"
        )

    server.expect_request("/feed").respond_with_handler(handler)
    settings = settings_for(db_url, server.url_for("/feed"))
    first = poll_feeds(store, settings)
    assert (first.polled, first.new, first.failed) == (1, 1, 0)
    feed = feed_row(store)
    assert (feed.etag, feed.last_modified, feed.last_status) == ('"v1"', lm, 200)
    assert feed.last_success_at is not None and feed.failures == 0

    second = poll_feeds(store, settings)
    assert (second.not_modified, second.new, second.unchanged) == (1, 0, 0)
    request = server.log[-1][0]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == lm
    assert feed_row(store).last_status == 304 and feed_row(store).etag == '"v1"'
    with store.session() as session:
        outcomes = session.scalars(select(FetchAttempt.outcome).order_by(FetchAttempt.id)).all()
    assert outcomes == ["ok", "not_modified"]
    assert count(store, Article) == 1


def test_permanent_redirect_is_recorded_and_used(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(ONE, content_type="application/rss+xml")
    settings = settings_for(db_url, server.url_for("/old"))
    summary = poll_feeds(store, settings)
    assert summary.new == 1 and summary.reports[0].outcome == "moved"
    feed = feed_row(store)
    assert feed.current_url == server.url_for("/new") and feed.url == server.url_for("/old")
    poll_feeds(store, settings)
    assert [entry[0].path for entry in server.log] == ["/old", "/new", "/new"]


def test_gone_disables_until_the_url_changes(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/gone").respond_with_data("", status=410)
    server.expect_request("/back").respond_with_data(ONE, content_type="application/rss+xml")
    summary = poll_feeds(store, settings_for(db_url, server.url_for("/gone")))
    assert summary.reports[0].outcome == "gone"
    feed = feed_row(store)
    assert not feed.enabled and feed.last_status == 410
    assert feed.disabled_reason is not None and "feeds.yml" in feed.disabled_reason

    again = poll_feeds(store, settings_for(db_url, server.url_for("/gone")))
    assert (again.polled, again.skipped_disabled) == (0, 1)

    moved = poll_feeds(store, settings_for(db_url, server.url_for("/back")))
    assert moved.new == 1 and feed_row(store).enabled and feed_row(store).failures == 0


def test_server_error_backs_off_exponentially(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    server.expect_request("/err").respond_with_data("boom", status=500)
    settings = settings_for(db_url, server.url_for("/err"))
    before = utcnow()
    summary = poll_feeds(store, settings)
    assert summary.failed == 1 and "HTTP 500" in summary.describe()
    feed = feed_row(store)
    assert feed.failures == 1 and feed.last_status == 500
    assert feed.last_error is not None and feed.last_error.startswith("HTTP 500")
    assert feed.next_poll_at is not None
    assert before + BACKOFF_BASE <= feed.next_poll_at <= utcnow() + BACKOFF_BASE

    skipped = poll_feeds(store, settings)
    assert (skipped.polled, skipped.skipped_backoff) == (0, 1)

    make_due(store)
    poll_feeds(store, settings)
    feed = feed_row(store)
    assert feed.failures == 2 and feed.next_poll_at is not None
    assert feed.next_poll_at >= utcnow() + 2 * BACKOFF_BASE - timedelta(seconds=5)

    server.clear()
    server.expect_request("/err").respond_with_data(ONE, content_type="application/rss+xml")
    make_due(store)
    poll_feeds(store, settings)
    feed = feed_row(store)
    assert (feed.failures, feed.next_poll_at, feed.last_error) == (0, None, None)


def test_hanging_server_times_out_with_backoff(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    release = threading.Event()

    def hang(_request: Request) -> Response:
        release.wait(10)
        return Response(ONE)

    server.expect_request("/hang").respond_with_handler(hang)
    try:
        quick = replace(FAST, timeout=0.3)
        summary = poll_feeds(store, settings_for(db_url, server.url_for("/hang"), fetch=quick))
    finally:
        release.set()
    assert summary.failed == 1
    feed = feed_row(store)
    assert feed.last_error == "timed out after 0.3s" and feed.last_status is None
    assert feed.failures == 1 and feed.next_poll_at is not None


def test_retry_after_is_honoured(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/busy").respond_with_data(
        "", status=429, headers={"Retry-After": "7200"}
    )
    poll_feeds(store, settings_for(db_url, server.url_for("/busy")))
    feed = feed_row(store)
    assert feed.next_poll_at is not None and feed.last_status == 429
    assert feed.next_poll_at >= utcnow() + timedelta(seconds=7100)


def test_backoff_delay() -> None:
    assert backoff_delay(1, 24) == BACKOFF_BASE
    assert backoff_delay(3, 24) == 4 * BACKOFF_BASE
    assert backoff_delay(40, 24) == timedelta(hours=24)
    assert backoff_delay(1, 24, retry_after=3600) == timedelta(hours=1)
    assert backoff_delay(1, 0.5, retry_after=86400) == timedelta(minutes=30)


def test_oversized_feed_is_cut_off_with_an_error(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    big = rss(*[(f"https://site.example/{i}", f"T{i}", "x" * 900) for i in range(100)])
    server.expect_request("/big").respond_with_data(big, content_type="application/rss+xml")
    summary = poll_feeds(store, settings_for(db_url, server.url_for("/big")))
    assert summary.failed == 1 and count(store, Article) == 0
    feed = feed_row(store)
    assert feed.last_error is not None and "cut off" in feed.last_error
    assert feed.etag is None


def test_repoll_adds_nothing_and_a_changed_entry_is_a_new_version(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    server.expect_request("/feed").respond_with_data(TWO, content_type="application/rss+xml")
    settings = settings_for(db_url, server.url_for("/feed"))
    assert poll_feeds(store, settings).new == 2
    again = poll_feeds(store, settings)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert (count(store, Article), count(store, ArticleVersion)) == (2, 2)

    server.clear()
    edited = TWO.replace(b"The second article body text.", b"The second article, corrected.")
    server.expect_request("/feed").respond_with_data(edited, content_type="application/rss+xml")
    changed = poll_feeds(store, settings)
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 1)
    assert (count(store, Article), count(store, ArticleVersion)) == (2, 3)
    with store.session() as session:
        texts = session.scalars(
            select(ArticleVersion.text)
            .join(Article, Article.id == ArticleVersion.article_id)
            .where(Article.key == "https://site.example/a/2")
            .order_by(ArticleVersion.number)
        ).all()
    assert texts == ["The second article body text.", "The second article, corrected."]

    # An older text served again (or by another feed) is no update: no version flip-flop.
    server.clear()
    server.expect_request("/feed").respond_with_data(TWO, content_type="application/rss+xml")
    reverted = poll_feeds(store, settings)
    assert (reverted.changed, count(store, ArticleVersion)) == (0, 3)


def test_bozo_feed_is_recorded_and_its_entries_kept(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    broken = TWO.replace(b"</channel></rss>", b"<item><title>cut")
    server.expect_request("/bozo").respond_with_data(broken, content_type="application/rss+xml")
    summary = poll_feeds(store, settings_for(db_url, server.url_for("/bozo")))
    assert summary.bozo == 1 and summary.failed == 0 and summary.new >= 2
    feed = feed_row(store)
    assert feed.bozo and feed.last_error and feed.failures == 0


def test_not_a_feed_counts_as_a_failure(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/html").respond_with_data(b"\x00garbage", content_type="text/html")
    summary = poll_feeds(store, settings_for(db_url, server.url_for("/html")))
    assert summary.failed == 1 and summary.reports[0].outcome == "bozo"
    assert feed_row(store).failures == 1


def test_local_paths_relative_to_the_config_and_file_urls(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "one.xml").write_bytes(ONE)
    (tmp_path / "two.xml").write_bytes(TWO)
    settings = replace(
        settings_for(db_url, "feeds/one.xml", (tmp_path / "two.xml").as_uri()),
        config_path=tmp_path / "feeds.yml",
    )
    summary = poll_feeds(store, settings)
    assert (summary.polled, summary.new, summary.failed) == (2, 2, 0)
    assert feed_row(store, "feed0").last_status is None
    assert feed_row(store, "feed1").last_success_at is not None


def test_feeds_are_synced_with_their_sources(store: Store, db_url: str, tmp_path: Path) -> None:
    (tmp_path / "one.xml").write_bytes(ONE)
    poll_feeds(store, settings_for(db_url, str(tmp_path / "one.xml")))
    with store.session() as session:
        source = session.scalars(select(Source).where(Source.name == "feed0")).one()
        article = session.scalars(select(Article)).one()
    assert source.display_name == "Site 0" and source.domain == "site.example"
    assert article.source_id == source.id


def test_full_text_is_fetched_once_for_summary_only_entries(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    page_url = server.url_for("/story/1")
    feed = rss((page_url, "Story", "A teaser."), summary_only=True)
    server.expect_request("/feed").respond_with_data(feed, content_type="application/rss+xml")
    body = " ".join(["The full article text runs on for a while here."] * 8)
    page = (
        "<html><head><title>Story</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Story</h1><p>{body}</p><p>{body}</p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    server.expect_request("/story/1").respond_with_data(page, content_type="text/html")
    settings = settings_for(db_url, server.url_for("/feed"), full_text=True)
    summary = poll_feeds(store, settings)
    assert (summary.new, summary.pages_fetched, summary.pages_failed) == (1, 1, 0)
    with store.session() as session:
        version = session.scalars(select(ArticleVersion)).one()
    assert version.full_text and "The full article text runs on" in version.text
    assert "Copyright" not in version.text and "Home" not in version.text

    again = poll_feeds(store, settings)
    assert (again.pages_fetched, again.changed, count(store, ArticleVersion)) == (0, 0, 1)
    assert [entry[0].path for entry in server.log].count("/story/1") == 1


def test_summary_is_kept_when_the_page_fails(store: Store, server: HTTPServer, db_url: str) -> None:
    feed = rss((server.url_for("/missing"), "Story", "A teaser."), summary_only=True)
    server.expect_request("/feed").respond_with_data(feed, content_type="application/rss+xml")
    server.expect_request("/missing").respond_with_data("", status=404)
    settings = settings_for(db_url, server.url_for("/feed"), full_text=True)
    summary = poll_feeds(store, settings)
    assert (summary.new, summary.pages_failed) == (1, 1)
    with store.session() as session:
        version = session.scalars(select(ArticleVersion)).one()
    assert not version.full_text and version.text == "A teaser."
    again = poll_feeds(store, settings)  # a stored article's page is not fetched again
    assert (again.pages_failed, again.unchanged) == (0, 1)
    assert [entry[0].path for entry in server.log].count("/missing") == 1


def test_every_feed_is_polled_concurrently_and_recorded(
    store: Store, server: HTTPServer, db_url: str
) -> None:
    urls = []
    for i in range(12):
        server.expect_request(f"/f{i}").respond_with_data(
            rss((f"https://site.example/{i}", f"T{i}", f"Body number {i}.")),
            content_type="application/rss+xml",
        )
        urls.append(server.url_for(f"/f{i}"))
    summary = poll_feeds(store, settings_for(db_url, *urls))
    assert (summary.polled, summary.new) == (12, 12)
    assert count(store, FetchAttempt) == 12 and count(store, Article) == 12


def test_requests_to_one_host_are_spaced(store: Store, server: HTTPServer, db_url: str) -> None:
    for i in range(3):
        server.expect_request(f"/p{i}").respond_with_data(ONE, content_type="application/rss+xml")
    slept: list[float] = []
    polite = replace(FAST, per_host_delay=30.0)
    urls = [server.url_for(f"/p{i}") for i in range(3)]
    scheduler = HostScheduler(sleep=slept.append)
    summary = poll_feeds(store, settings_for(db_url, *urls, fetch=polite), scheduler=scheduler)
    assert summary.polled == 3
    assert len(slept) == 2 and all(s > 25 for s in slept)  # the 2nd and 3rd request waited


def test_summary_renders(store: Store, server: HTTPServer, db_url: str) -> None:
    server.expect_request("/err").respond_with_data("", status=503)
    summary = poll_feeds(store, settings_for(db_url, server.url_for("/err")))
    data = summary.as_dict()
    assert data["failed"] == 1 and data["analysis"] is None
    assert data["problems"][0]["feed"] == "feed0" and data["problems"][0]["status"] == 503
    assert "feed0: error: HTTP 503 Service Unavailable; next try after" in summary.describe()
    assert isinstance(summary, PollSummary)


def test_no_feeds_is_a_config_error(store: Store, settings: Settings) -> None:
    with pytest.raises(ConfigError, match="no feeds configured"):
        poll_feeds(store, settings)
