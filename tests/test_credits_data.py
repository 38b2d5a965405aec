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

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CREDITS = DATA / "credits.jsonl"
FIELDS = {"text", "credit", "publisher", "corpus", "split", "doc"}
CORPORA = {"ecbplus", "reuters", "feeds", "seeds"}
# document ids as benchmarks/harvest_credits.py --add-documents writes them
DOC = {
    "seeds": re.compile(r"seeds:\d{3}_[0-9a-f]+\.txt"),
    "feeds": re.compile(r"feeds:.+#\d+"),
    "reuters": re.compile(r"reuters:reut2-\d{3}\.sgm#\d+"),
    "ecbplus": re.compile(r"ecbplus:\d+/\d+_\d+ecb(?:plus)?\.xml"),
}


def _norm(text: str) -> str:
    return " ".join(text.split())


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def problems(rows: list[dict[str, Any]]) -> list[str]:
    """Every way ``rows`` break the set's rules, as one line each (empty when none)."""
    found: list[str] = []
    seen: set[str] = set()
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
        elif not isinstance(row["doc"], str) or not DOC[row["corpus"]].fullmatch(row["doc"]):
            found.append(f"{where}: document {row['doc']!r}")
        if row["split"] != "dev":
            found.append(f"{where}: split {row['split']!r}")
        key = _norm(text)
        if key in seen:
            found.append(f"{where}: repeated sentence")
        seen.add(key)
    return found


def test_credit_rows_are_well_formed() -> None:
    assert problems(_load(CREDITS)) == []


def test_credit_set_is_big_enough_and_draws_on_every_corpus() -> None:
    """The first rounds, the first blind set and the second blind set, all development data."""
    rows = _load(CREDITS)
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
