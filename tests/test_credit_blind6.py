"""The sixth blind credit set (tests/data/credits_blind6.jsonl) is well formed and rebuilds.

The set labels every distinct sentence of the MSRP training file, a corpus no earlier credit
set drew on, and holds no text (the corpus may not be committed): each line is a locator, the
sentence's MSRP ID and the SHA-1 of its text (``tests/msrp_rows.py``). What can be checked
without a labeller is its shape: every locator has its fields, its ``doc`` is its own ID, no ID
or sentence repeats, credits name a publisher and non-credits do not; rebuilt from
../shared/data/msrp, every row has the schema of credits.jsonl and no sentence is in (or a
one-word variant of) a set the finder was built from or scored on. Near-repeats inside the set
are not a fault here: MSRP is made of pairs of sentences from one story, many of them
paraphrases, and the set is the whole population, not a sample.
``problems`` is tried on broken rows too, so a check that stopped looking would fail here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_path
from tests.credit_rows import DATA, Near, load, norm, row_problems, tokens, usable_rows
from tests.msrp_rows import (
    BLIND6,
    HEADER,
    LOCATOR_FIELDS,
    MSRP_FILE,
    Blind6Error,
    load_blind6,
    load_locators,
    msrp_sentences,
    rebuild,
    sha1_12,
)

SPLIT = "blind6"
CORPORA = {"msrp"}
# The set the finder was fitted on or scored on (blind set 5 was folded into it once scored).
EARLIER = (DATA / "credits.jsonl",)
# What the file holds (CREDITS_BLIND6.md): every distinct sentence of the MSRP training file
# but one ID whose text is another ID's; a lost row or label fails here.
MIN_ROWS = 7816
MIN_CREDITS = 99
MIN_PUBLISHERS = 49
SHA1 = re.compile(r"[0-9a-f]{12}")


def locator_problems(locators: list[dict[str, Any]]) -> list[str]:
    """Every way the locator lines break the set's rules, one line each (empty when none)."""
    found: list[str] = []
    ids: set[str] = set()
    sha1s: set[str] = set()
    for number, locator in enumerate(locators, 1):
        where = f"row {number}"
        if set(locator) != LOCATOR_FIELDS:
            found.append(f"{where}: fields {sorted(locator)}")
            continue
        sentence_id, sha1 = locator["msrp_id"], locator["sha1"]
        if not isinstance(sentence_id, str) or not sentence_id.isdigit():
            found.append(f"{where}: msrp_id {sentence_id!r}")
        elif sentence_id in ids:
            found.append(f"{where}: msrp_id {sentence_id} repeated")
        else:
            ids.add(sentence_id)
        if locator["doc"] != f"msrp:{sentence_id}":
            found.append(f"{where}: doc {locator['doc']!r} is not its own ID")
        if not isinstance(sha1, str) or not SHA1.fullmatch(sha1):
            found.append(f"{where}: sha1 {sha1!r}")
        elif sha1 in sha1s:
            found.append(f"{where}: repeated sentence (sha1 {sha1})")
        else:
            sha1s.add(sha1)
        # The label's own rules, so the file is checked even where the corpus is absent.
        text_free = {**locator, "text": "(not committed)"}
        del text_free["msrp_id"], text_free["sha1"]
        found.extend(row_problems(text_free, where, SPLIT, CORPORA))
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


def test_blind6_locators_are_well_formed_and_hold_the_whole_set() -> None:
    locators = load_locators(BLIND6)
    assert locator_problems(locators) == []
    assert all("text" not in locator for locator in locators), "MSRP text may not be committed"
    credits = [locator for locator in locators if locator["credit"]]
    assert len(locators) >= MIN_ROWS
    assert len(credits) >= MIN_CREDITS
    assert len({locator["publisher"] for locator in credits}) >= MIN_PUBLISHERS


def test_blind6_rebuilds_from_msrp_and_is_new() -> None:
    path = shared_path("msrp", "msr_paraphrase_train.txt")
    rows = load_blind6(BLIND6, shared=path.parent.parent)
    earlier = [row["text"] for path in EARLIER for row in load(path)]
    assert len(earlier) >= 7000, "the earlier credit sets have lost their rows"
    assert problems(rows, earlier) == []
    assert len(rows) >= MIN_ROWS
    assert Counter(row["credit"] for row in rows)[True] >= MIN_CREDITS


