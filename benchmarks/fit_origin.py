"""Fit the origin model (dedup/stories/origin.py) on the simulator's development families.

    .venv/bin/python benchmarks/fit_origin.py             # fit, calibrate, write the JSON
    .venv/bin/python benchmarks/fit_origin.py --check     # the cross-validated figures only

Runs the pipeline over simulated stores made from the development families only
(``simulator.DEV``, Reuters dev split; several seeds, polled and archive), records every
story's candidates with their named features, labels each (the true origin article, or
"Reuters" when it was left out of the store; nothing for a story of distractors), and fits a
logistic regression calibrated by isotonic regression (``CalibratedClassifierCV``, 5 folds).
The folds' coefficients and isotonic thresholds go to ``dedup/stories/origin_model.json``.
The held-out families are never read here: ``bench_syndication.py`` reports on them.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench_syndication import run_pipeline
from simulator import DEV, Plan, plan_run

from dedup.stories import origin as origin_module
from dedup.stories import story as story_module
from dedup.stories.origin import FEATURE_NAMES, MemberFacts, OriginModel, _Fold, candidates

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dedup" / "stories" / "origin_model.json"
VERSION = 1
SEEDS = (11, 12, 13)
# A model that says 0.5 to everything: fitting needs features, not decisions.
_FLAT = OriginModel(
    version=0,
    weights=(0.0,) * len(FEATURE_NAMES),
    intercept=0.0,
    folds=(_Fold((0.0, 0.0), 0.0, (-1.0, 1.0), (0.5, 0.5)),),
)


def _rows(plan: Plan, archive: bool) -> tuple[list[tuple[float, ...]], list[int], list[int]]:
    """Feature rows, labels and story groups of one simulated store."""
    recorded: list[list[MemberFacts]] = []
    real = story_module.decide_origin

    def record(members: Any, **kwargs: Any) -> origin_module.OriginDecision:
        recorded.append(list(members))
        return real(members, model=_FLAT, **kwargs)

    story_module.decide_origin = record  # type: ignore[assignment]
    try:
        ids, _report, _seconds = run_pipeline(plan, archive)
    finally:
        story_module.decide_origin = real
    key_of = {v: k for k, v in ids.items()}
    x: list[tuple[float, ...]] = []
    y: list[int] = []
    groups: list[int] = []
    for n, members in enumerate(recorded):
        stories = Counter(plan.story_of.get(key_of[m.article_id]) for m in members)
        story, _count = stories.most_common(1)[0]
        truth = plan.origin_key.get(story) if story is not None else None
        for cand in candidates(members):
            if story is None:
                label = 0
            elif truth is None:
                label = int(cand.article_id is None and cand.name == "Reuters")
            else:
                label = int(cand.article_id is not None and key_of[cand.article_id] == truth)
            x.append(cand.features.vector())
            y.append(label)
            groups.append(n)
    return x, y, groups


def _stories(
    scores: Any, labels: list[int], groups: list[int]
) -> tuple[list[tuple[float, float]], list[int]]:
    """Per story: (best score, lead over the second) and whether the best is the origin."""
    from dedup.stories.origin import story_vector

    by_story: dict[int, list[tuple[float, int]]] = {}
    for z, label, g in zip(scores, labels, groups, strict=True):
        by_story.setdefault(g, []).append((float(z), label))
    x, y = [], []
    for rows in by_story.values():
        rows.sort(key=lambda r: -r[0])
        second = rows[1][0] if len(rows) > 1 else None
        x.append(story_vector(rows[0][0], second))
        y.append(rows[0][1])
    return x, y


def main() -> None:
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--stories", type=int, default=120)
    args = parser.parse_args()
    x: list[tuple[float, ...]] = []
    y: list[int] = []
    groups: list[int] = []
    for seed in SEEDS:
        plan = plan_run(DEV, args.stories, 40, seed)
        for archive in (False, True):
            rows, labels, story = _rows(plan, archive)
            offset = max(groups, default=-1) + 1
            x += rows
            y += labels
            groups += [offset + g for g in story]
    xa, ya = np.array(x), np.array(y)
    print(
        f"fit_origin: {len(ya)} candidates ({int(ya.sum())} true origins) in "
        f"{len(set(groups))} stories from the dev families, seeds {SEEDS}, polled and archive"
    )
    # Stage 1: each candidate's score. Out-of-fold scores (folds by story) feed stage 2, so the
    # calibration sees scores of stories the scorer was not fitted on.
    scorer = LogisticRegression(C=1.0, max_iter=5000)
    oof = cross_val_predict(
        scorer, xa, ya, cv=GroupKFold(n_splits=5), groups=groups, method="decision_function"
    )
    scorer.fit(xa, ya)
    for name, w in sorted(
        zip(FEATURE_NAMES, scorer.coef_[0], strict=True), key=lambda t: -abs(t[1])
    ):
        print(f"  {name:18s} {w:+.2f}")
    # Stage 2: is the best candidate the origin? Calibrated (isotonic, 5 folds).
    sx, sy = _stories(oof, y, groups)
    calibrated = CalibratedClassifierCV(
        LogisticRegression(C=1.0, max_iter=5000),
        method="isotonic",
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=3),
    )
    calibrated.fit(np.array(sx), np.array(sy))
    print(f"  stories whose best candidate is the origin (out of fold): {np.mean(sy):.3f}")
    if args.check:
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
                    f"simulator dev families, seeds {list(SEEDS)}, {len(ya)} candidates in "
                    f"{len(set(groups))} stories"
                ),
                "features": list(FEATURE_NAMES),
                "weights": [round(float(w), 6) for w in scorer.coef_[0]],
                "intercept": round(float(scorer.intercept_[0]), 6),
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
