"""The evidence for each candidate origin of a story, as named features.

Pure: :class:`MemberFacts` of each member article in, :class:`Candidate` records out, each with
its :class:`CandidateFeatures`. Candidates are the member articles and every publisher the
members credit that is not a member's source (an *external* origin, whose text the members'
shared passages stand in for). :mod:`dedup.stories.origin` scores them.

The features read credits through what a :class:`~dedup.stories.credits.Credit` says of
itself (its publisher key, whether it names the writer of its passage, its strength, whether
it stands in text the members share), not through the wordings that found it, so a credit
finder that finds them differently feeds the same features. The one wording-level distinction
kept is an interview given *to* an outlet ("told X"), which names no source of the text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, time
from typing import TypeVar

from dedup.stories.credits import Credit, display_name

PUBLISHED_FULL_HOURS = 24.0
FIRST_SEEN_FULL_HOURS = 6.0
FIRST_SEEN_MIN_HOURS = 0.5  # closer than this, polling order decides, not publication
Group = TypeVar("Group", bound=Hashable)
INTERVIEW = frozenset({"told"})  # a statement given to an outlet: no credit of the text
DATELINE_OPENS = 1  # the last paragraph a dateline may open (a byline may precede it)
# A wire's marks for a later version of a story it sent before, as a prefix of the headline:
# "UPDATE 2-...", "CORRECTED - ..." and "(RPT) ..." (Reuters-21578 has 63 corrected takes),
# "REFILE-...". The outlet's own word that the text is not its first: no clock needed.
_LATER_VERSION = re.compile(
    r"^\s*\(?(?:update(?:d)?(?:\s*\d+)?|corrected|correction|refile|rpt|repeat)\)?\s*[-:\u2013\u2014)]",
    re.IGNORECASE,
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
    unshared: float = 0.0  # share of the member's own words outside the shared text
    agreement: float = 0.0  # in [-1, 1]: its variants of the shared text are the majority's
    merges: float = 0.0  # share of its shared text from members apart from its main source
    title: str | None = None
    unshared_inside: float = 0.0  # share of its words unshared but between shared paragraphs


@dataclass(frozen=True)
class CandidateFeatures:
    """The evidence for one candidate, each value in [-1, 1]; see ``fit_origin.py``."""

    external: float  # 1 for a credited publisher not in the store
    holds: float  # its share of the shared text, a round-up's merged blocks apart (external: 0)
    holds_lead: float  # over the best other member (external: what no member holds)
    unshared: float  # share of its own words no other member has (external: 0)
    unshared_inside: float  # of them, the share between its shared paragraphs (a copy's gap)
    agreement: float  # its versions of shared paragraphs are the majority's (members only)
    merges: float  # share of its shared text joining members that share nothing (a round-up)
    credit_own: float  # strength-weighted share of the others crediting it in their own words
    credit_writer: float  # share of the others whose text names it as the writer (a dateline)
    credit_copied: float  # share of the others naming it only inside the shared text
    interview_only: float  # share of the others naming it only as "told X" / "in an interview"
    self_credit: float  # it names itself as the writer (members only)
    declares_copy: float  # it credits another publisher in its own words (members only)
    later_version: float  # its title marks it a later version of a text (members only)
    link_url: float  # share of the others linking to its URL
    link_site: float  # share of the others linking to its site
    same_source: float  # share of the others published by its own source (an outlet's own text)
    published_lead: float  # lead in publication time over the next member, signed, scaled
    published_first: float  # 1: published before every other dated member; -1: after one
    published_missing: float
    first_seen_lead: float  # lead in our own clock over the next member, signed, scaled
    source_first: float  # 1: published before its own source's other members; -1: after one

    def vector(self) -> tuple[float, ...]:
        # not dataclasses.astuple, which deep-copies: this runs for every candidate
        return tuple(getattr(self, name) for name in FEATURE_NAMES)


FEATURE_NAMES = tuple(f.name for f in fields(CandidateFeatures))


@dataclass(frozen=True)
class Candidate:
    label: str
    name: str
    article_id: int | None
    keys: frozenset[str]
    features: CandidateFeatures
    credit_lines: tuple[str, ...]  # the members' lines naming it, for the evidence


def _date_only(stamp: datetime) -> bool:
    """A stamp at midnight to the second is a date without a time (feeds that give the day)."""
    return stamp.time() == time(0, 0)


def _hours_between(earlier: datetime, later: datetime) -> float:
    """``later - earlier`` in hours, at the coarser precision of the two stamps: a date-only
    stamp says nothing of the hour, so against it only the day counts."""
    if _date_only(earlier) or _date_only(later):
        return 24.0 * (later.date() - earlier.date()).days
    return (later - earlier).total_seconds() / 3600.0


def _lead(
    members: Sequence[MemberFacts], attr: str, member: MemberFacts, full: float, floor: float
) -> float:
    """The member's lead on ``attr`` over the earliest other member, in [-1, 1]."""
    mine: datetime | None = getattr(member, attr)
    others: list[datetime] = [
        getattr(m, attr) for m in members if m is not member and getattr(m, attr)
    ]
    if mine is None or not others:
        return 0.0
    hours = min(_hours_between(mine, other) for other in others)
    if abs(hours) < floor:
        return 0.0
    return max(-1.0, min(1.0, hours / full))


