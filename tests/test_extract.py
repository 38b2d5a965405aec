from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from dedup.extract import (
    Extracted,
    decode_bytes,
    extract_fragment,
    extract_page,
    extract_text,
)
from dedup.paragraph_kinds import BODY, BOILERPLATE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def _texts(extracted: Extracted) -> list[str]:
    return [p.text for p in extracted.paragraphs]


def _check_offsets(extracted: Extracted) -> None:
    assert extracted.text == "\n\n".join(_texts(extracted))
    for p in extracted.paragraphs:
        assert extracted.text[p.start : p.end] == p.text


# ---------------------------------------------------------------- plain text


def test_extract_text() -> None:
    extracted = extract_text("Para \u201cone\u201d.\n\nPara two\nwrapped.", title=" A\u00a0Title ")
    assert extracted.title == "A Title"
    assert _texts(extracted) == ['Para "one".', "Para two wrapped."]
    assert extracted.links == ()
    _check_offsets(extracted)


# ---------------------------------------------------------------- fragments


def test_fragment_splits_on_block_tags_br_and_list_items() -> None:
    html = (
        "<div><p>First <b>paragraph</b> here.</p>Loose text after it."
        "<ul><li>item one</li><li>item two</li></ul>"
        "<p>Line one.<br>Line two.<br><br>After a double break.</p>"
        "<h2>A heading</h2><blockquote>A quote.</blockquote></div>"
    )
    extracted = extract_fragment(html)
    assert _texts(extracted) == [
        "First paragraph here.", "Loose text after it.", "item one", "item two",
        "Line one.", "Line two.", "After a double break.", "A heading", "A quote.",
    ]
    _check_offsets(extracted)


def test_fragment_joins_a_line_broken_mid_sentence() -> None:
    extracted = extract_fragment("<p>The minister said that<br>the plan would go ahead.</p>")
    assert _texts(extracted) == ["The minister said that the plan would go ahead."]


def test_fragment_drops_scripts_styles_and_comments() -> None:
    html = (
        "<p>Kept text.</p><script>alert('no')</script><style>p{}</style>"
        "<!-- a comment --><noscript>Enable JS</noscript><form><button>Send</button></form>"
        "<p>More <!-- inline --> text.</p>"
    )
    assert _texts(extract_fragment(html)) == ["Kept text.", "More text."]


def test_fragment_links_are_absolute_with_anchor_text() -> None:
    html = (
        '<p>See <a href="/story/1?utm_source=feed">the <i>original</i> story</a>, '
        '<a href="https://Other.example.org/x#frag">another</a>, '
        '<a href="javascript:void(0)">js</a>, <a href="mailto:a@b.c">mail</a>, '
        '<a href="#top">top</a> and <a href="/story/1">again</a>.</p>'
    )
    extracted = extract_fragment(html, base_url="https://site.example.com/news/a")
    assert extracted.links == (
        ("https://site.example.com/story/1", "the original story"),
        ("https://other.example.org/x", "another"),
    )
    assert _texts(extracted) == ["See the original story, another, js, mail, top and again."]


def test_fragment_without_tags_is_plain_text() -> None:
    extracted = extract_fragment("First &amp; best.\n\nSecond one.")
    assert _texts(extracted) == ["First & best.", "Second one."]
    inline = extract_fragment("Only <em>inline</em> markup.\n\nAnd a blank line.")
    assert _texts(inline) == ["Only inline markup.", "And a blank line."]
    assert extract_fragment("   ").paragraphs == ()


def test_fragment_classifies_feed_footers() -> None:
    extracted = extract_fragment(
        "<p>" + "A long enough paragraph of the article text itself. " * 3 + "</p>"
        "<p>" + "Another long paragraph of the same article, still body. " * 3 + "</p>"
        "<p>The post <a href='https://blog.example.com/p'>Title</a> appeared first on "
        "Example Blog.</p>"
    )
    assert [p.kind for p in extracted.paragraphs] == [BODY, BODY, BOILERPLATE]


# ---------------------------------------------------------------- pages


def test_page_main_text_title_and_links() -> None:
    page = (FIXTURES / "page.html").read_bytes()
    extracted = extract_page(page, url="https://gazette.example.org/2024/03/harbour-reopens")
    assert extracted.title == "Harbour reopens after storm"
    assert extracted.url == "https://gazette.example.org/2024/03/harbour-reopens"
    texts = _texts(extracted)
    assert texts[0].startswith("The harbour reopened to ships on Monday morning")
    assert any(t.startswith("The storm also cut power") for t in texts)
    joined = " ".join(texts)
    for left_out in ("rusting for years", "ferry was two hours late", "Politics", "tracking",
                     "All rights reserved"):
        assert left_out not in joined
    assert extracted.links == (
        ("https://port.example.net/statement", "a statement from the port authority"),
        ("https://gazette.example.org/2024/03/power-cuts", "an earlier report"),
    )
    _check_offsets(extracted)


def test_page_from_str_and_empty_page() -> None:
    page = (FIXTURES / "page.html").read_text(encoding="utf-8")
    assert extract_page(page).paragraphs
    empty = extract_page("<html><head><title>Nothing</title></head><body></body></html>")
    assert empty.paragraphs == ()
    assert extract_page(b"").paragraphs == ()


def test_page_bytes_in_a_declared_legacy_charset() -> None:
    body = "<p>" + "Caf\u00e9 cr\u00e8me na\u00efve fa\u00e7ade, prices in \u20ac. " * 6 + "</p>"
    page = (
        '<html><head><meta charset="windows-1252"><title>Men\u00fc</title></head>'
        f"<body><article>{body}{body}</article></body></html>"
    ).encode("cp1252")
    extracted = extract_page(page)
    assert "Caf\u00e9 cr\u00e8me" in extracted.text
    assert "\u20ac" in extracted.text


# ---------------------------------------------------------------- decoding

_SAMPLE = "\u201cNa\u00efve caf\u00e9\u201d \u2014 d\u00e9j\u00e0 vu, \u00fcber Stra\u00dfe. " * 20


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (_SAMPLE.encode("utf-8"), None),
        (codecs.BOM_UTF8 + _SAMPLE.encode("utf-8"), "latin-1"),
        (codecs.BOM_UTF16_LE + _SAMPLE.encode("utf-16-le"), None),
        (_SAMPLE.encode("cp1252"), "windows-1252"),
        (_SAMPLE.encode("utf-8"), "iso-8859-1"),  # a server's default label, wrong
        (_SAMPLE.encode("cp1252"), "no-such-charset"),
        (b'<meta charset="windows-1252">' + _SAMPLE.encode("cp1252"), None),
    ],
)
def test_decode_bytes(data: bytes, declared: str | None) -> None:
    assert decode_bytes(data, declared).endswith(_SAMPLE)


def test_decode_undeclared_legacy_bytes_with_charset_detection() -> None:
    text = (
        "Le pr\u00e9sident a d\u00e9clar\u00e9 que la r\u00e9forme des retraites serait "
        "adopt\u00e9e avant l'\u00e9t\u00e9, malgr\u00e9 les gr\u00e8ves. "
    ) * 10
    assert decode_bytes(text.encode("cp1252")) == text


def test_decode_never_raises() -> None:
    assert isinstance(decode_bytes(bytes(range(256)) * 4), str)
