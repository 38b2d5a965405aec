"""A copy sentence rewrites an origin sentence only if it says no other origin sentence better.

Independent reports of one event tell facts that run through several of the origin's
sentences (ECB+: "Klitschko finally landed a long, straight right in the fifth ..." beside
another report's "... floored Thompson with a big right hand near the end of the fifth round
..."); such a sentence is no rewrite of the one it shares a few facts with when another
origin sentence says it better.
"""

from __future__ import annotations

from dedup.stories.align import align
from dedup.stories.rewrites import is_rewrite, terms

LEAD = (
    "Wladimir Klitschko retained his world heavyweight titles on Saturday night, stopping the "
    "American challenger Tony Thompson in the sixth round in front of a crowd in Berne."
)
LANDED = (
    "Klitschko finally landed a long, straight right in the fifth and the round ended with "
    "Thompson struggling on the ropes."
)
FLOORED = (
    "The champion floored Thompson with a big right hand near the end of the fifth round, and "
    "the challenger struggling on the ropes never recovered."
)
RETOLD = (
    "The 36-year-old champion Klitschko floored Thompson with a big right hand near the end of "
    "the fifth round, and the 40-year-old American never recovered."
)


def test_a_sentence_that_says_another_origin_sentence_better_rewrites_neither() -> None:
    # alone, the pair passes the rewrite test
    assert is_rewrite(terms(LANDED), terms(RETOLD))
    # but the copy kept FLOORED, which RETOLD says better: a second telling, no rewrite
    alignment = align([LEAD, LANDED, FLOORED], [LEAD, RETOLD, FLOORED], anchors=1)
    assert alignment.rewritten == 0.0
    assert not [pair for line in alignment.lines for pair in line.rewrites]


def test_the_sentence_it_says_best_is_still_rewritten() -> None:
    alignment = align([LEAD, LANDED, FLOORED], [LEAD, RETOLD], anchors=1)
    pairs = [pair for line in alignment.lines for pair in line.rewrites]
    assert pairs == [(FLOORED, RETOLD)]
