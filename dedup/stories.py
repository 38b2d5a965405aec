"""Stories in the store: group linked articles, decide origins, write members, ledgers, events.

:func:`update_stories` runs inside the caller's transaction after the passages are up to date.
It recomputes only what changed since the last run: the *dirty* articles (new passages, a new
text version, a story that lost members) and everything reachable from them through reuse
links or shared stories. Within that scope a story whose members and texts did not change is
left as it is; the others get their origin and ledgers recomputed, and the membership changes
are written to ``story_events`` (created, grew, shrank, merged, split, gone).

The pure work is done elsewhere: :mod:`dedup.cluster` (grouping, ids), :mod:`dedup.credits`,
:mod:`dedup.origin`, :mod:`dedup.ledger` and :mod:`dedup.align`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from dedup import cluster
from dedup.align import align, words
from dedup.credits import Credit, display_name, find_credits, publisher_key
from dedup.ledger import (
    MemberLedger,
    MemberText,
    OriginText,
    Ref,
    build_ledgers,
    origin_from_member,
    reconstruct_origin,
)
from dedup.models import (
    Article,
    ArticleVersion,
    LedgerEntry,
    Link,
    Paragraph,
    Passage,
    Source,
    Story,
    StoryEvent,
    StoryMember,
    utcnow,
)
from dedup.origin import CreditUse, MemberFacts, OriginDecision, decide_origin
from dedup.urls import canonical_url, domain_of

log = logging.getLogger(__name__)

_CHUNK = 900
BOILERPLATE_MAX_WORDS = 40  # longer text shared across sites is no footer or credit line
PROMOTE_MIN_WORDS = 12  # shorter shared lines stay boilerplate (a stock "via Reuters")
HOLDS = 0.5  # share of a shared passage a member's text must hold to count as holding it
DETACHED_FACTOR = 0.8  # confidence kept when some member shares nothing with the origin


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
            for name, n in (("created", self.created), ("grew", self.grew),
                            ("shrank", self.shrank), ("merged", self.merged),
                            ("split", self.split), ("gone", self.gone))
            if n
        )
        return (
            f"stories: {self.recomputed} recomputed ({changes or 'no membership change'}), "
            f"{self.unchanged} unchanged in scope; {self.active} active"
        )


@dataclass
class _ArticleInfo:
    article_id: int
    source_name: str
    source_display: str
    source_keys: frozenset[str]
    url: str | None
    title: str | None
    published: datetime | None
    first_seen: datetime
    words: int = 0


@dataclass
class _Graph:
    """Reuse links between current paragraphs, as loaded from ``passages``."""

    edges: list[tuple[int, int, int, int, float, int, int]] = field(default_factory=list)
    # (article_a, article_b, paragraph_a, paragraph_b, containment, words_a, words_b)

    def by_article(self) -> dict[int, list[tuple[int, int, int, int, float, int, int]]]:
        out: dict[int, list[tuple[int, int, int, int, float, int, int]]] = defaultdict(list)
        for edge in self.edges:
            out[edge[0]].append(edge)
        return out

    def neighbours(self) -> dict[int, set[int]]:
        adj: dict[int, set[int]] = defaultdict(set)
        for a, b, *_ in self.edges:
            adj[a].add(b)
            adj[b].add(a)
        return adj


def update_stories(session: Session) -> StoriesSummary:
    """Bring ``stories`` and their members, ledgers and events up to date with the passages."""
    now = utcnow()
    summary = StoriesSummary()
    mark = session.scalar(select(func.max(Story.updated_at)))
    dirty, thin = _dirty(session, mark)
    summary.dirty_articles = len(dirty)
    if dirty or thin:
        _recompute(session, dirty, thin, now, summary)
    summary.active = session.scalar(
        select(func.count()).select_from(Story).where(Story.status == "active")
    ) or 0
    return summary


def _dirty(session: Session, mark: datetime | None) -> tuple[set[int], set[int]]:
    """Articles whose links or text changed since ``mark``, and stories that lost members.

    Without a mark (no story yet) every linked article is dirty.
    """
    if mark is None:
        rows = session.execute(select(Passage.article_a, Passage.article_b))
        return {x for row in rows for x in row}, set()
    dirty: set[int] = set()
    for a, b in session.execute(
        select(Passage.article_a, Passage.article_b).where(Passage.created_at > mark)
    ):
        dirty.update((a, b))
    changed = session.execute(
        select(StoryMember.article_id)
        .join(Article, Article.id == StoryMember.article_id)
        .join(ArticleVersion, ArticleVersion.id == Article.current_version_id)
        .where(ArticleVersion.fetched_at > mark)
    ).scalars()
    dirty.update(changed)
    # Deleted articles leave stories too small, or without their origin article.
    thin = set(
        session.execute(
            select(Story.id)
            .join(StoryMember, StoryMember.story_id == Story.id, isouter=True)
            .where(Story.status == "active")
            .group_by(Story.id)
            .having(func.count(StoryMember.article_id) < 2)
        ).scalars()
    )
    thin.update(
        session.execute(
            select(Story.id).where(
                Story.status == "active", Story.origin_article_id.is_(None),
                Story.origin_external.is_(False),
            )
        ).scalars()
    )
    return dirty, thin


def _load_graph(session: Session) -> _Graph:
    pa = Paragraph.__table__.alias("pa")
    pb = Paragraph.__table__.alias("pb")
    rows = session.execute(
        select(Passage.article_a, Passage.article_b, Passage.paragraph_a, Passage.paragraph_b,
               Passage.containment, pa.c.words, pb.c.words)
        .join(pa, pa.c.id == Passage.paragraph_a)
        .join(pb, pb.c.id == Passage.paragraph_b)
        .where(Passage.kind == "reuse")
    )
    return _Graph([(a, b, p, q, float(c), int(wa), int(wb)) for a, b, p, q, c, wa, wb in rows])


def _active_memberships(session: Session) -> dict[int, frozenset[int]]:
    members: dict[int, set[int]] = defaultdict(set)
    for story_id, article_id in session.execute(
        select(StoryMember.story_id, StoryMember.article_id)
        .join(Story, Story.id == StoryMember.story_id)
        .where(Story.status == "active")
    ):
        members[story_id].add(article_id)
    empty = session.execute(select(Story.id).where(Story.status == "active")).scalars()
    for story_id in empty:
        members.setdefault(story_id, set())
    return {k: frozenset(v) for k, v in members.items()}


def _scope(
    dirty: set[int], thin: set[int], graph: _Graph, memberships: dict[int, frozenset[int]]
) -> tuple[set[int], dict[int, frozenset[int]]]:
    """Dirty articles closed under reuse links and shared stories, and the stories touched."""
    adj = graph.neighbours()
    story_of: dict[int, list[int]] = defaultdict(list)
    for story_id, members in memberships.items():
        for article_id in members:
            story_of[article_id].append(story_id)
    scope: set[int] = set()
    touched: set[int] = {s for s in thin if s in memberships}
    frontier = list(dirty)
    for story_id in touched:
        frontier.extend(memberships[story_id])
    while frontier:
        article_id = frontier.pop()
        if article_id in scope:
            continue
        scope.add(article_id)
        frontier.extend(n for n in adj.get(article_id, ()) if n not in scope)
        for story_id in story_of.get(article_id, ()):
            if story_id not in touched:
                touched.add(story_id)
                frontier.extend(a for a in memberships[story_id] if a not in scope)
    return scope, {s: memberships[s] for s in touched}


def _recompute(
    session: Session, dirty: set[int], thin: set[int], now: datetime, summary: StoriesSummary
) -> None:
    graph = _load_graph(session)
    memberships = _active_memberships(session)
    scope, previous = _scope(dirty, thin, graph, memberships)
    summary.scope_articles = len(scope)
    sizes = _article_words(session, scope)
    template = _boilerplate(session, graph, scope)
    edges = _edges(graph, scope, template)
    linked = {n for e in edges for n in (e.a, e.b)}
    clusters = cluster.cluster_articles(sizes, edges,
                                        vocab=_vocabulary(session, linked, template))
    plan = cluster.assign_ids(previous, clusters)

    # Stories that end first: their members and ledgers go, the row stays for the record.
    for story_id in [*plan.merged, *plan.gone]:
        _close(session, story_id, "merged" if story_id in plan.merged else "gone", now)
    for story_id in plan.gone:
        summary.gone += 1
        _event(session, story_id, "gone", None, {"members": sorted(previous[story_id])}, now)

    member_ids = sorted({a for c in clusters for a in c})
    infos = _article_infos(session, member_ids)
    for article_id, count in sizes.items():
        if article_id in infos:
            infos[article_id].words = count
    data = _Loaded(
        graph.by_article(), infos, _member_texts(session, member_ids, template),
        _boilerplate_texts(session, member_ids), _links(session, member_ids),
    )
    for lineage in plan.lineages:
        members = clusters[lineage.cluster]
        unchanged = (
            lineage.story_id is not None and not lineage.added and not lineage.removed
            and not lineage.merged_from and not (members & dirty)
        )
        if unchanged:
            summary.unchanged += 1
            continue
        story_id = _write_story(session, lineage, sorted(members), data, now)
        summary.recomputed += 1
        _record_lineage(session, lineage, story_id, clusters, now, summary)
    summary.external_origins = session.scalar(
        select(func.count()).select_from(Story)
        .where(Story.status == "active", Story.origin_external.is_(True))
    ) or 0


def _record_lineage(
    session: Session, lineage: cluster.Lineage, story_id: int,
    clusters: Sequence[frozenset[int]], now: datetime, summary: StoriesSummary,
) -> None:
    if lineage.story_id is None and lineage.split_from is not None:
        summary.split += 1
        _event(session, story_id, "split", lineage.split_from,
               {"members": sorted(clusters[lineage.cluster])}, now)
        _event(session, lineage.split_from, "split", story_id,
               {"split_off": sorted(clusters[lineage.cluster])}, now)
    elif lineage.story_id is None:
        summary.created += 1
        _event(session, story_id, "created", None,
               {"members": sorted(clusters[lineage.cluster])}, now)
    else:
        if lineage.added:
            summary.grew += 1
            _event(session, story_id, "grew", None,
                   {"added": sorted(lineage.added), "removed": sorted(lineage.removed)}, now)
        elif lineage.removed:
            summary.shrank += 1
            _event(session, story_id, "shrank", None, {"removed": sorted(lineage.removed)}, now)
    for old in lineage.merged_from:
        summary.merged += 1
        _event(session, story_id, "merged", old, {"absorbed": old}, now)
        _event(session, old, "merged", story_id, {"into": story_id}, now)
        story = session.get(Story, old)
        if story is not None:
            story.merged_into = story_id


def _close(session: Session, story_id: int, status: str, now: datetime) -> None:
    session.execute(delete(LedgerEntry).where(LedgerEntry.story_id == story_id))
    session.execute(delete(StoryMember).where(StoryMember.story_id == story_id))
    story = session.get(Story, story_id)
    if story is not None:
        story.status = status
        story.updated_at = now


def _event(
    session: Session, story_id: int, event: str, other: int | None,
    detail: dict[str, Any] | None, now: datetime,
) -> None:
    session.add(StoryEvent(story_id=story_id, event=event, other_story_id=other, detail=detail,
                           at=now))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _article_words(session: Session, articles: set[int]) -> dict[int, int]:
    """Body words of each article's current version."""
    out: dict[int, int] = {}
    for chunk in _chunks(sorted(articles)):
        rows = session.execute(
            select(Paragraph.article_id, func.sum(Paragraph.words))
            .join(Article, Article.current_version_id == Paragraph.version_id)
            .where(Paragraph.article_id.in_(chunk), Paragraph.kind == "body")
            .group_by(Paragraph.article_id)
        )
        out.update({a: int(w or 0) for a, w in rows})
    return out


