"""Fit the origin model (dedup/stories/origin.py) on the simulator's development families.

    .venv/bin/python benchmarks/fit_origin.py             # fit, calibrate, write the JSON
    .venv/bin/python benchmarks/fit_origin.py --check     # the cross-validated figures only

This is the one path to ``dedup/stories/origin_model.json``: deterministic (fixed simulator
seeds, fixed folds, no randomness left in the solvers), so the same code and data give the same
file. Refit it after any change to the features or to what feeds them (the credit finder, the
shared-text links): ``load_model`` refuses a file fitted on other feature names.

Runs the whole pipeline over simulated stores made from the development families only
(``simulator.DEV``, Reuters dev split; seeds :data:`SEEDS`, each polled and archive), records
every story's candidates with their named features (exactly the candidates the decision
chooses among), labels each (the true origin article, or "Reuters" when it was left out of the
store; nothing for a story of distractors), and fits two stages:

1. a ranking logistic regression without intercept on pairs of candidates of one story (the
   true origin's features minus another candidate's, and the reverse), so a candidate's score
   is comparable within its story;
2. on out-of-fold scores (5 folds by story), whether the best candidate of a story is its
   origin, from :func:`dedup.stories.origin.story_vector`: a logistic regression calibrated
   with isotonic regression (``CalibratedClassifierCV``, 5 stratified folds).

The held-out families are never read here: ``bench_syndication.py`` reports on them.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench_syndication import expected_calibration_error, run_pipeline
from simulator import DEV, Plan, plan_run

from dedup.stories import origin as origin_module
from dedup.stories import story as story_module
from dedup.stories.origin import (
    FEATURE_NAMES,
    MemberFacts,
    OriginModel,
    _Fold,
    story_candidates,
    story_vector,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dedup" / "stories" / "origin_model.json"
VERSION = 2
SEEDS = (11, 12, 13, 14, 15, 16)
FOLDS = 5
# A model that says 0.5 to everything: fitting needs features, not decisions.
_FLAT = OriginModel(
    version=0,
    weights=(0.0,) * len(FEATURE_NAMES),
    folds=(_Fold((0.0,), 0.0, (-1.0, 1.0), (0.5, 0.5)),),
)

Story = tuple[list[tuple[float, ...]], list[int]]  # candidates' features, labels (1: origin)


def _stories(plan: Plan, archive: bool) -> list[Story]:
    """Every story of one simulated store: its candidates' feature rows and labels."""
    recorded: list[tuple[list[MemberFacts], bool]] = []
    real = story_module.decide_origin

    def record(members: Any, **kwargs: Any) -> origin_module.OriginDecision:
        recorded.append((list(members), bool(kwargs.get("quotes_only"))))
        return real(members, model=_FLAT, **kwargs)

    story_module.decide_origin = record  # type: ignore[assignment]
    try:
        ids, _report, _seconds = run_pipeline(plan, archive)
    finally:
        story_module.decide_origin = real
    key_of = {v: k for k, v in ids.items()}
    out: list[Story] = []
    for members, quotes_only in recorded:
        stories = Counter(plan.story_of.get(key_of[m.article_id]) for m in members)
        story, _count = stories.most_common(1)[0]
        truth = plan.origin_key.get(story) if story is not None else None
        rows, labels = [], []
        for cand in story_candidates(members, quotes_only=quotes_only):
            if story is None:
                label = 0
            elif truth is None:
                label = int(cand.article_id is None and cand.name == "Reuters")
            else:
                label = int(cand.article_id is not None and key_of[cand.article_id] == truth)
            rows.append(cand.features.vector())
            labels.append(label)
        out.append((rows, labels))
    return out


def _pairs(stories: list[Story]) -> tuple[Any, Any]:
    """Ranking pairs: (origin - other, 1) and (other - origin, 0) within each story."""
    import numpy as np

    x, y = [], []
    for rows, labels in stories:
        if sum(labels) != 1:
            continue
        top = np.array(rows[labels.index(1)])
        for row, label in zip(rows, labels, strict=True):
            if not label:
                x += [top - np.array(row), np.array(row) - top]
                y += [1, 0]
    return np.array(x), np.array(y)


