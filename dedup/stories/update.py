"""Stories in the store: group linked articles, decide origins, write members, ledgers, events.

:func:`update_stories` runs inside the caller's transaction after the passages are up to date.
It recomputes only what changed since the last run: the *dirty* articles (new passages, a new
text version, a story that lost members) and everything reachable from them through reuse
links or shared stories. Within that scope a story whose members and texts did not change is
left as it is; the others get their origin and ledgers recomputed, and the membership changes
are written to ``story_events`` (created, grew, shrank, merged, split, gone).

What an update reads is loaded by :mod:`dedup.stories.scope` in a few set-based queries, and what
it writes goes out in a few bulk statements at the end. The pure work is done elsewhere:
:mod:`dedup.stories.boilerplate`, :mod:`dedup.stories.graph` and :mod:`dedup.stories.cluster`
for the stories, :mod:`dedup.stories.story` for each story's origin and ledgers. This module
only reads, hands plain data to them, and writes what they decided.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from dedup.store.models import LedgerEntry, Story, StoryEvent, StoryMember, utcnow
from dedup.stories import cluster
from dedup.stories import scope as story_scope
from dedup.stories.boilerplate import decide_boilerplate
from dedup.stories.credits import publisher_key
from dedup.stories.graph import PassageLink, Vocabulary, article_edges
from dedup.stories.ledger import MemberLedger, MemberText, OriginText
from dedup.stories.scope import chunks
from dedup.stories.story import (
    ArticleInfo,
    StoryInputs,
    StoryResult,
    compute_stories_task,
    compute_story,
    member_texts,
)
from dedup.text.urls import domain_of
from dedup.workers import default_workers, gc_paused, pool_started, shared_map

log = logging.getLogger(__name__)

_STORIES: Table = Story.__table__  # type: ignore[assignment]
_MEMBERS: Table = StoryMember.__table__  # type: ignore[assignment]
_LEDGER: Table = LedgerEntry.__table__  # type: ignore[assignment]
_EVENTS: Table = StoryEvent.__table__  # type: ignore[assignment]
# Stories handed to a worker in one task: one takes a few milliseconds, about what a
# hand-over costs.
STORIES_PER_TASK = 8
# With no worker started yet, fewer stories than this are done here: starting one (and its
# imports) costs more than it would save on a cron run's handful of stories.
SHARED_STORIES = 200


@dataclass
class StoriesSummary:
    """What one update did to the stories."""

    dirty_articles: int = 0
    scope_articles: int = 0
    created: int = 0
    grew: int = 0
    shrank: int = 0
    merged: int = 0
    split: int = 0
    gone: int = 0
    recomputed: int = 0
    unchanged: int = 0
    active: int = 0
    external_origins: int = 0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)
        data["summary"] = self.describe()
        return data

    def describe(self) -> str:
        if not self.dirty_articles:
            return f"stories: nothing changed ({self.active} active)"
        changes = ", ".join(
            f"{n} {name}"
            for name, n in (
                ("created", self.created),
                ("grew", self.grew),
                ("shrank", self.shrank),
                ("merged", self.merged),
                ("split", self.split),
                ("gone", self.gone),
            )
            if n
        )
        return (
            f"stories: {self.recomputed} recomputed ({changes or 'no membership change'}), "
            f"{self.unchanged} unchanged in scope; {self.active} active"
        )


def update_stories(session: Session) -> StoriesSummary:
    """Bring ``stories`` and their members, ledgers and events up to date with the passages."""
    now = utcnow()
    summary = StoriesSummary()
    mark = session.scalar(select(func.max(_STORIES.c.updated_at)))
    dirty = story_scope.dirty_articles(session, mark)
    summary.dirty_articles = len(dirty.articles)
    if dirty.articles or dirty.thin:
        done: set[int] = set()
        # In parts of bounded size (a part's scope is closed, so no story is cut); an
        # article a part's scope already covered is up to date for the parts after it.
        for part in story_scope.parts(dirty):
            part.articles -= done
            if part.articles or part.thin:
                with gc_paused():  # a part's texts, ledgers and rows hold no cycles to free
                    done |= _recompute(session, part, now, summary)
        # The writes went out as bulk statements: objects loaded earlier are stale.
        session.expire_all()
    summary.active = (
        session.scalar(
            select(func.count()).select_from(_STORIES).where(_STORIES.c.status == "active")
        )
        or 0
    )
    return summary


def _recompute(
    session: Session, dirty: story_scope.Dirty, now: datetime, summary: StoriesSummary
) -> set[int]:
    """Recompute the stories of ``dirty``'s scope; returns the scope's articles."""
    scope = story_scope.load_scope(session, dirty)
    summary.scope_articles += len(scope.articles)
    boilerplate = decide_boilerplate(scope.reuse, scope.template, scope.articles, scope.source_of)
    template = set(boilerplate.paragraphs)
    reuse = [*scope.reuse, *boilerplate.promoted]
    edges = article_edges(reuse, scope.articles, template)
    linked = {n for e in edges for n in (e.a, e.b)}
    texts = story_scope.load_texts(session, linked)
    clusters = cluster.cluster_articles(
        scope.sizes, edges, vocab=Vocabulary(texts.body, linked, template)
    )
    plan = cluster.assign_ids(scope.previous, clusters)
    previous = scope.previous

    writes = _Writes(now)
    # Stories that end first: their members and ledgers go, the row stays for the record.
    for story_id in plan.merged:
        writes.close(story_id, "merged")
    for story_id in plan.gone:
        writes.close(story_id, "gone")
    for story_id in plan.gone:
        summary.gone += 1
        writes.event(story_id, "gone", None, {"members": sorted(previous[story_id])})

    todo = [
        lineage
        for lineage in plan.lineages
        if not (
            lineage.story_id is not None
            and not lineage.added
            and not lineage.removed
            and not lineage.merged_from
            and not (clusters[lineage.cluster] & dirty.articles)
        )
    ]
    summary.unchanged += len(plan.lineages) - len(todo)
    member_ids = sorted({a for lineage in todo for a in clusters[lineage.cluster]})
    infos = _article_infos(session, member_ids)
    for article_id, count in scope.sizes.items():
        if article_id in infos:
            infos[article_id].words = count
    roundups = _roundup_partners(clusters, reuse)
    partners = {other for linked in roundups.values() for other in linked}
    partner_infos = _article_infos(session, sorted(partners - infos.keys()))
    links_of: dict[int, list[PassageLink]] = defaultdict(list)
    for link in reuse:
        links_of[link.article_a].append(link)
    data = StoryInputs(
        edges_of=links_of,
        infos=infos,
        texts=member_texts(texts.body, texts.titles, member_ids, template),
        extra={m: texts.boilerplate[m] for m in member_ids if m in texts.boilerplate},
        links=story_scope.load_links(session, member_ids),
        quotes=scope.quotes,
        roundups=roundups,
        partner_keys={
            a: (infos.get(a) or partner_infos[a]).source_keys
            for a in partners
            if a in infos or a in partner_infos
        },
    )
    for lineage, result in zip(todo, _compute(todo, clusters, data), strict=True):
        story_id = writes.story(lineage.story_id, result)
        summary.recomputed += 1
        _record_lineage(writes, lineage, story_id, clusters, summary)
    writes.flush(session)
    summary.external_origins = (
        session.scalar(
            select(func.count())
            .select_from(_STORIES)
            .where(_STORIES.c.status == "active", _STORIES.c.origin_external.is_(True))
        )
        or 0
    )
    return scope.articles


def _roundup_partners(
    clusters: Sequence[frozenset[int]], reuse: Sequence[PassageLink]
) -> dict[int, frozenset[int]]:
    """For each article in more than one story: the articles it shares text with."""
    seen: set[int] = set()
    several: set[int] = set()
    for members in clusters:
        several |= seen & members
        seen |= members
    out: dict[int, set[int]] = defaultdict(set)
    for link in reuse:
        if link.article_a in several:
            out[link.article_a].add(link.article_b)
        if link.article_b in several:
            out[link.article_b].add(link.article_a)
    return {a: frozenset(partners) for a, partners in out.items()}


def _compute(
    todo: list[cluster.Lineage], clusters: list[frozenset[int]], data: StoryInputs
) -> list[StoryResult]:
    """The stories of ``todo``, in its order: on both cores when there are enough of them."""
    groups = [sorted(clusters[lineage.cluster]) for lineage in todo]
    worth = pool_started() or (len(groups) >= SHARED_STORIES and default_workers() > 0)
    if len(groups) < 2 * STORIES_PER_TASK or not worth:
        return [compute_story(g, data) for g in groups]
    # Each story is a pure function of its members' inputs: a worker computes some of them
    # while this process computes the others; the results come back in ``todo`` order.
    shipped = [(g, data.for_members(g)) for g in groups]
    tasks = [shipped[i : i + STORIES_PER_TASK] for i in range(0, len(shipped), STORIES_PER_TASK)]
    return [result for part in shared_map(compute_stories_task, tasks) for result in part]


def _record_lineage(
    writes: _Writes,
    lineage: cluster.Lineage,
    story_id: int,
    clusters: Sequence[frozenset[int]],
    summary: StoriesSummary,
) -> None:
    if lineage.story_id is None and lineage.split_from is not None:
        summary.split += 1
        writes.event(
            story_id, "split", lineage.split_from, {"members": sorted(clusters[lineage.cluster])}
        )
        writes.event(
            lineage.split_from, "split", story_id, {"split_off": sorted(clusters[lineage.cluster])}
        )
    elif lineage.story_id is None:
        summary.created += 1
        writes.event(story_id, "created", None, {"members": sorted(clusters[lineage.cluster])})
    else:
        if lineage.added:
            summary.grew += 1
            writes.event(
                story_id,
                "grew",
                None,
                {"added": sorted(lineage.added), "removed": sorted(lineage.removed)},
            )
        elif lineage.removed:
            summary.shrank += 1
            writes.event(story_id, "shrank", None, {"removed": sorted(lineage.removed)})
    for old in lineage.merged_from:
        summary.merged += 1
        writes.event(story_id, "merged", old, {"absorbed": old})
        writes.event(old, "merged", story_id, {"into": story_id})
        writes.merged_into.append((old, story_id))


def _article_infos(session: Session, ids: Sequence[int]) -> dict[int, ArticleInfo]:
    infos: dict[int, ArticleInfo] = {}
    for aid, name, display, domain, url, title, published, first_seen in story_scope.load_articles(
        session, ids
    ):
        keys = {publisher_key(n) for n in (name, display, domain) if n}
        if url and domain_of(url):
            keys.add(publisher_key(domain_of(url) or ""))
        infos[aid] = ArticleInfo(
            article_id=aid,
            source_name=name,
            source_display=display or name,
            source_keys=frozenset(k for k in keys if k),
            url=url,
            title=title,
            published=published,
            first_seen=first_seen,
        )
    return infos


@dataclass
class _Writes:
    """The rows an update writes, sent in a few bulk statements by :meth:`flush`.

    New stories get a provisional negative id until they are inserted; their rows are
    inserted in the order they were made, so ids come out as if written one by one.
    """

    now: datetime
    closed: list[tuple[int, str]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    merged_into: list[tuple[int, int]] = field(default_factory=list)

    def close(self, story_id: int, status: str) -> None:
        self.closed.append((story_id, status))

    def event(
        self, story_id: int, event: str, other: int | None, detail: dict[str, Any] | None
    ) -> None:
        self.events.append(
            {
                "story_id": story_id,
                "event": event,
                "other_story_id": other,
                "detail": detail,
                "at": self.now,
            }
        )

    def story(self, story_id: int | None, computed: StoryResult) -> int:
        decision = computed.decision
        row = {
            "status": "active",
            "merged_into": None,
            "origin_article_id": decision.article_id,
            "origin_name": decision.name,
            "origin_external": decision.external,
            "confidence": computed.confidence,
            "evidence": computed.evidence,
            "first_seen": computed.first_seen,
            "updated_at": self.now,
        }
        if story_id is None:
            story_id = -1 - len(self.created)
            self.created.append({**row, "created_at": self.now})
        else:
            self.updated.append({**row, "b_id": story_id})
        self.members.extend(_member_rows(story_id, computed.ledgers))
        self.ledger.extend(
            _ledger_rows(story_id, computed.ledgers, computed.origin, computed.texts)
        )
        return story_id

    def flush(self, session: Session) -> None:
        recomputed = [row["b_id"] for row in self.updated]
        for chunk in chunks([s for s, _ in self.closed] + recomputed):
            session.execute(delete(_LEDGER).where(_LEDGER.c.story_id.in_(chunk)))
            session.execute(delete(_MEMBERS).where(_MEMBERS.c.story_id.in_(chunk)))
        if self.closed:
            session.execute(
                update(_STORIES)
                .where(_STORIES.c.id == bindparam("b_id"))
                .values(status=bindparam("b_status"), updated_at=self.now),
                [{"b_id": s, "b_status": status} for s, status in self.closed],
            )
        ids: dict[int, int] = {}
        if self.created:
            inserted = session.execute(
                insert(_STORIES).returning(_STORIES.c.id, sort_by_parameter_order=True),
                self.created,
            )
            ids = {-1 - k: story_id for k, (story_id,) in enumerate(inserted)}
        if self.updated:
            session.execute(
                update(_STORIES).where(_STORIES.c.id == bindparam("b_id")),
                self.updated,
            )
        if self.merged_into:
            session.execute(
                update(_STORIES)
                .where(_STORIES.c.id == bindparam("b_id"))
                .values(merged_into=bindparam("b_into")),
                [{"b_id": old, "b_into": ids.get(into, into)} for old, into in self.merged_into],
            )
        for table, rows, keys in (
            (_MEMBERS, self.members, ("story_id",)),
            (_LEDGER, self.ledger, ("story_id",)),
            (_EVENTS, self.events, ("story_id", "other_story_id")),
        ):
            for row in rows:
                for key in keys:
                    if row[key] is not None and row[key] < 0:
                        row[key] = ids[row[key]]
            if rows:
                session.execute(insert(table), rows)


def _member_rows(story_id: int, ledgers: Sequence[MemberLedger]) -> list[dict[str, Any]]:
    return [
        {
            "story_id": story_id,
            "article_id": led.article_id,
            "role": led.role,
            "shared_paragraphs": led.shared_paragraphs,
            "kept": led.kept,
            "edited": led.edited,
            "rewritten": led.rewritten,
            "dropped": led.dropped,
            "added": led.added,
            "kept_upper": led.kept_upper,
            "dropped_upper": led.dropped_upper,
            "moved": led.moved,
            "headline_changed": bool(led.headline_changed),
            "credit": led.credit,
        }
        for led in ledgers
    ]


def _ledger_rows(
    story_id: int,
    ledgers: Sequence[MemberLedger],
    origin: OriginText,
    texts: dict[int, MemberText],
) -> list[dict[str, Any]]:
    rows = []
    for led in ledgers:
        if led.alignment is None:
            continue
        copy = texts[led.article_id]
        for line in led.alignment.lines:
            origin_pid = (
                origin.paragraph_ids[line.origin_index] if line.origin_index is not None else None
            )
            rows.append(
                {
                    "story_id": story_id,
                    "article_id": led.article_id,
                    "op": line.op,
                    "origin_paragraph_id": origin_pid,
                    "copy_paragraph_id": (
                        copy.paragraph_ids[line.copy_index] if line.copy_index is not None else None
                    ),
                    "origin_text": line.origin_text,
                    "moved": line.moved,
                    "similarity": line.similarity,
                    "weight": line.weight,
                    "diff": [list(part) for part in line.diff] if line.diff is not None else None,
                    "rewrites": [list(pair) for pair in line.rewrites] or None,
                }
            )
    return rows