def _boilerplate(session: Session, graph: _Graph, scope: set[int]) -> set[int]:
    """Boilerplate among the scope's paragraphs (never story text, never a story link).

    Template passages are weighed in their neighbourhood, because the same short text is a
    footer in one place and a syndicated two-line brief in another:

    - within one site, a template passage marks both paragraphs, and so does a paragraph
      linked to two or more other articles of its own site (a footer that slipped through as
      reuse);
    - across sites, a template passage between articles that share other reused text, or
      that share it with a common third article, is story text after all: it is added to
      ``graph`` as reuse (a copy that kept only a story's short lead paragraph, or edited a
      paragraph's figures) unless it is a line too short for that (a stock "via Reuters").
      Otherwise a short one marks both paragraphs (a stock credit line or a shared promo)
      and a long one neither (a formula filled in with other figures);
    - a paragraph reused from a marked one is marked too.
    """
    ids = sorted(scope)
    source_of: dict[int, int] = {}
    for chunk in _chunks(ids):
        source_of.update(
            session.execute(select(Article.id, Article.source_id).where(Article.id.in_(chunk)))
            .all()
        )
    paragraph_ids: list[int] = []
    for chunk in _chunks(ids):
        paragraph_ids.extend(
            session.execute(
                select(Paragraph.id)
                .join(Article, Article.current_version_id == Paragraph.version_id)
                .where(Paragraph.article_id.in_(chunk), Paragraph.kind == "body")
            ).scalars()
        )
    rows: set[tuple[int, int, int, int, float, int, int]] = set()
    pa_, pb_ = Paragraph.__table__.alias("pa"), Paragraph.__table__.alias("pb")
    for chunk in _chunks(paragraph_ids):
        for column in (Passage.paragraph_a, Passage.paragraph_b):
            rows.update(
                (a, b, pa, pb, float(c), int(wa), int(wb))
                for a, b, pa, pb, c, wa, wb in session.execute(
                    select(Passage.article_a, Passage.article_b, Passage.paragraph_a,
                           Passage.paragraph_b, Passage.containment, pa_.c.words, pb_.c.words)
                    .join(pa_, pa_.c.id == Passage.paragraph_a)
                    .join(pb_, pb_.c.id == Passage.paragraph_b)
                    .where(Passage.kind == "template", column.in_(chunk))
                )
            )
    for a, b, *_ in rows:
        for article_id in (a, b):
            if article_id not in source_of:
                source_of[article_id] = session.scalar(
                    select(Article.source_id).where(Article.id == article_id)
                ) or -article_id

    template: set[int] = set()
    same_site: dict[int, set[int]] = defaultdict(set)
    for a, b, pa, pb, *_ in graph.edges:
        if a in scope and b in scope and source_of.get(a) == source_of.get(b):
            same_site[pa].add(b)
            same_site[pb].add(a)
    template |= {p for p, others in same_site.items() if len(others) >= 2}
    cross = []
    for row in sorted(rows):
        a, b, pa, pb = row[:4]
        if source_of[a] == source_of[b]:
            template.update((pa, pb))
        else:
            cross.append(row)

    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b, pa, pb, *_ in graph.edges:
        if pa not in template and pb not in template:
            neighbours[a].add(b)
            neighbours[b].add(a)
    for row in cross:
        a, b, pa, pb, _, wa, wb = row
        if pa in template or pb in template:
            continue
        linked = b in neighbours[a] or bool(neighbours[a] & neighbours[b])
        if linked and min(wa, wb) >= PROMOTE_MIN_WORDS:
            graph.edges.append(row)
        elif min(wa, wb) <= BOILERPLATE_MAX_WORDS:
            template.update((pa, pb))
    spread = {
        other for a, b, pa, pb, *_ in graph.edges if a in scope and b in scope
        for p, other in ((pa, pb), (pb, pa)) if p in template
    }
    return template | spread


