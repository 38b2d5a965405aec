"""Who published a story first: named evidence per candidate, scored by a fitted, calibrated model.

Pure: facts about each member article in, an :class:`OriginDecision` out. The candidates and
their named :class:`CandidateFeatures` come from :mod:`dedup.stories.origin_features`
(containment both ways, where a member's unshared text stands (between its shared paragraphs,
as an origin's paragraphs its copies cut do, or around them, as a copy's own text does),
agreement with the majority's versions of the shared text, credits in
the members' own words against credits copied along with the text, interview-style mentions,
links, both clocks at their precision, its own dateline, whether it credits someone else,
whether its headline marks it a later version of a text: "UPDATE 1-", "CORRECTED - ").

``origin_model.json`` beside this module holds the fitted model, made by
``benchmarks/fit_origin.py`` on the simulator's development families only, with
scikit-learn; no scikit-learn is imported here. Two stages:

1. a *ranking* logistic regression: each candidate's score is a weighted sum of its features,
   fitted on pairs (the true origin against each other candidate of its story), so scores
   compare candidates within one story; a softmax over the story's candidates gives each one's
   share of the belief;
2. a calibration: from the best candidate's softmax share (:func:`story_vector`), a
   logistic regression calibrated with isotonic regression (``CalibratedClassifierCV``, one map
   per fold, averaged as its ``predict_proba`` does) gives the probability that the best
   candidate is the origin.

The calibration has four sets of maps, each fitted on its own kind of story
(:func:`calibration_group`): stories where some clock orders the members (a publication time,
or our own first-seen times far enough apart) and *clockless* stories (:func:`clockless`: no
publication time, everything seen at once, as in an archive import or ECB+); each of them
apart for stories whose best candidate some credit, dateline, link or same-source article
names and *unsupported* ones (:func:`unsupported`), where nothing names it. An unsupported
story may be an origin and its uncredited copies, or copies of a wire story that is not in
the store and that none of them credits (the usual real reprint): text and clocks read alike
in both, so the same softmax share is worth a measured, lower probability there. The
development families hold both (the ``uncredited_wire`` story kind), so that probability is
fitted (Platt's sigmoid: too few such stories for isotonic maps), not set by hand.

Below :data:`UNKNOWN_BELOW`, or when two candidates tie, the story says "origin unknown"
rather than guess, and a story whose members share nothing but text they all quote (a
statement, a document) names no member as the origin: the quoted party is credited (external),
or the origin is unknown.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dedup.stories.origin_features import (
    FEATURE_NAMES,
    FIRST_SEEN_FULL_HOURS,
    FIRST_SEEN_MIN_HOURS,
    INTERVIEW,
    PUBLISHED_FULL_HOURS,
    Candidate,
    CandidateFeatures,
    CreditUse,
    MemberFacts,
    candidates,
    story_candidates,
)
from dedup.text.shares import percent

__all__ = [
    "FEATURE_NAMES",
    "GROUPS",
    "INTERVIEW",
    "UNKNOWN",
    "UNKNOWN_BELOW",
    "Candidate",
    "CandidateFeatures",
    "CreditUse",
    "MemberFacts",
    "OriginDecision",
    "OriginModel",
    "calibration_group",
    "candidates",
    "clockless",
    "decide_origin",
    "load_model",
    "story_candidates",
    "unsupported",
]

UNKNOWN_BELOW = 0.35  # calibrated probability under which no candidate is named
UNKNOWN = "origin unknown"
TIE = 1e-6  # scores closer than this: no candidate is preferred
# Features that name a candidate as the writer of the text: a credit, a dateline or copyright
# line, a link, or another article of its own source holding the text (the outlet published it
# twice: its own text). Its crediting someone else (declares_copy) is evidence against it.
_SUPPORT = (
    "same_source",
    "credit_own",
    "credit_writer",
    "credit_copied",
    "self_credit",
    "link_url",
    "link_site",
)
_SUPPORT_AT = tuple(FEATURE_NAMES.index(name) for name in _SUPPORT)
# The calibration's kinds of story: (some clock orders the members?, something names one?)
GROUPS = ("clocked", "clockless", "clocked_unsupported", "clockless_unsupported")


@dataclass(frozen=True)
class OriginDecision:
    article_id: int | None
    name: str
    external: bool
    confidence: float
    evidence: tuple[str, ...]
    scores: tuple[tuple[str, float], ...] = ()  # candidate label -> probability, best first
    known: bool = True  # False when no candidate is likely: the report says "origin unknown"


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Fold:
    """One calibration fold: a logistic regression over :func:`story_vector` and the isotonic
    map of its decision value."""

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
    """The ranking weights (stage 1) and the calibration folds (stage 2), one set for each of
    :data:`GROUPS`."""

    version: int
    weights: tuple[float, ...]
    calibration: dict[str, tuple[_Fold, ...]]

    def score(self, features: CandidateFeatures) -> float:
        return sum(w * v for w, v in zip(self.weights, features.vector(), strict=True))

    def confidence(self, rows: Sequence[Sequence[float]], group: str) -> float:
        """Calibrated probability that the best of a story's candidates (their feature
        ``rows``) is the origin, by the maps of its :func:`calibration_group`."""
        vector = story_vector(self.weights, rows)
        folds = self.calibration[group]
        return sum(f.probability(vector) for f in folds) / len(folds)


def clockless(members: Sequence[MemberFacts]) -> bool:
    """No clock orders the members: none has a publication time, and our own first-seen
    times are closer together than polling order means anything (imported at once)."""
    if any(m.published is not None for m in members):
        return False
    seen = [m.first_seen for m in members if m.first_seen is not None]
    return len(seen) < 2 or (max(seen) - min(seen)).total_seconds() < 3600 * FIRST_SEEN_MIN_HOURS


def unsupported(rows: Sequence[Sequence[float]]) -> bool:
    """The best of a story's candidates (``rows``: their features, best first) is named by no
    credit, dateline, copyright line or link, nor shares its source with another member (an
    outlet reusing its own text names itself): only text and clocks tell for it. A credit of
    some other candidate does not make the best one's claim any surer."""
    return not rows or not any(rows[0][i] > 0 for i in _SUPPORT_AT)


