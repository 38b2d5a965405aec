"""The labelled credit sets (tests/data/credits*.jsonl): their one loader and their schema.

Shared by the development set's test, the blind sets' and ``benchmarks/fit_credits.py`` /
``eval_credits.py``, so all sets keep one schema and one document notation (a blind set is
folded into the development set once scored), and the blind sets one test of being new (no
sentence, nor a one-word variant of one, repeated).

A row of the file stores its sentence either inline (``text``) or as a LOCATOR into the corpus
text in ``../shared/data`` that the repo does not carry: ``span`` (the sentence's character
offsets in its document's text as :func:`document_text` reads it) and ``sha1`` (the first
``SHA_CHARS`` hex digits of the sentence's SHA-1, so a corpus that changed under a row is a
one-line error, never another sentence). :func:`load` rebuilds every located row's ``text``
and drops the locator, so every reader sees rows of ``FIELDS``. Seeds rows, and rows whose
words are not in their document as written (a labeller's mended apostrophes), stay inline.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SHA_CHARS = 10
# Rows that keep their text inline whatever the corpus: the seeds are the mission's own
# examples and small.
INLINE_CORPORA = frozenset({"seeds"})
FIELDS = {"text", "credit", "publisher", "corpus", "split", "doc"}
CORPORA = {"ecbplus", "reuters", "feeds", "seeds", "msrp"}
# The document a row came from, as benchmarks/harvest_credits.py --add-documents writes it:
# grouped cross-validation keeps one document in one fold.
DOC = {
    "seeds": re.compile(r"seeds:\d{3}_[0-9a-f]+\.txt"),
    "feeds": re.compile(r"feeds:[^#\s]+#\d+"),
    "reuters": re.compile(r"reuters:reut2-\d{3}\.sgm#\d+"),
    "ecbplus": re.compile(r"ecbplus:\d+/\d+_\d+ecb(?:plus)?\.xml"),
    # Blind set 6's sentences (MSRP) stand alone: the sentence's own ID is its document.
    "msrp": re.compile(r"msrp:\d+"),
}


def norm(text: str) -> str:
    return " ".join(text.split())


class SharedMissing(Exception):
    """../shared/data (or a file of it) is not beside this clone: located rows cannot be rebuilt."""


class Drift(Exception):
    """A located row's span no longer holds its sentence (the corpus text changed)."""


def sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:SHA_CHARS]


def _need(path: Path) -> Path:
    if not path.exists():
        raise SharedMissing(f"{path} is absent: the shared corpora are not beside this clone")
    return path


def _join(parts: Iterable[str]) -> str:
    """A document's text: its blocks (paragraphs, fields, sentences) with their whitespace
    normalised as the harvest read them, one a line, so no sentence spans two blocks."""
    return "\n".join(" ".join(part.split()) for part in parts)


@lru_cache(maxsize=64)
def reuters_file(name: str) -> tuple[str, ...]:
    from dedup.ingest import reuters

    raw = _need(SHARED / "reuters21578" / name).read_bytes().decode("latin-1")
    return tuple(
        _join(block if isinstance(block, str) else getattr(block, "text", "") for block in e.blocks)
        for e in reuters.read_entries(raw)
    )


def ecbplus_sentences(path: Path) -> list[str]:
    """An ECB+ article's sentences from its tokens, as the harvest joined them (the URL line of
    an ``ecbplus.xml`` file left out)."""
    tokens: dict[str, list[str]] = {}
    for token in ET.parse(path).getroot().iter("token"):
        tokens.setdefault(token.get("sentence", "0"), []).append(token.text or "")
    out = []
    for number, words in tokens.items():
        if path.name.endswith("ecbplus.xml") and number == "0":
            continue
        text = re.sub(r"\s+([.,;:!?%)\]'’”])", r"\1", " ".join(words))
        out.append(re.sub(r"([(\[“$])\s+", r"\1", text))
    return out


# every text field of a feed entry, as the document lookup of the labelling rounds read them
FEED_FIELDS = ("summary", "title", "description", "content")


def feed_field_text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(part.get("value", "")) for part in value)
    return re.sub(r"<[^>]+>", " ", html.unescape(str(value)))


@lru_cache(maxsize=64)
def _feed_file(name: str) -> tuple[str, ...]:
    import feedparser

    parsed = feedparser.parse(_need(SHARED / "feeds" / name).read_bytes())
    return tuple(
        _join(feed_field_text(entry.get(field, "")) for field in FEED_FIELDS)
        for entry in parsed.entries
    )


@lru_cache(maxsize=1)
def msrp_sentences() -> dict[str, str]:
    """Every MSRP training sentence by its ID (``tests/msrp_rows.py`` reads the file)."""
    from tests.msrp_rows import MSRP_FILE, MsrpError, read_sentences

    try:
        return read_sentences(_need(SHARED / MSRP_FILE))
    except MsrpError as problem:
        raise Drift(str(problem)) from None


