"""Size bounds on what one article may hold: a huge paragraph or article is cut and marked.

One 200 MB paragraph once took 7.5 GB of memory on its way through extraction, shingling and
the index. Text is cut *before* extraction (:func:`cut_input`, at :data:`MAX_ARTICLE_CHARS`)
and each paragraph after it (:func:`bound_record`, at :data:`MAX_PARAGRAPH_CHARS`); the cut
text ends with a visible marker, so a reader of the stored article knows it is not whole.
"""

from __future__ import annotations

from dataclasses import replace

from dedup.records import ArticleRecord, ParagraphRecord
from dedup.text.normalize import norm_key
from dedup.text.paragraphs import SEPARATOR

MAX_ARTICLE_CHARS = 1_000_000
MAX_PARAGRAPH_CHARS = 50_000
CUT_MARK = "[cut by dedup: longer than {limit} characters]"


def cut_input(text: str, limit: int = MAX_ARTICLE_CHARS) -> str:
    """``text`` cut to ``limit`` characters with the cut marked; short text as it is.

    >>> cut_input("abcdef", limit=3)
    'abc\\n\\n[cut by dedup: longer than 3 characters]'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n\n{CUT_MARK.format(limit=limit)}"


def bound_record(record: ArticleRecord, limit: int = MAX_PARAGRAPH_CHARS) -> ArticleRecord:
    """The record with every paragraph longer than ``limit`` cut and marked.

    Offsets are recomputed so they still index into the record's text.
    """
    if all(len(p.text) <= limit for p in record.paragraphs):
        return record
    paragraphs: list[ParagraphRecord] = []
    offset = 0
    for p in record.paragraphs:
        text = p.text
        if len(text) > limit:
            text = f"{text[:limit]} {CUT_MARK.format(limit=limit)}"
        paragraphs.append(
            replace(
                p,
                text=text,
                norm_text=norm_key(text) if text != p.text else p.norm_text,
                words=len(text.split()) if text != p.text else p.words,
                start=offset,
                end=offset + len(text),
            )
        )
        offset += len(text) + len(SEPARATOR)
    return replace(
        record,
        paragraphs=tuple(paragraphs),
        text=SEPARATOR.join(p.text for p in paragraphs),
    )
