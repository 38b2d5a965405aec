"""The fifth blind credit set (tests/data/credits_blind5.jsonl) is well formed and really blind.

The file is hand-labelled data, so what can be checked without a labeller is its shape: every
row has the schema of credits.jsonl (with its ``doc`` field), credits name a publisher and
non-credits do not, no sentence repeats (nor a one-word variant of it), none is in (or a
one-word variant of) a set the finder was built from or scored on (credits.jsonl and
credits_blind4.jsonl), no row comes from a document those sets drew
on, and no document gives more than two rows (the harvest's rule).
``problems`` is tried on broken rows too, so a check that stopped looking would fail here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.credit_rows import CORPORA, DATA, blind_problems, load, sample_row

BLIND5 = DATA / "credits_blind5.jsonl"
# The sets the finder was fitted on or scored on: the development set and the fourth blind
# set (folded into the development set once scored, when its file goes).
EARLIER = (DATA / "credits.jsonl", DATA / "credits_blind4.jsonl")
MIN_ROWS = 1500
# The set as drawn holds only 13 credits (CREDITS_BLIND5.md says why): the floor is what it
# holds, so a lost credit row fails here; the brief's 130 was not reached.
MIN_CREDITS = 13
PER_DOCUMENT = 2


def problems(rows: list[dict[str, Any]], earlier: list[dict[str, Any]]) -> list[str]:
    """Every way ``rows`` break the set's rules, as one line each (empty when none)."""
    found = blind_problems(rows, [row["text"] for row in earlier], "blind5")
    used = {row["doc"] for row in earlier}
    counts: Counter[str] = Counter()
    for number, row in enumerate(rows, 1):
        doc = row.get("doc")
        if not isinstance(doc, str):
            continue  # blind_problems has said so
        counts[doc] += 1
        if doc in used:
            found.append(f"row {number}: document {doc} gave a row to an earlier set")
        if counts[doc] == PER_DOCUMENT + 1:
            found.append(f"row {number}: more than {PER_DOCUMENT} rows from {doc}")
    return found


def _earlier_rows() -> list[dict[str, Any]]:
    return [row for path in EARLIER if path.exists() for row in load(path)]


def test_blind5_rows_are_well_formed_and_new() -> None:
    earlier = _earlier_rows()
    assert len(earlier) >= 3000, "the earlier credit sets have lost their rows"
    assert problems(load(BLIND5), earlier) == []


def test_blind5_is_big_enough_and_draws_on_several_corpora() -> None:
    rows = load(BLIND5)
    credits = [row for row in rows if row["credit"]]
    assert len(rows) >= MIN_ROWS
    assert len(credits) >= MIN_CREDITS
    assert len({row["publisher"] for row in credits}) >= 8
    # Every seed file had given rows to the earlier sets, so this one has none.
    assert {"reuters", "ecbplus", "feeds"} <= {row["corpus"] for row in rows} <= CORPORA
    assert len({row["doc"] for row in rows}) >= MIN_ROWS // 2


def test_problems_finds_each_kind_of_broken_row() -> None:
    good = sample_row("blind5")
    earlier = [
        {
            "text": "Prices rose 3 pct in March, the China Daily said.",
            "credit": True,
            "publisher": "China Daily",
            "corpus": "reuters",
            "split": "dev",
            "doc": "reuters:reut2-001.sgm#5",
        }
    ]
    assert problems([good], earlier) == []
    broken = [
        {**good, "publisher": None},
        {**good, "publisher": " "},
        {**good, "credit": False},
        {**good, "credit": "yes"},
        {**good, "corpus": "web"},
        {**good, "split": "blind4"},
        {**good, "doc": "ecbplus:1/1_1ecb.xml"},
        {**good, "doc": None},
        {key: value for key, value in good.items() if key != "doc"},
        {**good, "doc": "reuters:reut2-001.sgm#5"},
    ]
    for row in broken:
        assert len(problems([row], earlier)) == 1, row
    assert len(problems([{**good, "text": "  "}], earlier)) == 1
    assert len(problems([good, dict(good)], earlier)) == 1
    reworded = good["text"].replace("Sunday", "Monday")
    assert len(problems([good, {**good, "text": reworded}], earlier)) == 1
    assert len(problems([{**good, "text": earlier[0]["text"]}], earlier)) == 1
    spaced = "Prices rose 3 pct  in March,\nthe China Daily said."
    assert len(problems([{**good, "text": spaced}], earlier)) == 1
    variant = "Prices rose 3 pct in April, the China Daily said."
    assert len(problems([{**good, "text": variant}], earlier)) == 1
    other = "Grain output will reach 450 mln tonnes by 1990, the Farmers Daily said."
    third = "Steel output fell 2 pct in the first quarter, the Economic Daily reported."
    assert problems([good, {**good, "text": other, "publisher": "Farmers Daily"}], earlier) == []
    three = [good, {**good, "text": other}, {**good, "text": third}]
    assert len(problems(three, earlier)) == 1
