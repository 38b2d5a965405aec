"""One story's decisions: who holds the shared text, what the members credit, the origin, ledgers.

Pure: the members' texts and facts in (loaded by :mod:`dedup.stories.scope`), a
:class:`StoryResult` out, which :mod:`dedup.stories.update` writes. Shared text comes from the
reuse and quote links among the members; coverage (the share of the shared text each member
holds), where each member's own text stands (:mod:`dedup.stories.text_shape`) and the credits
each member gives feed :mod:`dedup.stories.origin`; the ledgers come from
:mod:`dedup.stories.ledger`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from dedup.stories.align import AlignCache, align
from dedup.stories.credit_targets import named_member, names_any, other_stories
from dedup.stories.credits import Credit, display_name, find_credits, publisher_key
from dedup.stories.disjoint import DisjointSet
from dedup.stories.graph import PassageLink
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
from dedup.stories.origin_features import merges
from dedup.stories.rewrites import terms
from dedup.stories.text_shape import member_shape, unshared_inside
from dedup.stories.updates import earlier_versions
from dedup.text.urls import canonical_url, domain_of
from dedup.workers import gc_paused

HOLDS = 0.5  # share of a shared passage a member's text must hold to count as holding it
# Wordings that can attribute one statement ("X said", "according to X", "the poll published
# in X"), as against those that only credit a whole text (a dateline, "Source: X", "via X").
ATTRIBUTIONS = frozenset(
    {
        "outlet_said",
        "according_to",
        "quoted_by",
        "reports",
        "reports_at",
        "republished",
        "first_reported",
    }
)
FACT_WORDS = 5  # content words besides the credit itself that make its sentence a statement


@dataclass
class ArticleInfo:
    """What the story stage knows of a member article besides its text."""

    article_id: int
    source_name: str
    source_display: str
    source_keys: frozenset[str]
    url: str | None
    title: str | None
    published: datetime | None
    first_seen: datetime
    words: int = 0


def member_texts(
    body: Mapping[int, list[tuple[int, str]]],
    titles: Mapping[int, str | None],
    ids: Sequence[int],
    template: set[int],
) -> dict[int, MemberText]:
    """Body paragraphs of the current versions, boilerplate flagged."""
    return {
        aid: MemberText(
            article_id=aid,
            title=titles.get(aid),
            paragraph_ids=tuple(pid for pid, _ in rows),
            paragraphs=tuple(t for _, t in rows),
            template=tuple(pid in template for pid, _ in rows),
        )
        for aid in ids
        if (rows := body.get(aid))
    }


def _story_links(
    edges_of: dict[int, list[PassageLink]],
    members: set[int],
    texts: dict[int, MemberText],
) -> list[tuple[Ref, Ref]]:
    """Reuse links among members' story text as (article, paragraph index) pairs."""
    index = _story_text_index(members, texts)
    pairs: list[tuple[Ref, Ref]] = []
    for member in sorted(members):
        for link in edges_of.get(member, ()):
            pa, pb = link.paragraph_a, link.paragraph_b
            if link.article_b in members and pa in index and pb in index:
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
) -> tuple[dict[int, float], set[Ref], dict[int, float]]:
    """Each member's share of the story's shared text, the shared paragraphs, and how much of
    each member's shared text joins members that share nothing (:func:`merges`).

    Shared text comes in groups of linked paragraphs. A member holds a group when it has one
    of the group's paragraphs, or when its text holds most of the group's longest variant
    (measured by alignment): a copy of a copy may share an edited sentence with another copy
    that the origin holds in a longer paragraph the link detector did not pair.
    """
    linked: DisjointSet[Ref] = DisjointSet()
    for a, b in pairs:
        linked.add(a)
        linked.add(b)
        linked.merge(a, b)
    # Each group is named by its smallest ref, so nothing depends on set order.
    groups = {min(g): g for g in linked.subsets()}
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
    return coverage, set().union(*groups.values()) if groups else set(), merges(holders, weight)