def _first(members: Sequence[MemberFacts], attr: str, member: MemberFacts) -> float:
    """1 when the member's ``attr`` stamp is earlier than every other member's (at the coarser
    precision of each two), -1 when some other member's is earlier, 0 when no stamp tells. The
    order, not the size of the lead: an hour's lead is as telling as a day's where stamps are
    honest, and the ranker weighs how often they are."""
    hours = _hours_to_others(members, attr, member)
    if not hours:
        return 0.0
    if min(hours) > 0:
        return 1.0
    return -1.0 if min(hours) < 0 else 0.0


def _hours_to_others(members: Sequence[MemberFacts], attr: str, member: MemberFacts) -> list[float]:
    mine: datetime | None = getattr(member, attr)
    if mine is None:
        return []
    return [
        _hours_between(mine, getattr(m, attr))
        for m in members
        if m is not member and getattr(m, attr) is not None
    ]


def _source_first(members: Sequence[MemberFacts], member: MemberFacts) -> float:
    """The member's publication order among the other members of its own source only (an
    outlet's first text and its update): 1 first, -1 after one, 0 when none or no stamp tells.
    One outlet stamps its own articles with one clock, so their order can hold where a copy
    elsewhere claims an earlier time than both (a copier's clock says nothing of the outlet's).
    """
    siblings = [m for m in members if m is not member and m.source_keys & member.source_keys]
    return _first([member, *siblings], "published", member) if siblings else 0.0


def later_version(title: str | None) -> bool:
    """Whether a headline marks its article a later version of a text its outlet sent before.

    >>> later_version("UPDATE 1-Wheat rises"), later_version("CORRECTED - GM SEES RISE")
    (True, True)
    >>> later_version("(RPT) U.S. SAYS TIN DISPOSALS"), later_version("GREECE REPEATS IT CAN")
    (True, False)
    """
    return bool(title and _LATER_VERSION.match(title))


