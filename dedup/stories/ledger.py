"""Each member's ledger against the story's origin, and the text of an origin not in the store.

Pure: member texts in, :class:`MemberLedger` records out.

When the origin is external (credited by the copies but not stored), its text is rebuilt from
what the copies share (:func:`reconstruct_origin`): paragraphs linked across two or more
members form a group; each group is represented by one variant: one that other members repeat word
for word if any (two copiers rarely make the same edit; a wire dateline such as "NEW YORK
(Reuters) - ", which copiers strip, is left aside in that comparison and kept where a variant
has it); else the variant most of whose sentences other members have word for word (the same
rule, sentence by sentence); else the variant of the member whose other shared paragraphs most
often match another member's verbatim (the most faithful copy); then the variant closest to
all the others (medoid), the fullest member's, the longer text. To that variant's sentences
are added the other variants' sentences that two or more members hold (a sentence the chosen
copier cut), and a sentence one variant alone has between two that stand side by side in the
rebuilt paragraph (copy desks cut wire sentences; they rarely write one into the middle of a
paragraph they keep), each after the sentence it follows there. The groups are ordered by
where they first appear in the copies, fullest copy first. A whole paragraph one member alone
has is origin text too when it stands between two of that member's shared paragraphs that the
others have side by side (the same copy-desk habit, paragraph by paragraph: copiers add their
own paragraphs before and after the wire's), unless it says again what the rebuilt text says.

The rebuilt text is a lower bound of the origin: text that one copy alone kept, or none did,
cannot be told from the copy's own. So a copy's added share may hold origin text, and its
ledger against the rebuilt text is the low end: each copy's ledger also carries the high end
(``kept_upper``, ``dropped_upper``: what it kept and dropped if every word of its own were
origin text); the story's evidence says so. A copy's credit line standing alone ("Reuters
reports:") is neither origin text nor added text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from dedup.stories.align import ANCHORS, AlignCache, Alignment, align, words
from dedup.stories.disjoint import DisjointSet
from dedup.stories.rewrites import cached_terms, is_rewrite
from dedup.stories.runs import PRESENT, Parsed, contains, parse, ratio

Ref = tuple[int, int]  # (article id, index into that member's paragraphs)
Keys = tuple[str, ...]
UNION_MIN_WORDS = 6  # a shorter sentence held by two is a coincidence, not origin text
SANDWICH_MIN_WORDS = 12  # a shorter line between two paragraphs is a caption or a link
# A paragraph one copy alone has between two shared ones is origin text another copy cut
# only when just one other copy has those two side by side: that two copies cut the same
# paragraph is rarer than that one copier wrote one of its own there (chosen on the
# simulator's dev families, with and without copiers who write inside what they took).
SANDWICH_MAX_ADJACENT = 1
_DATELINE = re.compile(r"^[^()\n]{1,60}?\([^()\n]{1,40}\)\s*[-\u2014\u2013]+\s*")


@dataclass(frozen=True)
class MemberText:
    """A member's body paragraphs (template paragraphs flagged), in order."""

    article_id: int
    title: str | None
    paragraph_ids: tuple[int | None, ...]
    paragraphs: tuple[str, ...]
    template: tuple[bool, ...]


@dataclass(frozen=True)
class OriginText:
    article_id: int | None  # None for a reconstructed external origin
    title: str | None
    paragraph_ids: tuple[int | None, ...]  # the origin's paragraphs; None when reconstructed
    paragraphs: tuple[str, ...]
    taken_from: tuple[Ref, ...] = ()  # for a reconstruction: whose paragraph stands in


@dataclass(frozen=True)
class MemberLedger:
    article_id: int
    role: str  # origin | copy
    alignment: Alignment | None  # None for the origin itself
    kept: float
    edited: float
    rewritten: float
    dropped: float
    added: float
    moved: int
    shared_paragraphs: int
    headline_changed: bool | None  # None when the origin's headline is unknown
    credit: str | None
    # Against a rebuilt (external) origin, a lower bound of the origin text: the kept and
    # dropped shares if every word of the copy's own were origin text (None otherwise).
    kept_upper: float | None = None
    dropped_upper: float | None = None
    credit_lines: tuple[str, ...] = ()  # every line of it crediting the origin


