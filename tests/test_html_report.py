"""The HTML page built from hand-made report dicts: structure, marking and escaping."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from dedup.report.html import render_html, safe_url

HOSTILE_TITLE = 'Breaking <script>window.__pwned = "title"</script>'
HOSTILE_IMG = '<img src=x onerror="window.__pwned = 1">'


def _line(op: str, origin: str | None, copy: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "op": op,
        "origin_text": origin,
        "copy_text": copy,
        "similarity": extra.get("sim"),
        "moved": extra.get("moved", False),
        "diff": extra.get("diff"),
    }


def sample_report() -> dict[str, Any]:
    origin = {
        "article_id": 1,
        "source": "buzzfeed",
        "title": "Visas denied",
        "role": "origin",
        "url": "https://www.buzzfeed.com/visas",
        "published": "2017-05-17T10:00:00+00:00",
        "shared_paragraphs": 3,
        "kept": 1.0,
        "edited": 0.0,
        "dropped": 0.0,
        "added": 0.0,
        "ledger": [],
    }
    copy = {
        "article_id": 2,
        "source": "copier",
        "title": HOSTILE_TITLE,
        "role": "copy",
        "url": "javascript:alert(1)",
        "published": "2017-05-17T13:30:00Z",
        "first_seen": "2017-05-18T09:00:00+00:00",
        "shared_paragraphs": 2,
        "kept": 0.5,
        "edited": 0.25,
        "dropped": 0.25,
        "added": 0.1,
        "ledger": [
            _line("kept", "The first paragraph stays.", "The first paragraph stays.", sim=1.0),
            _line(
                "edited",
                "Officials denied the visas on Monday.",
                "Officials refused the visas on Monday.",
                sim=0.7,
                diff=[
                    ["=", "Officials"],
                    ["-", "denied"],
                    ["+", "refused"],
                    ["=", "the visas on Monday."],
                ],
            ),
            _line("dropped", "A paragraph the copier left out.", None),
            _line("added", None, f"Our own comment {HOSTILE_IMG} here.", moved=False),
            _line("kept", "Moved along.", "Moved along.", sim=1.0, moved=True),
        ],
    }
    return {
        "stories": [
            {
                "id": 7,
                "origin": {
                    "name": "buzzfeed",
                    "external": False,
                    "article_id": 1,
                    "confidence": 0.83,
                    "evidence": [
                        "published 3 h 30 min before the next copy",
                        "credited by copier: <b>via BuzzFeed</b>",
                    ],
                },
                "articles": [copy, origin],
            }
        ]
    }


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_page_is_self_contained_with_strict_csp() -> None:
    page = render_html(sample_report(), generated_at=datetime(2024, 1, 2, 3, 4, tzinfo=UTC))
    parsed = _parse(page)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("script") == 1  # the index's own, allowed by its hash (below)
    assert "link" not in tags and "iframe" not in tags and "img" not in tags
    csp = [
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert len(csp) == 1 and csp[0] is not None
    assert "default-src 'none'" in csp[0]
    assert "'unsafe-inline'" not in csp[0]
    assert "generated 2024-01-02 03:04 UTC" in page
    # nothing is fetched: no src attribute anywhere and no url(...) in the CSS
    assert not any("src" in attrs for _, attrs in parsed.tags)
    assert "url(" not in page


def test_style_hash_in_csp_matches_the_inline_style() -> None:
    page = render_html(sample_report())
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    csp = next(a["content"] for t, a in _parse(page).tags if a.get("http-equiv"))
    assert csp is not None and f"style-src 'sha256-{digest}'" in csp


def test_hostile_text_is_escaped_and_never_markup() -> None:
    page = render_html(sample_report())
    parsed = _parse(page)
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    text = "".join(parsed.text)
    assert HOSTILE_IMG in text  # shown to the reader as text
    assert '<script>window.__pwned = "title"</script>' in text
    assert "&lt;script&gt;" in page and page.count("<script>") == 1
    assert "<script>window.__pwned" not in page
    assert "<b>via BuzzFeed</b>" in text and "<b>" not in page


def test_only_http_urls_become_links() -> None:
    parsed = _parse(render_html(sample_report()))
    hrefs = [a["href"] for t, a in parsed.tags if t == "a" and a.get("href")]
    external = [h for h in hrefs if h and not h.startswith("#")]
    assert external == ["https://www.buzzfeed.com/visas"] * len(external)
    assert external  # the origin's link is there (in the origin box and the timeline)
    assert not any(h and "javascript" in h.lower() for h in hrefs)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("http://example.com", "http://example.com"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//example.com/x", None),
        ("https:alert", None),
        ("", None),
        (None, None),
        ('https://example.com/" onmouseover="x', None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_ledger_marks_each_operation() -> None:
    page = render_html(sample_report())
    # edited words: removed struck on the origin side, inserted marked on the copy side
    assert '<del class="w">denied</del>' in page
    assert '<ins class="w">refused</ins>' in page
    assert re.search(r'class="cell dropped">.*?A paragraph the copier left out\.', page)
    assert re.search(r'class="cell added">.*?Our own comment', page)
    assert page.count('class="cell kept"') == 4  # two kept lines, both sides
    assert '<span class="badge">moved</span>' in page
    assert "kept 50%" in page and "dropped 25%" in page


def test_story_list_origin_evidence_and_timeline() -> None:
    page = render_html(sample_report())
    assert '<a href="#story-7">Visas denied</a>' in page
    assert 'id="story-7"' in page
    assert "confidence 83%" in page
    assert "published 3 h 30 min before the next copy" in page
    assert "+3 h 30 min" in page  # the copy's delay after the origin
    assert "2017-05-18 09:00 UTC" in page  # when dedup first saw the copy
    # the origin comes first in the timeline, the copy after it
    timeline = page[page.index('class="timeline"') :]
    assert timeline.index("buzzfeed") < timeline.index("copier")
    assert "<svg" in page and "<circle" in page


def test_external_origin_and_missing_fields() -> None:
    report = {
        "stories": [
            {
                "id": 3,
                "origin": {
                    "name": "Reuters",
                    "external": True,
                    "article_id": None,
                    "confidence": None,
                    "evidence": [],
                },
                "articles": [
                    {
                        "article_id": 5,
                        "source": "blog",
                        "title": None,
                        "url": None,
                        "published": "not a date",
                        "role": "copy",
                        "ledger": [_line("dropped", "Reconstructed origin text.", None)],
                    }
                ],
            }
        ]
    }
    page = render_html(report)
    assert "not in the store" in page
    assert "Reconstructed origin text." in page
    assert "unknown" in page  # the unparseable date
    assert "(untitled)" in page


def test_empty_report() -> None:
    page = render_html({"stories": []})
    assert "No stories yet" in page
    assert page.startswith("<!DOCTYPE html>")


def test_list_mode_report_without_ledgers_says_so() -> None:
    report = sample_report()
    for article in report["stories"][0]["articles"]:
        del article["ledger"]
    page = render_html(report)
    assert "ledger not in this report" in page
    assert "kept 50%" in page  # the figures are still shown


def test_script_hash_in_csp_matches_the_one_script() -> None:
    page = render_html(sample_report())
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    csp = next(a["content"] for t, a in _parse(page).tags if a.get("http-equiv"))
    assert csp is not None and f"script-src 'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


def _many(count: int) -> dict[str, Any]:
    stories = []
    for number in range(1, count + 1):
        story = sample_report()["stories"][0]
        story["id"] = 100 + number
        origin = next(a for a in story["articles"] if a["role"] == "origin")
        origin["title"] = f"Story number {number} <b>bold</b>"
        stories.append(story)
    return {"stories": stories}


def test_index_numbers_rows_by_story_id_and_escapes_data() -> None:
    page = render_html(_many(3))
    parsed = _parse(page)
    rows = [a for t, a in parsed.tags if t == "tr" and a.get("data-id")]
    assert [r["data-id"] for r in rows] == ["101", "102", "103"]
    assert rows[0]["data-title"] == "story number 1 <b>bold</b>"  # an attribute, escaped
    assert "<b>bold</b>" not in page
    assert '<td class="num">101</td><td><a href="#story-101">' in page
    # sections open from the index; each links back to it
    assert page.count('<section class="story" id="story-') == 3
    assert page.count('<a href="#index">← all stories</a>') == 3
    single = render_html(_many(1))
    assert '<section class="story open" id="story-101">' in single
