"""OCR'd text: words broken at line ends are joined, so reprints set in other columns still meet.

The measurement makes an OCR'd sample from real text: Reuters-21578 articles re-wrapped into
narrow columns (40 and 34 characters, so two copies of a text break in different places) with
line-end hyphenation and character noise (1% of letters confused as OCR confuses them). It
counts the article pairs that share a story in the clean store, and how many of them still
share one in the OCR'd store, read as dedup reads it now and as it read it before
(each line joined with a space, "abonne- ment").
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import shared_path
from sqlalchemy import select

from dedup import pipeline
from dedup.config import Settings
from dedup.ingest import reuters
from dedup.store.engine import open_store
from dedup.store.models import Article, Story, StoryMember
from dedup.text.ocr import join_lines, vocabulary
from dedup.text.paragraphs import split_paragraphs


def test_a_word_broken_at_a_line_end_is_whole_again() -> None:
    text = "Le prix de l'abonne-\nment est fixé;\nle prin-\ntemps vient.\n"
    (paragraph,) = split_paragraphs(text)
    assert paragraph.text == "Le prix de l'abonnement est fixé; le printemps vient."


def test_the_texts_own_words_decide() -> None:
    words = vocabulary("a well-known firm; the cooperation of all")
    assert join_lines(["a well-", "known name"], words) == "a well-known name"
    assert join_lines(["co-", "operation"], words) == "cooperation"
    assert join_lines(["the Franco-", "Prussian war"], frozenset()) == "the Franco-Prussian war"
    assert join_lines(["up 5 pct -", "the most"], frozenset()) == "up 5 pct - the most"
    assert join_lines(["OCR marks¬", "breaks too"], frozenset()) == "OCR marksbreaks too"


def test_plain_prose_without_breaks_is_unchanged() -> None:
    text = "One line\nand the next, joined by a space.\n\nA second paragraph - with a dash."
    assert [p.text for p in split_paragraphs(text)] == [
        "One line and the next, joined by a space.",
        "A second paragraph - with a dash.",
    ]


# ---------------------------------------------------------------- the OCR'd sample

_CONFUSIONS = {"e": "c", "c": "e", "l": "1", "i": "l", "o": "0", "a": "o", "n": "u", "h": "b"}


def wrap(paragraph: str, width: int) -> list[str]:
    """Greedy wrap at ``width`` columns, hyphenating a long word that does not fit."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split():
        room = width - len(line) - (1 if line else 0)
        if len(word) <= room:
            line = f"{line} {word}" if line else word
            continue
        if len(word) >= 6 and room >= 4 and word[: room - 1].isalpha():
            cut = room - 1
            lines.append(f"{line} {word[:cut]}-" if line else f"{word[:cut]}-")
            line = word[cut:]
            continue
        if line:
            lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def noisy(line: str, rng: random.Random, rate: float = 0.01) -> str:
    return "".join(
        _CONFUSIONS[ch] if ch in _CONFUSIONS and rng.random() < rate else ch for ch in line
    )


def _entries(folder: Path, files: int) -> Iterator[reuters.ReutersEntry]:
    for path in sorted(folder.glob("reut2-*.sgm"))[:files]:
        yield from reuters.read_entries(path.read_bytes().decode("latin-1"))


def _write(folder: Path, entries: list[reuters.ReutersEntry]) -> dict[str, Path]:
    """The sample three ways: clean, OCR'd, and OCR'd with lines joined by plain spaces."""
    with ExitStack() as stack:
        out = {
            name: stack.enter_context(open(folder / f"{name}.jsonl", "w", encoding="utf-8"))
            for name in ("clean", "ocr", "naive")
        }
        for entry in entries:
            paragraphs = [b.text for b in entry.blocks if b.text.strip()]
            if not paragraphs or entry.newid is None:
                continue
            rng = random.Random(int(entry.newid))
            width = 40 if int(entry.newid) % 2 else 34
            wrapped = [[noisy(line, rng) for line in wrap(p, width)] for p in paragraphs]
            base = {"source": "reuters", "id": str(entry.newid), "title": entry.title or ""}
            texts = {
                "clean": "\n\n".join(paragraphs),
                "ocr": "\n\n".join("\n".join(lines) for lines in wrapped),
                "naive": "\n\n".join(" ".join(lines) for lines in wrapped),
            }
            for name, text in texts.items():
                out[name].write(json.dumps({**base, "text": text}) + "\n")
    return {name: folder / f"{name}.jsonl" for name in out}


def _pairs(db_url: str) -> set[tuple[str, str]]:
    """Pairs of article keys that share an active story."""
    store = open_store(db_url)
    try:
        with store.session() as session:
            rows = session.execute(
                select(StoryMember.story_id, Article.key)
                .join(Article, Article.id == StoryMember.article_id)
                .join(Story, Story.id == StoryMember.story_id)
                .where(Story.status == "active")
            ).all()
    finally:
        store.close()
    stories: dict[int, list[str]] = {}
    for story_id, key in rows:
        stories.setdefault(story_id, []).append(key)
    return {(a, b) for keys in stories.values() for a in keys for b in keys if a < b}


@pytest.mark.slow
def test_ocr_sample_from_reuters_keeps_its_reprints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_path("reuters21578")
    files = _write(tmp_path, list(_entries(folder, 4)))
    found = {}
    for name, path in files.items():
        url = f"sqlite:///{tmp_path / name}.sqlite"
        pipeline.import_paths(Settings(db_url=url), [path])
        found[name] = _pairs(url)
    clean = found["clean"]
    assert len(clean) >= 150
    recall = {name: len(found[name] & clean) / len(clean) for name in ("ocr", "naive")}
    broken = sum(
        line.endswith("-")
        for record in files["ocr"].read_text(encoding="utf-8").splitlines()
        for line in json.loads(record)["text"].splitlines()
    )
    with capsys.disabled():
        print(
            f"\nOCR'd Reuters sample (reut2-000..003, 40/34 columns, {broken} hyphenated line "
            f"ends, 1% letter noise): {len(clean)} article pairs share a story in the clean "
            f"text; still together: {recall['ocr']:.1%} with line-end hyphens joined, "
            f"{recall['naive']:.1%} with lines joined by spaces (before)"
        )
    assert recall["ocr"] > recall["naive"]
    assert recall["ocr"] >= 0.85