def calibration_group(members: Sequence[MemberFacts], rows: Sequence[Sequence[float]]) -> str:
    """Which of :data:`GROUPS` calibrates a story with these members and candidate ``rows``
    (best first)."""
    group = "clockless" if clockless(members) else "clocked"
    return f"{group}_unsupported" if unsupported(rows) else group


def softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exp = [math.exp(z - top) for z in scores]
    total = sum(exp)
    return [e / total for e in exp]


def story_vector(weights: Sequence[float], rows: Sequence[Sequence[float]]) -> tuple[float]:
    """What the calibration stage sees of a story whose candidates have feature ``rows``: the
    best candidate's softmax share of the belief. One monotone input, so that a near tie or
    evidence split between candidates can only lower the confidence: the development families
    hold too few hard stories to fit how anything else should (an earlier stage 2 over the
    share, the lead and the evidence for the runner-up learned that conflict *raises* it)."""
    if len(rows) < 2:
        return (1.0,)
    scores = [sum(w * v for w, v in zip(weights, row, strict=True)) for row in rows]
    return (max(softmax(scores)),)


@cache
def load_model() -> OriginModel:
    data = json.loads(resources.files("dedup.stories").joinpath("origin_model.json").read_text())
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError(
            "origin_model.json was fitted on other features; refit it with benchmarks/fit_origin.py"
        )
    if set(data.get("calibration", ())) != set(GROUPS):
        raise ValueError(
            f"origin_model.json does not calibrate each of {', '.join(GROUPS)}; refit it with "
            "benchmarks/fit_origin.py"
        )
    return OriginModel(
        version=int(data["version"]),
        weights=tuple(float(w) for w in data["weights"]),
        calibration={group: _folds(data["calibration"][group]) for group in GROUPS},
    )


def _folds(data: Sequence[dict[str, Any]]) -> tuple[_Fold, ...]:
    return tuple(
        _Fold(
            weights=tuple(float(w) for w in fold["weights"]),
            intercept=float(fold["intercept"]),
            x=tuple(float(v) for v in fold["x"]),
            y=tuple(float(v) for v in fold["y"]),
        )
        for fold in data
    )


# ----------------------------------------------------------------------------- the decision


