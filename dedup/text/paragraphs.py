"""Article text -> paragraphs, each with its kind: body, comment or boilerplate.

Splitting works on :class:`Block` s (a raw paragraph with its indentation and whether it was a
list item), so plain text, HTML and Reuters SGML share one builder. The builder normalises each
block, drops empty and repeated ones, classifies them (:mod:`dedup.text.paragraph_kinds`) and lays
them out as the article text: paragraphs joined by a blank line, offsets into that text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dedup.records import ParagraphRecord
from dedup.text import ocr
from dedup.text.normalize import clean_chars, norm_key, normalize_text
from dedup.text.paragraph_kinds import Candidate, classify

SEPARATOR = "\n\n"

# Characters that open a list item (or a comment in a scraped thread) at the start of a line.
_BULLETS = frozenset("•◦▪▫‣●○■□►▸➢➤✓✔")
_ASCII_BULLETS = ("- ", "* ", "+ ")


@dataclass(frozen=True)
class Block:
    """A raw paragraph before normalisation."""

    text: str
    indent: int = 0  # leading whitespace of its first line
    bullet: bool = False  # opened by a list bullet
    hint: str | None = None  # what the markup says it is (paragraph_kinds.HINTS), if anything


def strip_bullet(text: str) -> tuple[str, bool]:
    """``"• item"`` -> ``("item", True)``: a bullet character (or ``-``, ``*``, ``+``) and a space
    opening a line make it a list item; anything else is returned unchanged."""
    stripped = text.lstrip()
    if stripped[:1] in _BULLETS and (len(stripped) == 1 or stripped[1].isspace()):
        return stripped[1:].lstrip(), True
    if stripped.startswith(_ASCII_BULLETS):
        return stripped[1:].lstrip(), True
    return text, False


def text_blocks(text: str) -> list[Block]:
    """Blocks of plain text: blank lines, bullets and a deeper-indented line start a block.

    Lines inside a block are hard wraps: they are joined with spaces, and a word hyphenated
    at a line end is made whole again (:mod:`dedup.text.ocr`). A line repeated right after
    itself (an image caption scraped twice) is kept once.
    """
    blocks: list[Block] = []
    lines: list[str] = []
    indent = 0
    prev_indent = 0
    bullet = False

    words: frozenset[str] | None = None

    def flush() -> None:
        nonlocal words
        if lines:
            if ocr.has_breaks(lines):  # a word broken at a line end (OCR, typeset columns)
                words = words if words is not None else ocr.vocabulary(text)
                blocks.append(Block(ocr.join_lines(lines, words), indent, bullet))
            else:
                blocks.append(Block(" ".join(lines), indent, bullet))
            lines.clear()

    for raw in clean_chars(text).splitlines():
        stripped = raw.strip()
        if not stripped:
            flush()
            continue
        line_indent = len(raw) - len(raw.lstrip())
        stripped, is_bullet = strip_bullet(stripped)
        # A deeper-indented line opens a paragraph, except as a list item's hanging indent.
        if is_bullet or (lines and line_indent > prev_indent and not bullet):
            flush()
        if not lines:
            indent, bullet = line_indent, is_bullet
        prev_indent = line_indent
        if stripped and (not lines or stripped != lines[-1]):
            lines.append(stripped)
    flush()
    return blocks


def build_paragraphs(
    blocks: Iterable[Block], title: str | None = None
) -> tuple[ParagraphRecord, ...]:
    """Normalise, filter and classify blocks; offsets index into :func:`join_paragraphs`.

    Dropped: blocks with no word characters (separators such as ``* * *``), a block repeating
    the one before it, and a first block repeating the title.
    """
    candidates: list[Candidate] = []
    previous = norm_key(title) if title else ""
    for block in blocks:
        text = normalize_text(block.text)
        key = norm_key(text)
        if not key or key == previous:
            continue
        previous = key
        candidates.append(
            Candidate(text, key, len(text.split()), block.indent, block.bullet, block.hint)
        )
    kinds = classify(candidates)
    records = []
    offset = 0
    for position, (cand, kind) in enumerate(zip(candidates, kinds, strict=True)):
        end = offset + len(cand.text)
        records.append(
            ParagraphRecord(
                position=position,
                kind=kind,
                text=cand.text,
                norm_text=cand.key,
                start=offset,
                end=end,
                words=cand.words,
            )
        )
        offset = end + len(SEPARATOR)
    return tuple(records)


def split_paragraphs(text: str, title: str | None = None) -> tuple[ParagraphRecord, ...]:
    """Paragraphs of a plain text; their offsets index into ``join_paragraphs(result)``."""
    return build_paragraphs(text_blocks(text), title)


def join_paragraphs(paragraphs: Sequence[ParagraphRecord]) -> str:
    """The article text the paragraphs' offsets refer to."""
    return SEPARATOR.join(p.text for p in paragraphs)
