"""The second blind credit set (tests/data/credits_blind2.jsonl) is well formed and really blind.

The file is hand-labelled data, so what can be checked without a labeller is its shape: every
row has the schema of the other credit sets, credits name a publisher and non-credits do not,
no sentence repeats (nor a one-word variant of it), and none is in (or a one-word variant of)
a set the finder was built from.
``problems`` is tried on broken rows too, so a check that stopped looking would fail here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
BLIND2 = DATA / "credits_blind2.jsonl"
# The first blind set (credits_blind.jsonl) was folded into credits.jsonl once it was scored.
EARLIER = (DATA / "credits.jsonl",)
FIELDS = {"text", "credit", "publisher", "corpus", "split"}
CORPORA = {"ecbplus", "reuters", "feeds", "seeds"}
MIN_ROWS = 500
MIN_CREDITS = 110
# Token-set overlap at which a sentence counts as a near-repeat of another ("said" -> "says",
# another figure or dateline): one changed word in a 20-word sentence leaves about 0.9, while the
# two most alike distinct sentences of this file (one wire template, other figures) share 0.6.
NEAR = 0.75


def _norm(text: str) -> str:
    return " ".join(text.split())


def _tokens(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _near(tokens: frozenset[str], others: Iterable[frozenset[str]]) -> bool:
    return any(len(tokens & o) / len(tokens | o) >= NEAR for o in others if tokens | o)


def problems(rows: list[dict[str, Any]], earlier: list[str]) -> list[str]:
    """Every way ``rows`` break the set's rules, as one line each (empty when none)."""
    found: list[str] = []
    seen: set[str] = set()
    seen_tokens: list[frozenset[str]] = []
    old = {_norm(t) for t in earlier}
    old_tokens = [_tokens(t) for t in old]
    for number, row in enumerate(rows, 1):
        where = f"row {number}"
        if set(row) != FIELDS:
            found.append(f"{where}: fields {sorted(row)}")
            continue
        text = row["text"]
        if not isinstance(text, str) or not text.strip():
            found.append(f"{where}: empty text")
            continue
        if row["credit"] is True:
            if not isinstance(row["publisher"], str) or not row["publisher"].strip():
                found.append(f"{where}: a credit without a publisher")
        elif row["credit"] is False:
            if row["publisher"] is not None:
                found.append(f"{where}: a non-credit with publisher {row['publisher']!r}")
        else:
            found.append(f"{where}: credit is {row['credit']!r}, not true or false")
        if row["corpus"] not in CORPORA:
            found.append(f"{where}: corpus {row['corpus']!r}")
        if row["split"] != "blind2":
            found.append(f"{where}: split {row['split']!r}")
        key = _norm(text)
        tokens = _tokens(key)
        if key in seen:
            found.append(f"{where}: repeated sentence")
        elif _near(tokens, seen_tokens):
            found.append(f"{where}: a near-repeat of an earlier row")
        seen.add(key)
        seen_tokens.append(tokens)
        if key in old:
            found.append(f"{where}: already in an earlier credit set")
        elif _near(tokens, old_tokens):
            found.append(f"{where}: a near-repeat of an earlier credit set's sentence")
    return found


def _earlier_texts() -> list[str]:
    return [row["text"] for path in EARLIER for row in _load(path)]


def test_blind2_rows_are_well_formed_and_new() -> None:
    assert problems(_load(BLIND2), _earlier_texts()) == []


def test_blind2_is_big_enough_and_draws_on_several_corpora() -> None:
    rows = _load(BLIND2)
    credits = [row for row in rows if row["credit"]]
    assert len(rows) >= MIN_ROWS
    assert len(credits) >= MIN_CREDITS
    assert len({row["publisher"] for row in credits}) >= 30
    assert {row["corpus"] for row in rows} == CORPORA


def test_problems_finds_each_kind_of_broken_row() -> None:
    good = {
        "text": "The vote was held on Sunday, the official Tanjug news agency said.",
        "credit": True,
        "publisher": "Tanjug",
        "corpus": "reuters",
        "split": "blind2",
    }
    earlier = ["Prices rose 3 pct in March, the China Daily said."]
    assert problems([good], earlier) == []
    broken = [
        {**good, "publisher": None},
        {**good, "credit": False},
        {**good, "credit": "yes"},
        {**good, "corpus": "web"},
        {**good, "split": "blind"},
        {key: value for key, value in good.items() if key != "split"},
    ]
    for row in broken:
        assert len(problems([row], earlier)) == 1, row
    assert len(problems([good, dict(good)], earlier)) == 1
    reworded = good["text"].replace("Sunday", "Monday")
    assert len(problems([good, {**good, "text": reworded}], earlier)) == 1
    assert len(problems([{**good, "text": earlier[0]}], earlier)) == 1
    variant = "Prices rose 3 pct in April, the China Daily said."
    assert len(problems([{**good, "text": variant}], earlier)) == 1
