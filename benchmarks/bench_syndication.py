"""Simulated syndication over Reuters stories: are origins, ledgers, stories and confidences right?

Run from the repository root (reads ../shared/data/reuters21578, never copies it):

    .venv/bin/python benchmarks/bench_syndication.py                  # both family sets
    .venv/bin/python benchmarks/bench_syndication.py --families held-out --stories 150
    .venv/bin/python benchmarks/bench_syndication.py --families held-out-inside --mode both

The simulation is :mod:`simulator` (beside this file): families of copier habits, credit
wordings, edits, clocks and distractors, split into a development set (what the code was
written and fitted against) and a held-out set (what the figures are reported on); the Reuters
stories are split apart the same way. Every line printed names the family set it comes from.

The whole pipeline runs (extract, index, passages, stories), then it is scored against the
truth the simulation knows:

- origin right: the story's origin article, or "Reuters" (external) when it was left out;
  for a story whose origin is *unknowable* (the dev kind ``uncredited_wire``: a wire story
  left out of the store that no copy credits, links to or keeps the dateline of), "origin
  unknown" is right, and so is naming a member or publisher at a confidence below
  :data:`UNLIKELY` (0.5: the story itself calls it less likely than not); by kind of story
  too when the family set has story kinds (``simulator.Families.kinds``); a dev round-up
  (``roundup``: a later digest of several stories' leads) is a member of the first story it
  merges in the truth, so a predicted story that glues the merged stories together can be
  right for one of them only;
- claims at confidence >= 0.9: how many, and the share right; expected calibration error (ten
  equal-width bins of confidence, weighted by stories). Here a claim is what the story says:
  a named origin at its confidence, right only if it is the true one (for an unknowable story
  never), or "origin unknown" at one minus the best candidate's probability, right only for an
  unknowable story;
- mean absolute error of kept, edited, rewritten, dropped (shares of the origin's words) and
  added (share of the copy's own words), over every copy of a story whose origin is knowable
  (the others have no origin to measure a ledger against);
- adjusted Rand index of the stories over all stored articles (distractors and unrelated
  articles as singletons; an article in several stories, as a round-up is, counted in the
  one holding most of its true story), and the distractors put in a story with another
  article.

Two modes: ``polled`` (each article first seen when a poll would find it: our own clock is one
more piece of evidence) and ``archive`` (everything imported at once).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ledger_parts import decompose, plan_with_origins, print_parts
from simulator import DEV, DEV_INSIDE, HELD_OUT, HELD_OUT_INSIDE, Families, Plan

from dedup.progress import NullProgress
from dedup.store.articles import save_articles
from dedup.store.models import Article

if TYPE_CHECKING:
    from collections.abc import Callable

    from dedup.stories.origin import OriginDecision
    from dedup.stories.story import StoryResult

# A claim below this names its candidate as less likely than not: for a story whose origin is
# unknowable, saying "origin unknown" or naming a member below it is right.
UNLIKELY = 0.5
TARGETS = {"origin": 0.97, "mae": 0.03, "ari": 0.98, "precision_at_09": 0.95, "ece": 0.05}
COMPONENTS = ("kept", "edited", "rewritten", "dropped", "added")


def run_pipeline(
    plan: Plan,
    archive: bool,
    stories: dict[int, StoryResult] | None = None,
    decide: Callable[..., OriginDecision] | None = None,
) -> tuple[dict[str, int], dict[str, Any], float]:
    """Store, index and group the plan's articles: (article ids by key, the report, seconds).

    ``stories``, when given, is filled with the last story computed for each member: the
    texts, template flags and origin text its ledgers were made from. ``decide``, when given,
    decides every story's origin as ``decide(real, members, **kwargs)``, ``real`` being the
    shipped decision: the fit and diagnose scripts record what the story stage hands it.
    """
    from dedup.stories import story, update

    compute, real = update.compute_story, story.decide_origin
    started, shared = update.pool_started, update.SHARED_STORIES
    if stories is not None or decide is not None:
        # Both hooks are patched into this process only: stories a worker computes would
        # pass them by (a run of 200 or more stories at once goes to the workers), so every
        # story is computed here.
        update.pool_started = lambda: False  # type: ignore[assignment]
        update.SHARED_STORIES = sys.maxsize
    if stories is not None:

        def recording(members: list[int], data: Any) -> StoryResult:
            result = compute(members, data)
            stories.update(dict.fromkeys(members, result))
            return result

        update.compute_story = recording  # type: ignore[assignment]
    if decide is not None:
        chosen = decide

        def deciding(members: Any, **kwargs: Any) -> OriginDecision:
            return chosen(real, members, **kwargs)

        story.decide_origin = deciding
    try:
        return _run(plan, archive)
    finally:
        update.compute_story = compute  # type: ignore[assignment]
        story.decide_origin = real
        update.pool_started, update.SHARED_STORIES = started, shared  # type: ignore[assignment]


def _run(plan: Plan, archive: bool) -> tuple[dict[str, int], dict[str, Any], float]:
    from sqlalchemy import select

    from dedup.index import analysis
    from dedup.report.queries import list_stories
    from dedup.store.engine import open_store
    from dedup.stories.update import update_stories

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite")
        started = time.perf_counter()
        records = sorted(plan.records, key=lambda r: r[0])
        if archive:
            with store.session() as session:
                save_articles(session, [r for _, r in records])
        else:
            for seen, record in records:
                with store.session() as session:
                    save_articles(session, [record], now=seen)
        analysis.index_new_paragraphs(store, NullProgress())
        with store.session() as session:
            update_stories(session)
        seconds = time.perf_counter() - started
        with store.session() as session:
            ids = dict(session.execute(select(Article.key, Article.id)).all())
            report = list_stories(session).to_dict()
        store.close()
    return ids, report, seconds


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE over (confidence, right) pairs: |accuracy - mean confidence| per bin, weighted."""
    if not pairs:
        return 0.0
    binned: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for conf, ok in pairs:
        binned[min(bins - 1, int(conf * bins))].append((conf, ok))
    return sum(
        len(b) / len(pairs) * abs(sum(ok for _, ok in b) / len(b) - sum(c for c, _ in b) / len(b))
        for b in binned.values()
    )