def origin_from_member(member: MemberText) -> OriginText:
    """A stored origin's text: its body paragraphs without template boilerplate."""
    keep = [i for i, flag in enumerate(member.template) if not flag]
    return OriginText(
        member.article_id,
        member.title,
        tuple(member.paragraph_ids[i] for i in keep),
        tuple(member.paragraphs[i] for i in keep),
    )


def shared_groups(
    members: Sequence[MemberText], links: Iterable[tuple[Ref, Ref]]
) -> dict[Ref, list[Ref]]:
    """The groups of linked paragraphs two or more members hold (boilerplate aside), each
    named by its smallest paragraph ref, so the result follows no set order."""
    by_id = {m.article_id: m for m in members}
    linked: DisjointSet[Ref] = DisjointSet()
    for a, b in links:
        if a[0] == b[0] or a[0] not in by_id or b[0] not in by_id:
            continue
        if by_id[a[0]].template[a[1]] or by_id[b[0]].template[b[1]]:
            continue
        linked.add(a)
        linked.add(b)
        linked.merge(a, b)
    groups = [sorted(group) for group in linked.subsets()]
    return {refs[0]: refs for refs in groups if len({r[0] for r in refs}) > 1}


def reconstruct_origin(
    members: Sequence[MemberText], links: Iterable[tuple[Ref, Ref]]
) -> OriginText:
    """The external origin's text: the paragraphs two or more members share, in story order."""
    by_id = {m.article_id: m for m in members}
    shared = shared_groups(members, links)
    if not shared:
        return OriginText(article_id=None, title=None, paragraph_ids=(), paragraphs=())
    group_of = {ref: root for root, refs in shared.items() for ref in refs}
    held = {
        m.article_id: len(
            {
                group_of[(m.article_id, i)]
                for i in range(len(m.paragraphs))
                if (m.article_id, i) in group_of
            }
        )
        for m in members
    }

    def text(ref: Ref) -> str:
        return by_id[ref[0]].paragraphs[ref[1]]

    # How often a member's shared paragraphs are word for word another member's: copies that
    # agree verbatim elsewhere are the likeliest to carry the original wording here too. A
    # wire's dateline ("NEW YORK (Reuters) - ") is what copiers strip, never what they add:
    # variants are compared without it, and the one that still has it is the original's.
    keys = {ref: tuple(words(_DATELINE.sub("", text(ref), count=1))) for ref in group_of}
    dated = {ref: bool(_DATELINE.match(text(ref))) for ref in group_of}
    twins = {
        ref: len({o[0] for o in shared[group_of[ref]] if o[0] != ref[0] and keys[o] == keys[ref]})
        for ref in group_of
    }
    faithful = {
        m.article_id: (
            sum(1 for ref in group_of if ref[0] == m.article_id and twins[ref])
            / max(1, sum(1 for ref in group_of if ref[0] == m.article_id))
        )
        for m in members
    }
    # Two copiers rarely make the same edit to a sentence either: the share of a variant's
    # words in sentences another member has word for word (a variant whose words were swapped
    # throughout has none, the original and a copy that only cut or appended have nearly all).
    cache = AlignCache()

    def agreement(ref: Ref, refs: list[Ref]) -> float:
        mine = cache.parse(text(ref))
        others = [cache.parse(text(o)) for o in refs if o[0] != ref[0]]
        held = sum(len(sent) for sent in mine.sentences if any(contains(o, sent) for o in others))
        return round(held / max(1, len(mine.keys)), 6)

    # a group's variants are compared with each other pairwise: split into words once
    word_keys = {ref: words(text(ref)) for ref in group_of}
    representative: dict[Ref, Ref] = {}
    for root, refs in shared.items():
        agree = {ref: agreement(ref, refs) for ref in refs}

        def rank(ref: Ref, refs: list[Ref] = refs) -> tuple[float, ...]:
            closeness = sum(ratio(word_keys[ref], word_keys[o]) for o in refs if o != ref)
            return (
                -twins[ref],
                -dated[ref],
                -faithful[ref[0]],
                -round(closeness, 6),
                -held[ref[0]],
                -len(keys[ref]),
                ref[0],
                ref[1],
            )

        ranks = {ref: rank(ref) for ref in refs}
        # the variant the others agree with most stands in; the rest follow in rank order,
        # which places the sentences they add to it
        refs.sort(key=ranks.__getitem__)
        best = min(refs, key=lambda ref: (-twins[ref], -dated[ref], -agree[ref], *ranks[ref]))
        refs.remove(best)
        refs.insert(0, best)
        representative[root] = best

    # Story order: the fullest member's order, others' groups slotted after their predecessor.
    order: list[Ref] = []
    for member in sorted(members, key=lambda m: (-held[m.article_id], m.article_id)):
        previous: Ref | None = None
        for i in range(len(member.paragraphs)):
            found = group_of.get((member.article_id, i))
            if found is None:
                continue
            root = found
            if root not in order:
                order.insert(order.index(previous) + 1 if previous is not None else 0, root)
            previous = root
    # Paragraphs one member alone has between two shared ones, the most faithful copy's first:
    # two copies' variants of one such paragraph (word swaps the passage links missed) are
    # one paragraph of the origin, and the faithful copy's wording is likelier the original.
    rebuilt = [cache.parse(text(ref)) for ref in sorted(group_of)]
    adjacent = side_by_side(members, group_of)
    for member in sorted(members, key=lambda m: (-faithful[m.article_id], m.article_id)):
        for ref in _sandwiched_paragraphs(member, group_of, adjacent):
            mine = cache.parse(text(ref))
            if _variant(mine, rebuilt, cache):
                continue
            rebuilt.append(mine)
            shared[ref] = [ref]
            representative[ref] = ref
            # in the member's place, just before the shared paragraph it precedes
            order.insert(order.index(group_of[_next_shared(member, ref[1], group_of)]), ref)
    chosen = tuple(representative[root] for root in order)
    paragraphs = tuple(_shared_sentences(shared[root], text, cache) for root in order)
    kept = [k for k, p in enumerate(paragraphs) if p]
    return OriginText(
        None,
        None,
        tuple(None for _ in kept),
        tuple(paragraphs[k] for k in kept),
        tuple(chosen[k] for k in kept),
    )