def _facts(
    members: Sequence[int],
    infos: dict[int, ArticleInfo],
    texts: dict[int, MemberText],
    extra: dict[int, list[str]],
    links: dict[int, list[tuple[str, str | None]]],
    coverage: dict[int, float],
    shared: set[Ref],
    shape: tuple[dict[int, float], dict[int, float]] = ({}, {}),
    merged: Mapping[int, float] | None = None,
    inside: Mapping[int, float] | None = None,
    elsewhere: Mapping[int, frozenset[str]] | None = None,
) -> list[MemberFacts]:
    known = sorted({n for m in members for n in (infos[m].source_name, infos[m].source_display)})
    one_source = len({infos[m].source_name for m in members}) == 1
    story_keys = {k for m in members for k in infos[m].source_keys}
    facts = []
    for m in members:
        info = infos[m]
        text = texts.get(m)
        paragraphs = text.paragraphs if text else ()
        own_keys = info.source_keys
        member_links = links.get(m, [])
        uses = []
        other_keys = (elsewhere or {}).get(m, frozenset())
        found = [(c, (m, c.paragraph) in shared) for c in find_credits(paragraphs, known)]
        # credit lines the extractor set apart as boilerplate are the copier's own words
        found += [(c, False) for c in find_credits(extra.get(m, []), known)]
        found += [(c, False) for c in link_credits(member_links, own_keys)]
        for credit, in_shared in found:
            if one_source and not in_shared and cites_a_statement(credit):
                continue
            if (
                credit.key is not None
                and names_any(credit.key, other_keys)
                and credit.key not in story_keys
            ):
                continue  # a roundup's credit of a publisher of another of its stories
            credit = named_member(credit, own_keys, [infos[o] for o in members if o != m])
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
                unshared=shape[0].get(m, 0.0),
                agreement=shape[1].get(m, 0.0),
                merges=(merged or {}).get(m, 0.0),
                unshared_inside=(inside or {}).get(m, 0.0),
                title=info.title,
            )
        )
    return facts


def cites_a_statement(credit: Credit) -> bool:
    """Whether ``credit`` attributes one statement of its sentence, not the text around it.

    An outlet that reuses its own paragraph in a later article (a wire's follow-up, an update)
    may say in its own words that another outlet reported some fact ("..., the news agency
    Kyodo said"); that names a source of that sentence, not of the paragraph it reused, so
    in a story of one source's articles it is no credit of the shared text. A sentence that
    is only a credit ("This story first appeared on X.") credits the text. On Reuters-21578,
    all 46 external origins were named from such sentences, 45 of them at 1.00.

    >>> from dedup.stories.credits import find_credits
    >>> [cites_a_statement(c) for c in find_credits([
    ...     "Nakasone told reporters he did not think the sales tax was dead, Kyodo said.",
    ...     "This story first appeared on Kyodo News.",
    ... ])]
    [True, False]
    """
    return credit.pattern in ATTRIBUTIONS and len(terms(credit.line).core) >= FACT_WORDS


def link_credits(links: Sequence[tuple[str, str | None]], own_keys: frozenset[str]) -> list[Credit]:
    """A link whose text names the site it points at credits that site ("<a href=
    'https://reuters.com/...'>Reuters</a>"): the copier's own words, wherever it stands."""
    out = []
    for url, anchor in links:
        domain = domain_of(url) or ""
        key = publisher_key(domain)
        if key and key not in own_keys and anchor and publisher_key(anchor) == key:
            out.append(
                Credit(
                    publisher=display_name(key, [anchor]),
                    key=key,
                    line=f"{anchor} <{url}>",
                    pattern="link",
                    self_reference=False,
                    strength=0.8,
                    paragraph=-1,
                )
            )
    return out


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
class StoryInputs:
    """What the members' stories are computed from, loaded once per update."""

    edges_of: dict[int, list[PassageLink]]  # by article_a
    infos: dict[int, ArticleInfo]
    texts: dict[int, MemberText]
    extra: dict[int, list[str]]  # boilerplate paragraphs, for credit lines
    links: dict[int, list[tuple[str, str | None]]]
    quotes: dict[int, list[int]]  # quote passages: paragraph_a -> paragraph_b's
    # articles in more than one story (roundups): the articles each shares text with
    roundups: dict[int, frozenset[int]] = field(default_factory=dict)
    partner_keys: dict[int, frozenset[str]] = field(default_factory=dict)  # of those articles

    def for_members(self, members: Sequence[int]) -> StoryInputs:
        """The part of these inputs one story of ``members`` reads (all it reads), so that
        the story can be computed in a worker process without the whole scope's data."""
        texts = {m: self.texts[m] for m in members if m in self.texts}
        pids = {p for t in texts.values() for p in t.paragraph_ids}
        return StoryInputs(
            edges_of={m: self.edges_of[m] for m in members if m in self.edges_of},
            infos={m: self.infos[m] for m in members},
            texts=texts,
            extra={m: self.extra[m] for m in members if m in self.extra},
            links={m: self.links[m] for m in members if m in self.links},
            quotes={p: self.quotes[p] for p in pids if p in self.quotes},
            roundups=(roundups := {m: self.roundups[m] for m in members if m in self.roundups}),
            partner_keys={
                a: self.partner_keys[a]
                for partners in roundups.values()
                for a in partners
                if a in self.partner_keys
            },
        )