def judge(
    kind: str, truth: int | None, article_id: int | None, external: bool, name: str, conf: float
) -> tuple[bool, bool]:
    """(counted right, the claim right) for a story of ``kind`` ("stored", "external" or
    "unknowable") whose true origin is article ``truth`` (None: not stored), given the origin
    the story names: its article, whether external, its name and its confidence.

    For an unknowable story "origin unknown" is the answer: naming anyone is a wrong claim
    (the calibration counts it so), but counts as right at a confidence below
    :data:`UNLIKELY`, where the story itself says it is less likely than not."""
    known = article_id is not None or external
    if kind == "unknowable":
        return (not known) or conf < UNLIKELY, not known
    if kind == "external":
        ok = external and name == "Reuters"
        return ok, ok
    ok = truth is not None and article_id == truth
    return ok, ok


def score(plan: Plan, archive: bool, origins: list[list[str]] | None = None) -> dict[str, Any]:
    """The figures of one run; with ``origins`` (each copy's true origin text, from
    :func:`ledger_parts.plan_with_origins`) the ledger error is split into its parts too."""
    from sklearn.metrics import adjusted_rand_score

    results: dict[int, StoryResult] | None = {} if origins is not None else None
    ids, report, seconds = run_pipeline(plan, archive, results)
    key_of = {v: k for k, v in ids.items()}
    predicted: dict[str, set[int]] = defaultdict(set)
    figures: dict[str, dict[str, Any]] = {}
    origin_of: dict[int, tuple[int | None, bool, str, float]] = {}
    size: dict[int, int] = {}
    for story in report["stories"]:
        o = story["origin"]
        origin_of[story["id"]] = (o["article_id"], o["external"], o["name"], o["confidence"])
        size[story["id"]] = len(story["articles"])
        for a in story["articles"]:
            key = key_of[a["article_id"]]
            predicted[key].add(story["id"])
            figures[key] = a

    members: dict[int, list[str]] = defaultdict(list)
    for key, story in plan.story_of.items():
        members[story].append(key)
    right = {"stored": 0, "external": 0, "unknowable": 0}
    count = {"stored": 0, "external": 0, "unknowable": 0}
    calibration: list[tuple[float, bool]] = []
    by_kind: dict[str, list[tuple[float, bool, bool]]] = defaultdict(list)
    for story, keys in members.items():
        votes: dict[int, int] = defaultdict(int)
        for key in keys:
            for sid in predicted.get(key, ()):
                votes[sid] += 1
        truth = plan.origin_key[story]
        kind = (
            "unknowable"
            if story in plan.unknowable
            else "stored"
            if truth is not None
            else "external"
        )
        count[kind] += 1
        ok, claim_ok, conf = False, False, 0.0
        if votes:
            best = max(sorted(votes), key=lambda s: votes[s])
            article_id, external, name, conf = origin_of[best]
            ok, claim_ok = judge(
                kind, None if truth is None else ids[truth], article_id, external, name, conf
            )
        right[kind] += ok
        calibration.append((conf, claim_ok))
        by_kind[plan.kind_of.get(story, f"plain, {kind}")].append((conf, ok, claim_ok))

    # a story whose origin no one can know has no origin to measure a copy's ledger against
    measured = [t for t in plan.truths if t.story not in plan.unknowable]
    errors: dict[str, list[float]] = {name: [] for name in COMPONENTS}
    stored_errors: dict[str, list[float]] = {name: [] for name in COMPONENTS}
    for truth in measured:
        got = figures.get(truth.key)
        for name in COMPONENTS:
            if got is None:
                value = 1.0 if name in ("dropped", "added") else 0.0
            else:
                value = float(got.get(name) or 0.0)
            errors[name].append(abs(value - getattr(truth, name)))
            if plan.origin_key[truth.story] is not None:
                stored_errors[name].append(abs(value - getattr(truth, name)))

    all_keys = sorted(ids)
    truth_labels = [plan.story_of.get(k, -1 - i) for i, k in enumerate(all_keys)]
    # An article in several stories (a round-up is a copy in each story it merges) is scored
    # in the one that holds most of its true story (the truth records it in one story only).
    held: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, sids in predicted.items():
        if key in plan.story_of:
            for sid in sids:
                held[sid][plan.story_of[key]] += 1

    def label(key: str) -> int:
        sids = sorted(predicted[key])
        story = plan.story_of.get(key)
        return max(
            sids, key=lambda sid: (held[sid].get(story, 0) if story is not None else 0, -sid)
        )

    pred_labels = [label(k) if predicted.get(k) else -1 - i for i, k in enumerate(all_keys)]
    confident = [ok for conf, ok in calibration if conf >= 0.9]
    n = len(members)
    parts = None
    if origins is not None and results is not None:
        pairs = [
            (t, o)
            for t, o in zip(plan.truths, origins, strict=True)
            if t.story not in plan.unknowable
        ]
        parts = decompose(
            replace(plan, truths=[t for t, _ in pairs]),
            [o for _, o in pairs],
            ids,
            figures,
            results,
        )
    return {
        "parts": parts,
        "families": plan.families.name,
        "mode": "archive" if archive else "polled",
        "articles": len(all_keys),
        "stories": n,
        "seconds": seconds,
        "origin": sum(right.values()) / n,
        "origin_stored": right["stored"] / max(1, count["stored"]),
        "origin_external": right["external"] / max(1, count["external"]),
        "origin_unknowable": right["unknowable"] / max(1, count["unknowable"]),
        "stored_n": count["stored"],
        "external_n": count["external"],
        "unknowable_n": count["unknowable"],
        "by_kind": {
            kind: {
                "n": len(got),
                "right": sum(ok for _c, ok, _k in got) / len(got),
                "confident_n": sum(c >= 0.9 for c, _ok, _k in got),
                "confident_right": sum(k for c, _ok, k in got if c >= 0.9),
                "mean_confidence": sum(c for c, _ok, _k in got) / len(got),
            }
            for kind, got in sorted(by_kind.items())
        },
        **{f"mae_{k}": sum(v) / len(v) if v else 0.0 for k, v in errors.items()},
        **{f"mae_stored_{k}": sum(v) / len(v) if v else 0.0 for k, v in stored_errors.items()},
        "ari": adjusted_rand_score(truth_labels, pred_labels),
        "confident_n": len(confident),
        "precision_at_09": sum(confident) / len(confident) if confident else 1.0,
        "ece": expected_calibration_error(calibration),
        "distractors_in_stories": sum(
            1 for k in plan.distractors if any(size[s] > 1 for s in predicted.get(k, ()))
        ),
        "distractors": len(plan.distractors),
    }


