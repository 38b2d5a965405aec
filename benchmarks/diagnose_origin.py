"""Print the simulated stories whose origin the model gets wrong, with all the evidence it saw.

    .venv/bin/python benchmarks/diagnose_origin.py --mode archive --seeds 20240304 11 12
    .venv/bin/python benchmarks/diagnose_origin.py --mode archive --strip --quiet --seeds 1 2 3

Development families only (``simulator.DEV``, or its twin ``DEV_INSIDE`` with
``--families dev-inside``): this is a tool for writing and tuning the origin model, and the
held-out families must stay unseen. For each wrong story it prints the
members (source, both clocks, coverage, credits with where they stand), every candidate's
named features, raw score and calibrated probability, the decision and the truth, and at the
end how the confidences held, by calibration group (``origin.GROUPS``). A story of the
``uncredited_wire`` kind is right when "origin unknown" or named below 0.5
(``bench_syndication.judge``); as a claim, naming anyone there is wrong. ``--strip``
takes every clock away before deciding (no publication time, all seen at once), to measure the
clockless calibration on seeds it was not fitted on (``fit_origin.py`` fits on seeds 11-40).
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from typing import Any

from bench_syndication import expected_calibration_error, judge, run_pipeline
from simulator import DEV, DEV_INSIDE, Families, plan_run

from dedup.stories.origin import (
    FEATURE_NAMES,
    MemberFacts,
    OriginDecision,
    calibration_group,
    candidates,
    load_model,
)

Claims = dict[str, list[tuple[float, bool]]]  # calibration group -> (confidence, right)


def _strip(members: list[MemberFacts]) -> list[MemberFacts]:
    seen = min((m.first_seen for m in members if m.first_seen), default=None)
    return [replace(m, published=None, first_seen=seen) for m in members]


# Development families only: the held-out ones are for bench_syndication's figures.
FAMILIES = {f.name: f for f in (DEV, DEV_INSIDE)}


def _wrong(
    families: Families,
    seed: int,
    stories: int,
    archive: bool,
    show_all: bool,
    strip: bool,
    quiet: bool,
    claims: Claims,
) -> tuple[int, int]:
    plan = plan_run(families, stories, 40, seed)
    recorded: list[tuple[list[MemberFacts], OriginDecision]] = []

    def record(real: Any, members: Any, **kwargs: Any) -> OriginDecision:
        members = _strip(list(members)) if strip else members
        decision: OriginDecision = real(members, **kwargs)
        recorded.append((list(members), decision))
        return decision

    ids, _report, _seconds = run_pipeline(plan, archive, decide=record)
    key_of = {v: k for k, v in ids.items()}
    model = load_model()
    wrong = 0
    for members, decision in recorded:
        story, _n = Counter(plan.story_of.get(key_of[m.article_id]) for m in members).most_common(
            1
        )[0]
        if story is None:
            truth = "(distractors: no origin)"
            ok = not decision.known or decision.external
        elif story in plan.unknowable:
            truth = "origin unknown (an uncredited wire left out of the store)"
            ok = judge(
                "unknowable",
                None,
                decision.article_id,
                decision.external,
                decision.name,
                decision.confidence,
            )[0]
        else:
            key = plan.origin_key.get(story)
            truth = f"article {ids[key]} ({key})" if key else "Reuters (external)"
            ok = (
                (decision.external and decision.name == "Reuters")
                if key is None
                else (decision.article_id == ids[key])
            )
        wrong += not ok
        if decision.known:
            rows = sorted(
                (c.features.vector() for c in candidates(members)),
                key=lambda row: -sum(w * v for w, v in zip(model.weights, row, strict=True)),
            )
            group = calibration_group(members, rows)  # rows best first
            right = ok and story not in plan.unknowable  # naming anyone there is a wrong claim
            claims.setdefault(group, []).append((decision.confidence, right))
        if quiet or (ok and not show_all):
            continue
        kind = plan.kind_of.get(story, "plain") if story is not None else "distractors"
        print(
            f"\n=== seed {seed} story {story} ({kind}): truth {truth}; decided {decision.name} "
            f"(article {decision.article_id}) at {decision.confidence:.3f}"
            f"{'' if ok else '  WRONG'}"
        )
        for m in members:
            print(
                f"  member {m.article_id} {key_of[m.article_id]:22s} {m.source:20s} "
                f"pub {m.published} seen {m.first_seen} coverage {m.coverage:.3f}"
            )
            for u in m.credits:
                c = u.credit
                print(
                    f"      credit {c.pattern:14s} key={c.key} shared={u.shared} "
                    f"self={c.self_reference} s={c.strength} | {c.line[:90]}"
                )
            if m.link_keys or m.link_urls:
                print(f"      links {sorted(m.link_urls)} keys {sorted(m.link_keys)}")
        for cand in candidates(members):
            z = model.score(cand.features)
            feats = ", ".join(
                f"{n}={v:.2f}"
                for n, v in zip(FEATURE_NAMES, cand.features.vector(), strict=True)
                if v
            )
            print(f"  cand {cand.label:28s} z={z:+.2f}  {feats}")
        print(f"  scores {decision.scores}")
    return wrong, len(recorded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("polled", "archive"), default="archive")
    parser.add_argument("--seeds", type=int, nargs="+", default=[20240304])
    parser.add_argument("--stories", type=int, default=120)
    parser.add_argument("--all", action="store_true", help="print right stories too")
    parser.add_argument("--strip", action="store_true", help="take every clock away first")
    parser.add_argument("--quiet", action="store_true", help="the counts only")
    parser.add_argument("--families", choices=sorted(FAMILIES), default="dev")
    args = parser.parse_args()
    families = FAMILIES[args.families]
    claims: Claims = {}
    mode = args.mode + (", clocks stripped" if args.strip else "")
    for seed in args.seeds:
        wrong, n = _wrong(
            families,
            seed,
            args.stories,
            args.mode == "archive",
            args.all,
            args.strip,
            args.quiet,
            claims,
        )
        print(
            f"\n[{families.name} families, {mode}, seed {seed}] {wrong} wrong of {n} "
            "decided stories"
        )
    for group, pairs in sorted(claims.items()):
        sure = [ok for p, ok in pairs if p >= 0.9]
        rate = f"{sum(sure) / len(sure):.3f} of {len(sure)}" if sure else "none"
        print(
            f"[{families.name} families, {mode}, {group}] {len(pairs)} named origins, right "
            f"{sum(ok for _p, ok in pairs) / len(pairs):.3f}, mean confidence "
            f"{sum(p for p, _ok in pairs) / len(pairs):.3f}; ECE "
            f"{expected_calibration_error(pairs):.3f}; claims >= 0.9 right {rate}"
        )


if __name__ == "__main__":
    main()
