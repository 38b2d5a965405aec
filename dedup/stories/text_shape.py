"""Where a member's own text stands against the text its story shares.

Pure: member texts and the story's paragraph links in, per-member shares out, for the origin
features (:mod:`dedup.stories.origin_features`). A copy wraps what it took in its own text, an
origin a copy trimmed has the cut paragraphs inside the shared run, and where three or more
members hold one paragraph the version most of them hold is likelier the original's.
"""

from __future__ import annotations

from collections.abc import Sequence

from dedup.stories.disjoint import DisjointSet
from dedup.stories.ledger import (
    SANDWICH_MAX_ADJACENT,
    MemberText,
    Ref,
    shared_groups,
    side_by_side,
)
from dedup.stories.runs import words

# More members than this with two shared paragraphs side by side make a gap between them in
# another member that member's own text, not origin text it kept (see unshared_inside): the
# external-origin rebuild's rule, so the two read a gap alike.
INSIDE_MAX_ADJACENT = SANDWICH_MAX_ADJACENT


def member_shape(
    members: Sequence[int], texts: dict[int, MemberText], pairs: Sequence[tuple[Ref, Ref]]
) -> tuple[dict[int, float], dict[int, float]]:
    """Each member's share of its own words outside the shared text, and its agreement with
    the majority's versions of the shared paragraphs.

    Copies change the text each in its own way, so where three or more members hold one group
    of linked paragraphs and their versions differ, the version most of them hold is likely the
    origin's: agreement is the weighted share of such groups where the member's version is the
    majority's, less the share where it is not (0 when no group tells).
    """
    linked: DisjointSet[Ref] = DisjointSet()
    for a, b in pairs:
        linked.add(a)
        linked.add(b)
        linked.merge(a, b)
    shared_refs: set[Ref] = set()
    score = {m: 0.0 for m in members}
    weight = {m: 0.0 for m in members}
    for group in linked.subsets():
        shared_refs |= group
        version: dict[int, tuple[str, ...]] = {}
        for aid, i in sorted(group):
            version[aid] = version.get(aid, ()) + tuple(words(texts[aid].paragraphs[i]))
        if len(version) < 3:
            continue
        counts: dict[tuple[str, ...], int] = {}
        for v in version.values():
            counts[v] = counts.get(v, 0) + 1
        if len(counts) < 2:
            continue
        ranked = sorted(counts.values(), reverse=True)
        majority = next((v for v, c in counts.items() if c == ranked[0]), None)
        if ranked[0] == ranked[1]:
            majority = None  # no majority: the group tells nothing
        size = max(len(v) for v in version.values())
        for aid, v in version.items():
            if majority is not None and aid in score:
                score[aid] += size if v == majority else -size
                weight[aid] += size
    agreement = {m: score[m] / weight[m] if weight[m] else 0.0 for m in members}
    unshared: dict[int, float] = {}
    for m in members:
        own = own_words(texts.get(m))
        total = sum(n for _, n in own)
        outside = sum(n for i, n in own if (m, i) not in shared_refs)
        unshared[m] = outside / total if total else 0.0
    return unshared, agreement


def own_words(text: MemberText | None) -> list[tuple[int, int]]:
    """(position, words) of a member's paragraphs that are not its boilerplate."""
    if text is None:
        return []
    return [
        (i, len(p.split()))
        for i, (p, flag) in enumerate(zip(text.paragraphs, text.template, strict=True))
        if not flag
    ]


def unshared_inside(
    members: Sequence[int], texts: dict[int, MemberText], pairs: Sequence[tuple[Ref, Ref]]
) -> dict[int, float]:
    """Each member's share of its own words in unshared paragraphs that stand between two of
    its shared ones. A copy that trims its origin leaves the origin's dropped paragraphs
    inside the shared run; a copy's own text (an introduction, a comment, news added in an
    update) brackets the text it took: where the shared text has gaps tells the one whose
    text was cut from the one who wrapped it, with no clock.

    A gap whose two neighbours more than :data:`INSIDE_MAX_ADJACENT` other members have side
    by side is left out: a copier that writes its own paragraph between two it took has a
    gap there that every faithful copy closes, while two copies that cut the same origin
    paragraph are rarer (the rule :func:`dedup.stories.ledger.reconstruct_origin` applies to
    the paragraphs it rebuilds)."""
    shared = {ref for pair in pairs for ref in pair}
    present = [texts[m] for m in members if m in texts]
    group_of = {ref: root for root, refs in shared_groups(present, pairs).items() for ref in refs}
    adjacent = side_by_side(present, group_of)
    out: dict[int, float] = {}
    for m in members:
        own = own_words(texts.get(m))
        total = sum(n for _, n in own)
        inside = gap = 0
        started = False
        previous: Ref | None = None
        for i, n in own:
            if (m, i) not in shared:
                gap += n if started else 0
                continue
            root = group_of.get((m, i))
            if gap:
                pair = (previous, root) if previous and root else None
                others = adjacent.get(pair, set()) - {m} if pair else set()
                inside += gap if len(others) <= INSIDE_MAX_ADJACENT else 0
            gap, started, previous = 0, True, root
        out[m] = inside / total if total else 0.0
    return out
