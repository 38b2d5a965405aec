"""Plain data passed between the stages: no database session, no network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ParagraphRecord:
    """One paragraph of an article text, as the extract stage produced it."""

    position: int
    kind: str  # body | comment | boilerplate
    text: str
    norm_text: str
    start: int  # offset of `text` in the article text
    end: int
    words: int

    def as_tuple(self) -> tuple[int, str, str, str, int, int, int]:
        """The fields in order (not dataclasses.astuple, which deep-copies every field: a
        third of a parse worker's time)."""
        return (
            self.position,
            self.kind,
            self.text,
            self.norm_text,
            self.start,
            self.end,
            self.words,
        )


@dataclass(frozen=True)
class ArticleRecord:
    """An article ready to be stored: identity, metadata, clean text and its paragraphs."""

    source: str
    key: str
    title: str | None
    text: str
    paragraphs: tuple[ParagraphRecord, ...]
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None
    links: tuple[tuple[str, str | None], ...] = ()
    full_text: bool = True
    origin_path: str | None = None
    site: str | None = None  # display name of the source
    domain: str | None = None


@dataclass
class SaveResult:
    """What storing a batch of articles did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    article_ids: list[int] = field(default_factory=list)

    def add(self, other: SaveResult) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.article_ids.extend(other.article_ids)
