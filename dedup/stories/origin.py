"""Who published a story first: the evidence combined into a decision with a confidence.

Pure: facts about each member article in, an :class:`OriginDecision` out. Candidates are the
member articles and every publisher the members credit that is not a member's source (an
*external* origin, whose text the members' shared passages stand in for). Each kind of
evidence scores every candidate:

- **credits** (weight 3): members crediting the candidate's publisher, by their strongest
  credit line. A credit inside text the members share counts only when it names the writer
  (a self reference such as "told BuzzFeed News" or a "(Reuters) -" dateline); other credits
  count in a member's own text only. A member crediting its own publisher adds half a vote.
- **containment** (weight 2): the origin holds the passages the others share; a lead of 20
  points of shared text over the next member is full support. When no member holds it all, a
  credited outside publisher gets that gap as support.
- **links** (weight 2): other members linking to the candidate's URL (or, half, its site).
- **time** (weight 1 each): a lead in ``published`` (full support at one day, because feed
  clocks and time zones lie by hours) and in ``first_seen`` (our own clock; full at six hours).
- a member that credits another publisher in syndication style ("reports:", "via", a kept
  dateline, "told X" in shared text) declares itself a copy (penalty, weight 2).

The confidence is the winner's softmax share of the scores, lowered when evidence conflicts
and capped when nothing but a tie-break decided; the evidence strings say which is which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dedup.stories.credits import Credit, display_name

W_CREDIT = 3.0
W_CONTAIN = 2.0
W_LINK = 2.0
W_TIME = 1.0
W_PENALTY = 2.0
CONTAIN_LEAD = 0.2
FULL_HOLDER = 0.9  # a member holding this share of the shared text needs no outside origin
PUBLISHED_FULL_HOURS = 24.0
FIRST_SEEN_FULL_HOURS = 6.0
FIRST_SEEN_MIN_HOURS = 0.5  # closer than this, polling order decides, not publication
CONFLICT_MARGIN = 0.25
SHARPNESS = 1.5  # softmax inverse temperature turning scores into a confidence

_WEIGHTS = {
    "credit": W_CREDIT,
    "containment": W_CONTAIN,
    "links": W_LINK,
    "published": W_TIME,
    "first_seen": W_TIME,
}

# Credits that, in a copier's own text, say "this text comes from there".
_SYNDICATION = frozenset(
    {"reports", "reports_at", "first_reported", "via", "read_more", "dateline", "copyright"}
)


@dataclass(frozen=True)
class CreditUse:
    credit: Credit
    shared: bool  # inside a paragraph the member shares with another member


@dataclass(frozen=True)
class MemberFacts:
    article_id: int
    source: str  # publisher name shown in reports
    source_keys: frozenset[str]  # publisher keys of the source's name, display name, domain
    url: str | None
    published: datetime | None
    first_seen: datetime | None
    coverage: float  # share of the story's shared text this member holds, in [0, 1]
    credits: tuple[CreditUse, ...] = ()
    link_urls: frozenset[str] = frozenset()
    link_keys: frozenset[str] = frozenset()  # publisher keys of the linked domains


@dataclass(frozen=True)
class OriginDecision:
    article_id: int | None
    name: str
    external: bool
    confidence: float
    evidence: tuple[str, ...]
    scores: tuple[tuple[str, float], ...] = ()  # candidate label -> score, best first


@dataclass
class _Candidate:
    label: str
    name: str
    article_id: int | None
    keys: frozenset[str]
    support: dict[str, float]
    member: MemberFacts | None = None

    @property
    def score(self) -> float:
        return sum(self.support.values())


Claim = tuple[float, Credit, bool]  # strength, the credit, found in shared text


def _claims(member: MemberFacts) -> dict[str | None, Claim]:
    """The member's strongest credit per publisher key, after the shared-text rule.

    A credit in the member's own words wins over one in text it shares with the others: the
    copier wrote the first, while the second was copied along and witnesses nothing new.
    """
    best: dict[str | None, Claim] = {}
    for use in member.credits:
        credit = use.credit
        if use.shared and not credit.self_reference:
            continue  # the origin's own sourcing ("according to the network"), copied along
        strength = credit.strength
        if credit.pattern == "told" and not use.shared:
            strength = 0.5  # the copier interviewed them, or retold who was interviewed
        rank = (not use.shared, strength)
        held = best.get(credit.key)
        if held is None or rank > (not held[2], held[0]):
            best[credit.key] = (strength, credit, use.shared)
    return best


def _credits_in_own_words(claims: dict[str | None, Claim], keys: frozenset[str]) -> bool:
    return any(
        key in keys and not shared and (credit.pattern in _SYNDICATION or credit.self_reference)
        for key, (_, credit, shared) in claims.items()
    )


def _lines_naming(member: MemberFacts, keys: frozenset[str]) -> list[str]:
    """The member's distinct credit lines naming ``keys``, after the shared-text rule."""
    lines: list[str] = []
    for use in member.credits:
        usable = use.credit.key in keys and (not use.shared or use.credit.self_reference)
        if usable and use.credit.line not in lines:
            lines.append(use.credit.line)
    return lines


