"""The schema of the labelled credit sets (tests/data/credits*.jsonl), checked row by row.

Shared by the development set's test and the blind sets', so all sets keep one schema and
one document notation (a blind set is folded into the development set once scored), and the
blind sets one test of being new (no sentence, nor a one-word variant of one, repeated).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
FIELDS = {"text", "credit", "publisher", "corpus", "split", "doc"}
CORPORA = {"ecbplus", "reuters", "feeds", "seeds"}
# The document a row came from, as benchmarks/harvest_credits.py --add-documents writes it:
# grouped cross-validation keeps one document in one fold.
DOC = {
    "seeds": re.compile(r"seeds:\d{3}_[0-9a-f]+\.txt"),
    "feeds": re.compile(r"feeds:[^#\s]+#\d+"),
    "reuters": re.compile(r"reuters:reut2-\d{3}\.sgm#\d+"),
    "ecbplus": re.compile(r"ecbplus:\d+/\d+_\d+ecb(?:plus)?\.xml"),
    # Blind set 6's sentences stand alone: the MSRP sentence's own ID is its document.
    "msrp": re.compile(r"msrp:\d+"),
}


def norm(text: str) -> str:
    return " ".join(text.split())


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def row_problems(
    row: dict[str, Any], where: str, split: str, corpora: frozenset[str] | set[str] = CORPORA
) -> list[str]:
    """How one row breaks the schema of a set whose rows are all of ``split`` and drawn from
    ``corpora``; the text is checked only for being there (repeats are the caller's, who knows
    the other rows)."""
    if set(row) != FIELDS:
        return [f"{where}: fields {sorted(row)}"]
    text = row["text"]
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: empty text"]
    found: list[str] = []
    if row["credit"] is True:
        if not isinstance(row["publisher"], str) or not row["publisher"].strip():
            found.append(f"{where}: a credit without a publisher")
    elif row["credit"] is False:
        if row["publisher"] is not None:
            found.append(f"{where}: a non-credit with publisher {row['publisher']!r}")
    else:
        found.append(f"{where}: credit is {row['credit']!r}, not true or false")
    if row["corpus"] not in corpora:
        found.append(f"{where}: corpus {row['corpus']!r}")
    elif not isinstance(row["doc"], str) or not DOC[row["corpus"]].fullmatch(row["doc"]):
        found.append(f"{where}: doc {row['doc']!r} is not a {row['corpus']} document")
    if row["split"] != split:
        found.append(f"{where}: split {row['split']!r}")
    return found


def usable_text(row: dict[str, Any]) -> str | None:
    """The row's text when it can be compared with other rows' (None when its schema is broken)."""
    text = row.get("text")
    if set(row) != FIELDS or not isinstance(text, str) or not text.strip():
        return None
    return text


# Token-set overlap at which a sentence counts as a near-repeat of another ("said" -> "says",
# another figure or dateline): one changed word in a 20-word sentence leaves about 0.9, the
# threshold the second blind set was built and checked with.
NEAR = 0.75


def tokens(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


class Near:
    """Sets of tokens, asked whether a new one is a near-repeat of any of them.

    A set with overlap >= NEAR shares all but ``len(tokens) - ceil(NEAR * len(tokens))`` of a
    new set's tokens, so it holds at least one of any that many + 1 of them: only the sets
    holding one of its rarest tokens are compared (exact, not approximate), not every pair.
    """

    def __init__(self, sets: Iterable[frozenset[str]] = ()) -> None:
        self._sets: list[frozenset[str]] = []
        self._by_token: defaultdict[str, list[int]] = defaultdict(list)
        for item in sets:
            self.add(item)

    def add(self, item: frozenset[str]) -> None:
        for token in item:
            self._by_token[token].append(len(self._sets))
        self._sets.append(item)

    def hit(self, item: frozenset[str]) -> bool:
        rarest = sorted(item, key=lambda token: len(self._by_token.get(token, ())))
        keep = len(item) - math.ceil(NEAR * len(item)) + 1
        numbers = {n for token in rarest[:keep] for n in self._by_token.get(token, ())}
        return any(len(item & self._sets[n]) / len(item | self._sets[n]) >= NEAR for n in numbers)


def blind_problems(rows: list[dict[str, Any]], earlier: list[str], split: str) -> list[str]:
    """Every way the rows of a blind set of ``split`` break its rules, one line each: the
    schema, a sentence repeated or near-repeated inside the set, or one already in (or a
    near-repeat of one of) ``earlier``, the sentences of the sets the finder was built on."""
    found: list[str] = []
    seen: set[str] = set()
    seen_near = Near()
    old = {norm(t) for t in earlier}
    old_near = Near(tokens(t) for t in old)
    for number, row in enumerate(rows, 1):
        where = f"row {number}"
        found.extend(row_problems(row, where, split))
        text = usable_text(row)
        if text is None:
            continue
        key = norm(text)
        words = tokens(key)
        if key in seen:
            found.append(f"{where}: repeated sentence")
        elif seen_near.hit(words):
            found.append(f"{where}: a near-repeat of an earlier row")
        seen.add(key)
        seen_near.add(words)
        if key in old:
            found.append(f"{where}: already in an earlier credit set")
        elif old_near.hit(words):
            found.append(f"{where}: a near-repeat of an earlier credit set's sentence")
    return found


def sample_row(split: str) -> dict[str, Any]:
    """One well-formed credit row of ``split``: the row the sets' tests break one way at a time."""
    return {
        "text": "The vote was held on Sunday, the official Tanjug news agency said.",
        "credit": True,
        "publisher": "Tanjug",
        "corpus": "reuters",
        "split": split,
        "doc": "reuters:reut2-004.sgm#17",
    }
