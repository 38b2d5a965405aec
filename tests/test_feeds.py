"""Feed bytes -> records: identity, text choice, dates, encodings and malformed feeds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dedup.ingest.feeds import ParsedFeed, entry_is_usable, is_json, parse_feed, parse_rfc3339

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Example News</title><link>https://news.example/</link>
<item>
  <title>Full &amp; rich</title>
  <link>https://News.Example/a/1?utm_source=rss&amp;id=7</link>
  <guid isPermaLink="false">n-1</guid>
  <pubDate>Tue, 16 May 2017 20:40:00 +0200</pubDate>
  <dc:creator>Ann Writer</dc:creator>
  <description>Short teaser.</description>
  <content:encoded><![CDATA[<p>First paragraph of the story, long enough to count.</p>
    <p>Second paragraph with <a href="/related">a link</a>.</p>]]></content:encoded>
</item>
<item>
  <title>Teaser only</title>
  <link>https://news.example/a/2</link>
  <description>Only a summary of the article.</description>
</item>
<item><title>Title only</title></item>
<item><description>No identity at all.</description></item>
<item><guid>n-5</guid></item>
</channel></rss>
"""


def parse(data: bytes, headers: dict[str, str] | None = None) -> ParsedFeed:
    return parse_feed(data, source="example", feed_url="https://news.example/rss", headers=headers)


def test_rss_entries_become_records() -> None:
    feed = parse_feed(RSS, source="example", site="Example", feed_url="https://news.example/rss")
    assert not feed.bozo and feed.bozo_error is None
    assert (feed.title, feed.link) == ("Example News", "https://news.example/")
    assert [r.title for r in feed.entries] == ["Full & rich", "Teaser only", "Title only"]
    assert feed.skipped == 2
    full, teaser, title_only = feed.entries

    assert full.key == full.url == "https://news.example/a/1?id=7"
    assert full.guid == "n-1" and full.author == "Ann Writer"
    assert full.published == datetime(2017, 5, 16, 18, 40, tzinfo=UTC)
    assert full.full_text and full.source == "example" and full.site == "Example"
    assert [p.text for p in full.paragraphs] == [
        "First paragraph of the story, long enough to count.",
        "Second paragraph with a link.",
    ]
    assert full.links == (("https://news.example/related", "a link"),)

    assert not teaser.full_text and teaser.text == "Only a summary of the article."
    assert teaser.published is None
    assert feed.summary_only == 2

    assert title_only.key.startswith("title:https://news.example/rss:")
    assert title_only.url is None and title_only.text == ""


def test_guid_key_is_scoped_by_the_feeds_own_id_else_its_url() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed:1</id><title>A</title>
      <entry><id>urn:entry:9</id><title>No link</title><updated>2020-01-02T03:04:05Z</updated>
      <content type="text">Plain text body.

Second paragraph.</content></entry></feed>"""
    (entry,) = parse(atom).entries
    assert entry.key == "guid:urn:feed:1:urn:entry:9" and entry.url is None
    assert entry.published == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert entry.text == "Plain text body.\n\nSecond paragraph."

    rss = b"<rss><channel><item><guid isPermaLink='false'>42</guid><title>t</title></item>"
    rss += b"</channel></rss>"
    (entry,) = parse(rss).entries
    assert entry.key == "guid:https://news.example/rss:42"


def test_longest_content_wins_and_html_titles_are_plain() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <id>e</id><link href="https://a.example/e"/>
      <title type="html">Ben &amp;amp; &lt;b&gt;Jerry&lt;/b&gt;</title>
      <summary>Teaser.</summary>
      <content type="html">&lt;p&gt;The whole article text is here.&lt;/p&gt;</content>
    </entry></feed>"""
    (entry,) = parse(atom).entries
    assert entry.title == "Ben & Jerry"
    assert entry.text == "The whole article text is here." and entry.full_text


def test_malformed_feed_is_bozo_but_keeps_its_entries() -> None:
    broken = b"""<rss><channel><title>Broken</title>
      <item><title>Kept</title><link>https://b.example/1</link>
      <description>Text & more</description></item>
      <item><title>Also kept</title><link>https://b.example/2</link></item>
    """
    feed = parse(broken)
    assert feed.bozo and feed.bozo_error
    assert ":" in feed.bozo_error
    assert [r.key for r in feed.entries] == [
        "https://b.example/1",
        "https://b.example/2",
    ]


