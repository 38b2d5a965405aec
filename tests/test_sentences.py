"""The sentence splitter's spans are persisted through fingerprints: pin them exactly."""

from __future__ import annotations

import pytest

from dedup.text.sentences import sentence_spans

# Spans as the splitter gave them before its pattern was rewritten for speed (issue 12).
CASES = [
    (
        'He said so. "Then we left." (Later) it rained!',
        [(0, 11), (12, 27), (28, 46)],
        [(0, 11), (12, 27), (28, 46)],
    ),
    ("x.) Y went? Z", [(0, 3), (4, 11), (12, 13)], [(0, 3), (4, 11), (12, 13)]),
    (
        "e.g. the 3.5 million. U.S. Senate said: no.",
        [(0, 21), (22, 43)],
        [(0, 21), (22, 26), (27, 43)],
    ),
    (
        'J. K. Rowling wrote.  "A" b.’ (C) d',
        [(0, 20), (22, 29), (30, 35)],
        [(0, 2), (3, 5), (6, 20), (22, 29), (30, 35)],
    ),
    ("Stop?! Again... And 5 more.", [(0, 6), (7, 15), (16, 27)], [(0, 6), (7, 15), (16, 27)]),
    ("Tail. ", [(0, 6)], [(0, 6)]),
    ("", [], []),
]


@pytest.mark.parametrize(("text", "with_initials", "without"), CASES)
def test_spans_are_unchanged(
    text: str, with_initials: list[tuple[int, int]], without: list[tuple[int, int]]
) -> None:
    assert sentence_spans(text) == with_initials
    assert sentence_spans(text, initials=False) == without
