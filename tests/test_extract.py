from __future__ import annotations

import codecs
import re
from pathlib import Path

import feedparser
import pytest

from dedup.text.encoding import decode_bytes
from dedup.text.extract import (
    Extracted,
    extract_fragment,
    extract_page,
    extract_text,
)
from dedup.text.paragraph_kinds import BODY, BOILERPLATE, COMMENT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
EXAMPLE_FEEDS = Path(__file__).resolve().parent.parent / "examples" / "feeds"


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
        "First paragraph here.",
        "Loose text after it.",
        "item one",
        "item two",
        "Line one.",
        "Line two.",
        "After a double break.",
        "A heading",
        "A quote.",
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


# ---------------------------------------------------------------- fragments: kinds


def _kinds(extracted: Extracted) -> list[str]:
    return [p.kind for p in extracted.paragraphs]


def _of_kind(extracted: Extracted, kind: str) -> str:
    return " ".join(p.norm_text for p in extracted.paragraphs if p.kind == kind)


@pytest.mark.parametrize("feed", sorted(p.name for p in EXAMPLE_FEEDS.glob("*.xml")))
def test_example_feed_html_gets_the_kinds_of_its_plain_text(seeds_dir: Path, feed: str) -> None:
    """Each example feed carries a seed's text as HTML: both readings agree on every kind."""
    data = (EXAMPLE_FEEDS / feed).read_text(encoding="utf-8")
    note = re.search(r"examples/seeds/(\d{3}_[0-9a-f]+\.txt)", data)
    assert note, "the example feed names the seed it carries"
    title, _, body = (seeds_dir / note.group(1)).read_text(encoding="utf-8").partition("\n")
    plain = extract_text(body, title)
    (entry,) = feedparser.parse(data).entries
    html = extract_fragment(entry.content[0].value, base_url=entry.link)
    for kind in (BODY, COMMENT, BOILERPLATE):
        assert _of_kind(html, kind) == _of_kind(plain, kind), kind
    citing = [p for p in html.paragraphs if "buzzfeed" in p.norm_text and p.kind != COMMENT]
    assert {p.kind for p in citing} <= {BODY}


def test_example_feed_comment_thread_is_comments() -> None:
    data = (EXAMPLE_FEEDS / "joemygod.xml").read_bytes()
    (entry,) = feedparser.parse(data).entries
    paragraphs = extract_fragment(entry.content[0].value).paragraphs
    first = next(i for i, p in enumerate(paragraphs) if p.text == "MusicBear88")
    assert {p.kind for p in paragraphs[:first]} == {BODY} and first == 6
    assert {p.kind for p in paragraphs[first:]} == {COMMENT} and len(paragraphs) - first > 230


_P1 = (
    "<p>The regional council voted on Tuesday to expand the tram network to the northern "
    "suburbs, ending a debate that lasted more than four years.</p>"
)
_P2 = (
    "<p>Opponents had argued that the money would be better spent on buses, which can change "
    "their routes as the city grows, but the vote was not close.</p>"
)
_C1 = "<p>Finally, and about time too, I have waited ten years for this.</p>"
_C2 = "<p>Buses would have been cheaper and quicker, as everyone knows.</p>"
_C3 = "<p>Great news for the north of the city.</p>"


def test_fragment_nested_comment_list() -> None:
    html = (
        f"{_P1}{_P2}<ul><li>Anna K.{_C1}<ul><li><div>Bus Rider</div><div>{_C2}</div></li></ul>"
        f"</li><li>Tom{_C3}</li></ul>"
    )
    extracted = extract_fragment(html)
    assert _kinds(extracted) == [BODY, BODY] + [COMMENT] * 6
    assert _texts(extracted)[2:4] == [
        "Anna K.",
        "Finally, and about time too, I have waited ten years for this.",
    ]


def test_fragment_list_of_headed_points_is_body() -> None:
    html = (
        f"{_P1}<ul><li>Tax cuts<p>The plan cuts taxes for most households.</p></li>"
        "<li>Spending<p>The plan raises spending on schools.</p></li>"
        "<li>Fruits<ul><li>apples, pears and plums from the market stall</li></ul></li></ul>"
        f"{_P2}<p>\u2022 Defence</p>{_P1}<p>\u2022 Health</p>{_P2}<p>\u2022 Roads</p>{_P1}"
    )
    assert set(_kinds(extract_fragment(html))) == {BODY}


