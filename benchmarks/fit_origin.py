"""Fit the origin model (dedup/stories/origin.py) on the simulator's development families.

    .venv/bin/python benchmarks/fit_origin.py             # fit, calibrate, write the JSON
    .venv/bin/python benchmarks/fit_origin.py --check     # the cross-validated figures only

This is the one path to ``dedup/stories/origin_model.json``: deterministic (fixed simulator
seeds, fixed folds, no randomness left in the solvers), so the same code and data give the same
file. Refit it after any change to the features or to what feeds them (the credit finder, the
shared-text links): ``load_model`` refuses a file fitted on other feature names. One run takes
about five minutes (three of CPU: 60 simulated stores, 30 seeds in two modes).

Runs the whole pipeline over simulated stores made from the development families only
(``simulator.DEV``, Reuters dev split; seeds :data:`SEEDS`, each polled and archive), records
every story's candidates with their named features (exactly the candidates the decision
chooses among), labels each (the true origin article, or "Reuters" when it was left out of the
store; nothing for a story of distractors), and fits two stages:

1. a ranking logistic regression without intercept on pairs of candidates of one story (the
   true origin's features minus another candidate's, and the reverse), so a candidate's score
   is comparable within its story; the clock features' weights are kept from going below zero
   (:data:`NON_NEGATIVE`);
2. on out-of-fold scores (5 folds by story), whether the best candidate of a story is its
   origin, from :func:`dedup.stories.origin.story_vector`: a logistic regression calibrated
   with isotonic regression (``CalibratedClassifierCV``, 5 stratified folds), fitted apart
   for each of :data:`dedup.stories.origin.GROUPS` (:func:`dedup.stories.origin.
   calibration_group`): stories some clock orders and clockless ones (the dev clock families
   "dropout" and "crawl" make them in archive mode), each apart for stories where some
   credit, dateline or link names a candidate and *unsupported* ones where nothing does (the
   dev story kind ``uncredited_wire`` makes such stories whose origin is not among the
   candidates at all: every candidate is labelled wrong there).

``--check`` reports, per kind of story and mode, how the calibration holds on stories it was
not fitted on (both stages out of fold): expected calibration error, and how often claims at
0.9 or more are right.

The held-out families are never read here: ``bench_syndication.py`` reports on them.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench_syndication import expected_calibration_error, run_pipeline
from simulator import DEV, Plan, plan_run

from dedup.stories import origin as origin_module
from dedup.stories.origin import (
    FEATURE_NAMES,
    GROUPS,
    UNKNOWN_BELOW,
    MemberFacts,
    OriginModel,
    _Fold,
    clockless,
    story_candidates,
    story_vector,
    unsupported,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dedup" / "stories" / "origin_model.json"
VERSION = 8
# Many seeds: the calibration needs wrong stories to be fine-grained, and the dev families
# make them rarely (about 1 in 100), clockless ones rarer still.
SEEDS = tuple(range(11, 41))
FOLDS = 5
SIGMOID_POINTS = 201  # a sigmoid map tabulated this finely differs from it by under 1e-4
# A model that says 0.5 to everything: fitting needs features, not decisions.
_HALF = (_Fold((0.0,), 0.0, (-1.0, 1.0), (0.5, 0.5)),)
_FLAT = OriginModel(
    version=0, weights=(0.0,) * len(FEATURE_NAMES), calibration=dict.fromkeys(GROUPS, _HALF)
)


@dataclass(frozen=True)
class Story:
    rows: list[tuple[float, ...]]  # the candidates' features
    labels: list[int]  # 1: the candidate is the origin
    group: str  # one of GROUPS (as collected: "clocked" or "clockless", see _out_of_fold)
    mode: str  # "polled" or "archive"
    fold: int  # stories of one simulated story (both modes, stripped or not) share a fold
    stripped: bool = False  # a story of the archive run with every clock taken away
    kind: str = "plain"  # the story kind (plain, uncredited_wire, self_reuse, roundup, none)
    mixed: bool = False  # glued from two or more simulated stories: each one's origin is 1


def _stripped(members: list[MemberFacts]) -> list[MemberFacts]:
    """The same members without any clock: no publication time, all first seen at once."""
    seen = min((m.first_seen for m in members if m.first_seen), default=None)
    return [replace(m, published=None, first_seen=seen) for m in members]


def _stories(plan: Plan, archive: bool, seed: int) -> list[Story]:
    """Every story of one simulated store: its candidates' feature rows and labels.

    Taken again, for the calibration only (the ranker never sees them): in the archive run each
    story that has a clock, with its clocks stripped (clockless stories with the text, credits
    and links of every dev family, so that the clockless calibration is measured on more than
    the few the "dropout" family makes). A story of the ``uncredited_wire`` kind has no origin
    among its candidates: each is labelled 0, so it teaches the calibration only."""
    recorded: list[tuple[list[MemberFacts], bool]] = []

    def record(real: Any, members: Any, **kwargs: Any) -> origin_module.OriginDecision:
        recorded.append((list(members), bool(kwargs.get("quotes_only"))))
        decision: origin_module.OriginDecision = real(members, model=_FLAT, **kwargs)
        return decision

    ids, _report, _seconds = run_pipeline(plan, archive, decide=record)
    key_of = {v: k for k, v in ids.items()}
    mode = "archive" if archive else "polled"
    out: list[Story] = []
    for members, quotes_only in recorded:
        stories = Counter(plan.story_of.get(key_of[m.article_id]) for m in members)
        story, _count = stories.most_common(1)[0]
        # a round-up belongs to every story it merges: only other members tell a glued story
        apart = {
            plan.story_of.get(key_of[m.article_id])
            for m in members
            if key_of[m.article_id] not in plan.roundups
        }
        mixed = len(apart - {None}) > 1
        origins = {plan.origin_key.get(s) for s in apart if s is not None} - {None}
        truth = plan.origin_key.get(story) if story is not None else None
        fold = (seed * 1000 + (story if story is not None else 999)) % FOLDS
        unknowable = story in plan.unknowable
        kind = "none" if story is None else plan.kind_of.get(story, "plain")
        versions = [(members, False)]
        if archive and not clockless(members):
            versions.append((_stripped(members), True))
        for facts, stripped in versions:
            rows, labels = [], []
            for cand in story_candidates(facts, quotes_only=quotes_only):
                if story is None or unknowable:
                    label = 0
                elif mixed:
                    # glued: the origin of any story it joins is an origin of its text
                    label = int(cand.article_id is not None and key_of[cand.article_id] in origins)
                elif truth is None:
                    label = int(cand.article_id is None and cand.name == "Reuters")
                else:
                    label = int(cand.article_id is not None and key_of[cand.article_id] == truth)
                rows.append(cand.features.vector())
                labels.append(label)
            # whether the best candidate is supported depends on the ranker: see _out_of_fold
            clock = "clockless" if clockless(facts) else "clocked"
            out.append(Story(rows, labels, clock, mode, fold, stripped, kind, mixed))
    return out


def _pairs(stories: list[Story]) -> tuple[Any, Any]:
    """Ranking pairs: (origin - other, 1) and (other - origin, 0) within each story (the
    clustering may glue a round-up's stories together: then each of their origins)."""
    import numpy as np

    x, y = [], []
    for story in stories:
        if story.stripped:
            continue
        # an outlet's own text twice (self_reuse): only its two articles against each other
        # (the one candidate besides the origin that shares its source), so the ranker learns
        # what tells an outlet's first text from its update without its copies' pairs
        siblings = story.kind == "self_reuse"
        # a glued story has an origin for each story it joins: each against the others'
        # copies and the round-up, never against each other
        for top in (np.array(r) for r, lab in zip(story.rows, story.labels, strict=True) if lab):
            for row, label in zip(story.rows, story.labels, strict=True):
                if not label and (not siblings or row[_SAME_SOURCE] > 0):
                    x += [top - np.array(row), np.array(row) - top]
                    y += [1, 0]
    return np.array(x), np.array(y)


_SAME_SOURCE = FEATURE_NAMES.index("same_source")


def _ranks(story: Story) -> bool:
    """Whether the ranker learns from this story: not from one stripped of its clocks (a
    calibration sample). An outlet's own text twice (``self_reuse``) teaches only through
    the pair of its own two articles (:func:`_pairs`): its copies' pairs, fitted on, taught
    the ranker to trust a first-seen lead over a credit in a copy's own words ("According to
    Reuters"), and without the pair of its two articles nothing taught what tells them apart
    (a headline marking the later version); with that pair only, dev archive self-reuse
    stories' best candidate is right 0.809 of 864 out of fold, against 0.775 without (0.812 with
    ``source_first``, model version 6; 0.832 with ``unshared_inside``, version 7)."""
    return not story.stripped


def _ranker() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, fit_intercept=False, max_iter=10000)


