"""The third blind credit set (tests/data/credits_blind3.jsonl) is well formed and really blind.

The file is hand-labelled data, so what can be checked without a labeller is its shape: every
row has the schema of credits.jsonl (with its ``doc`` field), credits name a publisher and
non-credits do not, no sentence repeats (nor a one-word variant of it), and none is in (or a
one-word variant of) a set the finder was built from or scored on.
``problems`` is tried on broken rows too, so a check that stopped looking would fail here.
"""

from __future__ import annotations

from typing import Any

from tests.credit_rows import CORPORA, DATA, blind_problems, load

BLIND3 = DATA / "credits_blind3.jsonl"
# The development set, which now holds blind sets 1 and 2: this set must not overlap it.
DEV_SET = DATA / "credits.jsonl"
MIN_ROWS = 500
MIN_CREDITS = 120


def problems(rows: list[dict[str, Any]], earlier: list[str]) -> list[str]:
    """Every way ``rows`` break the set's rules, as one line each (empty when none)."""
    return blind_problems(rows, earlier, "blind3")


def _earlier_texts() -> list[str]:
    return [row["text"] for row in load(DEV_SET)]


def test_blind3_rows_are_well_formed_and_new() -> None:
    earlier = _earlier_texts()
    assert len(earlier) >= 1000, "credits.jsonl has lost its rows"
    assert problems(load(BLIND3), earlier) == []


def test_blind3_is_big_enough_and_draws_on_several_corpora() -> None:
    rows = load(BLIND3)
    credits = [row for row in rows if row["credit"]]
    assert len(rows) >= MIN_ROWS
    assert len(credits) >= MIN_CREDITS
    assert len({row["publisher"] for row in credits}) >= 60
    assert {row["corpus"] for row in rows} == CORPORA
    assert len({row["doc"] for row in rows}) >= MIN_ROWS // 2


def test_problems_finds_each_kind_of_broken_row() -> None:
    good = {
        "text": "The vote was held on Sunday, the official Tanjug news agency said.",
        "credit": True,
        "publisher": "Tanjug",
        "corpus": "reuters",
        "split": "blind3",
        "doc": "reuters:reut2-004.sgm#17",
    }
    earlier = ["Prices rose 3 pct in March, the China Daily said."]
    assert problems([good], earlier) == []
    broken = [
        {**good, "publisher": None},
        {**good, "publisher": " "},
        {**good, "credit": False},
        {**good, "credit": "yes"},
        {**good, "corpus": "web"},
        {**good, "split": "blind2"},
        {**good, "doc": "ecbplus:1/1_1ecb.xml"},
        {**good, "doc": None},
        {key: value for key, value in good.items() if key != "doc"},
    ]
    for row in broken:
        assert len(problems([row], earlier)) == 1, row
    assert len(problems([{**good, "text": "  "}], earlier)) == 1
    assert len(problems([good, dict(good)], earlier)) == 1
    reworded = good["text"].replace("Sunday", "Monday")
    assert len(problems([good, {**good, "text": reworded}], earlier)) == 1
    assert len(problems([{**good, "text": earlier[0]}], earlier)) == 1
    spaced = "Prices rose 3 pct  in March,\nthe China Daily said."
    assert len(problems([{**good, "text": spaced}], earlier)) == 1
    variant = "Prices rose 3 pct in April, the China Daily said."
    assert len(problems([{**good, "text": variant}], earlier)) == 1
    other = "Grain output will reach 450 mln tonnes by 1990, the Farmers Daily said."
    assert problems([good, {**good, "text": other, "publisher": "Farmers Daily"}], earlier) == []