def _variant(mine: Parsed, others: Sequence[Parsed], cache: AlignCache) -> bool:
    """Whether most of a paragraph's words are in sentences the others hold already, word
    for word or said again in other words (see :func:`_shared_sentences`)."""
    held = 0
    for s, keys in enumerate(mine.sentences):
        if any(cache.pair(mine, o)[0][s][0] >= PRESENT * len(keys) for o in others):
            held += len(keys)
            continue
        said = cached_terms(cache, mine.raw[s])
        if any(is_rewrite(cached_terms(cache, raw), said) for o in others for raw in o.raw):
            held += len(keys)
    return held >= PRESENT * len(mine.keys)


def _next_shared(member: MemberText, at: int, group_of: Mapping[Ref, Ref]) -> Ref:
    return next(
        (member.article_id, k)
        for k in range(at + 1, len(member.paragraphs))
        if (member.article_id, k) in group_of
    )


def side_by_side(
    members: Sequence[MemberText], group_of: Mapping[Ref, Ref]
) -> dict[tuple[Ref, Ref], set[int]]:
    """The members that have two shared groups in paragraphs next to each other (boilerplate
    between them aside), by the pair of groups in their order; a pair that some member has
    with another shared group between them is left out (what stands between them in a copy
    that cut nothing there is the origin's, and another copy's text in its place a variant
    of it, or the copier's own)."""
    found: dict[tuple[Ref, Ref], set[int]] = {}
    apart: set[tuple[Ref, Ref]] = set()
    for member in members:
        previous: Ref | None = None
        roots: list[Ref] = []
        for i, flag in enumerate(member.template):
            if flag:
                continue
            root = group_of.get((member.article_id, i))
            if previous is not None and root is not None and root != previous:
                found.setdefault((previous, root), set()).add(member.article_id)
            previous = root
            if root is not None and (not roots or roots[-1] != root):
                roots.append(root)
        apart.update((a, b) for k, a in enumerate(roots) for b in roots[k + 2 :])
    return {pair: who for pair, who in found.items() if pair not in apart}


