"""Where the simulator's ledger error comes from: missed copies, a wrong origin, the text that
stood in for the origin, and the aligner itself.

Scoring only (``bench_syndication.py`` prints it). Every copy's error against the truth is
split into parts that add up to the all-copies mean absolute error:

- **missed**: the copy is in no reported story (scored as nothing kept, all dropped/added);
- **origin wrong**: its story names another origin, or the copy itself;
- **origin text**: the story's origin is right, but its ledger was made against the text that
  stood in for it: for an external origin the text rebuilt from what the copies share, for a
  stored one the stored article (``|reported - truth| - |aligned to the true origin - truth|``,
  which is negative where the stand-in happens to help). An external origin's part is split
  in two: **unknowable**, what aligning against the true origin's sentences that two or more
  members hold (all any rebuild could know) already loses, and **rebuild**, the rest;
- **aligner**: what remains when the copy, exactly as the pipeline saw it (paragraphs,
  boilerplate flags, credit line), is aligned against the true origin's text.

For copies of an external origin it also says how often the upper bound holds (true kept at
most ``kept_upper``, true dropped at least ``dropped_upper``) and the bound's own error.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator import Families, Plan

    from dedup.stories.ledger import MemberText
    from dedup.stories.story import StoryResult

COMPONENTS = ("kept", "edited", "rewritten", "dropped", "added")
PARTS = (
    "missed",
    "origin wrong",
    "external unknowable",
    "external rebuild",
    "stored text",
    "aligner",
)


def plan_with_origins(
    families: Families, stories: int, unrelated: int, seed: int
) -> tuple[Plan, list[list[str]]]:
    """The simulator's plan, and the true origin text behind each of its copies (in
    ``plan.truths`` order), which the plan itself does not keep for left-out origins."""
    import simulator

    origins: list[list[str]] = []
    real = simulator.copy_story

    def recording(origin: list[str], *args: Any) -> Any:
        origins.append(list(origin))
        return real(origin, *args)

    # copy_story is called once per copy, just before its truth is recorded, and draws
    # nothing itself from the random source: the plan is the one plan_run makes unobserved.
    simulator.copy_story = recording  # type: ignore[assignment]
    try:
        plan = simulator.plan_run(families, stories, unrelated, seed)
    finally:
        simulator.copy_story = real
    if len(origins) != len(plan.truths):
        raise RuntimeError("simulator: copies and truths no longer pair one to one")
    return plan, origins


@dataclass
class Parts:
    """Sums of absolute error by part and component, over ``n`` copies."""

    n: int = 0
    count: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    error: dict[str, dict[str, float]] = field(
        default_factory=lambda: {p: dict.fromkeys(COMPONENTS, 0.0) for p in PARTS}
    )
    aligner_all: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Copies of an external origin named right: how often the truth lies between the ledger
    # against the rebuilt text and its upper bound (every word of the copy's own origin text).
    bounded: int = 0
    kept_within: int = 0
    dropped_within: int = 0
    upper_error: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("kept", "dropped"), 0.0)
    )

    def mae(self, part: str, name: str) -> float:
        return self.error[part][name] / self.n if self.n else 0.0


def decompose(
    plan: Plan,
    origins: list[list[str]],
    ids: dict[str, int],
    figures: dict[str, dict[str, Any]],
    stories: dict[int, StoryResult],
) -> Parts:
    from dedup.stories.ledger import OriginText, build_ledgers

    parts = Parts(n=len(plan.truths))
    for truth, origin_text in zip(plan.truths, origins, strict=True):
        want = {name: float(getattr(truth, name)) for name in COMPONENTS}
        got = figures.get(truth.key)
        if got is None:
            value = {n: 1.0 if n in ("dropped", "added") else 0.0 for n in COMPONENTS}
            _add(parts, "missed", value, want)
            continue
        reported = {n: float(got.get(n) or 0.0) for n in COMPONENTS}
        aid = ids[truth.key]
        result = stories.get(aid)
        origin_key = plan.origin_key[truth.story]
        decision = result.decision if result else None
        if (
            result is None
            or decision is None
            or got.get("role") == "origin"
            or (origin_key is None and (decision.article_id is not None or not decision.external))
            or (origin_key is not None and decision.article_id != ids[origin_key])
        ):
            _add(parts, "origin wrong", reported, want)
            continue
        if origin_key is None and got.get("kept_upper") is not None:
            _bound(parts, reported, got, want)
        member = result.texts[aid]
        seen = next(led for led in result.ledgers if led.article_id == aid)
        credit, lines = seen.credit, {aid: seen.credit_lines}
        true_origin = OriginText(None, None, tuple(None for _ in origin_text), tuple(origin_text))
        (aligned,) = build_ledgers(
            true_origin, [member], {aid: credit} if credit else {}, credit_lines=lines
        )
        oracle = {n: float(getattr(aligned, n)) for n in COMPONENTS}
        parts.count["aligner"] += 1
        if origin_key is None:
            # what two members hold of the true origin is all any rebuild could know
            known = _held_by_two(origin_text, list(result.texts.values()))
            held = OriginText(None, None, tuple(None for _ in known), tuple(known))
            (bound,) = build_ledgers(
                held, [member], {aid: credit} if credit else {}, credit_lines=lines
            )
            evidence = {n: float(getattr(bound, n)) for n in COMPONENTS}
            parts.count["external unknowable"] += 1
            parts.count["external rebuild"] += 1
        for name in COMPONENTS:
            base = abs(oracle[name] - want[name])
            parts.error["aligner"][name] += base
            parts.aligner_all[name].append(base)
            off = abs(reported[name] - want[name]) - base
            if origin_key is None:
                unknowable = abs(evidence[name] - want[name]) - base
                parts.error["external unknowable"][name] += unknowable
                parts.error["external rebuild"][name] += off - unknowable
            else:
                parts.error["stored text"][name] += off
                parts.count["stored text"] += name == COMPONENTS[0]
    return parts


def _held_by_two(origin: list[str], members: list[MemberText]) -> list[str]:
    """The true origin's sentences that two or more members hold (half their words in runs
    of three or more words, as alignment counts a sentence present), paragraph by paragraph."""
    from dedup.stories.runs import PRESENT, AlignCache
    from dedup.text.sentences import sentences

    cache = AlignCache()
    out = []
    for text in origin:
        para = cache.parse(text)
        holders = [0] * len(para.sentences)
        for member in members:
            best = [0] * len(para.sentences)
            for body, flag in zip(member.paragraphs, member.template, strict=True):
                if flag:
                    continue
                covers, _, _ = cache.pair(para, cache.parse(body))
                best = [max(b, c[0]) for b, c in zip(best, covers, strict=True)]
            for s, got in enumerate(best):
                holders[s] += got >= PRESENT * len(para.sentences[s])
        raw = sentences(text)
        kept = [r for r, n in zip(para.raw, holders, strict=True) if n >= 2]
        if kept:
            out.append(" ".join(kept) if len(kept) < len(raw) else text)
    return out


def _bound(
    parts: Parts, reported: dict[str, float], got: dict[str, Any], want: dict[str, float]
) -> None:
    slack = 1e-3  # the report rounds shares
    upper = {"kept": float(got["kept_upper"]), "dropped": float(got["dropped_upper"])}
    parts.bounded += 1
    # One-sided: the true origin holds the rebuilt text, the copy's own text at most of what
    # the rebuild left out, and text no copy kept; so the copy kept at most kept_upper and
    # dropped at least dropped_upper (as far as the alignment itself is right).
    parts.kept_within += want["kept"] <= upper["kept"] + slack
    parts.dropped_within += want["dropped"] >= upper["dropped"] - slack
    for name in ("kept", "dropped"):
        parts.upper_error[name] += abs(upper[name] - want[name])


def _add(parts: Parts, part: str, value: dict[str, float], want: dict[str, float]) -> None:
    parts.count[part] += 1
    for name in COMPONENTS:
        parts.error[part][name] += abs(value[name] - want[name])


def print_parts(parts: Parts, tag: str) -> None:
    print(f"  MAE by part {tag} (the parts add up to the all-copies MAE above):")
    for part in PARTS:
        print(
            f"    {part:<20}({parts.count[part]:>3} copies) "
            + ", ".join(f"{n} {parts.mae(part, n):+.3f}" for n in COMPONENTS)
        )
    if parts.bounded:
        n = parts.bounded
        print(
            f"  upper bound of {n} copies of external origins {tag} (a copy's own text all "
            f"origin text): true kept <= kept_upper for {parts.kept_within / n:.3f}, true dropped "
            f">= dropped_upper for {parts.dropped_within / n:.3f}; its MAE kept "
            f"{parts.upper_error['kept'] / n:.3f}, dropped {parts.upper_error['dropped'] / n:.3f}"
        )