def _evidence(top: Candidate, members: Sequence[MemberFacts], p: float) -> list[str]:
    f = top.features
    out = [f"model: probability {p:.2f} that {top.name} is the origin (origin_model.json)"]
    others = len(members) if top.article_id is None else len(members) - 1
    credited = sum(
        1
        for m in members
        if m.article_id != top.article_id
        and not (top.keys & m.source_keys)
        and any(
            u.credit.key in top.keys and not u.shared and u.credit.pattern not in INTERVIEW
            for u in m.credits
        )
    )
    if credited:
        out.append(f"credit: {credited} of {others} credit {top.name} in their own words")
    if f.credit_writer:
        out.append(
            f"credit: {round(f.credit_writer * others)} of {others} carry a line naming "
            f"{top.name} as the writer (a dateline or copyright line)"
        )
    out.extend(f"credit line: {line}" for line in top.credit_lines[:6])
    if f.credit_copied and not credited and not f.credit_writer:
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
            "ledgers against it are lower bounds (unless a copy wrote its own text between "
            "paragraphs it took)"
        )
    else:
        out.append(
            f"containment: article {top.article_id} holds {percent(f.holds)} of the shared text, "
            f"{percent(max(0.0, f.holds_lead))} more than the next member"
        )
        if f.unshared_inside > 0:
            out.append(
                f"shape: {percent(f.unshared_inside)} of its words stand between shared "
                "paragraphs and in no other member: where an origin's text its copies cut "
                "stands (a copier's own text mostly stands around what it took, not always)"
            )
        if f.agreement > 0:
            out.append(
                "agreement: where members' versions of a shared paragraph differ, its version "
                "is the majority's"
            )
    if f.merges:
        out.append(
            f"round-up: {percent(f.merges)} of the shared text {top.label} holds comes from "
            "members that share nothing with the one it shares most with (a digest of several "
            "stories reads so)"
        )
    if f.published_first > 0:
        out.append("time: published before every other dated member")
    if f.published_lead > 0:
        out.append(f"time: published {f.published_lead * PUBLISHED_FULL_HOURS:.1f} h first")
    if f.first_seen_lead > 0:
        out.append(f"time: first seen {f.first_seen_lead * FIRST_SEEN_FULL_HOURS:.1f} h first")
    if f.source_first > 0:
        out.append(f"time: published before the other articles of {top.name} in the story")
    if f.link_url or f.link_site:
        out.append(f"links: other members link to {top.name}")
    if f.self_credit:
        out.append(f"credit: {top.label} names its own source as the writer (a dateline, a byline)")
    if f.same_source:
        out.append(
            f"own text: {round(f.same_source * others)} other member(s) come from {top.name} "
            "itself (an outlet reusing its own text)"
        )
    if f.declares_copy:
        out.append(f"conflict: {top.label} itself credits another publisher")
    if f.later_version:
        out.append(f"conflict: the headline of {top.label} marks it a later version of a text")
    return out


def decide_origin(
    members: Sequence[MemberFacts], *, quotes_only: bool = False, model: OriginModel | None = None
) -> OriginDecision:
    """Decide the story's origin from its members' facts.

    ``quotes_only``: the members share nothing but quoted text, so no member is the origin.
    """
    model = model or load_model()
    ranked = sorted(
        ((model.score(c.features), c) for c in story_candidates(members, quotes_only=quotes_only)),
        key=lambda sc: (-round(sc[0], 9), -sc[1].features.holds, sc[1].article_id or -1),
    )
    scored: list[tuple[float, Candidate]] = []
    rows = [c.features.vector() for _, c in ranked]
    group = calibration_group(members, rows)
    if ranked:
        zs = [z for z, _ in ranked]
        scored = [(model.confidence(rows, group), ranked[0][1])]
        # the others' chances, each as the softmax gives its share: for the evidence only
        scored += [(p, c) for p, (_z, c) in zip(softmax(zs)[1:], ranked[1:], strict=True)]
    scores = tuple((c.label, round(p, 3)) for p, c in scored)
    tie = len(ranked) > 1 and ranked[0][0] - ranked[1][0] < TIE
    if not scored or scored[0][0] < UNKNOWN_BELOW or tie:
        why = (
            "the members share only text they quote from a third party"
            if quotes_only
            else "two candidates are equally likely"
            if tie
            else "no candidate is likely; nothing names an origin, and the members may all be "
            "copies of a text that none of them is"
            if group.endswith("_unsupported")
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
    evidence = _evidence(top, members, p)
    if group.endswith("_unsupported"):
        evidence.append(
            "no credit, dateline or link names any candidate: only text and clocks tell, and "
            "copies of a wire story that is not in the store and that none of them credits "
            "read alike; the confidence is calibrated on such stories"
        )
    if group.startswith("clockless"):
        evidence.append(
            "no clock: no member has a publication time and all were first seen together; "
            "the confidence is calibrated on such stories, where only text, credits and "
            "links tell"
        )
    return OriginDecision(
        article_id=top.article_id,
        name=top.name,
        external=top.article_id is None,
        confidence=round(p, 3),
        evidence=tuple(evidence),
        scores=scores,
    )