def _declares_copy(member: MemberFacts, claims: dict[str | None, Claim]) -> float:
    """How strongly the member's own credits say it copied another publisher, in [0, 1].

    A member that names its own publisher in a dateline or copyright line wrote the text:
    a "told the Times" in it cites another outlet rather than confessing a copy.
    """
    signed = any(
        key in member.source_keys and credit.pattern in ("dateline", "copyright")
        for key, (_, credit, _) in claims.items()
    )
    worst = 0.0
    for key, (strength, credit, shared) in claims.items():
        if key is None or key in member.source_keys:
            continue
        if credit.pattern == "told" and signed:
            continue
        if shared:
            worst = max(worst, 0.5 * strength)  # every member carries it alike
        elif credit.pattern in _SYNDICATION or credit.self_reference:
            worst = max(worst, strength)
        else:
            worst = max(worst, 0.3 * strength)
    return worst


def _hours(delta_seconds: float) -> float:
    return delta_seconds / 3600.0


def _time_lead(
    members: Sequence[MemberFacts], attr: str, full_hours: float, min_hours: float
) -> tuple[int | None, float, float]:
    """(article id leading on ``attr``, support in [0, 1], lead in hours)."""
    stamped = sorted(
        ((getattr(m, attr), m.article_id) for m in members if getattr(m, attr) is not None),
    )
    if len(stamped) < 2:
        return None, 0.0, 0.0
    lead = _hours((stamped[1][0] - stamped[0][0]).total_seconds())
    if lead < min_hours:
        return None, 0.0, lead
    return stamped[0][1], min(1.0, lead / full_hours), lead


def _pct(value: float) -> str:
    return f"{round(100 * value)}%"