@dataclass
class StoryResult:
    """A story's origin and ledgers, ready to be written."""

    decision: OriginDecision
    confidence: float
    evidence: list[str]
    first_seen: datetime
    ledgers: list[MemberLedger]
    origin: OriginText
    texts: dict[int, MemberText]


def compute_stories_task(task: Sequence[tuple[list[int], StoryInputs]]) -> list[StoryResult]:
    """:func:`compute_story` of each ``(members, inputs)`` pair: the unit a worker runs (a
    few stories, since one takes a few milliseconds, about what handing it over costs)."""
    with gc_paused():
        return [compute_story(members, data) for members, data in task]


def compute_story(members: list[int], data: StoryInputs) -> StoryResult:
    infos, texts = data.infos, data.texts
    member_set = set(members)
    reused = _story_links(data.edges_of, member_set, texts)
    quoted = _quote_pairs(data.quotes, member_set, texts)
    pairs = reused + quoted
    cache = AlignCache()  # one story's: the texts it parses are rarely another story's
    coverage, shared, merged = _coverage(members, texts, pairs, cache)
    shape = member_shape(members, texts, pairs)
    inside = unshared_inside(members, texts, pairs)
    facts = _facts(
        members,
        infos,
        texts,
        data.extra,
        data.links,
        coverage,
        shared,
        shape,
        merged,
        inside,
        other_stories(data.roundups, data.partner_keys, member_set),
    )
    decision = decide_origin(facts, quotes_only=bool(quoted) and not reused)
    empty = MemberText(article_id=0, title=None, paragraph_ids=(), paragraphs=(), template=())
    member_texts = [texts.get(m, empty) for m in members]
    if decision.article_id is not None and decision.article_id in texts:
        origin = origin_from_member(texts[decision.article_id])
    else:
        origin = reconstruct_origin(member_texts, pairs)
    credits = _origin_credits(decision, facts)
    ledgers = build_ledgers(
        origin,
        member_texts,
        {aid: max(hits, key=lambda c: c.strength).line for aid, hits in credits.items()},
        cache=cache,
        credit_lines={aid: [c.line for c in hits] for aid, hits in credits.items()},
    )
    confidence, evidence = decision.confidence, list(decision.evidence)
    detached = [
        led.article_id for led in ledgers if led.role == "copy" and not led.shared_paragraphs
    ]
    if detached:
        # Linked to the story only through other members: said, not scaled into the
        # confidence, which is calibrated as the model gives it.
        evidence.append(
            "chain: article(s) " + ", ".join(map(str, detached)) + " share no paragraph with "
            "the origin; they are linked to the story through other members"
        )
    update = earlier_versions(
        decision.article_id,
        members,
        {m: infos[m].source_display for m in members},
        {m: infos[m].published for m in members},
    )
    evidence += [update] if update else []
    return StoryResult(
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


def _origin_credits(
    decision: OriginDecision, facts: Sequence[MemberFacts]
) -> dict[int, list[Credit]]:
    """Each copy's lines crediting the origin's publisher, when it has any."""
    by_id = {f.article_id: f for f in facts}
    if decision.article_id is not None and decision.article_id in by_id:
        target = by_id[decision.article_id].source_keys
    else:
        target = frozenset({publisher_key(decision.name)})
    out: dict[int, list[Credit]] = {}
    for fact in facts:
        if fact.article_id == decision.article_id:
            continue
        hits = [u.credit for u in fact.credits if u.credit.key in target]
        if hits:
            out[fact.article_id] = hits
    return out
