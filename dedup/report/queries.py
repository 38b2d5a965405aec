"""The story report: queries that build the report dict, and its renderings (table, JSON, CSV).

No click here: :func:`list_stories` and :func:`story_detail` return the dict that
``dedup report --format json`` prints; :func:`render` turns it into text in any format named
in :data:`RENDERERS` (the HTML page registers itself there too).

The JSON shape is a public interface, kept stable::

    {"stories": [{"id": int,
                  "origin": {"name": str, "external": bool, "article_id": int | null,
                             "confidence": float, "evidence": [str, ...]},
                  "first_seen": str, "first_published": str | null, "updated_at": str,
                  "size": int,
                  "articles": [{"article_id": int, "source": str, "title": str, "url": str | null,
                                "published": str | null, "first_seen": str,
                                "role": "origin" | "copy", "shared_paragraphs": int,
                                "kept": float, "edited": float, "rewritten": float,
                                "dropped": float, "added": float,
                                "moved": int, "headline_changed": bool, "credit": str | null}]}]}

``kept``, ``edited``, ``rewritten`` and ``dropped`` are shares of the origin's text (they add up
to 1), ``added`` of the copy's own text. With ``--story ID`` the story also carries
``origin_paragraphs`` and ``events``, and each article a ``ledger``: ``[{"op", "origin_text",
"copy_text", "similarity", "moved", "weight", "diff", "rewrites"}]`` in origin order (dropped
lines included), then the copy's own lines; ``rewrites`` pairs each origin sentence the copy
says in its own words with that copy sentence.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dedup.errors import InputError, NotFoundError
from dedup.store.engine import open_store
from dedup.store.models import (
    Article,
    LedgerEntry,
    Paragraph,
    Source,
    Story,
    StoryEvent,
    StoryMember,
)

Report = dict[str, Any]


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``2017-05-16``, ``2017-05-16T08:00`` (UTC unless it says otherwise), or ``7d`` / ``12h``.

    Raises ValueError with a message saying what is accepted.
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


def load_report(
    db_url: str,
    story_id: int | None = None,
    since: datetime | None = None,
    source: str | None = None,
    ledgers: bool = False,
) -> Report:
    """Open the store and build the story list, or one story's detail when ``story_id`` is set.

    ``ledgers`` gives every listed story its detail (ledgers, origin text, events), as
    ``--story`` does for one. Reads only: no lock is taken, so a report never waits for (or
    blocks) a poll.
    """
    store = open_store(db_url)
    try:
        with store.session() as session:
            if story_id is not None:
                return story_detail(session, story_id)
            return list_stories(session, since=since, source=source, ledgers=ledgers)
    finally:
        store.close()


def write_output(path: Path, text: str) -> None:
    """Write the report whole or not at all (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror}; check the folder exists") from exc


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _round(value: float | None) -> float:
    return round(float(value or 0.0), 4)


def _story_head(story: Story, members: Sequence[dict[str, Any]]) -> dict[str, Any]:
    published = [m["published"] for m in members if m["published"]]
    return {
        "id": story.id,
        "origin": {
            "name": story.origin_name or "unknown",
            "external": bool(story.origin_external),
            "article_id": story.origin_article_id,
            "confidence": _round(story.confidence),
            "evidence": [str(e) for e in (story.evidence or [])],
        },
        "first_seen": _iso(story.first_seen),
        "first_published": min(published) if published else None,
        "updated_at": _iso(story.updated_at),
        "size": len(members),
        "articles": list(members),
    }


