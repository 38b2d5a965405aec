"""The simulator's clock families: what each member's publication stamp says.

Per story (:func:`story_clock`): the dev families that leave stories wholly or partly without
publication times ("dropout"), or with stamps that say nothing of who was first ("crawl"). Per
member (:func:`clock`): honest, lying, day-only, missing or read in the wrong time zone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class StoryClock:
    """What one story's clock family decided for all its members (the wire's too): the dev
    families that leave stories wholly or partly without publication times, or with stamps
    that say nothing of who was first."""

    kind: str
    lost: float = 0.0  # "dropout": each member's stamp is lost with this probability
    crawled: datetime | None = None  # "crawl": when an archive's crawler began fetching


def story_clock(kind: str, published: datetime, rng: random.Random) -> StoryClock:
    if kind == "dropout":
        # archives lose dates unevenly: some stories keep all, some none
        return StoryClock(kind, lost=rng.random())
    if kind == "crawl":
        return StoryClock(kind, crawled=published + timedelta(hours=rng.randint(24, 72)))
    return StoryClock(kind)


def member_clock(story: StoryClock, stamp: datetime | None, rng: random.Random) -> datetime | None:
    """A member's stamp under a story-wide clock family: "dropout" loses each stamp on its
    own; "crawl" replaces it by the time the crawler fetched the page, in an order that has
    nothing to do with who published first."""
    if story.kind == "dropout":
        return None if rng.random() < story.lost else stamp
    if story.crawled is not None:
        return story.crawled + timedelta(minutes=rng.randint(0, 180))
    return stamp


def clock(
    kind: str, published: datetime, true_time: datetime, rng: random.Random
) -> datetime | None:
    if kind == "liar" and rng.random() < 0.3:
        return published - timedelta(hours=rng.randint(1, 8))
    if kind == "same_stamp":
        return published.replace(hour=0, minute=0)  # a feed that gives the day only
    if kind == "missing":
        return None
    if kind == "zone_shift" and rng.random() < 0.5:
        return true_time - timedelta(hours=rng.choice((5, 8, 9)))  # local time read as UTC
    return true_time
