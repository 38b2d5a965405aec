"""URL identity: two spellings of one article's URL are one key; different articles stay apart."""

from __future__ import annotations

import pytest

from dedup.text.urls import canonical_url, domain_of


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/x?b=2&a=1", "https://example.com/x?a=1&b=2"),  # query order
        ("https://example.com/%C3%A4", "https://example.com/ä"),  # percent-encoding
        ("HTTPS://EXAMPLE.COM/x", "https://example.com/x"),  # scheme and host case
        ("http://example.com:80/x", "http://example.com/x"),  # default port
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com/x?utm_source=rss&utm_medium=feed", "https://example.com/x"),
        ("https://example.com/x?fbclid=abc&id=7", "https://example.com/x?id=7"),
        ("https://example.com/x#comments", "https://example.com/x"),  # fragment
        ("https://example.com", "https://example.com/"),  # empty path
        ("  https://example.com/x  ", "https://example.com/x"),
    ],
)
def test_spellings_of_one_url_are_one_key(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/x?id=1", "https://example.com/x?id=2"),
        ("https://example.com/Path", "https://example.com/path"),  # paths are case-sensitive
        ("http://example.com:8080/x", "http://example.com/x"),  # a non-default port
        ("https://example.com/x", "https://example.org/x"),
    ],
)
def test_different_articles_stay_apart(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize("value", ["not a url", "mailto:x@example.com", "urn:isbn:123", ""])
def test_what_is_not_a_web_url_is_kept_as_written(value: str) -> None:
    assert canonical_url(value) == value.strip()


def test_domain_of() -> None:
    assert domain_of("https://www.example.com:8443/a") == "example.com"
    assert domain_of("https://news.example.co.uk/a") == "news.example.co.uk"
    assert domain_of(None) is None
    assert domain_of("not a url") is None
