"""The labelled credit set (tests/data/credits.jsonl) is well formed.

The file is hand-labelled data, so what can be checked without a labeller is its shape: every
row has the set's schema, credits name a publisher and non-credits do not, every row names the
source document its sentence was found in (grouped cross-validation keeps one document in one
fold), and no sentence repeats. The second blind set was folded in once scored; its rows were
checked then to be no near-repeats of the earlier rows, and ``problems`` keeps the whole file
free of exact repeats. ``problems`` is tried on broken rows too, so a check that stopped looking
would fail here.
"""

from __future__ import annotations

from typing import Any

from tests.credit_rows import CORPORA, DATA, load, norm, row_problems, usable_text

CREDITS = DATA / "credits.jsonl"


def problems(rows: list[dict[str, Any]]) -> list[str]:
    """Every way ``rows`` break the set's rules, as one line each (empty when none)."""
    found: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, 1):
        where = f"row {number}"
        found.extend(row_problems(row, where, "dev"))
        text = usable_text(row)
        if text is None:
            continue
        key = norm(text)
        if key in seen:
            found.append(f"{where}: repeated sentence")
        seen.add(key)
    return found


def test_credit_rows_are_well_formed() -> None:
    assert problems(load(CREDITS)) == []


def test_credit_set_is_big_enough_and_draws_on_every_corpus() -> None:
    """The first rounds, the first blind set and the second blind set, all development data."""
    rows = load(CREDITS)
    credits = [row for row in rows if row["credit"]]
    assert len(rows) >= 2500
    assert len(credits) >= 430
    assert len({row["publisher"] for row in credits}) >= 120
    assert {row["corpus"] for row in rows} == CORPORA
    assert len({row["doc"] for row in rows}) >= 1200


def test_no_blind_set_is_left_beside_the_development_set() -> None:
    """Blind sets 1 and 2 were scored and folded in; a blind file left in tests/data would be
    scored by the quality gate as if it were still blind."""
    assert not (DATA / "credits_blind.jsonl").exists()
    assert not (DATA / "credits_blind2.jsonl").exists()


def test_problems_finds_each_kind_of_broken_row() -> None:
    good = {
        "text": "The vote was held on Sunday, the official Tanjug news agency said.",
        "credit": True,
        "publisher": "Tanjug",
        "corpus": "reuters",
        "split": "dev",
        "doc": "reuters:reut2-004.sgm#17",
    }
    assert problems([good]) == []
    broken = [
        {**good, "publisher": None},
        {**good, "credit": False},
        {**good, "credit": "yes"},
        {**good, "corpus": "web"},
        {**good, "split": "blind2"},
        {**good, "doc": None},
        {**good, "doc": "ecbplus:1/1_1ecb.xml"},
        {**good, "text": " "},
        {key: value for key, value in good.items() if key != "doc"},
    ]
    for row in broken:
        assert len(problems([row])) == 1, row
    assert len(problems([good, {**good, "text": good["text"] + "  "}])) == 1