# Clock features that can only speak for a candidate: being first is never evidence against
# it. The dev clock families lie (a copy claims an earlier time, "liar") or stamp crawl times
# ("crawl"), so a fit learned that a long lead in publication time is suspicious (a negative
# weight beside the order's positive one); on real Reuters, whose stamps are the wire's own,
# that made an article published days after another the origin of their story. A weight
# fitted below zero is dropped (the feature left out and the rest refitted) until none is.
NON_NEGATIVE = ("published_lead", "published_first", "first_seen_lead", "source_first")


def _fit_ranker(stories: list[Story]) -> list[float]:
    """The ranking weights, one per feature, none of :data:`NON_NEGATIVE` below zero."""
    x, y = _pairs(stories)
    dropped: list[str] = []
    while True:
        kept = [i for i, name in enumerate(FEATURE_NAMES) if name not in dropped]
        weights = [0.0] * len(FEATURE_NAMES)
        for i, w in zip(kept, _ranker().fit(x[:, kept], y).coef_[0], strict=True):
            weights[i] = float(w)
        negative = [
            (weights[FEATURE_NAMES.index(name)], name)
            for name in NON_NEGATIVE
            if weights[FEATURE_NAMES.index(name)] < 0
        ]
        if not negative:
            return weights
        dropped.append(min(negative)[1])