def print_result(r: dict[str, Any]) -> bool:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    ok_origin = r["origin"] >= TARGETS["origin"]
    ok_mae = max(r[f"mae_{k}"] for k in COMPONENTS) <= TARGETS["mae"]
    ok_ari = r["ari"] >= TARGETS["ari"]
    ok_p = r["precision_at_09"] >= TARGETS["precision_at_09"]
    ok_ece = r["ece"] <= TARGETS["ece"]
    tag = f"[{r['families']} families, {r['mode']}]"
    print(
        f"\n{tag} {r['articles']} articles, {r['stories']} stories "
        f"({r['stored_n']} with the origin stored, {r['external_n']} left out"
        + (f", {r['unknowable_n']} unknowable" if r["unknowable_n"] else "")
        + "), "
        f"pipeline {r['seconds']:.1f} s"
    )
    print(
        f"  origin right        {r['origin']:.3f}  (target >= {TARGETS['origin']})  "
        f"{mark(ok_origin)}   stored {r['origin_stored']:.3f}, external {r['origin_external']:.3f}"
        + (f", unknowable {r['origin_unknowable']:.3f}" if r["unknowable_n"] else "")
    )
    if any(not kind.startswith("plain") for kind in r["by_kind"]):
        for kind, k in r["by_kind"].items():
            sure = k["confident_n"]
            rate = f"{k['confident_right'] / sure:.3f} of {sure}" if sure else "none"
            print(
                f"    by kind: {kind:18s} {k['n']:4d} stories, right {k['right']:.3f}, "
                f"mean confidence {k['mean_confidence']:.3f}, claims >= 0.9 right {rate}"
            )
    print(
        f"  conf >= 0.9 right   {r['precision_at_09']:.3f} of {r['confident_n']} claims  "
        f"(target >= {TARGETS['precision_at_09']})  {mark(ok_p)}"
    )
    print(f"  calibration ECE     {r['ece']:.3f}  (target <= {TARGETS['ece']})  {mark(ok_ece)}")
    print(
        "  ledger MAE          "
        + ", ".join(f"{k} {r[f'mae_{k}']:.3f}" for k in COMPONENTS)
        + f"  (target <= {TARGETS['mae']} each)  {mark(ok_mae)}"
    )
    print(
        "  MAE, origin stored  "
        + ", ".join(f"{k} {r[f'mae_stored_{k}']:.3f}" for k in COMPONENTS)
        + "  (an external origin's text is rebuilt from what copies share: a lower bound)"
    )
    if r.get("parts") is not None:
        print_parts(r["parts"], tag)
    print(f"  story ARI           {r['ari']:.3f}  (target >= {TARGETS['ari']})  {mark(ok_ari)}")
    print(
        f"  distractors         {r['distractors_in_stories']} of {r['distractors']} put in a "
        "story with another article"
    )
    return ok_origin and ok_mae and ok_ari and ok_p and ok_ece