def _members(session: Session, story_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(story_ids), 900):
        chunk = story_ids[start : start + 900]
        rows = session.execute(
            select(StoryMember, Article, Source)
            .join(Article, Article.id == StoryMember.article_id)
            .join(Source, Source.id == Article.source_id)
            .where(StoryMember.story_id.in_(chunk))
        )
        for member, article, source in rows:
            out[member.story_id].append(
                {
                    "article_id": article.id,
                    "source": source.display_name or source.name,
                    "title": article.title or "",
                    "url": article.url,
                    "published": _iso(article.published),
                    "first_seen": _iso(article.first_seen),
                    "role": member.role,
                    "shared_paragraphs": int(member.shared_paragraphs or 0),
                    "kept": _round(member.kept),
                    "edited": _round(member.edited),
                    # judgement branch: share said again in the copy's own words
                    "rewritten": _round(member.rewritten),
                    "dropped": _round(member.dropped),
                    "added": _round(member.added),
                    "moved": int(member.moved or 0),
                    "headline_changed": bool(member.headline_changed),
                    "credit": member.credit,
                }
            )
    for members in out.values():
        members.sort(
            key=lambda m: (
                m["role"] != "origin",
                m["published"] or "9999",
                m["first_seen"] or "",
                m["article_id"],
            )
        )
    return out


def _source_filter(session: Session, source: str) -> Any:
    """Stories with a member from ``source`` (name or display name) or credited to it."""
    wanted = source.strip().casefold()
    ids = list(
        session.execute(
            select(Source.id).where(
                or_(func.lower(Source.name) == wanted, func.lower(Source.display_name) == wanted)
            )
        ).scalars()
    )
    named_origin = session.scalar(
        select(func.count()).select_from(Story).where(func.lower(Story.origin_name) == wanted)
    )
    if not ids and not named_origin:
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
    return or_(Story.id.in_(by_member), func.lower(Story.origin_name) == wanted)


def list_stories(
    session: Session,
    since: datetime | None = None,
    source: str | None = None,
    ledgers: bool = False,
) -> Report:
    """Every active story, newest first: origin, members and their fractions.

    ``since`` keeps stories with a member published (or, lacking a date, first seen) at or
    after it; ``source`` keeps stories with a member from that source or credited to it.
    With ``ledgers`` each story carries what :func:`story_detail` gives.
    """
    query = select(Story).where(Story.status == "active")
    if since is not None:
        recent = (
            select(StoryMember.story_id)
            .join(Article, Article.id == StoryMember.article_id)
            .where(func.coalesce(Article.published, Article.first_seen) >= since)
        )
        query = query.where(Story.id.in_(recent))
    if source is not None:
        query = query.where(_source_filter(session, source))
    stories = list(session.execute(query.order_by(Story.id)).scalars())
    members = _members(session, [s.id for s in stories])
    heads = [_story_head(s, members.get(s.id, [])) for s in stories]
    if ledgers:
        for story, head in zip(stories, heads, strict=True):
            _add_detail(session, story, head)
    heads.sort(key=lambda h: (h["first_published"] or h["first_seen"] or "", h["id"]), reverse=True)
    return {"stories": heads}


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
    members = _members(session, [story.id]).get(story.id, [])
    head = _story_head(story, members)
    if story.id != story_id:
        head["merged_from"] = story_id
    _add_detail(session, story, head)
    return {"stories": [head]}


def _add_detail(session: Session, story: Story, head: dict[str, Any]) -> None:
    """Each member's ledger, the origin's text and the story's events, into ``head``."""
    ledgers = _ledgers(session, story.id)
    for member in head["articles"]:
        if member["role"] == "origin":
            member["ledger"] = []
        else:
            member["ledger"] = ledgers.get(member["article_id"], [])
    head["origin_paragraphs"] = _origin_paragraphs(session, story, ledgers)
    head["events"] = [
        {"event": e.event, "other_story_id": e.other_story_id, "detail": e.detail, "at": _iso(e.at)}
        for e in session.execute(
            select(StoryEvent).where(StoryEvent.story_id == story.id).order_by(StoryEvent.id)
        ).scalars()
    ]


