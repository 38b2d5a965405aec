"""Plain text, feed HTML fragments and full HTML pages -> clean paragraphs and their links.

Three entry points for three kinds of input: :func:`extract_text` for a plain-text body,
:func:`extract_fragment` for the HTML of a feed entry (already the article, or a summary of it:
split on its block tags, never handed to a main-content extractor that would throw half of it
away), and :func:`extract_page` for a whole web page, whose main text trafilatura finds with
navigation, comments, ads and author boxes left out. All three return an :class:`Extracted`
whose paragraphs carry offsets into its ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura

from dedup.records import ParagraphRecord
from dedup.text.encoding import decode_bytes
from dedup.text.normalize import normalize_text
from dedup.text.paragraph_kinds import HINT_COMMENT, HINT_END, HINT_FURNITURE
from dedup.text.paragraphs import (
    Block,
    build_paragraphs,
    join_paragraphs,
    split_paragraphs,
    strip_bullet,
)
from dedup.text.urls import canonical_url

Link = tuple[str, str | None]


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str  # clean text, paragraphs separated by "\n\n"
    paragraphs: tuple[ParagraphRecord, ...]
    links: tuple[Link, ...]  # (absolute url, anchor text)
    url: str | None = None  # a page's own canonical URL, when it declares one


def _extracted(
    title: str | None,
    paragraphs: tuple[ParagraphRecord, ...],
    links: list[Link],
    url: str | None = None,
) -> Extracted:
    return Extracted(title, join_paragraphs(paragraphs), paragraphs, _unique(links), url)


def _clean_title(title: str | None) -> str | None:
    return normalize_text(title) or None if title else None


def extract_text(text: str, title: str | None = None) -> Extracted:
    """A plain-text body: blank lines, list bullets and indented lines start paragraphs."""
    title = _clean_title(title)
    return _extracted(title, split_paragraphs(text, title), [])


# ---------------------------------------------------------------- HTML fragments

# Elements whose content is never article text.
_DROP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "form",
        "button",
        "select",
        "textarea",
        "svg",
        "canvas",
        "audio",
        "video",
        "source",
        "track",
        "head",
        "title",
        "meta",
        "link",
        "input",
        "nav",
    }
)
# Elements that end the paragraph before them and start a new one.
_BLOCK = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "main",
        "figure",
        "figcaption",
        "address",
        "hr",
        "details",
        "summary",
        "center",
    }
)
_LIST_ITEM = frozenset({"li", "dt", "dd"})
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_BLOCK_OR_BREAK = re.compile(r"<\s*(?:" + "|".join(sorted(_BLOCK)) + r"|br)\b", re.IGNORECASE)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")


# Words of class and id attributes (split on anything but letters and digits) that say what a
# box holds: comment-list and share-box markup as blogging software and comment services write it.
_COMMENT_WORDS = frozenset(
    {
        "comment",
        "comments",
        "commentlist",
        "commentlists",
        "disqus",
        "dsq",
        "respond",
        "replies",
    }
)
_FURNITURE_WORDS = frozenset(
    {
        "share",
        "sharing",
        "sharedaddy",
        "sharethis",
        "addtoany",
        "social",
        "related",
        "relatedposts",
        "yarpp",
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "advert",
        "advertisement",
        "ad",
        "ads",
        "sponsor",
        "sponsored",
        "promo",
        "feedflare",
        "donate",
        "outbrain",
        "taboola",
    }
)
_BIO_WORDS = frozenset({"authorbox", "authorbio", "bio", "biography"})
_AUTHOR_BOX_WORDS = frozenset({"bio", "box", "info", "about", "description", "profile", "card"})
_ATTR_WORD = re.compile(r"[a-z0-9]+")
# A box holding this much of the fragment's text is a wrapper, whatever its class says.
_WRAPPER_SHARE = 0.9


def markup_hint(el: lxml.html.HtmlElement) -> str | None:
    """What an element's class and id say it holds: a comment, furniture or an author box."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    words = set(_ATTR_WORD.findall(names))
    if not words:
        return None
    if words & _COMMENT_WORDS:
        return HINT_COMMENT
    if words & _BIO_WORDS or ("author" in words and words & _AUTHOR_BOX_WORDS):
        return HINT_END
    if words & _FURNITURE_WORDS:
        return HINT_FURNITURE
    return None


def _text_size(el: lxml.html.HtmlElement) -> int:
    return sum(len(t.strip()) for t in el.itertext())


