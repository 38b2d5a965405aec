"""Stories in the store: group linked articles, decide origins, write members, ledgers, events.

:func:`update_stories` runs inside the caller's transaction after the passages are up to date.
It recomputes only what changed since the last run: the *dirty* articles (new passages, a new
text version, a story that lost members) and everything reachable from them through reuse
links or shared stories. Within that scope a story whose members and texts did not change is
left as it is; the others get their origin and ledgers recomputed, and the membership changes
are written to ``story_events`` (created, grew, shrank, merged, split, gone).

What an update reads is loaded by :mod:`dedup.stories.scope` in a few set-based queries, and what
it writes goes out in a few bulk statements at the end. The pure work is done elsewhere:
:mod:`dedup.stories.cluster` (grouping, ids), :mod:`dedup.stories.credits`,
:mod:`dedup.stories.origin`,
:mod:`dedup.stories.ledger` and :mod:`dedup.stories.align`.
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from dedup.store.models import LedgerEntry, Story, StoryEvent, StoryMember, utcnow
from dedup.stories import cluster
from dedup.stories import scope as story_scope
from dedup.stories.align import AlignCache, align, words
from dedup.stories.credits import Credit, display_name, find_credits, publisher_key
from dedup.stories.ledger import (
    MemberLedger,
    MemberText,
    OriginText,
    Ref,
    build_ledgers,
    origin_from_member,
    reconstruct_origin,
)
from dedup.stories.origin import CreditUse, MemberFacts, OriginDecision, decide_origin
from dedup.stories.scope import Edge, Scope, Texts, chunks
from dedup.text.urls import canonical_url, domain_of

log = logging.getLogger(__name__)

BOILERPLATE_MAX_WORDS = 40  # longer text shared across sites is no footer or credit line
PROMOTE_MIN_WORDS = 12  # shorter shared lines stay boilerplate (a stock "via Reuters")
HOLDS = 0.5  # share of a shared passage a member's text must hold to count as holding it
DETACHED_FACTOR = 0.8  # confidence kept when some member shares nothing with the origin

_STORIES: Table = Story.__table__  # type: ignore[assignment]
_MEMBERS: Table = StoryMember.__table__  # type: ignore[assignment]
_LEDGER: Table = LedgerEntry.__table__  # type: ignore[assignment]
_EVENTS: Table = StoryEvent.__table__  # type: ignore[assignment]


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
    """Reuse links between the scope's paragraphs, in passage order."""

    edges: list[Edge] = field(default_factory=list)

    def by_article(self) -> dict[int, list[Edge]]:
        out: dict[int, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            out[edge[0]].append(edge)
        return out


def update_stories(session: Session) -> StoriesSummary:
    """Bring ``stories`` and their members, ledgers and events up to date with the passages."""
    now = utcnow()
    summary = StoriesSummary()
    mark = session.scalar(select(func.max(_STORIES.c.updated_at)))
    dirty = story_scope.dirty_articles(session, mark)
    summary.dirty_articles = len(dirty.articles)
    if dirty.articles or dirty.thin:
        done: set[int] = set()
        with _collector_paused():
            # In parts of bounded size (a part's scope is closed, so no story is cut); an
            # article a part's scope already covered is up to date for the parts after it.
            for part in story_scope.parts(dirty):
                part.articles -= done
                if part.articles or part.thin:
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of an update.

    An update makes a few hundred thousand small tuples, lists and dicts that live until it
    ends and hold no reference cycles; the collector would walk them (and every other object
    of the process) several times over and free nothing, a fifth of the update's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _recompute(
    session: Session, dirty: story_scope.Dirty, now: datetime, summary: StoriesSummary
) -> set[int]:
    """Recompute the stories of ``dirty``'s scope; returns the scope's articles."""
    scope = story_scope.load_scope(session, dirty)
    summary.scope_articles += len(scope.articles)
    graph = _Graph(list(scope.reuse))
    template = _boilerplate(graph, scope)
    edges = _edges(graph, scope.articles, template)
    linked = {n for e in edges for n in (e.a, e.b)}
    texts = story_scope.load_texts(session, linked)
    clusters = cluster.cluster_articles(
        scope.sizes, edges, vocab=_Vocabulary(texts, linked, template)
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
    data = _Loaded(
        graph.by_article(),
        infos,
        _member_texts(texts, member_ids, template),
        {m: texts.boilerplate[m] for m in member_ids if m in texts.boilerplate},
        story_scope.load_links(session, member_ids),
        scope.quotes,
    )
    for lineage in todo:
        story_id = writes.story(
            lineage.story_id, _compute_story(sorted(clusters[lineage.cluster]), data)
        )
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


def _boilerplate(graph: _Graph, scope: Scope) -> set[int]:
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
    source_of, articles = scope.source_of, scope.articles
    template: set[int] = set()
    same_site: dict[int, set[int]] = defaultdict(set)
    for a, b, pa, pb, *_ in graph.edges:
        if a in articles and b in articles and source_of.get(a) == source_of.get(b):
            same_site[pa].add(b)
            same_site[pb].add(a)
    template |= {p for p, others in same_site.items() if len(others) >= 2}
    cross = []
    for row in sorted(scope.template):
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
        other
        for a, b, pa, pb, *_ in graph.edges
        if a in articles and b in articles
        for p, other in ((pa, pb), (pb, pa))
        if p in template
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
        edges.append(
            cluster.Edge(
                key[0],
                key[1],
                min(total_a, total_b),
                frozenset(side_a[key]),
                frozenset(side_b[key]),
            )
        )
    return edges


class _Vocabulary(Mapping[int, frozenset[str]]):
    """Content words (five letters or more) of each article's story text, for topic checks.

    Worked out when asked for: clustering asks only about the parts of possible roundups.
    """

    def __init__(self, texts: Texts, articles: Iterable[int], template: set[int]) -> None:
        self._own = {
            aid: own
            for aid in articles
            if (own := [text for pid, text in texts.body.get(aid, ()) if pid not in template])
        }
        self._words: dict[int, frozenset[str]] = {}

    def __getitem__(self, aid: int) -> frozenset[str]:
        found = self._words.get(aid)
        if found is None:
            # One pass over the article: a line break joins no words and splits none.
            unique = set(words("\n".join(self._own[aid])))
            found = self._words[aid] = frozenset(w for w in unique if len(w) >= 5 and w.isalpha())
        return found

    def __iter__(self) -> Iterator[int]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)