def _ranker() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, fit_intercept=False, max_iter=10000)


def main() -> None:
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--stories", type=int, default=120)
    args = parser.parse_args()
    stories: list[Story] = []
    for seed in SEEDS:
        plan = plan_run(DEV, args.stories, 40, seed)
        for archive in (False, True):
            stories += [s for s in _stories(plan, archive) if s[0]]
    candidates = sum(len(labels) for _, labels in stories)
    print(
        f"fit_origin: {candidates} candidates in {len(stories)} stories "
        f"({sum(sum(labels) for _, labels in stories)} with their origin among the candidates) "
        f"from the dev families, seeds {SEEDS}, polled and archive"
    )
    # Stage 1 out of fold (stories dealt to folds in turn), so that stage 2 is fitted on scores
    # of stories the ranker was not fitted on.
    sx: list[tuple[float]] = [(0.0,)] * len(stories)
    sy = [0] * len(stories)
    for fold in range(FOLDS):
        train = [s for n, s in enumerate(stories) if n % FOLDS != fold]
        weights = list(_ranker().fit(*_pairs(train)).coef_[0])
        for n, (rows, labels) in enumerate(stories):
            if n % FOLDS == fold:
                sx[n] = story_vector(weights, rows)
                scores = [float(np.dot(weights, row)) for row in rows]
                sy[n] = labels[max(range(len(rows)), key=lambda i: scores[i])]
    ranker = _ranker().fit(*_pairs(stories))
    for name, w in sorted(
        zip(FEATURE_NAMES, ranker.coef_[0], strict=True), key=lambda t: -abs(t[1])
    ):
        print(f"  {name:18s} {w:+.2f}")
    calibrated = CalibratedClassifierCV(
        LogisticRegression(C=1.0, max_iter=10000),
        method="isotonic",
        cv=StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=3),
    )
    calibrated.fit(np.array(sx), np.array(sy))
    print(f"  stories whose best candidate is the origin (out of fold): {np.mean(sy):.3f}")
    if args.check:
        probs = calibrated.predict_proba(np.array(sx))[:, 1]  # in-sample for stage 2 only
        pairs = [(float(p), bool(ok)) for p, ok in zip(probs, sy, strict=True)]
        print(f"  calibration ECE (stage 1 out of fold): {expected_calibration_error(pairs):.3f}")
        return
    folds = []
    for fitted in calibrated.calibrated_classifiers_:
        iso = fitted.calibrators[0]
        folds.append(
            {
                "weights": [round(float(w), 6) for w in fitted.estimator.coef_[0]],
                "intercept": round(float(fitted.estimator.intercept_[0]), 6),
                "x": [round(float(v), 6) for v in iso.X_thresholds_],
                "y": [round(float(v), 6) for v in iso.y_thresholds_],
            }
        )
    OUT.write_text(
        json.dumps(
            {
                "version": VERSION,
                "fitted_on": (
                    f"simulator dev families, seeds {list(SEEDS)}, polled and archive, "
                    f"{candidates} candidates in {len(stories)} stories "
                    "(benchmarks/fit_origin.py)"
                ),
                "features": list(FEATURE_NAMES),
                "weights": [round(float(w), 6) for w in ranker.coef_[0]],
                "folds": folds,
            },
            indent=1,
        )
        + "\n"
    )
    check = origin_module.load_model.__wrapped__()  # type: ignore[attr-defined]
    got = np.array([np.mean([f.probability(row) for f in check.folds]) for row in sx])
    want = calibrated.predict_proba(np.array(sx))[:, 1]
    print(
        f"  wrote {OUT.relative_to(ROOT)}; JSON vs scikit-learn max difference "
        f"{float(np.abs(got - want).max()):.2e}"
    )


if __name__ == "__main__":
    main()