def _edges(graph: _Graph, scope: set[int], template: set[int]) -> list[cluster.Edge]:
    """Reused words shared by each article pair, each paragraph counted at most once a side."""
    side_a: dict[tuple[int, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    side_b: dict[tuple[int, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    caps: dict[int, int] = {}
    for a, b, pa, pb, containment, wa, wb in graph.edges:
        if a not in scope or b not in scope or a == b or pa in template or pb in template:
            continue
        key = (a, b) if a < b else (b, a)
        first, second = (pa, pb) if a < b else (pb, pa)
        shared = containment * min(wa, wb)
        side_a[key][first] += shared
        side_b[key][second] += shared
        caps[pa], caps[pb] = wa, wb
    edges = []
    for key in side_a:
        total_a = sum(min(v, caps[p]) for p, v in side_a[key].items())
        total_b = sum(min(v, caps[p]) for p, v in side_b[key].items())
        edges.append(cluster.Edge(key[0], key[1], min(total_a, total_b),
                                  frozenset(side_a[key]), frozenset(side_b[key])))
    return edges


def _vocabulary(session: Session, articles: Iterable[int], template: set[int]
                ) -> dict[int, frozenset[str]]:
    """Content words (five letters or more) of each article's story text, for topic checks."""
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(articles)):
        rows = session.execute(
            select(Paragraph.article_id, Paragraph.id, Paragraph.text)
            .join(Article, Article.current_version_id == Paragraph.version_id)
            .where(Paragraph.article_id.in_(chunk), Paragraph.kind == "body")
        )
        for aid, pid, text in rows:
            if pid not in template:
                out[aid].update(w for w in words(text) if len(w) >= 5 and w.isalpha())
    return {aid: frozenset(v) for aid, v in out.items()}


def _article_infos(session: Session, ids: Sequence[int]) -> dict[int, _ArticleInfo]:
    infos: dict[int, _ArticleInfo] = {}
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(Article.id, Source.name, Source.display_name, Source.domain, Article.url,
                   Article.title, Article.published, Article.first_seen)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(chunk))
        )
        for aid, name, display, domain, url, title, published, first_seen in rows:
            keys = {publisher_key(n) for n in (name, display, domain) if n}
            if url and domain_of(url):
                keys.add(publisher_key(domain_of(url) or ""))
            infos[aid] = _ArticleInfo(aid, name, display or name, frozenset(k for k in keys if k),
                                      url, title, published, first_seen)
    return infos


def _member_texts(
    session: Session, ids: Sequence[int], template: set[int]
) -> dict[int, MemberText]:
    """Body paragraphs of the current versions, boilerplate flagged."""
    paras: dict[int, list[tuple[int, str]]] = defaultdict(list)
    titles: dict[int, str | None] = {}
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(Paragraph.article_id, Paragraph.id, Paragraph.text, ArticleVersion.title)
            .join(Article, Article.current_version_id == Paragraph.version_id)
            .join(ArticleVersion, ArticleVersion.id == Paragraph.version_id)
            .where(Paragraph.article_id.in_(chunk), Paragraph.kind == "body")
            .order_by(Paragraph.article_id, Paragraph.position)
        )
        for aid, pid, text, title in rows:
            paras[aid].append((pid, text))
            titles[aid] = title
    return {
        aid: MemberText(
            aid, titles.get(aid), tuple(pid for pid, _ in rows), tuple(t for _, t in rows),
            tuple(pid in template for pid, _ in rows),
        )
        for aid, rows in paras.items()
    }