def _ledgers(session: Session, story_id: int) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = session.execute(
        select(LedgerEntry, Paragraph.text)
        .join(Paragraph, Paragraph.id == LedgerEntry.copy_paragraph_id, isouter=True)
        .where(LedgerEntry.story_id == story_id)
        .order_by(LedgerEntry.id)
    )
    for entry, copy_text in rows:
        out[entry.article_id].append(
            {
                "op": entry.op,
                "origin_text": entry.origin_text,
                "copy_text": copy_text,
                "similarity": entry.similarity,
                "moved": bool(entry.moved),
                "weight": _round(entry.weight),
                "diff": [list(part) for part in entry.diff] if entry.diff is not None else None,
                # judgement branch: [origin sentence, copy sentence] pairs said in other words
                "rewrites": [list(pair) for pair in entry.rewrites or ()],
            }
        )
    return out


def _origin_paragraphs(
    session: Session, story: Story, ledgers: Mapping[int, list[dict[str, Any]]]
) -> list[str]:
    """The origin's text as the ledgers measured it (the reconstruction, when external)."""
    for lines in ledgers.values():
        texts: list[str] = []
        for line in lines:
            if (
                line["op"] in ("kept", "edited", "rewritten", "dropped")
                and line["weight"] is not None
            ):
                if (
                    line["op"] == "edited"
                    and line["weight"] == 0
                    and texts
                    and texts[-1] == line["origin_text"]
                ):
                    continue  # a second copy paragraph holding the same origin paragraph
                texts.append(str(line["origin_text"]))
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


# ---------------------------------------------------------------- renderings


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int = 120


def render_json(report: Report, options: RenderOptions) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


_STORY_COLUMNS = (
    "story_id",
    "origin",
    "origin_external",
    "confidence",
    "article_id",
    "source",
    "role",
    "title",
    "url",
    "published",
    "first_seen",
    "shared_paragraphs",
    "kept",
    "edited",
    "dropped",
    "added",
    "moved",
    "headline_changed",
    "credit",
)
_LEDGER_COLUMNS = (
    "story_id",
    "article_id",
    "source",
    "line",
    "op",
    "similarity",
    "moved",
    "weight",
    "origin_text",
    "copy_text",
    "diff",
)


def _diff_text(diff: Sequence[Sequence[str]] | None) -> str:
    """A diff as one line: [-removed-] {+inserted+}, like ``git diff --word-diff``."""
    if not diff:
        return ""
    marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
    return " ".join(marks.get(op, "{}").format(text) for op, text in diff)


def render_csv(report: Report, options: RenderOptions) -> str:
    """One row per story member; with ledgers (``--story``), one row per ledger line."""
    out = io.StringIO()
    detail = any("ledger" in a for s in report["stories"] for a in s["articles"])
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_LEDGER_COLUMNS if detail else _STORY_COLUMNS)
    for story in report["stories"]:
        origin = story["origin"]
        for article in story["articles"]:
            if detail:
                for number, line in enumerate(article.get("ledger") or [], 1):
                    writer.writerow(
                        [
                            story["id"],
                            article["article_id"],
                            article["source"],
                            number,
                            line["op"],
                            line["similarity"],
                            line["moved"],
                            line["weight"],
                            line["origin_text"] or "",
                            line["copy_text"] or "",
                            _diff_text(line["diff"]),
                        ]
                    )
                continue
            writer.writerow(
                [
                    story["id"],
                    origin["name"],
                    origin["external"],
                    origin["confidence"],
                    article["article_id"],
                    article["source"],
                    article["role"],
                    article["title"],
                    article["url"] or "",
                    article["published"] or "",
                    article["first_seen"] or "",
                    article["shared_paragraphs"],
                    article["kept"],
                    article["edited"],
                    article["dropped"],
                    article["added"],
                    article["moved"],
                    article["headline_changed"],
                    article["credit"] or "",
                ]
            )
    return out.getvalue()


def _pct(value: float) -> str:
    return f"{round(100 * value)}%"