def test_not_a_feed_is_bozo_without_entries() -> None:
    feed = parse(b"\x00\x01 this is not xml at all")
    assert feed.bozo and not feed.entries


def test_http_charset_decodes_the_bytes() -> None:
    latin = "<rss><channel><item><title>Café crème</title><link>https://c.example/1</link>"
    latin += "</item></channel></rss>"
    data = latin.encode("iso-8859-1")
    feed = parse(data, headers={"content-type": "application/rss+xml; charset=iso-8859-1"})
    assert feed.entries[0].title == "Café crème"


def test_relative_links_resolve_against_content_location() -> None:
    rss = b"<rss><channel><item><title>t</title><link>/story/1</link></item></channel></rss>"
    feed = parse(
        rss,
        headers={
            "content-type": "application/xml",
            "content-location": "https://d.example/feeds/main.xml",
        },
    )
    assert feed.entries[0].key == "https://d.example/story/1"
    # Without a base a relative link is no identity: the title is, then the link itself,
    # scoped by the feed so it cannot collide with another feed's.
    assert parse(rss).entries[0].key.startswith("title:")
    untitled = rss.replace(b"<title>t</title>", b"<description>d</description>")
    assert parse(untitled).entries[0].key == "link:https://news.example/rss:/story/1"


def test_entry_is_usable_rule() -> None:
    assert entry_is_usable({"link": "https://e.example/1", "summary": "x"})
    assert entry_is_usable({"title": "Only a title"})
    assert entry_is_usable({"id": "1", "content": [{"value": "<p>body</p>"}]})
    assert not entry_is_usable({"summary": "no identity"})
    assert not entry_is_usable({"id": "1"})
    assert not entry_is_usable({"id": "1", "summary": "   ", "title": " "})


# ---------------------------------------------------------------- JSON Feed

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Example JSON",
    "home_page_url": "https://json.example/",
    "feed_url": "https://json.example/feed.json",
    "authors": [{"name": "Desk"}],
    "items": [
        {
            "id": "https://json.example/a/1",
            "url": "https://JSON.example/a/1?utm_source=feed",
            "title": "Full <b>HTML</b>",
            "content_html": (
                "<p>First paragraph of the story.</p><p>See <a href='/more'>more</a>.</p>"
            ),
            "content_text": "First paragraph of the story. See more.",
            "summary": "A teaser.",
            "date_published": "2021-10-29T10:26:00-04:00",
            "date_modified": "2021-10-29T11:59:00-04:00",
            "authors": [
                {"name": "Ann Writer"},
                {"name": "Bo Reporter", "url": "https://b.example"},
            ],
        },
        {
            "id": 42,
            "url": "/a/2",
            "title": "Plain text",
            "content_text": "Line one.\n\nLine two.",
            "date_modified": "2020-01-02T03:04:05Z",
        },
        {"id": "s", "url": "https://json.example/a/3", "summary": "Only a summary."},
        {"id": "t", "title": "Title only"},
        {"content_text": "No identity at all."},
        {"id": "empty"},
        "not an object",
    ],
}


def parse_json(doc: object, headers: dict[str, str] | None = None) -> ParsedFeed:
    return parse(json.dumps(doc).encode(), headers=headers)


def test_json_feed_items_become_records() -> None:
    feed = parse_json(
        JSON_FEED,
        headers={
            "content-type": "application/feed+json",
            "content-location": "https://json.example/feed.json",
        },
    )
    assert not feed.bozo and feed.bozo_error is None
    assert (feed.title, feed.link, feed.feed_id) == ("Example JSON", "https://json.example/", None)
    assert [r.title for r in feed.entries] == ["Full HTML", "Plain text", None, "Title only"]
    assert feed.skipped == 2
    html, text, summary, title_only = feed.entries

    assert html.key == html.url == "https://json.example/a/1"
    assert html.guid == "https://json.example/a/1" and html.full_text
    assert html.published == datetime(2021, 10, 29, 14, 26, tzinfo=UTC)
    assert html.author == "Ann Writer, Bo Reporter"
    assert html.text == "First paragraph of the story.\n\nSee more."
    assert html.links == (("https://json.example/more", "more"),)

    assert text.key == "https://json.example/a/2" and text.guid == "42"
    assert text.text == "Line one.\n\nLine two." and text.full_text
    assert text.published == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert text.author == "Desk"  # the feed's authors are the item's when it names none

    assert not summary.full_text and summary.text == "Only a summary."
    assert summary.published is None
    assert title_only.key == "guid:https://news.example/rss:t" and title_only.text == ""


