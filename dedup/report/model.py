"""The typed story report: what ``dedup report --format json`` prints, as dataclasses.

The queries (:mod:`dedup.report.queries`) build a :class:`Report`; every renderer (table,
JSON, CSV, HTML) takes one. :meth:`Report.to_dict` gives the stable JSON shape and
:meth:`Report.from_dict` reads it back (a saved report rendered again, or hand-made in tests)::

    {"stories": [{"id": int,
                  "origin": {"name": str, "external": bool, "article_id": int | null,
                             "confidence": float, "evidence": [str, ...]},
                  "first_seen": str, "first_published": str | null, "updated_at": str,
                  "size": int,
                  "articles": [{"article_id": int, "source": str, "site": str | null,
                                "title": str, "url": str | null,
                                "published": str | null, "first_seen": str,
                                "role": "origin" | "copy", "shared_paragraphs": int,
                                "kept": float, "edited": float, "dropped": float, "added": float,
                                "moved": int, "headline_changed": bool, "credit": str | null}]}]}

``source`` is the publisher's key (``sources.name``, as in the views); ``site`` its display
name. ``kept``, ``edited`` and ``dropped`` are shares of the origin's text, ``added`` of the
copy's own text. With detail (``--story ID``) the story also carries ``origin_paragraphs``,
``events`` and ``retellings`` (articles crediting the origin that say what it says in their own
words and share no passage: not members; each an article as above with ``role``
``"retelling"``, its ``credit`` line, and a ``ledger`` of the lines holding its rewritten
sentences), and each article a ``ledger``: ``[{"op", "origin_text", "copy_text",
"similarity", "moved", "weight", "diff", "rewrites"}]`` in origin order (dropped lines
included), then the copy's own lines. Times are ISO 8601 strings in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DiffPart = tuple[str, str]  # ("=" | "-" | "+", words)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class LedgerLine:
    """One line of a copy's ledger against the origin."""

    op: str  # kept | edited | dropped | added | template
    origin_text: str | None
    copy_text: str | None
    similarity: float | None = None
    moved: bool = False
    weight: float | None = None
    diff: list[DiffPart] | None = None
    # origin sentences the copy says in its own words, each beside the copy's sentence
    rewrites: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "origin_text": self.origin_text,
            "copy_text": self.copy_text,
            "similarity": self.similarity,
            "moved": self.moved,
            "weight": self.weight,
            "diff": [list(part) for part in self.diff] if self.diff is not None else None,
            "rewrites": [list(pair) for pair in self.rewrites],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerLine:
        diff = data.get("diff")
        parts = None
        if isinstance(diff, list):
            parts = [
                (str(p[0]), str(p[1])) for p in diff if isinstance(p, list | tuple) and len(p) == 2
            ]
        return cls(
            op=str(data.get("op") or ""),
            origin_text=_str(data.get("origin_text")),
            copy_text=_str(data.get("copy_text")),
            similarity=_float(data.get("similarity")),
            moved=bool(data.get("moved")),
            weight=_float(data.get("weight")),
            diff=parts,
            rewrites=[
                (str(p[0]), str(p[1]))
                for p in data.get("rewrites") or ()
                if isinstance(p, list | tuple) and len(p) == 2
            ],
        )


@dataclass
class ReportArticle:
    """A story member: its place (origin or copy) and its figures against the origin."""

    article_id: int
    source: str
    title: str
    role: str  # origin | copy
    site: str | None = None
    url: str | None = None
    published: str | None = None
    first_seen: str | None = None
    shared_paragraphs: int = 0
    kept: float = 0.0
    edited: float = 0.0
    rewritten: float = 0.0  # said again in the copy's own words
    dropped: float = 0.0
    added: float = 0.0
    moved: int = 0
    headline_changed: bool = False
    credit: str | None = None
    ledger: list[LedgerLine] | None = None  # None: not loaded (a list without detail)
    # A copy of an external origin (rebuilt text, a lower bound): kept and dropped if every
    # word of its own were origin text. None otherwise.
    kept_upper: float | None = None
    dropped_upper: float | None = None

    @property
    def publisher(self) -> str:
        """The name to show a person: the display name, else the key."""
        return self.site or self.source

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "article_id": self.article_id,
            "source": self.source,
            "site": self.site,
            "title": self.title,
            "url": self.url,
            "published": self.published,
            "first_seen": self.first_seen,
            "role": self.role,
            "shared_paragraphs": self.shared_paragraphs,
            "kept": self.kept,
            "edited": self.edited,
            "rewritten": self.rewritten,
            "dropped": self.dropped,
            "added": self.added,
            "kept_upper": self.kept_upper,
            "dropped_upper": self.dropped_upper,
            "moved": self.moved,
            "headline_changed": self.headline_changed,
            "credit": self.credit,
        }
        if self.ledger is not None:
            data["ledger"] = [line.to_dict() for line in self.ledger]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportArticle:
        ledger = data.get("ledger")
        return cls(
            article_id=int(data.get("article_id") or 0),
            source=str(data.get("source") or ""),
            site=_str(data.get("site")),
            title=str(data.get("title") or ""),
            role=str(data.get("role") or "copy"),
            url=_str(data.get("url")),
            published=_str(data.get("published")),
            first_seen=_str(data.get("first_seen")),
            shared_paragraphs=int(data.get("shared_paragraphs") or 0),
            kept=_float(data.get("kept")) or 0.0,
            edited=_float(data.get("edited")) or 0.0,
            rewritten=_float(data.get("rewritten")) or 0.0,
            dropped=_float(data.get("dropped")) or 0.0,
            added=_float(data.get("added")) or 0.0,
            kept_upper=_float(data.get("kept_upper")),
            dropped_upper=_float(data.get("dropped_upper")),
            moved=int(data.get("moved") or 0),
            headline_changed=bool(data.get("headline_changed")),
            credit=_str(data.get("credit")),
            ledger=[LedgerLine.from_dict(x) for x in ledger] if isinstance(ledger, list) else None,
        )