@lru_cache(maxsize=1 << 13)
def document_text(doc: str) -> str:
    """The text of a row's document (``corpus:file#entry``, or ``msrp:ID``, one sentence) as
    the harvest reads it."""
    corpus, _, where = doc.partition(":")
    name, _, entry = where.partition("#")
    if corpus == "msrp":
        sentence = msrp_sentences().get(where)
        if sentence is None:
            raise Drift(f"{doc}: no such sentence ID in the MSRP file")
        return _join([sentence])
    if corpus == "seeds":
        return _join(_need(SHARED / "seeds" / name).read_text(encoding="utf-8").split("\n\n"))
    if corpus == "ecbplus":
        path = _need(SHARED / "ecbplus" / "ECB+_LREC2014" / "ECB+" / name)
        return _join(ecbplus_sentences(path))
    if corpus not in ("reuters", "feeds"):
        raise Drift(f"{doc}: no corpus {corpus!r} to locate a sentence in")
    entries = reuters_file(name) if corpus == "reuters" else _feed_file(name)
    if not entry.isdigit() or int(entry) >= len(entries):
        raise Drift(f"{doc}: no such entry in {name}")
    return entries[int(entry)]


def locate(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` as the file stores it: a LOCATED row when its corpus is not kept inline and its
    document holds the sentence exactly (its first occurrence), else the row as it is. A
    located row keeps ``credit``, ``doc``, ``span`` and ``sha1``, and only what cannot be
    derived: ``publisher`` for a credit (null otherwise), ``split`` when not "dev" (``corpus``
    is the document's prefix). It is checked to rebuild the same row before it is returned."""
    text = row["text"]
    if row["corpus"] in INLINE_CORPORA or not isinstance(row.get("doc"), str):
        return row
    if row["doc"].partition(":")[0] != row["corpus"]:
        return row
    start = document_text(row["doc"]).find(text)
    if start < 0:
        return row
    located: dict[str, Any] = {"credit": row["credit"]}
    if row["publisher"] is not None:
        located["publisher"] = row["publisher"]
    if row["split"] != "dev":
        located["split"] = row["split"]
    located.update(doc=row["doc"], span=[start, start + len(text)], sha1=sha(text))
    if rebuild(located) != row:
        raise Drift(f"{row['doc']}: the locator does not rebuild its row")
    return located


def rebuild(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its ``text``: a located row's rebuilt from its document, checked against its
    ``sha1`` (:class:`Drift` when it differs, :class:`SharedMissing` without ../shared), and
    its derived fields restored."""
    if "span" not in row:
        return row
    span, doc = row["span"], row.get("doc")
    if not (
        isinstance(doc, str)
        and isinstance(span, list)
        and len(span) == 2
        and all(isinstance(at, int) for at in span)
        and isinstance(row.get("sha1"), str)
    ):
        raise Drift(f"{doc}: a locator needs a doc, a [start, end] span and a sha1, not {row!r}")
    start, end = span
    text = " ".join(document_text(doc)[start:end].split())
    if sha(text) != row["sha1"]:
        raise Drift(f"{doc} {row['span']}: the sentence there is not the labelled one")
    return {
        "text": text,
        "credit": row["credit"],
        "publisher": row.get("publisher"),
        "corpus": doc.partition(":")[0],
        "split": row.get("split", "dev"),
        "doc": doc,
    }


def dump(rows: Iterable[dict[str, Any]]) -> str:
    """The file's text for stored rows, one compact JSON object a line."""
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


def load_stored(path: Path) -> list[dict[str, Any]]:
    """The rows as the file stores them (located rows without their text)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load(path: Path) -> list[dict[str, Any]]:
    """Every row of ``path`` with its text (located rows rebuilt from ../shared/data)."""
    return [rebuild(row) for row in load_stored(path)]


def load_or_skip(path: Path) -> list[dict[str, Any]]:
    """:func:`load` for a test: skip, with the reason, when ../shared is absent; fail under
    CI=true."""
    import pytest

    try:
        return load(path)
    except SharedMissing as missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing}, but CI=true requires them")
        pytest.skip(str(missing))


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


def usable_rows(
    rows: list[dict[str, Any]],
    split: str,
    found: list[str],
    corpora: frozenset[str] | set[str] = CORPORA,
) -> Iterator[tuple[int, str, str]]:
    """``(row number, where, normalised text)`` of each row whose schema allows comparing it
    with other rows; every schema problem is appended to ``found`` on the way."""
    for number, row in enumerate(rows, 1):
        where = f"row {number}"
        found.extend(row_problems(row, where, split, corpora))
        text = usable_text(row)
        if text is not None:
            yield number, where, norm(text)


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