def merges(
    holders: Mapping[Group, Collection[int]], weight: Mapping[Group, float]
) -> dict[int, float]:
    """For each member, the share of the shared text it holds that comes from members which
    share nothing with its main source (the other member holding most of its shared text).

    A round-up or digest (Reuters' "NEWS HIGHLIGHTS", a daily wrap-up) is made of the leads of
    several earlier stories: it holds all of each one's shared text, so containment favours
    it, but its shared text falls apart into blocks, each held by a different member, and
    those members share no text with each other. An origin's copies overlap one another (each
    keeps most of the same text), so an origin scores near 0 even when its copies trim
    differently. ``holders``: each group of linked paragraphs -> the members holding it;
    ``weight``: each group's words."""
    held: dict[int, set[Group]] = {}
    for group, members in holders.items():
        for m in members:
            held.setdefault(m, set()).add(group)
    out: dict[int, float] = {}
    for m, groups in held.items():
        total = sum(weight[g] for g in groups)
        others = {o: groups & held[o] for o in held if o != m and groups & held[o]}
        if not total or len(others) < 2:
            out[m] = 0.0
            continue
        main = max(sorted(others), key=lambda o: sum(weight[g] for g in others[o]))
        apart = set().union(
            *(mine for o, mine in others.items() if o != main and not (held[o] & held[main]))
        )
        out[m] = sum(weight[g] for g in apart) / total
    return out


def _holds(member: MemberFacts) -> float:
    """The member's share of the story's shared text as one text holds it: a round-up's blocks
    from stories that share nothing (:func:`merges`) are no containment of one text, so the
    argument "the origin holds everything its copies share" does not count them."""
    return member.coverage * (1.0 - member.merges)


def _opens(use: CreditUse) -> bool:
    """A dateline names the writer of the text it opens: one further down is an item's of a
    round-up that strings several stories' leads together ("NEW YORK (Reuters) - ..." in the
    middle of a digest), no signature of the digest; and one opening a paragraph the member
    shares with no other member of this story opens other text (a digest's first item, from
    another story: on the dev families 59 of 99 digests' opening datelines, against 14 of
    1,842 true origins'). Other self-references (a copyright line, a byline) stand where they
    stand."""
    if use.credit.pattern != "dateline":
        return True
    return use.credit.paragraph <= DATELINE_OPENS and use.shared


def _is_interview(credit: Credit) -> bool:
    return credit.pattern in INTERVIEW


@dataclass(frozen=True)
class _CreditShares:
    own: float
    writer: float
    copied: float
    interview: float
    lines: tuple[str, ...]


def _credit_shares(
    members: Sequence[MemberFacts], keys: frozenset[str], member: MemberFacts | None
) -> _CreditShares:
    """How the other members (not of the candidate's own source) name the candidate."""
    others = [m for m in members if m is not member and not (keys & m.source_keys)]
    own = writer = copied = interview = 0.0
    lines: list[str] = []
    for m in others:
        uses = [u for u in m.credits if u.credit.key in keys]
        if not uses:
            continue
        credits = [u for u in uses if not _is_interview(u.credit)]
        mine = [u.credit.strength for u in credits if not u.shared]
        if mine:
            own += min(1.0, max(mine))
        if any(u.credit.self_reference for u in credits):
            writer += 1
        if credits and all(u.shared for u in credits):
            copied += 1
        if not credits:
            interview += 1
        # Credits of the text first; a "told X" line is shown as what it is, not as a credit.
        for u in sorted(uses, key=lambda u: _is_interview(u.credit))[:2]:
            note = " (an interview given to it, not a credit)" if _is_interview(u.credit) else ""
            line = f"article {m.article_id} ({m.source}): “{u.credit.line}”{note}"
            if line not in lines:
                lines.append(line)
    n = max(1, len(others))
    return _CreditShares(own / n, writer / n, copied / n, interview / n, tuple(lines))