def _fake_msrp(shared: Path, pairs: list[tuple[str, str, str, str]]) -> None:
    """An MSRP-shaped file of made-up sentences (the real one may not be copied into tests)."""
    path = shared / MSRP_FILE
    path.parent.mkdir(parents=True)
    lines = ["\ufeff" + "\t".join(HEADER)] + ["\t".join(("1", *pair)) for pair in pairs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _locator(sentence_id: str, text: str, publisher: str | None = None) -> dict[str, Any]:
    return {
        "msrp_id": sentence_id,
        "credit": publisher is not None,
        "publisher": publisher,
        "corpus": "msrp",
        "split": SPLIT,
        "doc": f"msrp:{sentence_id}",
        "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest()[:12],
    }


FIRST = "Turnout reached 60 percent, the Daily Bugle reported."
SECOND = "Turnout was about 60 percent, officials said."


def test_load_blind6_rebuilds_text_and_rejects_a_wrong_locator(tmp_path: Path) -> None:
    _fake_msrp(tmp_path, [("11", "12", FIRST, SECOND)])
    locators = [_locator("11", FIRST, "Daily Bugle"), _locator("12", SECOND)]
    blind = tmp_path / "blind6.jsonl"
    blind.write_text("".join(json.dumps(row) + "\n" for row in locators))
    rows = load_blind6(blind, shared=tmp_path)
    assert [row["text"] for row in rows] == [FIRST, SECOND]
    assert problems(rows, []) == []
    assert rows[0] == {
        "text": FIRST,
        "credit": True,
        "publisher": "Daily Bugle",
        "corpus": "msrp",
        "split": SPLIT,
        "doc": "msrp:11",
    }
    sentences = {"11": FIRST, "12": SECOND}
    with pytest.raises(Blind6Error, match="sha1"):
        rebuild([{**locators[0], "sha1": sha1_12(SECOND)}], sentences)
    with pytest.raises(Blind6Error, match="not in the MSRP file"):
        rebuild([{**locators[0], "msrp_id": "13"}], sentences)
    with pytest.raises(Blind6Error, match="absent"):
        load_blind6(blind, shared=tmp_path / "elsewhere")


def test_an_msrp_file_giving_one_id_two_texts_is_refused(tmp_path: Path) -> None:
    _fake_msrp(tmp_path, [("11", "12", FIRST, SECOND), ("11", "13", SECOND, FIRST)])
    with pytest.raises(Blind6Error, match="two texts"):
        msrp_sentences(tmp_path / MSRP_FILE)


def test_problems_finds_each_kind_of_broken_row() -> None:
    good = _locator("11", FIRST, "Daily Bugle")
    plain = _locator("12", SECOND)
    assert locator_problems([good, plain]) == []
    broken = [
        {**good, "publisher": None},
        {**good, "publisher": " "},
        {**good, "credit": False},
        {**plain, "publisher": "Daily Bugle"},
        {**good, "credit": "yes"},
        {**good, "corpus": "reuters"},
        {**good, "split": "blind5"},
        {**good, "doc": "msrp:12"},
        {**good, "msrp_id": "x11", "doc": "msrp:x11"},
        {**good, "sha1": "abc"},
        {**good, "text": FIRST},
        {key: value for key, value in good.items() if key != "sha1"},
    ]
    for row in broken:
        assert len(locator_problems([row])) >= 1, row
    assert len(locator_problems([good, dict(good)])) == 2  # the ID and the sentence again
    assert len(locator_problems([good, {**plain, "sha1": good["sha1"]}])) == 1
    sentences = {"11": FIRST, "12": SECOND}
    rows = rebuild([good, plain], sentences)
    assert problems(rows, []) == []
    assert len(problems(rows, [FIRST])) == 1
    assert len(problems(rows, ["Turnout reached 61 percent, the Daily Bugle reported."])) == 1
    assert len(problems(rows, ["Turnout reached 60 percent,  the Daily\nBugle reported."])) == 1
    assert len(problems([rows[0], dict(rows[0])], [])) == 1
    assert len(problems([{**rows[0], "doc": "reuters:reut2-001.sgm#5"}], [])) == 1
    assert len(problems([{**rows[0], "text": " "}], [])) == 1
