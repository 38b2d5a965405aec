"""The seventh blind credit set (tests/data/credits_blind7.jsonl) is well formed and rebuilds.

The set labels every sentence of 1,302 whole documents no earlier credit row drew on (the
unused ECB+ articles and a seeded sample of unused Reuters stories, CREDITS_BLIND7.md), and
holds no text: each line is a locator in the credits.jsonl schema (``doc``, ``span``, ``sha1``)
that ``tests/credit_rows.load`` rebuilds from ../shared/data. What can be checked without a
labeller is its shape: every locator has its fields and no text, no locator or sentence
repeats, credits name a publisher and non-credits do not, no document is one credits.jsonl
drew on; rebuilt, every row has the schema of credits.jsonl and no sentence is in (or a
one-word variant of) a set the finder was built from or scored on. Near-repeats inside the
set are not a fault: whole documents were labelled, and Reuters repeats its table lines.
``locator_problems`` and ``problems`` are tried on broken rows too, so a check that stopped
looking would fail here.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tests.conftest import shared_path
from tests.credit_rows import (
    DATA,
    DOC,
    SHA_CHARS,
    Drift,
    Near,
    load,
    load_or_skip,
    load_stored,
    norm,
    rebuild,
    row_problems,
    tokens,
    usable_rows,
)

BLIND7 = DATA / "credits_blind7.jsonl"
SPLIT = "blind7"
CORPORA = {"ecbplus", "reuters"}
# The sets the finder was fitted or scored on (blind sets 1-5 are folded into credits.jsonl).
EARLIER = DATA / "credits.jsonl"
# What the file holds (CREDITS_BLIND7.md); a lost row, document or label fails here.
MIN_ROWS = 7007
MIN_CREDITS = 3
MIN_DOCS = 1302
MIN_ECBPLUS_DOCS = 40
NEEDED = {"credit", "split", "doc", "span", "sha1"}
ALLOWED = NEEDED | {"publisher"}
SHA1 = re.compile(rf"[0-9a-f]{{{SHA_CHARS}}}")


def locator_problems(locators: list[dict[str, Any]], earlier_docs: set[str]) -> list[str]:
    """Every way the stored lines break the set's rules, one line each (empty when none)."""
    found: list[str] = []
    spans: set[tuple[str, int, int]] = set()
    sha1s: set[str] = set()
    for number, row in enumerate(locators, 1):
        where = f"row {number}"
        if not NEEDED <= set(row) <= ALLOWED:
            found.append(f"{where}: fields {sorted(row)}")
            continue
        doc, span, sha1 = row["doc"], row["span"], row["sha1"]
        corpus = doc.partition(":")[0] if isinstance(doc, str) else None
        if corpus not in CORPORA or not DOC[corpus].fullmatch(doc):
            found.append(f"{where}: doc {doc!r} is not an ECB+ or Reuters document")
        elif doc in earlier_docs:
            found.append(f"{where}: {doc} is a document an earlier credit set drew on")
        if not (
            isinstance(span, list)
            and len(span) == 2
            and all(type(at) is int for at in span)
            and 0 <= span[0] < span[1]
        ):
            found.append(f"{where}: span {span!r}")
        elif (doc, *span) in spans:
            found.append(f"{where}: locator {doc} {span} repeated")
        else:
            spans.add((doc, *span))
        if not isinstance(sha1, str) or not SHA1.fullmatch(sha1):
            found.append(f"{where}: sha1 {sha1!r}")
        elif sha1 in sha1s:
            found.append(f"{where}: repeated sentence (sha1 {sha1})")
        else:
            sha1s.add(sha1)
        if row["split"] != SPLIT:
            found.append(f"{where}: split {row['split']!r}")
        publisher = row.get("publisher")
        if row["credit"] is True:
            if not isinstance(publisher, str) or not publisher.strip():
                found.append(f"{where}: a credit without a publisher")
        elif row["credit"] is False:
            if "publisher" in row:
                found.append(f"{where}: a non-credit with publisher {publisher!r}")
        else:
            found.append(f"{where}: credit is {row['credit']!r}, not true or false")
    return found


def problems(rows: list[dict[str, Any]], earlier: list[str]) -> list[str]:
    """Every way the rebuilt ``rows`` break the set's rules: the schema of credits.jsonl, a
    sentence repeated, or one already in (or a near-repeat of one of) ``earlier``."""
    found: list[str] = []
    seen: set[str] = set()
    old = {norm(text) for text in earlier}
    old_near = Near(tokens(text) for text in old)
    for _, where, key in usable_rows(rows, SPLIT, found, CORPORA):
        if key in seen:
            found.append(f"{where}: repeated sentence")
        seen.add(key)
        if key in old:
            found.append(f"{where}: already in an earlier credit set")
        elif old_near.hit(tokens(key)):
            found.append(f"{where}: a near-repeat of an earlier credit set's sentence")
    return found