def describe(families: Families) -> str:
    return (
        f"{families.name}: habits {', '.join(families.habits)}; credits "
        f"{', '.join(families.credits)}; edits {', '.join(families.edits)}; clocks "
        f"{', '.join(families.clocks)}; distractors {', '.join(families.distractors)}; "
        + (f"story kinds {', '.join(families.kinds)}; " if families.kinds else "")
        + f"Reuters {families.text_split} split"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=120)
    parser.add_argument("--unrelated", type=int, default=80)
    parser.add_argument("--seed", type=int, default=20240304)
    parser.add_argument(
        "--families",
        choices=("both", "dev", "held-out", "dev-inside", "held-out-inside"),
        default="both",
    )
    parser.add_argument("--mode", choices=("both", "polled", "archive"), default="polled")
    args = parser.parse_args()
    sets = {
        "dev": (DEV,),
        "held-out": (HELD_OUT,),
        "dev-inside": (DEV_INSIDE,),
        "held-out-inside": (HELD_OUT_INSIDE,),
        "both": (DEV, HELD_OUT),
    }[args.families]
    modes = ("polled", "archive") if args.mode == "both" else (args.mode,)
    ok = True
    for families in sets:
        plan, origins = plan_with_origins(families, args.stories, args.unrelated, args.seed)
        print(f"\nbench_syndication: {describe(families)}")
        print(
            f"  {len(plan.records)} articles, {len(plan.origin_key)} stories, "
            f"{len(plan.truths)} copies, "
            f"seed {args.seed}"
        )
        for mode in modes:
            ok = print_result(score(plan, mode == "archive", origins)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
