"""Blind credit set 6 (tests/data/credits_blind6.jsonl), rebuilt from the MSRP corpus.

The Microsoft Research Paraphrase Corpus may not be committed (its licence is research use,
see ../shared/data/msrp/SOURCE.md), so the set holds labels with locators: each line names a
sentence by its MSRP ID and the first 12 hex digits of the SHA-1 of its text, and carries no
text. ``load_blind6`` reads the corpus from ../shared beside the clone, puts each sentence's
text back and returns rows in the schema of credits.jsonl; a locator that does not match the
corpus is an error, never a silently wrong or missing sentence.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.credit_rows import SHARED, load_stored

ROOT = Path(__file__).resolve().parent.parent
BLIND6 = ROOT / "tests" / "data" / "credits_blind6.jsonl"
# Relative to ``shared``: only the training part; the test part was never labelled.
MSRP_FILE = Path("msrp") / "msr_paraphrase_train.txt"
LOCATOR_FIELDS = {"msrp_id", "credit", "publisher", "corpus", "split", "doc", "sha1"}
HEADER = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"]


class Blind6Error(ValueError):
    """The locator file and the MSRP corpus beside the clone do not agree."""


def sha1_12(text: str) -> str:
    """The locator of a sentence: the first 12 hex digits of the SHA-1 of its UTF-8 text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def msrp_sentences(path: Path) -> dict[str, str]:
    """Every sentence of an MSRP file by its ID (each pair gives two), as the file has it."""
    if not path.is_file():
        raise Blind6Error(f"{path} is absent: blind set 6 needs the MSRP corpus beside the clone")
    # utf-8-sig: the file starts with a byte-order mark, which is not part of the header.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not lines or lines[0].split("\t") != HEADER:
        raise Blind6Error(f"{path}: not an MSRP file (header {lines[:1]!r})")
    by_id: dict[str, str] = {}
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != len(HEADER):
            raise Blind6Error(f"{path} line {number}: {len(parts)} fields, not {len(HEADER)}")
        for sentence_id, text in ((parts[1], parts[3]), (parts[2], parts[4])):
            if by_id.setdefault(sentence_id, text) != text:
                raise Blind6Error(f"{path} line {number}: ID {sentence_id} has two texts")
    return by_id


def load_locators(path: Path = BLIND6) -> list[dict[str, Any]]:
    return load_stored(path)


def rebuild(locators: list[dict[str, Any]], sentences: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of ``locators`` in the credits.jsonl schema, each with its sentence's text.

    Raises ``Blind6Error`` on the first locator whose ID is not in ``sentences`` or whose
    SHA-1 does not match that sentence (the corpus beside the clone is another version).
    """
    rows = []
    for number, locator in enumerate(locators, 1):
        sentence_id = locator.get("msrp_id")
        text = sentences.get(sentence_id) if isinstance(sentence_id, str) else None
        if text is None:
            raise Blind6Error(f"row {number}: msrp_id {sentence_id!r} is not in the MSRP file")
        if sha1_12(text) != locator.get("sha1"):
            raise Blind6Error(
                f"row {number}: msrp_id {sentence_id}: the MSRP file's sentence has sha1 "
                f"{sha1_12(text)}, the row says {locator.get('sha1')!r}"
            )
        row = {key: value for key, value in locator.items() if key not in ("msrp_id", "sha1")}
        rows.append({"text": text, **row})
    return rows


def load_blind6(path: Path = BLIND6, shared: Path = SHARED) -> list[dict[str, Any]]:
    """Blind set 6 as rows of the credits.jsonl schema (text, credit, publisher, corpus,
    split, doc), their texts read from ``shared``'s MSRP file and checked by SHA-1."""
    return rebuild(load_locators(path), msrp_sentences(shared / MSRP_FILE))