def _article_infos(session: Session, ids: Sequence[int]) -> dict[int, _ArticleInfo]:
    infos: dict[int, _ArticleInfo] = {}
    for aid, name, display, domain, url, title, published, first_seen in story_scope.load_articles(
        session, ids
    ):
        keys = {publisher_key(n) for n in (name, display, domain) if n}
        if url and domain_of(url):
            keys.add(publisher_key(domain_of(url) or ""))
        infos[aid] = _ArticleInfo(
            aid,
            name,
            display or name,
            frozenset(k for k in keys if k),
            url,
            title,
            published,
            first_seen,
        )
    return infos


def _member_texts(texts: Texts, ids: Sequence[int], template: set[int]) -> dict[int, MemberText]:
    """Body paragraphs of the current versions, boilerplate flagged."""
    return {
        aid: MemberText(
            aid,
            texts.titles.get(aid),
            tuple(pid for pid, _ in rows),
            tuple(t for _, t in rows),
            tuple(pid in template for pid, _ in rows),
        )
        for aid in ids
        if (rows := texts.body.get(aid))
    }


def _story_links(
    edges_of: dict[int, list[Edge]],
    members: set[int],
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
        pid: (aid, i)
        for aid in members
        if aid in texts
        for i, (pid, flag) in enumerate(
            zip(texts[aid].paragraph_ids, texts[aid].template, strict=True)
        )
        if pid is not None and not flag
    }


def _coverage(
    members: Sequence[int],
    texts: dict[int, MemberText],
    pairs: Sequence[tuple[Ref, Ref]],
    cache: AlignCache,
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
        reused = align([variants[k] for k in lacking], own, cache=cache).origin_reused
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
    members: Sequence[int],
    infos: dict[int, _ArticleInfo],
    texts: dict[int, MemberText],
    extra: dict[int, list[str]],
    links: dict[int, list[tuple[str, str | None]]],
    coverage: dict[int, float],
    shared: set[Ref],
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
        link_keys = (
            frozenset(k for k in (publisher_key(domain_of(u) or "") for u, _ in member_links) if k)
            - own_keys
        )
        facts.append(
            MemberFacts(
                article_id=m,
                source=info.source_display,
                source_keys=own_keys,
                url=canonical_url(info.url) if info.url else None,
                published=info.published,
                first_seen=info.first_seen,
                coverage=coverage.get(m, 0.0),
                credits=tuple(uses),
                link_urls=link_urls,
                link_keys=link_keys,
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

    edges_of: dict[int, list[Edge]]  # by article_a
    infos: dict[int, _ArticleInfo]
    texts: dict[int, MemberText]
    extra: dict[int, list[str]]  # boilerplate paragraphs, for credit lines
    links: dict[int, list[tuple[str, str | None]]]
    quotes: dict[int, list[int]]  # quote passages: paragraph_a -> paragraph_b's


@dataclass
class _Computed:
    """A story's origin and ledgers, ready to be written."""

    decision: OriginDecision
    confidence: float
    evidence: list[str]
    first_seen: datetime
    ledgers: list[MemberLedger]
    origin: OriginText
    texts: dict[int, MemberText]


def _compute_story(members: list[int], data: _Loaded) -> _Computed:
    infos, texts = data.infos, data.texts
    member_set = set(members)
    pairs = _story_links(data.edges_of, member_set, texts)
    pairs += _quote_pairs(data.quotes, member_set, texts)
    cache = AlignCache()  # one story's: the texts it parses are rarely another story's
    coverage, shared = _coverage(members, texts, pairs, cache)
    facts = _facts(members, infos, texts, data.extra, data.links, coverage, shared)
    decision = decide_origin(facts)
    empty = MemberText(0, None, (), (), ())
    member_texts = [texts.get(m, empty) for m in members]
    if decision.article_id is not None and decision.article_id in texts:
        origin = origin_from_member(texts[decision.article_id])
    else:
        origin = reconstruct_origin(member_texts, pairs)
    credit_lines = _credit_lines(decision, facts)
    ledgers = build_ledgers(origin, member_texts, credit_lines, cache=cache)
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
    return _Computed(
        decision,
        confidence,
        evidence,
        min(infos[m].first_seen for m in members),
        ledgers,
        origin,
        {t.article_id: t for t in member_texts},
    )


def _quote_pairs(
    quotes: dict[int, list[int]], members: set[int], texts: dict[int, MemberText]
) -> list[tuple[Ref, Ref]]:
    """Quote links among members: copies of one story share its quoted passages too."""
    index = _story_text_index(members, texts)
    return [(index[a], index[b]) for a in sorted(index) for b in quotes.get(a, ()) if b in index]


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

    def story(self, story_id: int | None, computed: _Computed) -> int:
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
            "dropped": led.dropped,
            "added": led.added,
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
                }
            )
    return rows