def _day(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "–"


def render_table(report: Report, options: RenderOptions) -> str:
    """Rich tables for a person: the story list, or one story with its ledgers."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=options.width,
        force_terminal=options.color,
        color_system="standard" if options.color else None,
        highlight=False,
    )
    stories = report["stories"]
    detail = any("ledger" in a for s in stories for a in s["articles"])
    if not stories:
        console.print("No stories yet: import or poll articles, then run `dedup analyze`.")
        return buffer.getvalue()
    if not detail:
        table = Table(title=f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}")
        for name in ("story", "origin", "conf.", "copies", "first seen", "articles", "reuse"):
            table.add_column(name, overflow="fold")
        for story in stories:
            origin = story["origin"]
            copies = [a for a in story["articles"] if a["role"] == "copy"]
            names = ", ".join(a["source"] for a in copies[:3]) + (" …" if len(copies) > 3 else "")
            reuse = sum(a["kept"] + a["edited"] for a in copies) / len(copies) if copies else 0.0
            table.add_row(
                str(story["id"]),
                origin["name"] + (" (external)" if origin["external"] else ""),
                f"{origin['confidence']:.2f}",
                f"{len(copies)}: {names}",
                _day(story["first_published"] or story["first_seen"]),
                str(story["size"]),
                _pct(reuse),
            )
        console.print(table)
        return buffer.getvalue()
    for story in stories:
        origin = story["origin"]
        console.print(
            f"[bold]Story {story['id']}[/bold]: origin {origin['name']}"
            + (" (external, not in the store)" if origin["external"] else "")
            + f", confidence {origin['confidence']:.2f}"
        )
        for line in origin["evidence"]:
            console.print(Text(f"  • {line}"))
        table = Table()
        for name in (
            "article",
            "source",
            "role",
            "published",
            "shared",
            "kept",
            "edited",
            "dropped",
            "added",
            "title",
        ):
            table.add_column(name, overflow="fold")
        for a in story["articles"]:
            table.add_row(
                str(a["article_id"]),
                a["source"],
                a["role"],
                _day(a["published"]),
                str(a["shared_paragraphs"]),
                _pct(a["kept"]),
                _pct(a["edited"]),
                _pct(a["dropped"]),
                _pct(a["added"]),
                a["title"],
            )
        console.print(table)
        for a in story["articles"]:
            if a["role"] == "origin" or not a.get("ledger"):
                continue
            console.print(
                f"\n[bold]{a['source']}[/bold] (article {a['article_id']}) against the origin:"
            )
            for line in a["ledger"]:
                console.print(_ledger_text(line))
    return buffer.getvalue()


def _ledger_text(line: Mapping[str, Any]) -> Any:
    from rich.text import Text

    op = line["op"]
    label = op + (" (moved)" if line["moved"] else "")
    if line["similarity"] is not None and op == "edited":
        label += f" {line['similarity']:.2f}"
    text = Text(f"  [{label}] ", style="bold")
    if op == "edited" and line["diff"]:
        for part_op, words in line["diff"]:
            style = {"-": "red strike", "+": "green"}.get(part_op, "")
            marked = {"-": f"[-{words}-]", "+": f"{{+{words}+}}"}.get(part_op, words)
            text.append(marked + " ", style=style)
    elif op == "dropped":
        text.append(_clip(line["origin_text"]), style="red")
    elif op in ("added", "template"):
        text.append(_clip(line["copy_text"]), style="blue" if op == "added" else "dim")
    else:
        text.append(_clip(line["copy_text"] or line["origin_text"]))
    return text


def _clip(value: object, limit: int = 300) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_html(report: Report, options: RenderOptions) -> str:
    from dedup.report.html import render_html as page

    return page(report)


Renderer = Callable[[Report, RenderOptions], str]

# The formats ``dedup report --format`` offers, by name.
RENDERERS: Mapping[str, Renderer] = MappingProxyType(
    {
        "table": render_table,
        "json": render_json,
        "csv": render_csv,
        "html": render_html,
    }
)


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}")
    return renderer(report, options or RenderOptions())