def _sandwiched_paragraphs(
    member: MemberText,
    group_of: Mapping[Ref, Ref],
    side_by_side: Mapping[tuple[Ref, Ref], set[int]],
) -> list[Ref]:
    """A member's paragraphs no other member has that stand between two of its shared
    paragraphs which one other member has side by side: origin text that copy cut.

    Copy desks trim wire copy paragraph by paragraph and mostly add their own text before it
    (an editor's line, a local angle) or after it (a reaction, related links). Some write it
    between two wire paragraphs; then every other copy that kept both has them side by side,
    while two copies that cut the same origin paragraph are rarer: so where two or more other
    members have the pair side by side, the paragraph is this member's own
    (:data:`SANDWICH_MAX_ADJACENT`). Independent reports of one event that share two quotes
    each have text of their own between them: no other member has those two side by side.
    Short lines (a caption, "Read more") are left aside.
    """
    found: list[Ref] = []
    pending: list[Ref] = []
    previous: Ref | None = None
    for i, (body, flag) in enumerate(zip(member.paragraphs, member.template, strict=True)):
        ref = (member.article_id, i)
        root = group_of.get(ref)
        if root is None:
            if not flag and previous is not None and len(words(body)) >= SANDWICH_MIN_WORDS:
                pending.append(ref)
            continue
        others = side_by_side.get((previous, root), set()) if previous is not None else set()
        if pending and 0 < len(others - {member.article_id}) <= SANDWICH_MAX_ADJACENT:
            found.extend(pending)
        pending = []
        previous = root
    return found


def _shared_sentences(refs: Sequence[Ref], text: Callable[[Ref], str], cache: AlignCache) -> str:
    """One group's rebuilt paragraph: every sentence of its variants that two or more members
    hold, in the first variant's wording where it has the sentence (``refs`` come best first).

    A copier that cut a sentence from the paragraph loses no origin text by it, and one that
    appended a sentence of its own adds none: what only one member has is no evidence of the
    origin (a sentence counts as held where half its words reappear in runs, as alignment
    counts a sentence present).
    """
    parsed = {ref: cache.parse(text(ref)) for ref in refs}
    if len({parsed[ref].keys for ref in refs}) == 1:
        return text(refs[0])

    def holders(ref: Ref, s: int) -> set[int]:
        size = len(parsed[ref].sentences[s])
        return {
            o[0]
            for o in refs
            if cache.pair(parsed[ref], parsed[o])[0][s][0] >= PRESENT * size
            or contains(parsed[o], parsed[ref].sentences[s])
        }

    base = refs[0]
    out: list[tuple[str, tuple[str, ...]]] = list(
        zip(parsed[base].raw, parsed[base].sentences, strict=True)
    )
    for ref in refs[1:]:
        current = cache.parse(" ".join(raw for raw, _ in out))
        covers = cache.pair(parsed[ref], current)[0]
        present = [
            got[0] >= PRESENT * len(keys)
            for got, keys in zip(covers, parsed[ref].sentences, strict=True)
        ]
        at = -1  # where this variant's last sentence found in ``out`` stands
        for s, raw in enumerate(parsed[ref].raw):
            keys = parsed[ref].sentences[s]
            found = present[s]
            if (
                not found
                and len(keys) >= UNION_MIN_WORDS
                and (len(holders(ref, s)) > 1 or _sandwiched(s, at, present, parsed[ref], out))
            ):
                # held by two: new text unless it holds a sentence there (its words changed
                # beyond the runs) or says again what one says
                back = cache.pair(current, cache.parse(raw))[0]
                found = any(
                    got[0] >= PRESENT * len(have)
                    for got, have in zip(back, current.sentences, strict=True)
                ) or any(
                    is_rewrite(cached_terms(cache, said), cached_terms(cache, raw))
                    for said, _ in out
                )
                if not found:
                    at += 1
                    out.insert(at, (raw, keys))
                    continue
            if found:
                at = max(range(len(out)), key=lambda k: ratio(out[k][1], keys))
    return " ".join(raw for raw, _ in out)