_WORDPRESS = (
    '<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on '
    '&ldquo;Trams&rdquo;</h2><ol class="comment-list"><li class="comment">'
    '<article class="comment-body"><footer class="comment-meta">'
    '<div class="comment-author vcard"><b class="fn">Jo</b> <span class="says">says:</span>'
    '</div><div class="comment-metadata"><time>May 5, 2017 at 3:14 pm</time></div></footer>'
    f'<div class="comment-content">{_C1}</div><div class="reply"><a href="#r">Reply</a></div>'
    "</article></li></ol></div>"
)


def test_fragment_wordpress_comments_with_and_without_their_classes() -> None:
    expected = [BODY, BODY, BOILERPLATE, COMMENT, COMMENT, COMMENT]
    marked = extract_fragment(_P1 + _P2 + _WORDPRESS)
    assert _kinds(marked) == [*expected, COMMENT]
    assert _texts(marked)[-1] == "Reply"
    bare = re.sub(r' (class|id)="[^"]*"', "", _WORDPRESS)
    assert _kinds(extract_fragment(_P1 + _P2 + bare)) == [*expected, COMMENT]
    # Without the heading, "Jo says:" over the date still opens the comments.
    headless = re.sub(r"<h2>.*?</h2>", "", bare)
    assert _kinds(extract_fragment(_P1 + _P2 + headless)) == expected[:2] + expected[3:] + [COMMENT]


def test_fragment_flat_thread_of_bulleted_names() -> None:
    html = (
        f"{_P1}{_P2}<p>\u2022 jo_bloggs</p>{_C1}<p>\u2022 Sam</p>{_C2}{_C3}"
        f"<p>\u2022 tramfan99</p>{_C1}"
    )
    extracted = extract_fragment(html)
    assert _kinds(extracted) == [BODY, BODY] + [COMMENT] * 7
    assert _texts(extracted)[2] == "jo_bloggs"


def test_fragment_heading_and_reply_buttons_open_comments() -> None:
    html = f"{_P1}{_P2}<h3>12 Comments</h3><p>Anna</p>{_C3}<p>Reply</p>"
    assert _kinds(extract_fragment(html)) == [BODY, BODY, BOILERPLATE, COMMENT, COMMENT, COMMENT]
    html = f"{_P1}{_P2}<div>Anna</div>{_C3}<div><a href='#'>Reply</a></div>"
    assert _kinds(extract_fragment(html)) == [BODY, BODY, BODY, BODY, COMMENT]


def test_fragment_share_related_and_author_boxes_by_class() -> None:
    html = (
        f'{_P1}<div class="sharedaddy sd-sharing-enabled"><h3>Spread the word</h3><ul>'
        "<li>Twitter</li><li>Facebook</li></ul></div>"
        f'<div class="jp-relatedposts"><p>Tram line opens in May</p></div>{_P2}'
        '<div class="author-bio"><p>Jo covers transport for the paper and lives in the north.'
        "</p></div><p>Sam Reader</p><p>Great piece, thanks for covering it.</p>"
    )
    assert _kinds(extract_fragment(html)) == [
        BODY,
        BOILERPLATE,
        BOILERPLATE,
        BOILERPLATE,
        BOILERPLATE,
        BODY,
        BOILERPLATE,
        COMMENT,
        COMMENT,
    ]
    credit = f'{_P1}{_P2}<div class="author-box"><p>This article first appeared on City Times.'
    assert _kinds(extract_fragment(credit + "</p></div>")) == [BODY, BODY, BODY]


def test_fragment_classes_on_a_wrapper_or_before_the_article_do_not_swallow_it() -> None:
    wrapped = f'<div class="post has-comments share-enabled">{_P1}{_P2}{_P1}</div>'
    assert _kinds(extract_fragment(wrapped)) == [BODY, BODY, BODY]
    header = f'<div class="comments-link">Be the first to respond</div>{_P1}{_P2}{_P1}'
    assert _kinds(extract_fragment(header)) == [BOILERPLATE, BODY, BODY, BODY]


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
    for left_out in (
        "rusting for years",
        "ferry was two hours late",
        "Politics",
        "tracking",
        "All rights reserved",
    ):
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