def _earlier_docs() -> set[str]:
    return {row["doc"] for row in load_stored(EARLIER) if isinstance(row.get("doc"), str)}


def test_blind7_locators_are_well_formed_and_hold_the_whole_set() -> None:
    locators = load_stored(BLIND7)
    assert locator_problems(locators, _earlier_docs()) == []
    assert all("text" not in row for row in locators), "corpus text is not committed in bulk"
    credits = [row for row in locators if row["credit"]]
    docs = {row["doc"] for row in locators}
    assert len(locators) >= MIN_ROWS
    assert len(credits) >= MIN_CREDITS
    assert len(docs) >= MIN_DOCS
    assert sum(1 for doc in docs if doc.startswith("ecbplus:")) >= MIN_ECBPLUS_DOCS


def test_blind7_rebuilds_from_the_corpora_and_is_new() -> None:
    rows = load_or_skip(BLIND7)
    # blind set 6 (every MSRP sentence) is part of credits.jsonl since it was scored
    shared_path("msrp", "msr_paraphrase_train.txt")
    earlier = [row["text"] for row in load(EARLIER)]
    assert len(earlier) >= 17000, "the earlier credit sets have lost their rows"
    assert problems(rows, earlier) == []
    assert len(rows) >= MIN_ROWS
    assert Counter(row["credit"] for row in rows)[True] >= MIN_CREDITS
    assert {row["corpus"] for row in rows} == CORPORA


def test_a_blind7_locator_that_drifted_fails() -> None:
    rows = load_or_skip(BLIND7)
    stored = next(row for row in load_stored(BLIND7) if row["credit"])
    assert rebuild(stored) == next(row for row in rows if row["credit"])
    start, end = stored["span"]
    for broken in ({**stored, "span": [start + 1, end]}, {**stored, "sha1": "0" * SHA_CHARS}):
        with pytest.raises(Drift):
            rebuild(broken)


GOOD = {"credit": True, "publisher": "Kyodo", "split": SPLIT, "doc": "reuters:reut2-001.sgm#5"}
PLAIN = {"credit": False, "split": SPLIT, "doc": "ecbplus:1/1_1ecb.xml"}


def test_locator_problems_finds_each_kind_of_broken_row() -> None:
    good = {**GOOD, "span": [10, 40], "sha1": "0123456789"}
    plain = {**PLAIN, "span": [0, 9], "sha1": "abcdefabcd"}
    assert locator_problems([good, plain], set()) == []
    broken = [
        {**good, "publisher": None},
        {**good, "publisher": " "},
        {**good, "credit": False},
        {**plain, "publisher": "Kyodo"},
        {**plain, "publisher": None},
        {**good, "credit": "yes"},
        {**good, "split": "blind6"},
        {**good, "doc": "msrp:11"},
        {**good, "doc": "reuters:reut2-001.sgm"},
        {**good, "span": [40, 10]},
        {**good, "span": [10]},
        {**good, "span": [1.0, 9]},
        {**good, "sha1": "abc"},
        {**good, "text": "Toshiba fell, Kyodo said."},
        {key: value for key, value in good.items() if key != "sha1"},
    ]
    for row in broken:
        assert len(locator_problems([row], set())) >= 1, row
    assert len(locator_problems([good], {good["doc"]})) == 1
    assert len(locator_problems([good, dict(good)], set())) == 2  # the locator and the sentence
    assert len(locator_problems([good, {**plain, "sha1": good["sha1"]}], set())) == 1


def test_problems_finds_each_kind_of_broken_row() -> None:
    text = "Toshiba shares fell sharply in Tokyo trading today, Kyodo News Agency said."
    first = {"text": text, "corpus": "reuters", **GOOD}
    second = {"text": "Turnout was 60 percent.", "publisher": None, "corpus": "ecbplus", **PLAIN}
    rows = [first, second]
    assert problems(rows, []) == []
    assert len(problems(rows, [first["text"]])) == 1
    assert len(problems(rows, [text.replace("fell", "rose")])) == 1  # a one-word variant
    assert len(problems(rows, [text.replace(" in ", "  in\n")])) == 1  # other whitespace
    assert len(problems([first, dict(first)], [])) == 1
    assert len(problems([{**first, "split": "dev"}], [])) == 1
    assert len(problems([{**first, "corpus": "feeds"}], [])) == 1
    assert len(problems([{**first, "doc": "ecbplus:bad.xml"}], [])) == 1
    assert len(problems([{**first, "text": " "}], [])) == 1
    assert len(problems([{**second, "publisher": "Kyodo"}], [])) == 1
    assert all(row_problems(row, "row", SPLIT, CORPORA) == [] for row in rows)