def _links(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[str, str | None]]]:
    out: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(Link.article_id, Link.url, Link.anchor)
            .join(Article, Article.current_version_id == Link.version_id)
            .where(Link.article_id.in_(chunk))
        )
        for aid, url, anchor in rows:
            out[aid].append((url, anchor))
    return out


def _story_links(
    edges_of: dict[int, list[tuple[int, int, int, int, float, int, int]]], members: set[int],
    texts: dict[int, MemberText],
) -> list[tuple[Ref, Ref]]:
    """Reuse links among members' story text as (article, paragraph index) pairs."""
    index = _story_text_index(members, texts)
    pairs: list[tuple[Ref, Ref]] = []
    for member in sorted(members):
        for _a, b, pa, pb, *_ in edges_of.get(member, ()):
            if b in members and pa in index and pb in index:
                pairs.append((index[pa], index[pb]))
    return pairs


def _story_text_index(members: set[int], texts: dict[int, MemberText]) -> dict[int, Ref]:
    """Paragraph id -> (article, index) for the members' paragraphs that are not boilerplate."""
    return {
        pid: (aid, i) for aid in members if aid in texts
        for i, (pid, flag) in enumerate(zip(texts[aid].paragraph_ids, texts[aid].template,
                                            strict=True))
        if pid is not None and not flag
    }


