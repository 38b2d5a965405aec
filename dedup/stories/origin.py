"""Who published a story first: named evidence per candidate, scored by a fitted, calibrated model.

Pure: facts about each member article in, an :class:`OriginDecision` out. Candidates are the
member articles and every publisher the members credit that is not a member's source (an
*external* origin, whose text the members' shared passages stand in for). Each candidate gets
:class:`CandidateFeatures` (containment both ways, credits in the members' own words against
credits copied along with the text, interview-style mentions, links, both clocks, its own
dateline, whether it credits someone else); ``origin_model.json`` beside this module holds a
logistic regression over them, calibrated with isotonic regression (scikit-learn's
``CalibratedClassifierCV``), fitted by ``benchmarks/fit_origin.py`` on the simulator's
development families only. No scikit-learn is imported here.

The confidence is the calibrated probability that the best candidate is the origin. Below
:data:`UNKNOWN_BELOW` the story says "origin unknown" rather than guess, and a story whose
members share nothing but text they all quote (a statement, a document) names no member as
the origin: the quoted party is credited (external), or the origin is unknown.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from datetime import datetime
from functools import cache
from importlib import resources

from dedup.stories.credits import Credit, display_name
from dedup.text.shares import percent

UNKNOWN_BELOW = 0.35  # calibrated probability under which no candidate is named
UNKNOWN = "origin unknown"
PUBLISHED_FULL_HOURS = 24.0
FIRST_SEEN_FULL_HOURS = 6.0
FIRST_SEEN_MIN_HOURS = 0.5  # closer than this, polling order decides, not publication

# Credits that, in a copier's own text, say "this text comes from there".
SYNDICATION = frozenset(
    {
        "reports",
        "reports_at",
        "first_reported",
        "via",
        "read_more",
        "dateline",
        "copyright",
        "source",
        "courtesy",
        "republished",
        "contributed",
        "link",
    }
)
INTERVIEW = frozenset({"told"})  # a statement given to an outlet: no credit of the text


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
class CandidateFeatures:
    """The evidence for one candidate, each value in [-1, 1]; see ``fit_origin.py``."""

    external: float  # 1 for a credited publisher not in the store
    holds: float  # the candidate's share of the shared text (external: 0)
    holds_lead: float  # over the best other member (external: what no member holds)
    credit_own: float  # share of the others crediting it in their own words, syndication-style
    credit_other: float  # the same, with any other credit wording ("according to")
    credit_copied: float  # 1 when a credit to it only travels inside the shared text
    interview_only: float  # share of the others naming it only as "told X" / "in an interview"
    self_credit: float  # it names itself in a dateline or copyright line (members only)
    declares_copy: float  # it credits another publisher in its own words (members only)
    link_url: float  # share of the others linking to its URL
    link_site: float  # share of the others linking to its site
    published_lead: float  # lead in publication time over the next member, signed, scaled
    published_missing: float
    first_seen_lead: float  # lead in our own clock over the next member, signed, scaled
    members: float  # story size, scaled (1 / members)

    def vector(self) -> tuple[float, ...]:
        return astuple(self)


FEATURE_NAMES = tuple(f.name for f in fields(CandidateFeatures))


@dataclass(frozen=True)
class Candidate:
    label: str
    name: str
    article_id: int | None
    keys: frozenset[str]
    features: CandidateFeatures
    credit_lines: tuple[str, ...]  # the members' lines naming it, for the evidence


@dataclass(frozen=True)
class OriginDecision:
    article_id: int | None
    name: str
    external: bool
    confidence: float
    evidence: tuple[str, ...]
    scores: tuple[tuple[str, float], ...] = ()  # candidate label -> probability, best first
    known: bool = True  # False when no candidate is likely: the report says "origin unknown"


# ----------------------------------------------------------------------------- features


def _uses_naming(member: MemberFacts, keys: frozenset[str]) -> list[CreditUse]:
    return [u for u in member.credits if u.credit.key in keys]


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
    hours = (min(others) - mine).total_seconds() / 3600.0
    if abs(hours) < floor:
        return 0.0
    return max(-1.0, min(1.0, hours / full))


def _credit_shares(
    members: Sequence[MemberFacts], keys: frozenset[str], member: MemberFacts | None
) -> tuple[float, float, float, float, list[str]]:
    """(own syndication-style, own other wording, copied only, interview only, lines)."""
    others = [m for m in members if m is not member and not (keys & m.source_keys)]
    own_syndication = own_other = interview = 0
    copied = False
    lines: list[str] = []
    for m in others:
        uses = _uses_naming(m, keys)
        if not uses:
            continue
        own = [u for u in uses if not u.shared or u.credit.self_reference]
        text_credits = [u for u in own if u.credit.pattern not in INTERVIEW]
        if any(u.credit.pattern in SYNDICATION for u in text_credits if not u.shared):
            own_syndication += 1
        elif any(not u.shared for u in text_credits):
            own_other += 1
        elif own and all(u.credit.pattern in INTERVIEW for u in own):
            interview += 1
        if all(u.shared for u in uses):
            copied = True
        # Credits of the text first; a "told X" line is shown as what it is, not as a credit.
        for u in sorted(uses, key=lambda u: u.credit.pattern in INTERVIEW)[:2]:
            note = (
                " (an interview given to it, not a credit)" if u.credit.pattern in INTERVIEW else ""
            )
            line = f"article {m.article_id} ({m.source}): “{u.credit.line}”{note}"
            if line not in lines:
                lines.append(line)
    n = max(1, len(others))
    return own_syndication / n, own_other / n, float(copied), interview / n, lines


def candidates(members: Sequence[MemberFacts]) -> list[Candidate]:
    """Every candidate origin of a story with its named features."""
    if not members:
        raise ValueError("a story has members")
    member_keys = {k for m in members for k in m.source_keys}
    size = 1.0 / len(members)
    out: list[Candidate] = []
    for m in members:
        rest = max((o.coverage for o in members if o is not m), default=0.0)
        own, other, copied, interview, lines = _credit_shares(members, m.source_keys, m)
        signed = any(
            u.credit.key in m.source_keys and u.credit.pattern in ("dateline", "copyright")
            for u in m.credits
        )
        declares = max(
            (
                u.credit.strength
                for u in m.credits
                if u.credit.key not in m.source_keys
                and u.credit.key is not None
                and not u.shared
                and (u.credit.pattern in SYNDICATION or u.credit.pattern == "according_to")
            ),
            default=0.0,
        )
        others = [o for o in members if o is not m]
        features = CandidateFeatures(
            external=0.0,
            holds=m.coverage,
            holds_lead=max(-1.0, min(1.0, m.coverage - rest)),
            credit_own=own,
            credit_other=other,
            credit_copied=copied,
            interview_only=interview,
            self_credit=float(signed),
            declares_copy=declares,
            link_url=(
                sum(1 for o in others if m.url and m.url in o.link_urls) / max(1, len(others))
            ),
            link_site=sum(1 for o in others if m.source_keys & o.link_keys) / max(1, len(others)),
            published_lead=_lead(members, "published", m, PUBLISHED_FULL_HOURS, 0.0),
            published_missing=float(m.published is None),
            first_seen_lead=_lead(
                members, "first_seen", m, FIRST_SEEN_FULL_HOURS, FIRST_SEEN_MIN_HOURS
            ),
            members=size,
        )
        out.append(
            Candidate(
                f"article {m.article_id}", m.source, m.article_id, m.source_keys, features, ()
            )
        )
    external = sorted(
        {
            u.credit.key
            for m in members
            for u in m.credits
            if u.credit.key is not None and u.credit.key not in member_keys
        }
    )
    best = max(m.coverage for m in members)
    for key in external:
        keys = frozenset({key})
        own, other, copied, interview, lines = _credit_shares(members, keys, None)
        variants = [u.credit.publisher or "" for m in members for u in _uses_naming(m, keys)]
        name = display_name(key, variants)
        features = CandidateFeatures(
            external=1.0,
            holds=0.0,
            holds_lead=1.0 - best,
            credit_own=own,
            credit_other=other,
            credit_copied=copied,
            interview_only=interview,
            self_credit=0.0,
            declares_copy=0.0,
            link_url=0.0,
            link_site=sum(1 for m in members if keys & m.link_keys) / len(members),
            published_lead=0.0,
            published_missing=0.0,
            first_seen_lead=0.0,
            members=size,
        )
        out.append(Candidate(name, name, None, keys, features, tuple(lines)))
    return out


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Fold:
    """One calibration fold: a logistic regression over (top score, lead over the second) and
    the isotonic map of its decision value."""

    weights: tuple[float, ...]
    intercept: float
    x: tuple[float, ...]  # isotonic thresholds on the decision value
    y: tuple[float, ...]

    def probability(self, vector: Sequence[float]) -> float:
        z = self.intercept + sum(w * v for w, v in zip(self.weights, vector, strict=True))
        if z <= self.x[0]:
            return self.y[0]
        if z >= self.x[-1]:
            return self.y[-1]
        k = bisect_right(self.x, z) - 1
        span = self.x[k + 1] - self.x[k]
        return (
            self.y[k] + (self.y[k + 1] - self.y[k]) * (z - self.x[k]) / span if span else self.y[k]
        )


@dataclass(frozen=True)
class OriginModel:
    """Two stages. A logistic regression scores each candidate from its features (``weights``);
    the best candidate's score and its lead over the second then give the probability that it
    is the origin, calibrated per fold by isotonic regression and averaged over the folds, as
    ``CalibratedClassifierCV.predict_proba`` does."""

    version: int
    weights: tuple[float, ...]
    intercept: float
    folds: tuple[_Fold, ...]

    def score(self, features: CandidateFeatures) -> float:
        return self.intercept + sum(
            w * v for w, v in zip(self.weights, features.vector(), strict=True)
        )

    def confidence(self, top: float, second: float | None) -> float:
        """Calibrated probability that the candidate scoring ``top`` is the origin."""
        vector = story_vector(top, second)
        return sum(f.probability(vector) for f in self.folds) / len(self.folds)


def story_vector(top: float, second: float | None) -> tuple[float, float]:
    """What the calibration stage sees: the best score and its lead (capped) over the next."""
    lead = 10.0 if second is None else min(10.0, top - second)
    return top, lead


@cache
def load_model() -> OriginModel:
    data = json.loads(resources.files("dedup.stories").joinpath("origin_model.json").read_text())
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError(
            "origin_model.json was fitted on other features; refit it with benchmarks/fit_origin.py"
        )
    return OriginModel(
        version=int(data["version"]),
        weights=tuple(float(w) for w in data["weights"]),
        intercept=float(data["intercept"]),
        folds=tuple(
            _Fold(
                weights=tuple(float(w) for w in fold["weights"]),
                intercept=float(fold["intercept"]),
                x=tuple(float(v) for v in fold["x"]),
                y=tuple(float(v) for v in fold["y"]),
            )
            for fold in data["folds"]
        ),
    )


# ----------------------------------------------------------------------------- the decision


def _evidence(top: Candidate, members: Sequence[MemberFacts], p: float) -> list[str]:
    f = top.features
    out = [f"model: probability {p:.2f} that {top.name} is the origin (origin_model.json)"]
    others = len(members) if top.article_id is None else len(members) - 1
    credited = round((f.credit_own + f.credit_other) * others)
    if credited:
        out.append(f"credit: {credited} of {others} credit {top.name} in their own words")
    out.extend(f"credit line: {line}" for line in top.credit_lines[:6])
    if f.credit_copied and not credited:
        out.append(
            f"weak: only a line inside the shared text names {top.name}; it may cite that "
            "publisher rather than copy it"
        )
    if f.interview_only:
        out.append(f"interview: some members only say they spoke to {top.name}; no credit")
    if top.article_id is None:
        best = max(m.coverage for m in members)
        out.append(
            f"external: {top.name} is credited but not in the store; the passages its copies "
            f"share stand in for its text (the fullest copy holds {percent(best)} of them); the "
            "ledgers against it are lower bounds"
        )
    else:
        out.append(
            f"containment: article {top.article_id} holds {percent(f.holds)} of the shared text, "
            f"{percent(max(0.0, f.holds_lead))} more than the next member"
        )
    if f.published_lead > 0:
        out.append(f"time: published {f.published_lead * PUBLISHED_FULL_HOURS:.1f} h first")
    if f.first_seen_lead > 0:
        out.append(f"time: first seen {f.first_seen_lead * FIRST_SEEN_FULL_HOURS:.1f} h first")
    if f.link_url or f.link_site:
        out.append(f"links: other members link to {top.name}")
    if f.declares_copy:
        out.append(f"conflict: {top.label} itself credits another publisher")
    return out


def decide_origin(
    members: Sequence[MemberFacts], *, quotes_only: bool = False, model: OriginModel | None = None
) -> OriginDecision:
    """Decide the story's origin from its members' facts.

    ``quotes_only``: the members share nothing but quoted text, so no member is the origin.
    """
    model = model or load_model()
    ranked = sorted(
        ((model.score(c.features), c) for c in candidates(members)),
        key=lambda sc: (-round(sc[0], 9), -sc[1].features.holds, sc[1].article_id or -1),
    )
    if quotes_only:
        ranked = [(z, c) for z, c in ranked if c.article_id is None]
    scored = []
    if ranked:
        second = ranked[1][0] if len(ranked) > 1 else None
        scored = [(model.confidence(ranked[0][0], second), ranked[0][1])]
        # the others' chances, each as if it were the best: for the evidence only
        scored += [(model.confidence(z, ranked[0][0]), c) for z, c in ranked[1:]]
    scores = tuple((c.label, round(p, 3)) for p, c in scored)
    if not scored or scored[0][0] < UNKNOWN_BELOW:
        why = (
            "the members share only text they quote from a third party"
            if quotes_only
            else "no candidate is likely"
        )
        best = f"; the likeliest, {scored[0][1].name}, at {scored[0][0]:.2f}" if scored else ""
        return OriginDecision(
            article_id=None,
            name=UNKNOWN,
            external=False,
            confidence=round(1.0 - scored[0][0], 3) if scored else 1.0,
            evidence=(f"unknown: {why}{best}",),
            scores=scores,
            known=False,
        )
    p, top = scored[0]
    return OriginDecision(
        article_id=top.article_id,
        name=top.name,
        external=top.article_id is None,
        confidence=round(p, 3),
        evidence=tuple(_evidence(top, members, p)),
        scores=scores,
    )
