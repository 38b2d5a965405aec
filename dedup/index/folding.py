"""Short articles folded into one paragraph before they are indexed.

A price table whose lines are each too short to index, or a dividend notice whose one full
line many notices share, is indexed as one paragraph of all its text: only its copies share
that whole text. Pure: paragraphs in, paragraphs out.
"""

from __future__ import annotations

from collections.abc import Sequence

from dedup.index.passages import Para
from dedup.text.normalize import norm_hash

# An article of one indexable paragraph and some short lines, fewer words than this in all (a
# dividend notice with its dates), is indexed whole, as one folded paragraph.
SHORT_ARTICLE_WORDS = 30


def fold_short_articles(paras: Sequence[Para], min_words: int) -> list[Para]:
    """A short article of short lines stands as one paragraph of all its text, owned by its
    first paragraph's id: a price table whose lines are each too short to index, or a notice
    whose one full line many notices share ("Qtly div five cts vs five cts prior") but whose
    whole text only its copies share. ``paras`` holds whole articles in order."""
    out: list[Para] = []
    start, count = 0, len(paras)
    while start < count:
        article_id = paras[start].article_id
        end = start + 1
        while end < count and paras[end].article_id == article_id:
            end += 1
        article = paras[start:end]
        if len(article) > 1 and _foldable(article, min_words):
            first = article[0]
            norm = " ".join(p.norm for p in article)
            text = "\n".join(p.text for p in article)
            out.append(
                Para(first.id, first.article_id, first.source_id, text, norm, norm_hash(norm))
            )
        else:
            out.extend(article)
        start = end
    return out


def _foldable(article: Sequence[Para], min_words: int) -> bool:
    """At least ``min_words`` in all, and no indexable paragraph, or one in a short article.

    Words are counted paragraph by paragraph and the answer given as soon as it is known (a
    second indexable paragraph, or one and enough words): most articles are decided by their
    first two paragraphs, instead of splitting every paragraph of every page.
    """
    total = indexable = 0
    for p in article:
        words = len(p.norm.split())
        total += words
        if words >= min_words:
            indexable += 1
            if indexable > 1:
                return False
        if indexable == 1 and total >= SHORT_ARTICLE_WORDS:
            return False
    # here at most one paragraph is indexable, and then the article is short
    return total >= min_words