_RawBlock = tuple[list[str], bool, int, str | None]  # lines, list item, indent, hint


class _FragmentWalker:
    """Turns an HTML tree into blocks (paragraphs) of lines, collecting links on the way.

    A block's indent is the number of list items it is nested in, the item's own first line
    one less than what follows it inside the item: ``<li>name<p>comment</p>...`` gives the
    shape of a comment thread, a name over a deeper comment. Its hint is what the class of
    its nearest box with a telling class says (:func:`markup_hint`).
    """

    def __init__(self, base_url: str | None, total: int) -> None:
        self.base_url = base_url
        self.total = total  # characters of text in the whole fragment
        self.blocks: list[_RawBlock] = []
        self.lines: list[str] = []
        self.current: list[str] = []
        self.bullet = False  # the next block opens a list item
        self.depth = 0  # list items open around the point
        self.owners: list[tuple[int, str | None]] = [(0, None)]  # (indent, hint) of each box
        self.links: list[Link] = []

    def _take_line(self) -> bool:
        line = "".join(self.current).strip()
        self.current.clear()
        if line:
            self.lines.append(line)
        return bool(line)

    def line_break(self) -> None:
        # A break right after another one (or after nothing) is the author's paragraph break.
        if not self._take_line() and self.lines:
            self.end_block()

    def end_block(self) -> None:
        self._take_line()
        if self.lines:
            indent, hint = self.owners[-1]
            self.blocks.append((list(self.lines), self.bullet, indent, hint))
            self.lines.clear()
            self.bullet = False

    def _hint(self, el: lxml.html.HtmlElement) -> str | None:
        hint = markup_hint(el)
        if hint is not None and _text_size(el) >= _WRAPPER_SHARE * self.total:
            return None
        return hint

    def walk(self, el: lxml.html.HtmlElement) -> None:
        if not isinstance(el.tag, str) or el.tag.lower() in _DROP:
            # Comments, processing instructions and dropped elements: only the tail is text.
            if el.tail:
                self.current.append(el.tail)
            return
        tag = el.tag.lower()
        block = tag in _BLOCK
        if block:
            self.end_block()
            indent, hint = self.owners[-1]
            # A list item's first line stays at the item's indent, even inside a child box.
            self.owners.append((indent if self.bullet else self.depth, self._hint(el) or hint))
            if tag in _LIST_ITEM:
                self.bullet = True
            if tag == "li":
                self.depth += 1
        elif tag == "br":
            self.line_break()
        elif tag == "a" and el.get("href"):
            self._link(el)
        if el.text:
            self.current.append(el.text)
        for child in el:
            self.walk(child)
        if block:
            self.end_block()
            self.owners.pop()
            if tag == "li":
                self.depth -= 1
            if tag in _LIST_ITEM:
                self.bullet = False  # an empty item opens nothing after it
        if el.tail:
            self.current.append(el.tail)

    def _link(self, el: lxml.html.HtmlElement) -> None:
        href = (el.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            return
        url = urljoin(self.base_url, href) if self.base_url else href
        if urlsplit(url).scheme not in ("http", "https"):
            return
        anchor = normalize_text(el.text_content())
        self.links.append((url, anchor or None))


def _join_fragments(lines: list[str]) -> Iterator[str]:
    """Lines split by ``<br>`` -> paragraphs: a line cut mid-sentence joins the next one."""
    buffer = ""
    for line in lines:
        text = " ".join(line.split())
        if not text:
            continue
        if buffer and buffer[-1] not in ".!?:;\"')]" and text[0].islower():
            buffer = f"{buffer} {text}"
            continue
        if buffer:
            yield buffer
        buffer = text
    if buffer:
        yield buffer


def _fragment_blocks(walker: _FragmentWalker) -> list[Block]:
    """Raw blocks -> paragraphs; only a list item's first line is the item's bullet line, and a
    line opening with a bullet character ("• name", as flattened threads are) is one too."""
    blocks = []
    for lines, bullet, indent, hint in walker.blocks:
        for n, line in enumerate(_join_fragments(lines)):
            text, glyph = strip_bullet(line)
            blocks.append(Block(text, indent, glyph or (bullet and n == 0), hint))
    return blocks


def extract_fragment(html: str, base_url: str | None = None) -> Extracted:
    """Feed content or summary HTML: every block tag, ``<br>`` and list item is a paragraph.

    Scripts, styles, forms and embeds are dropped; links are made absolute against
    ``base_url`` and kept with their anchor text. Text without any block tag or line break is
    split on blank lines, as feeds that put plain text in a description expect.

    Kinds come from :mod:`dedup.text.paragraph_kinds`, as for plain text; what the HTML adds is
    passed on: list nesting as indentation, a leading bullet character as a list item, and
    the class of a comment list, share or related box or author box as a hint, so a reader
    thread inside ``content:encoded`` is comments as it would be in the page's text.
    """
    if not html.strip():
        return _extracted(None, (), [])
    if not _TAG.search(html):
        return extract_text(unescape(html))
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return extract_text(unescape(_TAG.sub(" ", html)))
    walker = _FragmentWalker(base_url, _text_size(root))
    if not _BLOCK_OR_BREAK.search(html):
        # Inline-only HTML: blank lines in the source are the only paragraph marks.
        walker.walk(root)
        walker.end_block()
        text = "\n".join(" ".join(lines) for lines, *_ in walker.blocks)
        return _extracted(None, split_paragraphs(text), walker.links)
    walker.walk(root)
    walker.end_block()
    return _extracted(None, build_paragraphs(_fragment_blocks(walker)), walker.links)


# ---------------------------------------------------------------- full pages

_TEI_BLOCK = frozenset({"p", "head", "item", "quote", "cell", "code", "list", "row", "table"})


def extract_page(html: str | bytes, url: str | None = None) -> Extracted:
    """A whole article page: trafilatura's main text, the page title and the content's links.

    ``url`` is where the page was fetched from; the page's own canonical URL (``<link
    rel=canonical>``, ``og:url``) is returned as ``Extracted.url`` when it declares one.

    Comments, navigation, ads and author boxes are left out by trafilatura; what it keeps is
    then classified like any other text, so a share line it let through is still boilerplate.
    A page with no main text gives an ``Extracted`` without paragraphs.
    """
    if isinstance(html, bytes):
        html = decode_bytes(html)
    if not html.strip():
        return _extracted(None, (), [])
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_links=True,
        include_tables=True,
        with_metadata=True,
    )
    if doc is None or isinstance(doc, dict) or doc.body is None:
        return _extracted(_page_title(html), (), [])
    title = _clean_title(doc.title) or _page_title(html)
    page_url = doc.url or url
    if page_url and not page_url.lower().startswith(("http://", "https://")):
        page_url = None
    blocks: list[Block] = []
    links: list[Link] = []
    _tei_blocks(doc.body, blocks, links, url or page_url)
    return _extracted(
        title,
        build_paragraphs(blocks, title),
        links,
        canonical_url(page_url) if page_url else None,
    )