def decide_origin(members: Sequence[MemberFacts]) -> OriginDecision:
    """Decide the story's origin from its members' facts."""
    if not members:
        raise ValueError("a story has members")
    claims = {m.article_id: _claims(m) for m in members}
    member_keys = {k for m in members for k in m.source_keys}
    n = len(members)
    evidence: list[str] = []

    candidates: list[_Candidate] = [
        _Candidate(f"article {m.article_id}", m.source, m.article_id, m.source_keys, {}, m)
        for m in members
    ]
    external_keys = sorted(
        {k for c in claims.values() for k in c if k is not None and k not in member_keys}
    )
    for key in external_keys:
        variants = [
            credit.publisher or ""
            for c in claims.values()
            for k, (_, credit, _) in c.items()
            if k == key
        ]
        name = display_name(key, variants)
        candidates.append(_Candidate(name, name, None, frozenset({key}), {}))

    # Credits.
    credit_lines: dict[str, list[str]] = {}
    own_voters: dict[str, int] = {}
    for cand in candidates:
        votes = 0.0
        copied_along = 0.0  # a credit copied with the shared text is one witness, however many
        for m in members:
            hit = max(
                (claims[m.article_id][k] for k in cand.keys if k in claims[m.article_id]),
                key=lambda sc: (not sc[2], sc[0]),
                default=None,
            )
            if hit is None:
                continue
            if cand.member is not None and m.article_id == cand.member.article_id:
                votes += 0.5 * hit[0]
                continue
            if cand.member is not None and cand.keys & m.source_keys:
                continue  # a sibling of the same publisher crediting it says nothing new
            if hit[2]:
                copied_along = max(copied_along, hit[0])
            else:
                votes += hit[0]
                own_voters[cand.label] = own_voters.get(cand.label, 0) + 1
            credit_lines.setdefault(cand.label, []).append(
                f"article {m.article_id} ({m.source}): "
                + " / ".join(f"“{line}”" for line in _lines_naming(m, cand.keys)[:3])
            )
        votes += copied_along
        others = n - 1 if cand.member is not None else n
        cand.support["credit"] = W_CREDIT * min(1.0, votes / max(1, others))
        if cand.member is not None:
            penalty = _declares_copy(cand.member, claims[cand.member.article_id])
            cand.support["declares_copy"] = -W_PENALTY * penalty

    # Containment.
    covs = sorted((m.coverage for m in members), reverse=True)
    best_cov = covs[0]
    # When every member holds it all (two copies of one text), holding says nothing.
    full_share = sum(1 for c in covs if c >= FULL_HOLDER) / n
    for cand in candidates:
        # A member that credits the candidate in its own words is its copy: whatever more it
        # holds is its own addition (which others may have copied from it), no rival claim.
        rivals = [
            m
            for m in members
            if m is not cand.member and not _credits_in_own_words(claims[m.article_id], cand.keys)
        ]
        if cand.member is not None:
            rest = max((m.coverage for m in rivals), default=0.0)
            lead = (cand.member.coverage - rest) / CONTAIN_LEAD
            cand.support["containment"] = W_CONTAIN * max(-1.0, min(1.0, lead))
        else:
            # A gap in what the members hold says "someone outside", not who: it counts only
            # as far as the members credit this publisher. A member holding it all says "no
            # one outside", unless many members credit the outsider anyway.
            credited = cand.support["credit"] / W_CREDIT
            held = max((m.coverage for m in rivals), default=0.0)
            gap = max(-1.0, min(1.0, (FULL_HOLDER - held) / (1.0 - FULL_HOLDER)))
            scale = credited if gap > 0 else (1.0 - credited) * (1.0 - full_share)
            cand.support["containment"] = W_CONTAIN * gap * scale

    # Links.
    for cand in candidates:
        total = 0.0
        for m in members:
            if cand.member is not None and m is cand.member:
                continue
            if cand.member is not None and cand.member.url and cand.member.url in m.link_urls:
                total += 1.0
            elif cand.keys & m.link_keys and not cand.keys & m.source_keys:
                total += 0.5
        others = n - 1 if cand.member is not None else n
        cand.support["links"] = W_LINK * min(1.0, total / max(1, others))

    # Time.
    pub_id, pub_support, pub_lead = _time_lead(members, "published", PUBLISHED_FULL_HOURS, 0.0)
    seen_id, seen_support, seen_lead = _time_lead(
        members, "first_seen", FIRST_SEEN_FULL_HOURS, FIRST_SEEN_MIN_HOURS
    )
    for cand in candidates:
        aid = cand.article_id
        cand.support["published"] = W_TIME * pub_support if aid is not None and aid == pub_id else 0
        cand.support["first_seen"] = (
            W_TIME * seen_support if aid is not None and aid == seen_id else 0.0
        )

    ranked = sorted(
        candidates,
        key=lambda c: (
            -round(c.score, 9),
            -(c.member.coverage if c.member else 0.0),
            c.member.published.timestamp() if c.member and c.member.published else math.inf,
            c.article_id if c.article_id is not None else -1,
        ),
    )
    top = ranked[0]
    weights = [math.exp(SHARPNESS * c.score) for c in ranked]
    confidence = weights[0] / sum(weights)

    # Evidence, in the order a reader weighs it.
    voters_top = credit_lines.get(top.label, [])
    own_top = own_voters.get(top.label, 0)
    if voters_top:
        whom = "copies" if top.member is None else "other members"
        others = n if top.member is None else n - 1
        copied = len(voters_top) - own_top
        evidence.append(
            f"credit: {own_top} of {others} {whom} credit {top.name} in their own words"
            + (f", {copied} more in the text they share" if copied else "")
        )
        evidence.extend(f"credit line: {line}" for line in voters_top[:6])
    for cand in ranked[1:]:
        if cand.label in credit_lines and cand.member is None:
            evidence.append(
                f"credit: {len(credit_lines[cand.label])} member(s) credit {cand.name} instead"
            )
    if not any(credit_lines.values()):
        evidence.append("missing: no credit line names a publisher")
    holders = sorted(members, key=lambda m: -m.coverage)
    if top.member is None:
        evidence.append(
            f"external: {top.name} is credited but not in the store; the passages its copies "
            f"share stand in for its text (the fullest copy holds {_pct(best_cov)} of them)"
        )
    elif len(holders) > 1:
        second = max(m.coverage for m in members if m is not top.member)
        evidence.append(
            f"containment: article {top.article_id} holds {_pct(top.member.coverage)} of the "
            f"shared text, the next member {_pct(second)}"
        )
    if pub_id is not None:
        evidence.append(f"time: article {pub_id} was published {pub_lead:.1f} h before the next")
    elif sum(1 for m in members if m.published is not None) < 2:
        evidence.append("missing: fewer than two members carry a publication time")
    else:
        evidence.append("time: members carry the same publication time")
    if seen_id is not None:
        evidence.append(f"time: article {seen_id} was first seen {seen_lead:.1f} h before the next")
    link_support = top.support.get("links", 0.0)
    if link_support > 0:
        evidence.append(f"links: other members link to {top.name}")
    if top.member is not None and top.support.get("declares_copy", 0.0) < 0:
        evidence.append(f"conflict: article {top.article_id} itself credits another publisher")

    conflicts = 0
    for kind in ("credit", "containment", "links", "published", "first_seen"):
        rival = max(ranked[1:], key=lambda c: c.support.get(kind, 0.0), default=None)
        if rival is None:
            continue
        gap = rival.support.get(kind, 0.0) - top.support.get(kind, 0.0)
        if gap <= CONFLICT_MARGIN * _WEIGHTS[kind]:
            continue
        if rival.support.get("declares_copy", 0.0) <= -0.5 * W_PENALTY:
            # The rival credits someone else itself: its lead is a copy's, not an origin's.
            evidence.append(
                f"{kind}: {rival.label} ({rival.name}) leads but credits another publisher"
            )
            continue
        conflicts += 1
        evidence.append(f"conflict: {kind} favours {rival.label} ({rival.name})")
    confidence *= 0.8**conflicts
    if top.member is None and not own_top:
        confidence = min(confidence, 0.5)
        evidence.append(
            f"weak: only a line inside the shared text names {top.name}; it may cite that "
            "publisher rather than copy it"
        )
    if top.score <= 0:
        confidence = min(confidence, 0.5)
        evidence.append("weak: no evidence favours any member; decided by tie-break")
    if len(ranked) > 1 and abs(ranked[0].score - ranked[1].score) < 1e-9:
        confidence = min(confidence, 0.5)
        evidence.append(f"tie: {ranked[1].label} scores the same; decided by coverage and time")

    return OriginDecision(
        article_id=top.article_id,
        name=top.name,
        external=top.member is None,
        confidence=round(confidence, 3),
        evidence=tuple(evidence),
        scores=tuple((c.label, round(c.score, 3)) for c in ranked),
    )
