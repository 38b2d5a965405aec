"""The story stage's one boilerplate decision: which paragraphs are no story text.

Pure: passage links in, a :class:`Boilerplate` out. It is fed by the signals the earlier stages
leave, each named here so a reader knows where a verdict comes from:

- **paragraph kind** (text stage, :mod:`dedup.text.paragraph_kinds` with
  :func:`dedup.text.extract.markup_hint`): footers, share boxes and bylines never become body
  paragraphs; the story stage sees them only as each article's boilerplate lines (kept for the
  credit lines they hold);
- **template passage** (index stage, :mod:`dedup.index.passages`): short text shared by many
  articles, or an appeal ("Sign up for ..."), is stored as a ``template`` passage, not reuse;
- **same-site repeat** (here): a paragraph one site repeats across two or more of its articles;
- **neighbourhood** (here): whether the articles a template passage joins share other reused
  text, which turns a short shared lead back into story text.

Template passages are weighed in their neighbourhood, because the same short text is a footer
in one place and a syndicated two-line brief in another:

- within one site, a template passage marks both paragraphs, and so does a paragraph linked to
  two or more other articles of its own site (a footer that slipped through as reuse);
- across sites, a template passage between articles that share other reused text, or share it
  with a common third article, is story text after all (*promoted* to reuse: a copy that kept
  only a story's short lead paragraph, or edited a paragraph's figures) unless it is a line too
  short for that (a stock "via Reuters"). Otherwise a short one marks both paragraphs (a stock
  credit line or a shared promo) and a long one neither (a formula filled in with other figures);
- a paragraph reused from a marked one is marked too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dedup.stories.graph import PassageLink

TEMPLATE_MAX_WORDS = 40  # longer text shared across sites is no footer or credit line
PROMOTE_MIN_WORDS = 12  # shorter shared lines stay boilerplate (a stock "via Reuters")
SAME_SITE_REPEATS = 2  # other articles of its own site a paragraph reappears in


@dataclass(frozen=True)
class Boilerplate:
    """The verdict: paragraphs that are boilerplate, and template passages that are story text."""

    paragraphs: frozenset[int]
    promoted: tuple[PassageLink, ...]


def decide_boilerplate(
    reuse: Sequence[PassageLink],
    template: Iterable[PassageLink],
    articles: set[int],
    source_of: Mapping[int, int],
) -> Boilerplate:
    """Boilerplate among the scope's paragraphs (never story text, never a story link)."""
    marked: set[int] = set()
    same_site: dict[int, set[int]] = defaultdict(set)
    for link in reuse:
        a, b = link.article_a, link.article_b
        if a in articles and b in articles and source_of.get(a) == source_of.get(b):
            same_site[link.paragraph_a].add(b)
            same_site[link.paragraph_b].add(a)
    marked |= {p for p, others in same_site.items() if len(others) >= SAME_SITE_REPEATS}
    cross = []
    for link in sorted(template):
        if source_of[link.article_a] == source_of[link.article_b]:
            marked.update((link.paragraph_a, link.paragraph_b))
        else:
            cross.append(link)

    neighbours: dict[int, set[int]] = defaultdict(set)
    for link in reuse:
        if link.paragraph_a not in marked and link.paragraph_b not in marked:
            neighbours[link.article_a].add(link.article_b)
            neighbours[link.article_b].add(link.article_a)
    promoted: list[PassageLink] = []
    for link in cross:
        a, b, pa, pb = link.article_a, link.article_b, link.paragraph_a, link.paragraph_b
        if pa in marked or pb in marked:
            continue
        joined = b in neighbours[a] or bool(neighbours[a] & neighbours[b])
        shorter = min(link.words_a, link.words_b)
        if joined and shorter >= PROMOTE_MIN_WORDS:
            promoted.append(link)
        elif shorter <= TEMPLATE_MAX_WORDS:
            marked.update((pa, pb))
    spread = {
        other
        for link in (*reuse, *promoted)
        if link.article_a in articles and link.article_b in articles
        for p, other in ((link.paragraph_a, link.paragraph_b), (link.paragraph_b, link.paragraph_a))
        if p in marked
    }
    return Boilerplate(frozenset(marked | spread), tuple(promoted))