def _coverage(
    members: Sequence[int], texts: dict[int, MemberText], pairs: Sequence[tuple[Ref, Ref]]
) -> tuple[dict[int, float], set[Ref]]:
    """Each member's share of the story's shared text, and the shared paragraphs.

    Shared text comes in groups of linked paragraphs. A member holds a group when it has one
    of the group's paragraphs, or when its text holds most of the group's longest variant
    (measured by alignment): a copy of a copy may share an edited sentence with another copy
    that the origin holds in a longer paragraph the link detector did not pair.
    """
    parent: dict[Ref, Ref] = {}

    def find(ref: Ref) -> Ref:
        parent.setdefault(ref, ref)
        while parent[ref] != ref:
            parent[ref] = parent[parent[ref]]
            ref = parent[ref]
        return ref

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[Ref, set[Ref]] = defaultdict(set)
    for ref in list(parent):
        groups[find(ref)].add(ref)
    roots = sorted(groups)
    longest = {
        root: max(sorted(groups[root]), key=lambda r: len(texts[r[0]].paragraphs[r[1]].split()))
        for root in roots
    }
    variants = [texts[longest[root][0]].paragraphs[longest[root][1]] for root in roots]
    weight = {root: len(variant.split()) for root, variant in zip(roots, variants, strict=True)}
    holders: dict[Ref, set[int]] = {root: {r[0] for r in groups[root]} for root in roots}
    for m in members:
        text = texts.get(m)
        lacking = [k for k, root in enumerate(roots) if m not in holders[root]]
        if text is None or not lacking:
            continue
        own = [p for p, flag in zip(text.paragraphs, text.template, strict=True) if not flag]
        reused = align([variants[k] for k in lacking], own).origin_reused
        for k, share in zip(lacking, reused, strict=True):
            if share >= HOLDS:
                holders[roots[k]].add(m)
    total = sum(weight.values())
    coverage = {
        m: (sum(w for root, w in weight.items() if m in holders[root]) / total if total else 0.0)
        for m in members
    }
    return coverage, set(parent)


