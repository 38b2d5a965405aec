"""The story report's queries: a SQLAlchemy session in, a typed :class:`~.model.Report` out.

No click and no store opening here: the caller (:mod:`dedup.pipeline`) opens the store and
passes a session, so the same queries serve the CLI, a notebook and the tests.
:func:`list_stories` gives the story list, :func:`story_detail` one story with its ledgers;
the renderers in :mod:`dedup.report.render` turn either into text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dedup.errors import NotFoundError
from dedup.report.model import (
    LedgerLine,
    Origin,
    Report,
    ReportArticle,
    ReportStory,
    StoryEventItem,
    sort_members,
)
from dedup.store.batching import chunks
from dedup.store.models import (
    Article,
    LedgerEntry,
    Paragraph,
    Source,
    Story,
    StoryEvent,
    StoryMember,
)


def _newest(story: ReportStory) -> tuple[str, int]:
    return (story.first_published or story.first_seen or "", story.id)


# How ``dedup report --sort`` orders the list; each key's first element sorts descending.
SORTS: Mapping[str, Any] = {
    "newest": (_newest, True),
    "oldest": (_newest, False),
    "copies": (lambda s: (len(s.copies), s.id), True),
    "confidence": (lambda s: (s.origin.confidence or 0.0, s.id), True),
    "id": (lambda s: s.id, False),
}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``2017-05-16``, ``2017-05-16T08:00`` (UTC unless it says otherwise), or ``7d`` / ``12h``.

    Raises ValueError with a message saying what is accepted.

    >>> parse_since("2017-05-16").isoformat()
    '2017-05-16T00:00:00+00:00'
    """
    text = value.strip()
    if text[:-1].isdigit() and text[-1:] in ("d", "h"):
        amount = int(text[:-1])
        delta = timedelta(days=amount) if text.endswith("d") else timedelta(hours=amount)
        return (now or datetime.now(UTC)) - delta
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date: give YYYY-MM-DD, an ISO time, or 7d / 12h"
            ) from None
        parsed = datetime(day.year, day.month, day.day)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _round(value: float | None) -> float:
    return round(float(value or 0.0), 4)


def _story(story: Story, members: list[ReportArticle]) -> ReportStory:
    published = [m.published for m in members if m.published]
    return ReportStory(
        id=story.id,
        origin=Origin(
            name=story.origin_name or "unknown",
            external=bool(story.origin_external),
            article_id=story.origin_article_id,
            confidence=_round(story.confidence),
            evidence=[str(e) for e in (story.evidence or [])],
        ),
        articles=members,
        first_seen=_iso(story.first_seen),
        first_published=min(published) if published else None,
        updated_at=_iso(story.updated_at),
    )


def _members(session: Session, story_ids: Sequence[int]) -> dict[int, list[ReportArticle]]:
    # Members first, then their articles by id: as one three-table join, SQLite planned a
    # store of one source (an archive import) from that source, probing every one of its
    # articles against the story ids: 3 s for a report of Reuters' 1,094 stories.
    found: list[StoryMember] = []
    for chunk in chunks(story_ids):
        found.extend(
            session.execute(select(StoryMember).where(StoryMember.story_id.in_(chunk))).scalars()
        )
    articles: dict[int, tuple[Article, Source]] = {}
    for chunk in chunks(sorted({m.article_id for m in found})):
        rows = session.execute(
            select(Article, Source)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(chunk))
        )
        articles.update((article.id, (article, source)) for article, source in rows)
    out: dict[int, list[ReportArticle]] = defaultdict(list)
    for member in found:
        if member.article_id not in articles:
            continue
        article, source = articles[member.article_id]
        out[member.story_id].append(
            ReportArticle(
                article_id=article.id,
                source=source.name,
                site=source.display_name,
                title=article.title or "",
                url=article.url,
                published=_iso(article.published),
                first_seen=_iso(article.first_seen),
                role=member.role,
                shared_paragraphs=int(member.shared_paragraphs or 0),
                kept=_round(member.kept),
                edited=_round(member.edited),
                rewritten=_round(member.rewritten),
                dropped=_round(member.dropped),
                added=_round(member.added),
                kept_upper=None if member.kept_upper is None else _round(member.kept_upper),
                dropped_upper=(
                    None if member.dropped_upper is None else _round(member.dropped_upper)
                ),
                moved=int(member.moved or 0),
                headline_changed=bool(member.headline_changed),
                credit=member.credit,
            )
        )
    return {sid: sort_members(members) for sid, members in out.items()}


def _source_filter(session: Session, source: str) -> Any:
    """Stories with a member from ``source`` or credited to it.

    ``source`` is a source's key or display name, or a publisher credited as an origin, in
    any of the spellings a publisher goes by ("AP" for the Associated Press, "reuters" for a
    source of reuters.com): names are compared by publisher key as well as as written.
    """
    from dedup.stories.publishers import publisher_key

    wanted = source.strip().casefold()
    key = publisher_key(source.strip())

    def names(name: str | None) -> bool:
        if not name:
            return False
        return name.casefold() == wanted or (bool(key) and publisher_key(name) == key)

    ids = [
        sid
        for sid, name, display in session.execute(
            select(Source.id, Source.name, Source.display_name)
        )
        if names(name) or names(display)
    ]
    origins = [
        name
        for name in session.execute(
            select(Story.origin_name).where(Story.status == "active").distinct()
        ).scalars()
        if names(name)
    ]
    if not ids and not origins:
        known = sorted(session.execute(select(Source.name)).scalars())
        hint = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
        raise NotFoundError(
            f"no source named {source!r}; known sources: {hint or 'none (import or poll first)'}"
        )
    by_member = (
        select(StoryMember.story_id)
        .join(Article, Article.id == StoryMember.article_id)
        .where(Article.source_id.in_(ids))
    )
    return or_(Story.id.in_(by_member), Story.origin_name.in_(origins))


