"""The reuse graph of an update: passage links between paragraphs, summed into article edges.

Pure: :class:`PassageLink` records in (loaded by :mod:`dedup.stories.scope`), the article
:class:`~dedup.stories.cluster.Edge` records that clustering takes out, plus each article's
content words for the roundup check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from dedup.stories.align import words
from dedup.stories.cluster import Edge


class PassageLink(NamedTuple):
    """One passage: paragraph ``paragraph_a`` of ``article_a`` reappears in ``paragraph_b``."""

    article_a: int
    article_b: int
    paragraph_a: int
    paragraph_b: int
    containment: float  # share of the shorter paragraph the other holds
    words_a: int
    words_b: int


def article_edges(links: Iterable[PassageLink], scope: set[int], template: set[int]) -> list[Edge]:
    """Reused words shared by each article pair, each paragraph counted at most once a side."""
    side_a: dict[tuple[int, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    side_b: dict[tuple[int, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    caps: dict[int, int] = {}
    for link in links:
        a, b, pa, pb = link.article_a, link.article_b, link.paragraph_a, link.paragraph_b
        if a not in scope or b not in scope or a == b or pa in template or pb in template:
            continue
        key = (a, b) if a < b else (b, a)
        first, second = (pa, pb) if a < b else (pb, pa)
        shared = link.containment * min(link.words_a, link.words_b)
        side_a[key][first] += shared
        side_b[key][second] += shared
        caps[pa], caps[pb] = link.words_a, link.words_b
    edges = []
    for key in side_a:
        total_a = sum(min(v, caps[p]) for p, v in side_a[key].items())
        total_b = sum(min(v, caps[p]) for p, v in side_b[key].items())
        edges.append(
            Edge(
                a=key[0],
                b=key[1],
                shared_words=min(total_a, total_b),
                a_paragraphs=frozenset(side_a[key]),
                b_paragraphs=frozenset(side_b[key]),
            )
        )
    return edges


class Vocabulary(Mapping[int, frozenset[str]]):
    """Content words (five letters or more) of each article's story text, for topic checks.

    Worked out when asked for: clustering asks only about the parts of possible roundups.
    """

    def __init__(
        self,
        body: Mapping[int, list[tuple[int, str]]],
        articles: Iterable[int],
        template: set[int],
    ) -> None:
        self._own = {
            aid: own
            for aid in articles
            if (own := [text for pid, text in body.get(aid, ()) if pid not in template])
        }
        self._words: dict[int, frozenset[str]] = {}

    def __getitem__(self, aid: int) -> frozenset[str]:
        found = self._words.get(aid)
        if found is None:
            # One pass over the article: a line break joins no words and splits none.
            unique = set(words("\n".join(self._own[aid])))
            found = self._words[aid] = frozenset(w for w in unique if len(w) >= 5 and w.isalpha())
        return found

    def __iter__(self) -> Iterator[int]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)
