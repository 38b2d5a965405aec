"""Which member, or which story, a credit is for, where its name alone does not say.

A paper named by its masthead ("according to the Post") is the story member that goes by it,
when exactly one does; a digest that is a member of two stories credits, in its own words, the
publishers of both, and each credit is its own story's. Pure: credits and publisher keys in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dedup.stories.credit_cues import MASTHEAD_WORDS
from dedup.stories.credits import Credit

if TYPE_CHECKING:
    from dedup.stories.story import ArticleInfo


def other_stories(
    roundups: Mapping[int, frozenset[int]],
    partner_keys: Mapping[int, frozenset[str]],
    members: set[int],
) -> dict[int, frozenset[str]]:
    """For each member in several stories: the publisher keys of the articles of its other
    stories that it shares text with.

    A digest that reprints two stories' texts and credits a source in its own words ("...,
    according to the Post.") is a member of both. A credit naming a publisher of the other
    story is that story's: counted here it would name an outside origin (ECB+: "Post" at
    0.98 for a quote the digest shared with HuffPost, beside its part from the New York Post).
    """
    out = {}
    for m, partners in roundups.items():
        if m not in members:
            continue
        keys = frozenset(k for other in partners - members for k in partner_keys.get(other, ()))
        if keys:
            out[m] = keys
    return out


# Mastheads a paper goes by once named ("the Post", "the Times", "the Mail"): the credit names
# a member whose publisher's name ends in one when exactly one member's does.
MASTHEADS = MASTHEAD_WORDS | frozenset(
    {"times", "post", "herald", "tribune", "journal", "chronicle", "gazette", "daily"}
)


def _goes_by(publisher: str, key: str) -> bool:
    """Whether a publisher key answers to a credit key: the same key, or its masthead."""
    return publisher == key or (key in MASTHEADS and publisher.endswith(key))


def names_any(key: str, keys: Iterable[str]) -> bool:
    """Whether a credit key names one of ``keys``."""
    return any(_goes_by(k, key) for k in keys)


def named_member(credit: Credit, own_keys: frozenset[str], others: Sequence[ArticleInfo]) -> Credit:
    """``credit`` made a credit of the member it names by masthead alone ("according to the
    Post" with an article of nypost.com in the story), when exactly one other publisher of
    the story goes by that masthead and the crediting member's own does not."""
    key = credit.key
    if key is None or key not in MASTHEADS or names_any(key, own_keys):
        return credit
    if any(key in info.source_keys for info in others):
        return credit
    named = {
        (k, info.source_display)
        for info in others
        for k in info.source_keys
        if k != key and _goes_by(k, key)
    }
    if len({k for k, _ in named}) != 1 or len({d for _, d in named}) != 1:
        return credit
    ((target, display),) = named
    return replace(credit, key=target, publisher=display)