def _facts(
    members: Sequence[int], infos: dict[int, _ArticleInfo], texts: dict[int, MemberText],
    extra: dict[int, list[str]], links: dict[int, list[tuple[str, str | None]]],
    coverage: dict[int, float], shared: set[Ref],
) -> list[MemberFacts]:
    known = sorted({n for m in members for n in (infos[m].source_name, infos[m].source_display)})
    facts = []
    for m in members:
        info = infos[m]
        text = texts.get(m)
        paragraphs = text.paragraphs if text else ()
        own_keys = info.source_keys
        member_links = links.get(m, [])
        uses = []
        found = [(c, (m, c.paragraph) in shared) for c in find_credits(paragraphs, known)]
        # credit lines the extractor set apart as boilerplate are the copier's own words
        found += [(c, False) for c in find_credits(extra.get(m, []), known)]
        for credit, in_shared in found:
            if credit.key is None:
                credit = _resolve_read_more(credit, member_links, own_keys) or credit
                if credit.key is None:
                    continue
            uses.append(CreditUse(credit, in_shared))
        link_urls = frozenset(canonical_url(u) for u, _ in member_links)
        link_keys = frozenset(
            k for k in (publisher_key(domain_of(u) or "") for u, _ in member_links) if k
        ) - own_keys
        facts.append(
            MemberFacts(
                article_id=m, source=info.source_display, source_keys=own_keys,
                url=canonical_url(info.url) if info.url else None, published=info.published,
                first_seen=info.first_seen, coverage=coverage.get(m, 0.0), credits=tuple(uses),
                link_urls=link_urls, link_keys=link_keys,
            )
        )
    return facts


def _resolve_read_more(
    credit: Credit, links: list[tuple[str, str | None]], own_keys: frozenset[str]
) -> Credit | None:
    """A "Read the full story here" credits the site its link points at."""
    line = credit.line.casefold()
    for url, anchor in links:
        key = publisher_key(domain_of(url) or "")
        if key and key not in own_keys and anchor and anchor.strip().casefold() in line:
            return replace(credit, key=key, publisher=display_name(key, [domain_of(url) or key]))
    return None


@dataclass
class _Loaded:
    """What the members' stories are computed from, loaded once per update."""

    edges_of: dict[int, list[tuple[int, int, int, int, float, int, int]]]  # by article_a
    infos: dict[int, _ArticleInfo]
    texts: dict[int, MemberText]
    extra: dict[int, list[str]]  # boilerplate paragraphs, for credit lines
    links: dict[int, list[tuple[str, str | None]]]