def _tei_blocks(
    body: lxml.etree._Element, blocks: list[Block], links: list[Link], url: str | None
) -> None:
    """trafilatura's output tree -> blocks; ``<lb/>`` splits lines, ``<ref>`` is a link."""
    for el in body.iter("ref"):
        target = el.get("target")
        if target and not target.lower().startswith(_SKIP_SCHEMES):
            absolute = urljoin(url, target) if url else target
            if urlsplit(absolute).scheme in ("http", "https"):
                links.append((absolute, normalize_text("".join(el.itertext())) or None))
    for el in body:
        _tei_element(el, blocks)


def _tei_element(el: lxml.etree._Element, blocks: list[Block]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("list", "table", "row") or (
        tag == "quote" and any(child.tag in _TEI_BLOCK for child in el)
    ):
        for child in el:
            _tei_element(child, blocks)
        return
    lines: list[str] = []
    current: list[str] = []

    def walk(node: lxml.etree._Element) -> None:
        if node.tag == "lb":
            lines.append("".join(current))
            current.clear()
        elif node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)

    walk(el)
    lines.append("".join(current))
    for text in _join_fragments(lines):
        blocks.append(Block(text, 0, tag == "item"))


def _page_title(html: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    if not match:
        return None
    return _clean_title(unescape(match.group(1)))


def _unique(links: list[Link]) -> tuple[Link, ...]:
    """Links in canonical form (as article URLs are stored), each once, the first anchor kept."""
    seen: dict[str, str | None] = {}
    for raw, anchor in links:
        url = canonical_url(raw)
        if url not in seen or (anchor and not seen[url]):
            seen[url] = anchor
    return tuple(seen.items())