def _calibrator(group: str) -> Any:
    """Isotonic where the stories are many and the share separates right from wrong; Platt's
    sigmoid for the unsupported groups, whose few hundred stories an isotonic map overfits at
    the ends (a fold that met only right stories at the top share claimed them at 1.0)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    return CalibratedClassifierCV(
        LogisticRegression(C=1.0, max_iter=10000),
        method="sigmoid" if group.endswith("_unsupported") else "isotonic",
        cv=StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=3),
    )


def _out_of_fold(stories: list[Story]) -> tuple[list[tuple[float]], list[int]]:
    """Stage 1 out of fold (by simulated story): each story's calibration input and whether
    its best candidate is the origin, from a ranker not fitted on it. The ranker is fitted on
    the stories as simulated, never on the stripped ones. Each story's group is set here too:
    whether its best candidate is :func:`dedup.stories.origin.unsupported` depends on which
    candidate the ranker puts first."""
    import numpy as np

    sx: list[tuple[float]] = [(0.0,)] * len(stories)
    sy = [0] * len(stories)
    for fold in range(FOLDS):
        train = [s for s in stories if s.fold != fold and _ranks(s)]
        weights = _fit_ranker(train)
        for n, story in enumerate(stories):
            if story.fold == fold:
                sx[n] = story_vector(weights, story.rows)
                scores = [float(np.dot(weights, row)) for row in story.rows]
                best = max(range(len(story.rows)), key=lambda i: scores[i])
                sy[n] = story.labels[best]
                clock = story.group.split("_")[0]
                stories[n] = replace(
                    story,
                    group=f"{clock}_unsupported" if unsupported([story.rows[best]]) else clock,
                )
    return sx, sy


def _check(stories: list[Story], sx: list[tuple[float]], sy: list[int]) -> None:
    """Calibration on stories neither stage was fitted on: stage 2 refitted per group without
    each fold of stories in turn."""
    import numpy as np

    probs = [0.0] * len(stories)
    for group in GROUPS:
        index = [n for n, s in enumerate(stories) if s.group == group]
        for fold in range(FOLDS):
            train = [n for n in index if stories[n].fold != fold]
            test = [n for n in index if stories[n].fold == fold]
            model = _calibrator(group).fit(np.array([sx[n] for n in train]), [sy[n] for n in train])
            got = model.predict_proba(np.array([sx[n] for n in test]))[:, 1]
            for n, p in zip(test, got, strict=True):
                probs[n] = float(p)
    print("  calibration out of fold (both stages), dev families:")
    parts: dict[str, Any] = {
        f"{group}, {mode}{', stripped' if stripped else ''}": (
            lambda s, g=group, m=mode, st=stripped: (
                s.group == g and s.mode == m and s.stripped == st
            )
        )
        for group in GROUPS
        for mode in ("polled", "archive")
        for stripped in (False, True)
    }
    parts |= {
        f"kind {kind}, {mode}": lambda s, k=kind, m=mode: s.kind == k and s.mode == m
        for kind in ("plain", "uncredited_wire", "self_reuse", "roundup")
        for mode in ("polled", "archive")
    }
    for part, belongs in parts.items():
        pick = [n for n, s in enumerate(stories) if belongs(s)]
        if not pick:
            continue
        pairs = [(probs[n], bool(sy[n])) for n in pick]
        sure = [ok for p, ok in pairs if p >= 0.9]
        rate = f"{np.mean(sure):.3f} of {len(sure)}" if sure else "none"
        named = np.mean([ok and p >= UNKNOWN_BELOW for p, ok in pairs])
        print(
            f"    [{part}] {len(pick)} stories, best candidate right "
            f"{np.mean([ok for _p, ok in pairs]):.3f} (named and right {named:.3f}); ECE "
            f"{expected_calibration_error(pairs):.3f}; claims >= 0.9 right {rate}; "
            f"mean confidence {np.mean([p for p, _ok in pairs]):.3f}"
        )


def _export(calibrated: Any) -> list[dict[str, Any]]:
    """Each fold as its logistic regression and a piecewise-linear map of its decision value:
    an isotonic map's own thresholds, or a sigmoid tabulated at :data:`SIGMOID_POINTS` values
    of the share (the calibration's one input, in [0, 1]), so one reader serves both."""
    import numpy as np
    from scipy.special import expit

    folds = []
    for fitted in calibrated.calibrated_classifiers_:
        cal = fitted.calibrators[0]
        w = float(fitted.estimator.coef_[0][0])
        b = float(fitted.estimator.intercept_[0])
        if hasattr(cal, "X_thresholds_"):
            x, y = list(cal.X_thresholds_), list(cal.y_thresholds_)
        else:
            x = sorted(b + w * s for s in np.linspace(0.0, 1.0, SIGMOID_POINTS))
            y = [float(expit(-(cal.a_ * z + cal.b_))) for z in x]
        folds.append(
            {
                "weights": [round(w, 6)],
                "intercept": round(b, 6),
                "x": [round(float(v), 6) for v in x],
                "y": [round(float(v), 6) for v in y],
            }
        )
    return folds


def _collect(stories_per_run: int, cache: Path | None) -> list[Story]:
    if cache and cache.exists():
        return [Story(**s) for s in json.loads(cache.read_text())]
    out: list[Story] = []
    for seed in SEEDS:
        plan = plan_run(DEV, stories_per_run, 40, seed)
        for archive in (False, True):
            out += [s for s in _stories(plan, archive, seed) if s.rows]
    if cache:
        cache.write_text(json.dumps([s.__dict__ for s in out]))
    return out


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--stories", type=int, default=120)
    parser.add_argument(
        "--cache", type=Path, help="keep the simulated stories' features here (for iterating)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    stories = _collect(args.stories, args.cache)
    candidates = sum(len(s.labels) for s in stories)
    sx, sy = _out_of_fold(stories)
    groups = Counter(s.group for s in stories)
    stripped = sum(s.stripped for s in stories)
    print(
        f"fit_origin: {candidates} candidates in {len(stories)} stories "
        f"({sum(sum(s.labels) for s in stories)} with their origin among the candidates; "
        + "; ".join(f"{groups[g]} {g}" for g in GROUPS)
        + f"; {stripped} stripped of their clocks) from the dev families, seeds "
        f"{SEEDS[0]}-{SEEDS[-1]}, polled and archive"
    )
    weights = _fit_ranker([s for s in stories if _ranks(s)])
    for name, w in sorted(zip(FEATURE_NAMES, weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:18s} {w:+.2f}")
    for group in GROUPS:
        got = [sy[n] for n, s in enumerate(stories) if s.group == group]
        print(
            f"  [{group}] stories whose best candidate is the origin (out of fold): "
            f"{np.mean(got):.3f} of {len(got)} ({len(got) - sum(got)} wrong)"
        )
        if min(len(got) - sum(got), sum(got)) < FOLDS:
            # isotonic maps in FOLDS stratified folds need that many of each outcome
            raise SystemExit(
                f"fit_origin: too few wrong or right {group} stories to calibrate; add seeds "
                "to SEEDS"
            )
    if args.check:
        _check(stories, sx, sy)
        print(f"  {time.perf_counter() - started:.0f} s")
        return
    calibrated = {}
    for group in GROUPS:
        index = [n for n, s in enumerate(stories) if s.group == group]
        calibrated[group] = _calibrator(group).fit(
            np.array([sx[n] for n in index]), np.array([sy[n] for n in index])
        )
    OUT.write_text(
        json.dumps(
            {
                "version": VERSION,
                "fitted_on": (
                    f"simulator dev families, seeds {SEEDS[0]}-{SEEDS[-1]}, polled and "
                    f"archive, {candidates} candidates in {len(stories)} stories ("
                    + "; ".join(f"{groups[g]} {g}" for g in GROUPS)
                    + f"; {stripped} archive stories stripped of their clocks) "
                    "(benchmarks/fit_origin.py)"
                ),
                "features": list(FEATURE_NAMES),
                "weights": [round(w, 6) for w in weights],
                "calibration": {group: _export(calibrated[group]) for group in GROUPS},
            },
            indent=1,
        )
        + "\n"
    )
    check = origin_module.load_model.__wrapped__()  # type: ignore[attr-defined]
    worst = 0.0
    for group, folds in check.calibration.items():
        index = [n for n, s in enumerate(stories) if s.group == group]
        got = np.array([np.mean([f.probability(sx[n]) for f in folds]) for n in index])
        want = calibrated[group].predict_proba(np.array([sx[n] for n in index]))[:, 1]
        worst = max(worst, float(np.abs(got - want).max()))
    print(
        f"  wrote {OUT.relative_to(ROOT)}; JSON vs scikit-learn max difference {worst:.2e}; "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