def _write_story(
    session: Session, lineage: cluster.Lineage, members: list[int], data: _Loaded,
    now: datetime,
) -> int:
    infos, texts = data.infos, data.texts
    member_set = set(members)
    pairs = _story_links(data.edges_of, member_set, texts)
    pairs += _quote_pairs(session, member_set, texts)
    coverage, shared = _coverage(members, texts, pairs)
    facts = _facts(members, infos, texts, data.extra, data.links, coverage, shared)
    decision = decide_origin(facts)
    empty = MemberText(0, None, (), (), ())
    member_texts = [texts.get(m, empty) for m in members]
    if decision.article_id is not None and decision.article_id in texts:
        origin = origin_from_member(texts[decision.article_id])
    else:
        origin = reconstruct_origin(member_texts, pairs)
    credit_lines = _credit_lines(decision, facts)
    ledgers = build_ledgers(origin, member_texts, credit_lines)
    confidence, evidence = decision.confidence, list(decision.evidence)
    detached = [
        led.article_id for led in ledgers if led.role == "copy" and not led.shared_paragraphs
    ]
    if detached:
        # Linked to the story only through other members: a thread of reports reusing each
        # other's background, which one origin explains less well.
        confidence = round(confidence * DETACHED_FACTOR, 3)
        evidence.append(
            "chain: article(s) " + ", ".join(map(str, detached)) + " share no paragraph with "
            "the origin; they are linked to the story through other members"
        )

    story = session.get(Story, lineage.story_id) if lineage.story_id is not None else None
    if story is None:
        story = Story(created_at=now)
        session.add(story)
    story.status = "active"
    story.merged_into = None
    story.origin_article_id = decision.article_id
    story.origin_name = decision.name
    story.origin_external = decision.external
    story.confidence = confidence
    story.evidence = evidence
    story.first_seen = min(infos[m].first_seen for m in members)
    story.updated_at = now
    session.flush()
    session.execute(delete(LedgerEntry).where(LedgerEntry.story_id == story.id))
    session.execute(delete(StoryMember).where(StoryMember.story_id == story.id))
    _write_members(session, story.id, ledgers, origin, {t.article_id: t for t in member_texts})
    return story.id


def _quote_pairs(
    session: Session, members: set[int], texts: dict[int, MemberText]
) -> list[tuple[Ref, Ref]]:
    """Quote links among members: copies of one story share its quoted passages too."""
    index = _story_text_index(members, texts)
    ids = sorted(index)
    pairs: list[tuple[Ref, Ref]] = []
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Passage.paragraph_a, Passage.paragraph_b)
            .where(Passage.kind == "quote", Passage.paragraph_a.in_(chunk))
        )
        pairs.extend((index[a], index[b]) for a, b in rows if a in index and b in index)
    return pairs


def _credit_lines(decision: OriginDecision, facts: Sequence[MemberFacts]) -> dict[int, str]:
    """Each copy's strongest line crediting the origin's publisher, when it has one."""
    by_id = {f.article_id: f for f in facts}
    if decision.article_id is not None and decision.article_id in by_id:
        target = by_id[decision.article_id].source_keys
    else:
        target = frozenset({publisher_key(decision.name)})
    out: dict[int, str] = {}
    for fact in facts:
        if fact.article_id == decision.article_id:
            continue
        hits = [u.credit for u in fact.credits if u.credit.key in target]
        if hits:
            out[fact.article_id] = max(hits, key=lambda c: c.strength).line
    return out


def _boilerplate_texts(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """The current versions' boilerplate paragraphs, where credit lines often sit."""
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(Paragraph.article_id, Paragraph.text)
            .join(Article, Article.current_version_id == Paragraph.version_id)
            .where(Paragraph.article_id.in_(chunk), Paragraph.kind == "boilerplate")
            .order_by(Paragraph.article_id, Paragraph.position)
        )
        for aid, text in rows:
            out[aid].append(text)
    return out


def _write_members(
    session: Session, story_id: int, ledgers: Sequence[MemberLedger], origin: OriginText,
    texts: dict[int, MemberText],
) -> None:
    session.execute(
        insert(StoryMember),
        [
            {
                "story_id": story_id, "article_id": led.article_id, "role": led.role,
                "shared_paragraphs": led.shared_paragraphs, "kept": led.kept,
                "edited": led.edited, "dropped": led.dropped, "added": led.added,
                "moved": led.moved, "headline_changed": bool(led.headline_changed),
                "credit": led.credit,
            }
            for led in ledgers
        ],
    )
    rows = []
    for led in ledgers:
        if led.alignment is None:
            continue
        copy = texts[led.article_id]
        for line in led.alignment.lines:
            origin_pid = (
                origin.paragraph_ids[line.origin_index] if line.origin_index is not None else None
            )
            rows.append({
                "story_id": story_id, "article_id": led.article_id, "op": line.op,
                "origin_paragraph_id": origin_pid,
                "copy_paragraph_id": (
                    copy.paragraph_ids[line.copy_index] if line.copy_index is not None else None
                ),
                "origin_text": line.origin_text, "moved": line.moved,
                "similarity": line.similarity, "weight": line.weight,
                "diff": [list(part) for part in line.diff] if line.diff is not None else None,
            })
    if rows:
        session.execute(insert(LedgerEntry), rows)