def list_stories(
    session: Session,
    since: datetime | None = None,
    source: str | None = None,
    ledgers: bool = False,
    sort: str = "newest",
    limit: int | None = None,
) -> Report:
    """Every active story (newest first unless ``sort`` says otherwise): origin and members.

    ``since`` keeps stories with a member published (or, lacking a date, first seen) at or
    after it; ``source`` keeps stories with a member from that source or credited to it;
    ``limit`` keeps the first stories after sorting. With ``ledgers`` each story kept carries
    what :func:`story_detail` gives.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
    query = select(Story).where(Story.status == "active")
    filters: list[str] = []
    if since is not None:
        recent = (
            select(StoryMember.story_id)
            .join(Article, Article.id == StoryMember.article_id)
            .where(func.coalesce(Article.published, Article.first_seen) >= since)
        )
        query = query.where(Story.id.in_(recent))
        filters.append(f"--since {since.isoformat(timespec='minutes')}")
    if source is not None:
        query = query.where(_source_filter(session, source))
        filters.append(f"--source {source}")
    rows = {s.id: s for s in session.execute(query.order_by(Story.id)).scalars()}
    members = _members(session, list(rows))
    stories = [_story(s, members.get(s.id, [])) for s in rows.values()]
    key, descending = SORTS[sort]
    stories.sort(key=key, reverse=descending)
    total = len(stories)
    if limit is not None:
        stories = stories[: max(limit, 0)]
    if ledgers:
        for story in stories:
            _add_detail(session, rows[story.id], story)
    return Report(stories=stories, filters=tuple(filters), total=total)


def story_detail(session: Session, story_id: int) -> Report:
    """One story with every member's ledger and word diffs; a merged id leads to its successor."""
    story = session.get(Story, story_id)
    seen: set[int] = set()
    while story is not None and story.status == "merged" and story.merged_into is not None:
        if story.id in seen:
            break
        seen.add(story.id)
        story = session.get(Story, story.merged_into)
    if story is None:
        raise NotFoundError(f"no story {story_id}; `dedup report` lists the stories")
    if story.status != "active":
        raise NotFoundError(
            f"story {story_id} is {story.status}: its articles no longer share text; "
            "`dedup report` lists the current stories"
        )
    item = _story(story, _members(session, [story.id]).get(story.id, []))
    if story.id != story_id:
        item.merged_from = story_id
    _add_detail(session, story, item)
    from dedup.report.retellings import find_retellings  # loads the credit model

    item.retellings = find_retellings(session, item)
    return Report(stories=[item], total=1)


def _add_detail(session: Session, story: Story, item: ReportStory) -> None:
    """Each member's ledger, the origin's text and the story's events, into ``item``."""
    ledgers = _ledgers(session, story.id)
    for member in item.articles:
        member.ledger = [] if member.role == "origin" else ledgers.get(member.article_id, [])
    item.origin_paragraphs = _origin_paragraphs(session, story, ledgers)
    item.events = [
        StoryEventItem(
            event=e.event, other_story_id=e.other_story_id, detail=e.detail, at=_iso(e.at)
        )
        for e in session.execute(
            select(StoryEvent).where(StoryEvent.story_id == story.id).order_by(StoryEvent.id)
        ).scalars()
    ]


def _ledgers(session: Session, story_id: int) -> dict[int, list[LedgerLine]]:
    out: dict[int, list[LedgerLine]] = defaultdict(list)
    rows = session.execute(
        select(LedgerEntry, Paragraph.text)
        .join(Paragraph, Paragraph.id == LedgerEntry.copy_paragraph_id, isouter=True)
        .where(LedgerEntry.story_id == story_id)
        .order_by(LedgerEntry.id)
    )
    for entry, copy_text in rows:
        out[entry.article_id].append(
            LedgerLine(
                op=entry.op,
                origin_text=entry.origin_text,
                copy_text=copy_text,
                similarity=entry.similarity,
                moved=bool(entry.moved),
                weight=_round(entry.weight),
                diff=[(str(op), str(words)) for op, words in entry.diff]
                if entry.diff is not None
                else None,
                rewrites=[(str(a), str(b)) for a, b in entry.rewrites or ()],
            )
        )
    return out


def _origin_paragraphs(
    session: Session, story: Story, ledgers: Mapping[int, list[LedgerLine]]
) -> list[str]:
    """The origin's text as the ledgers measured it (the reconstruction, when external)."""
    for lines in ledgers.values():
        texts: list[str] = []
        for line in lines:
            if line.op in ("kept", "edited", "rewritten", "dropped") and line.weight is not None:
                if (
                    line.op == "edited"
                    and line.weight == 0
                    and texts
                    and texts[-1] == line.origin_text
                ):
                    continue  # a second copy paragraph holding the same origin paragraph
                texts.append(str(line.origin_text))
        return texts
    if story.origin_article_id is None:
        return []
    return list(
        session.execute(
            select(Paragraph.text)
            .join(Article, Article.current_version_id == Paragraph.version_id)
            .where(Paragraph.article_id == story.origin_article_id, Paragraph.kind == "body")
            .order_by(Paragraph.position)
        ).scalars()
    )