def candidates(members: Sequence[MemberFacts]) -> list[Candidate]:
    """Every candidate origin of a story with its named features."""
    if not members:
        raise ValueError("a story has members")
    member_keys = {k for m in members for k in m.source_keys}
    out: list[Candidate] = []
    for m in members:
        rest = max((_holds(o) for o in members if o is not m), default=0.0)
        shares = _credit_shares(members, m.source_keys, m)
        signed = any(
            u.credit.key in m.source_keys
            and u.credit.self_reference
            and not _is_interview(u.credit)
            and _opens(u)
            for u in m.credits
        )
        declares = max(
            (
                u.credit.strength
                for u in m.credits
                if u.credit.key not in m.source_keys
                and u.credit.key is not None
                and not u.shared
                and not _is_interview(u.credit)
            ),
            default=0.0,
        )
        others = [o for o in members if o is not m]
        siblings = sum(1 for o in others if m.source_keys & o.source_keys)

        # A member that credits another publisher in its own words says it came after that
        # publisher: being first among the members is then no lead over the origin it names.
        def late(lead: float, declares: float = declares) -> float:
            return min(0.0, lead) if declares else lead

        features = CandidateFeatures(
            external=0.0,
            holds=_holds(m),
            holds_lead=max(-1.0, min(1.0, _holds(m) - rest)),
            unshared=m.unshared,
            # Where an outlet's unshared text stands tells a copier (its own text around
            # what it took) from the one it took from; an outlet's own later story puts new
            # paragraphs anywhere among its old ones (on Reuters the feature named 8 later
            # stories at >= 0.9 against the clock), so between one source's articles it says
            # nothing.
            unshared_inside=0.0 if siblings else m.unshared_inside,
            agreement=m.agreement,
            merges=m.merges,
            credit_own=shares.own,
            credit_writer=shares.writer,
            credit_copied=shares.copied,
            interview_only=shares.interview,
            self_credit=float(signed),
            declares_copy=min(1.0, declares),
            later_version=float(later_version(m.title)),
            link_url=(
                sum(1 for o in others if m.url and m.url in o.link_urls) / max(1, len(others))
            ),
            link_site=sum(1 for o in others if m.source_keys & o.link_keys) / max(1, len(others)),
            same_source=siblings / max(1, len(others)),
            published_lead=late(_lead(members, "published", m, PUBLISHED_FULL_HOURS, 0.0)),
            published_first=late(_first(members, "published", m)),
            published_missing=float(m.published is None),
            first_seen_lead=late(
                _lead(members, "first_seen", m, FIRST_SEEN_FULL_HOURS, FIRST_SEEN_MIN_HOURS)
            ),
            source_first=_source_first(members, m),
        )
        out.append(
            Candidate(
                f"article {m.article_id}", m.source, m.article_id, m.source_keys, features, ()
            )
        )
    # A publisher named only as the one given an interview ("told X") is no candidate: the
    # text says someone spoke to it, not that it comes from there.
    external = sorted(
        {
            u.credit.key
            for m in members
            for u in m.credits
            if u.credit.key is not None
            and u.credit.key not in member_keys
            and not _is_interview(u.credit)
        }
    )
    best = max(m.coverage for m in members)
    for key in external:
        keys = frozenset({key})
        shares = _credit_shares(members, keys, None)
        variants = [
            u.credit.publisher or "" for m in members for u in m.credits if u.credit.key in keys
        ]
        name = display_name(key, variants)
        features = CandidateFeatures(
            external=1.0,
            holds=0.0,
            holds_lead=1.0 - best,
            unshared=0.0,
            unshared_inside=0.0,
            agreement=0.0,
            merges=0.0,
            credit_own=shares.own,
            credit_writer=shares.writer,
            credit_copied=shares.copied,
            interview_only=shares.interview,
            self_credit=0.0,
            declares_copy=0.0,
            later_version=0.0,
            link_url=0.0,
            link_site=sum(1 for m in members if keys & m.link_keys) / len(members),
            same_source=0.0,
            published_lead=0.0,
            published_first=0.0,
            published_missing=0.0,
            first_seen_lead=0.0,
            source_first=0.0,
        )
        out.append(Candidate(name, name, None, keys, features, shares.lines))
    return out


def story_candidates(members: Sequence[MemberFacts], *, quotes_only: bool) -> list[Candidate]:
    """The candidates the decision chooses among: when the members share only quoted text, no
    member is the origin, only a publisher they credit."""
    found = candidates(members)
    return [c for c in found if c.article_id is None] if quotes_only else found