def _sandwiched(
    s: int, at: int, present: Sequence[bool], variant: Parsed, out: Sequence[tuple[str, Keys]]
) -> bool:
    """Whether a sentence one variant alone has sits between two sentences of the rebuilt
    paragraph that stand next to each other there, and so is origin text the others cut.

    Copy desks trim wire copy by cutting sentences and paragraphs; what they add of their
    own is a paragraph (a local angle, a reaction), an editor's line before the text or a
    sentence after a paragraph, and rarely a sentence written into the middle of a wire
    paragraph whose sentences on both sides they keep word for word. So such a sentence is
    likelier the origin's, cut by the copiers that have its neighbours side by side.
    """
    if s == 0 or s + 1 >= len(variant.sentences) or not present[s - 1] or at < 0:
        return False
    following = next((k for k in range(s + 1, len(present)) if present[k]), None)
    if following != s + 1 or at + 1 >= len(out):
        return False
    after = max(range(len(out)), key=lambda k: ratio(out[k][1], variant.sentences[s + 1]))
    return after == at + 1


def _credit_flags(
    member: MemberText, lines: Sequence[str], origin_grams: frozenset[int]
) -> tuple[bool, ...]:
    """The member's template flags, its credit lines standing alone flagged too: "Reuters
    reports:" says where the text came from; it is no text of the copier's own. A dateline
    credit opens origin text, so a line sharing a word run with the origin is never flagged."""
    keys = {tuple(words(line)) for line in lines} - {()}
    return tuple(
        flag or (tuple(words(text)) in keys and not parse(text).grams & origin_grams)
        for flag, text in zip(member.template, member.paragraphs, strict=True)
    )


def _norm_title(title: str | None) -> tuple[str, ...]:
    return tuple(words(title or ""))


def build_ledgers(
    origin: OriginText,
    members: Sequence[MemberText],
    credits: Mapping[int, str] | None = None,
    cache: AlignCache | None = None,
    credit_lines: Mapping[int, Sequence[str]] | None = None,
) -> list[MemberLedger]:
    """Every member's ledger, in member order: the origin article's, then each copy's.

    ``credits`` is each copy's strongest line crediting the origin, ``credit_lines`` all of
    them (by default the strongest alone): a copy may carry the wire's dateline and a "Source:
    Reuters" line at its foot, and neither is text of its own. ``cache`` carries parsed
    paragraphs from one alignment to the next.
    """
    credits = credits or {}
    lines_of = credit_lines or {aid: (line,) for aid, line in credits.items()}
    cache = cache or AlignCache()
    copies: dict[int, MemberLedger] = {}
    origin_grams = frozenset().union(*(cache.parse(p).grams for p in origin.paragraphs))
    for member in members:
        if member.article_id == origin.article_id:
            continue
        lines = tuple(lines_of.get(member.article_id, ()))
        flags = _credit_flags(member, lines, origin_grams)
        # a copy crediting the origin says where its text came from: one sentence carried
        # over anchors its rewrites; without a credit it takes a run of them
        anchors = 1 if member.article_id in credits else ANCHORS
        alignment = align(origin.paragraphs, member.paragraphs, flags, cache, anchors)
        headline = (
            None if origin.title is None else _norm_title(origin.title) != _norm_title(member.title)
        )
        upper = alignment.kept_upper() if origin.article_id is None else (None, None)
        copies[member.article_id] = MemberLedger(
            article_id=member.article_id,
            role="copy",
            alignment=alignment,
            kept=alignment.kept,
            edited=alignment.edited,
            rewritten=alignment.rewritten,
            dropped=alignment.dropped,
            added=alignment.added,
            moved=alignment.moved,
            shared_paragraphs=alignment.shared_paragraphs,
            headline_changed=headline,
            credit=credits.get(member.article_id),
            kept_upper=upper[0],
            dropped_upper=upper[1],
            credit_lines=lines,
        )
    # The origin's shared paragraphs are those at least one copy kept or edited.
    reused = {
        line.origin_index
        for ledger in copies.values()
        if ledger.alignment is not None
        for line in ledger.alignment.lines
        if line.op in ("kept", "edited", "rewritten") and line.weight > 0
    }
    return [
        copies[m.article_id]
        if m.article_id in copies
        else MemberLedger(
            article_id=m.article_id,
            role="origin",
            alignment=None,
            kept=1.0,
            edited=0.0,
            rewritten=0.0,
            dropped=0.0,
            added=0.0,
            moved=0,
            shared_paragraphs=len(reused),
            headline_changed=None,
            credit=credits.get(m.article_id),
        )
        for m in members
    ]