@dataclass
class Origin:
    """Who published first, how sure dedup is, and why."""

    name: str
    external: bool = False
    article_id: int | None = None
    confidence: float | None = None
    evidence: list[str] = field(default_factory=list)

    @property
    def unknown(self) -> bool:
        """No candidate was likely enough to name: neither a member nor a credited outlet."""
        return self.article_id is None and not self.external

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "external": self.external,
            "article_id": self.article_id,
            "confidence": self.confidence,
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Origin:
        article_id = data.get("article_id")
        return cls(
            name=str(data.get("name") or "unknown"),
            external=bool(data.get("external")),
            article_id=int(article_id) if isinstance(article_id, int) else None,
            confidence=_float(data.get("confidence")),
            evidence=[str(e) for e in data.get("evidence") or []],
        )


@dataclass
class StoryEventItem:
    """Something that happened to a story (created, merged, split...)."""

    event: str
    other_story_id: int | None
    detail: Any
    at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "other_story_id": self.other_story_id,
            "detail": self.detail,
            "at": self.at,
        }


@dataclass
class ReportStory:
    """One story: its origin and its members, origin first."""

    id: int
    origin: Origin
    articles: list[ReportArticle]
    first_seen: str | None = None
    first_published: str | None = None
    updated_at: str | None = None
    merged_from: int | None = None
    # Detail (--story, or every story of an HTML page); None when not loaded.
    origin_paragraphs: list[str] | None = None
    events: list[StoryEventItem] | None = None
    # Articles crediting the origin that retell it in their own words without sharing a
    # passage (dedup.report.retellings): not members; only with one story's detail.
    retellings: list[ReportArticle] | None = None

    @property
    def size(self) -> int:
        return len(self.articles)

    @property
    def copies(self) -> list[ReportArticle]:
        return [a for a in self.articles if a.role != "origin"]

    @property
    def origin_article(self) -> ReportArticle | None:
        return next((a for a in self.articles if a.role == "origin"), None)

    @property
    def title(self) -> str:
        """The origin's title, else the first member's that has one."""
        origin = self.origin_article
        for article in [*([origin] if origin else []), *self.articles]:
            if article.title:
                return article.title
        return ""

    @property
    def has_detail(self) -> bool:
        return any(a.ledger is not None for a in self.articles)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "origin": self.origin.to_dict(),
            "first_seen": self.first_seen,
            "first_published": self.first_published,
            "updated_at": self.updated_at,
            "size": self.size,
            "articles": [a.to_dict() for a in self.articles],
        }
        if self.merged_from is not None:
            data["merged_from"] = self.merged_from
        if self.origin_paragraphs is not None:
            data["origin_paragraphs"] = list(self.origin_paragraphs)
        if self.events is not None:
            data["events"] = [e.to_dict() for e in self.events]
        if self.retellings is not None:
            data["retellings"] = [a.to_dict() for a in self.retellings]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportStory:
        events = data.get("events")
        paragraphs = data.get("origin_paragraphs")
        retellings = data.get("retellings")
        merged = data.get("merged_from")
        return cls(
            id=int(data.get("id") or 0),
            origin=Origin.from_dict(data.get("origin") or {}),
            articles=[ReportArticle.from_dict(a) for a in data.get("articles") or []],
            first_seen=_str(data.get("first_seen")),
            first_published=_str(data.get("first_published")),
            updated_at=_str(data.get("updated_at")),
            merged_from=int(merged) if isinstance(merged, int) else None,
            origin_paragraphs=[str(p) for p in paragraphs]
            if isinstance(paragraphs, list)
            else None,
            events=[
                StoryEventItem(
                    event=str(e.get("event")),
                    other_story_id=e.get("other_story_id"),
                    detail=e.get("detail"),
                    at=_str(e.get("at")),
                )
                for e in events
            ]
            if isinstance(events, list)
            else None,
            retellings=[ReportArticle.from_dict(a) for a in retellings]
            if isinstance(retellings, list)
            else None,
        )


@dataclass
class Report:
    """The stories of one report, in the order they are shown.

    ``filters`` says what the query kept (e.g. ``since 2024-06-01``), so an empty report can
    say "no stories match" instead of "no stories yet"; it is not part of the JSON.
    """

    stories: list[ReportStory] = field(default_factory=list)
    filters: tuple[str, ...] = ()
    total: int | None = None  # stories before --limit, when a limit cut the list

    def to_dict(self) -> dict[str, Any]:
        return {"stories": [s.to_dict() for s in self.stories]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        return cls(stories=[ReportStory.from_dict(s) for s in data.get("stories") or []])

    @property
    def has_detail(self) -> bool:
        return any(s.has_detail for s in self.stories)

    def empty_message(self) -> str:
        if self.filters:
            return f"No stories match {', '.join(self.filters)}."
        return "No stories yet: import or poll articles, then run `dedup analyze`."


def sort_members(articles: Sequence[ReportArticle]) -> list[ReportArticle]:
    """Origin first, then by publication (undated last), first seen and id."""
    return sorted(
        articles,
        key=lambda a: (a.role != "origin", a.published or "9999", a.first_seen or "", a.article_id),
    )
