"""The simulator's dev story kinds (an uncredited absent wire, an outlet reusing its own text,
a round-up of several stories' leads) and how bench_syndication scores a story whose origin
is unknowable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import shared_path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def test_an_unknowable_story_is_right_only_unknown_or_unlikely() -> None:
    from bench_syndication import UNLIKELY, judge

    # "origin unknown": the answer, and a right claim
    assert judge("unknowable", None, None, False, "origin unknown", 0.8) == (True, True)
    # a member named at a confidence the story itself calls unlikely: right, but a wrong claim
    assert judge("unknowable", None, 7, False, "Daily Ledger", UNLIKELY - 0.01) == (True, False)
    # named as likely: wrong
    assert judge("unknowable", None, 7, False, "Daily Ledger", UNLIKELY) == (False, False)
    assert judge("unknowable", None, None, True, "Reuters", 0.2) == (True, False)
    # the other kinds are unchanged: the stored article, or Reuters external
    assert judge("stored", 7, 7, False, "Reuters", 0.4) == (True, True)
    assert judge("stored", 7, None, False, "origin unknown", 0.9) == (False, False)
    assert judge("external", None, None, True, "Reuters", 0.9) == (True, True)
    assert judge("external", None, None, False, "origin unknown", 0.9) == (False, False)


def test_held_out_families_have_no_story_kinds() -> None:
    from simulator import DEV, HELD_OUT

    assert HELD_OUT.kinds == ()
    assert set(DEV.kinds) == {"uncredited_wire", "self_reuse", "roundup"}


@pytest.fixture(scope="module")
def dev_plan():  # type: ignore[no-untyped-def]
    shared_path("reuters21578", "reut2-000.sgm")
    from simulator import DEV, plan_run

    return plan_run(DEV, 80, 6, 5)


def test_an_uncredited_wire_leaves_nothing_naming_it(dev_plan) -> None:  # type: ignore[no-untyped-def]
    from simulator import _CREDIT_LINES

    plan = dev_plan
    lines = [line.format("Reuters") for line in _CREDIT_LINES.values() if line]
    stories = [n for n, kind in plan.kind_of.items() if kind == "uncredited_wire"]
    assert len(stories) == 2 and set(stories) == plan.unknowable
    records = {r.key: r for _seen, r in plan.records}
    for n in stories:
        assert plan.origin_key[n] is None
        keys = [k for k, s in plan.story_of.items() if s == n]
        assert len(keys) >= 2 and len({records[k].source for k in keys}) == len(keys)
        for key in keys:
            # Reuters' own text may say someone "told Reuters": no credit of the copy
            assert "(Reuters)" not in records[key].text
            assert not any(line in records[key].text for line in lines)
            assert not records[key].links


def test_an_outlet_reusing_its_own_text_is_the_origin(dev_plan) -> None:  # type: ignore[no-untyped-def]
    plan = dev_plan
    stories = [n for n, kind in plan.kind_of.items() if kind == "self_reuse"]
    assert len(stories) == 10 and not set(stories) & plan.unknowable
    records = {r.key: r for _seen, r in plan.records}
    for n in stories:
        key = plan.origin_key[n]
        assert key is not None and plan.story_of[key] == n
        update = next(k for k, s in plan.story_of.items() if s == n and k.endswith("-update"))
        assert records[update].source == records[key].source
        truth = next(t for t in plan.truths if t.key == update)
        assert truth.kept + truth.edited > 0.5  # its own text again, mostly as it was


def test_a_round_up_takes_the_leads_of_earlier_stories(dev_plan) -> None:  # type: ignore[no-untyped-def]
    plan = dev_plan
    records = {r.key: r for _seen, r in plan.records}
    seen = {r.key: at for at, r in plan.records}
    assert plan.roundups and set(plan.kind_of[n] for s in plan.roundups.values() for n in s) == {
        "roundup"
    }
    for key, stories in plan.roundups.items():
        assert len(stories) >= 2 and plan.story_of[key] == stories[0]
        digest = records[key].text
        for n in stories:
            origin = plan.origin_key[n]
            assert origin is not None and plan.story_of[origin] == n
            lead = records[origin].paragraphs[0].text.split(" (Reuters) - ", 1)[-1]
            assert lead in digest  # the story's whole lead paragraph
            assert seen[key] > seen[origin]  # later than every story it merges
        assert key not in {t.key for t in plan.truths}  # its ledger is not scored
