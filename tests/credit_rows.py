"""The schema of the labelled credit sets (tests/data/credits*.jsonl), checked row by row.

Shared by the development set's test and any blind set's, so the sets keep one schema and one
document notation (a blind set is folded into the development set once scored).
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
}


def norm(text: str) -> str:
    return " ".join(text.split())


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def row_problems(row: dict[str, Any], where: str, split: str) -> list[str]:
    """How one row breaks the schema of a set whose rows are all of ``split``; the text is
    checked only for being there (repeats are the caller's, who knows the other rows)."""
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
    if row["corpus"] not in CORPORA:
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


class Near:
    """Sets of tokens, asked whether a new one is a near-repeat of any of them.

    A set with overlap >= NEAR shares all but ``len(tokens) - ceil(NEAR * len(tokens))`` of a
    new set's tokens, so it holds at least one of any that many + 1 of them: only the sets
    holding one of its rarest tokens are compared (exact, not approximate), not every pair.
    """

    def __init__(self, sets: Iterable[frozenset[str]] = ()) -> None:
        self._sets: list[frozenset[str]] = []
        self._by_token: defaultdict[str, list[int]] = defaultdict(list)
        for words in sets:
            self.add(words)

    def add(self, words: frozenset[str]) -> None:
        for token in words:
            self._by_token[token].append(len(self._sets))
        self._sets.append(words)

    def hit(self, words: frozenset[str]) -> bool:
        rarest = sorted(words, key=lambda token: len(self._by_token.get(token, ())))
        keep = len(words) - math.ceil(NEAR * len(words)) + 1
        numbers = {n for token in rarest[:keep] for n in self._by_token.get(token, ())}
        return any(len(words & self._sets[n]) / len(words | self._sets[n]) >= NEAR for n in numbers)


def tokens(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))