def test_json_feed_version_1_without_a_content_type() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "title": "One",
        "author": {"name": "Old Style"},
        "items": [
            {
                "id": "1",
                "url": "https://one.example/1",
                "title": "A",
                "content_html": "<img src='x.png'>",
                "content_text": "Text wins.",
            }
        ],
    }
    data = b"\xef\xbb\xbf  " + json.dumps(doc, indent=2).encode()
    assert is_json(data, None)
    feed = parse(data)
    assert not feed.bozo
    (entry,) = feed.entries
    assert entry.author == "Old Style"
    assert entry.text == "Text wins."  # HTML with no text leaves the plain text


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"version": "https://jsonfeed.org/version/1", "items": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b'["https://jsonfeed.org/version/1"]', "the document is a JSON list"),
        (
            b'{"feed": {"items": [{"title": "x", "link": "https://x.example/"}]}}',
            'no "version" naming https://jsonfeed.org/version/1 or 1.1',
        ),
        (b'{"version": "2.0", "items": []}', '"version" is "2.0"'),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "title": "No items"}',
            'without an "items" list',
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1", "items": [' + b"[" * 100_000,
            "not valid JSON",
        ),
    ],
)
def test_malformed_json_is_a_bozo_feed_with_the_reason(body: bytes, error: str) -> None:
    feed = parse(body, headers={"content-type": "application/json; charset=utf-8"})
    assert feed.bozo and feed.bozo_error
    assert feed.bozo_error.startswith("JSONFeedError: ") and error in feed.bozo_error
    assert "\n" not in feed.bozo_error
    assert not feed.entries


def test_json_feed_in_a_legacy_charset_is_read_but_bozo() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": "1", "url": "https://c.example/1", "title": "Caf\u00e9 cr\u00e8me"}],
    }
    data = json.dumps(doc, ensure_ascii=False).encode("iso-8859-1")
    feed = parse(data, headers={"content-type": "application/feed+json; charset=iso-8859-1"})
    assert feed.bozo and "not UTF-8" in (feed.bozo_error or "")
    assert feed.entries[0].title == "Caf\u00e9 cr\u00e8me"


def test_xml_served_as_json_is_read_as_xml() -> None:
    assert not is_json(RSS, {"Content-Type": "application/json"})
    feed = parse(RSS, headers={"content-type": "application/json"})
    assert len(feed.entries) == 3


def test_parse_rfc3339() -> None:
    assert parse_rfc3339("2021-10-29T10:26:00-04:00") == datetime(2021, 10, 29, 14, 26, tzinfo=UTC)
    assert parse_rfc3339("2021-10-29t10:26:00.5z") == datetime(
        2021, 10, 29, 10, 26, 0, 500000, tzinfo=UTC
    )
    assert parse_rfc3339("2021-10-29 10:26:00") == datetime(2021, 10, 29, 10, 26, tzinfo=UTC)
    for bad in ("yesterday", "", None, 1635500000, "0001-01-01T00:00:00+01:00"):
        assert parse_rfc3339(bad) is None


def test_entries_linking_to_the_front_page_are_known_by_their_ids() -> None:
    """A podcast feed links every episode to the site's front page (the captured Taverncast
    feed: 131 episodes, 105 of them to http://www.taverncast.com): keyed by that link, all
    became versions of one article. The front page is no article's URL; a query or a path
    names one."""
    rss = b"""<rss><channel><title>Cast</title><link>http://cast.example/</link>
      <item><title>Episode 2</title><link>http://www.cast.example</link>
        <guid>http://cast.example/shows/2.mp3</guid><description>Second show.</description></item>
      <item><title>Episode 1</title><link>http://www.cast.example/</link>
        <guid>http://cast.example/shows/1.mp3</guid><description>First show.</description></item>
      <item><title>No guid</title><link>http://cast.example/index.php</link>
        <description>Notes.</description></item>
      <item><title>Post</title><link>http://cast.example/?p=12</link>
        <guid>p-12</guid><description>A post.</description></item>
    </channel></rss>"""
    entries = parse(rss).entries
    assert [e.key for e in entries] == [
        "guid:https://news.example/rss:http://cast.example/shows/2.mp3",
        "guid:https://news.example/rss:http://cast.example/shows/1.mp3",
        entries[2].key,
        "http://cast.example/?p=12",
    ]
    assert entries[2].key.startswith("title:https://news.example/rss:")
    assert [e.url for e in entries] == [None, None, None, "http://cast.example/?p=12"]
