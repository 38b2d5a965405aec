"""Story kinds of the development families besides "the wire's story and its copies".

- ``uncredited_wire``: a wire story that is not in the store, copied by two to five outlets of
  which none credits it, links to it or keeps its dateline (most of ECB+'s reprints are such
  copies). Its truth is *unknowable*: nothing in the store says who wrote the text, so the
  right answer is "origin unknown", and naming a member is right only as a claim the story
  itself calls unlikely (below 0.5; ``bench_syndication.py`` scores it so).
- ``self_reuse``: an outlet (the wire or one of the copier sites) publishes a story and, one to
  twelve hours later, a second article of its own that reuses the first one's text (an update
  with a paragraph or two added or dropped, or the same text sent again); zero to two other
  outlets copy the first one, crediting the outlet as often as they usually credit. Truth: the
  earlier article.

Both take their clocks from the story's clock family like any other story, so they come with a
publication time, without one (the "dropout" family, or the archive stripped of its clocks in
``fit_origin.py``) or with stamps that order nothing ("crawl").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from clocks import StoryClock, member_clock
from clocks import story_clock as clock_of_story
from distractors import record

if TYPE_CHECKING:
    from simulator import Plan, Site

WIRE = "Reuters"
CITIES = ("NEW YORK", "LONDON", "TOKYO", "CHICAGO", "WASHINGTON", "FRANKFURT", "SYDNEY")


@dataclass(frozen=True)
class _Story:
    """One story of a kind: its number, the wire text it starts from, and its clocks."""

    n: int
    title: str
    body: list[str]
    published: datetime
    clock: str
    story_clock: StoryClock


def add_story_kinds(
    plan: Plan,
    sites: list[Site],
    kinds: list[str],
    origins: list[tuple[str, list[str]]],
    pool: list[str],
    rng: random.Random,
    base: datetime,
    first: int,
) -> None:
    """One story of each of ``kinds`` per origin text, numbered from ``first`` on (after the
    plain stories)."""
    for k, (kind, (title, body)) in enumerate(zip(kinds, origins, strict=True)):
        n = first + k
        plan.kind_of[n] = kind
        published = base + timedelta(minutes=37 * n)
        clock = rng.choice(plan.families.clocks)
        plan.families_used["clocks"].add(clock)
        story = _Story(n, title, body, published, clock, clock_of_story(clock, published, rng))
        if kind == "uncredited_wire":
            _uncredited_wire(plan, story, sites, rng, pool)
        elif kind == "self_reuse":
            _self_reuse(plan, story, sites, rng, pool)
        else:
            raise ValueError(f"simulator: unknown story kind {kind!r}")


def _copy(
    plan: Plan,
    story: _Story,
    tag: str,
    site: Site,
    text: list[str],
    title: str,
    rng: random.Random,
    pool: list[str],
    **how: Any,
) -> None:
    from simulator import add_copy

    add_copy(
        plan,
        story.n,
        tag,
        site,
        text,
        title,
        story.published,
        story.clock,
        story.story_clock,
        rng,
        pool,
        **how,
    )


def _uncredited_wire(
    plan: Plan, story: _Story, sites: list[Site], rng: random.Random, pool: list[str]
) -> None:
    plan.origin_key[story.n] = None
    plan.unknowable.add(story.n)
    for c, site in enumerate(rng.sample(sites, rng.randint(2, 5))):
        # no dateline: nothing in a copy names the wire
        _copy(
            plan,
            story,
            f"{c}",
            site,
            story.body,
            story.title,
            rng,
            pool,
            credit=None,
            origin_url="",
        )


def _self_reuse(
    plan: Plan, story: _Story, sites: list[Site], rng: random.Random, pool: list[str]
) -> None:
    from simulator import Site

    n, title, published = story.n, story.title, story.published
    wire = Site(
        name="reuters",
        display=WIRE,
        domain="reuters.com",
        habit="faithful",
        drop=0.0,
        edit=0.0,
        reorder=0.0,
        own=1,
        credit=0.0,
        strip_dateline=0.0,
        footer="",
        promo="",
    )
    outlet = rng.choice([wire, *sites])
    text = list(story.body)
    if outlet is wire and rng.random() < 0.6:
        text[0] = f"{rng.choice(CITIES)} (Reuters) - {text[0]}"
    earlier = [*text[: len(text) // 2], outlet.promo, *text[len(text) // 2 :], outlet.footer]
    key = f"{outlet.name}:{n}"
    stamp = member_clock(story.story_clock, published, rng)
    seen = published + timedelta(minutes=rng.randint(5, 90))
    plan.records.append(
        (
            seen,
            record(
                outlet.name,
                outlet.display,
                outlet.domain,
                key,
                title,
                [p for p in earlier if p],
                stamp,
            ),
        )
    )
    plan.origin_key[n] = key
    plan.story_of[key] = n
    # the update: the outlet's own text again, a little trimmed or edited, maybe with news added
    update = replace(
        outlet,
        habit="self_update",
        drop=rng.choice((0.0, 0.1, 0.25)),
        edit=rng.choice((0.0, 0.1)),
        reorder=0.0,
        own=rng.choice((0, 1, 2)),
        strip_dateline=0.0,
    )
    _copy(
        plan,
        story,
        "update",
        update,
        text,
        f"UPDATE 1-{title}" if outlet is wire else title,
        rng,
        pool,
        credit=None,
        origin_url="",
        lag_minutes=(60, 720),
    )
    others = [s for s in sites if s is not outlet]
    url = f"https://{outlet.domain}/{n}"
    for c, site in enumerate(rng.sample(others, rng.randint(0, 2))):
        _copy(
            plan,
            story,
            f"{c}",
            site,
            text,
            title,
            rng,
            pool,
            credit=(False, site.credit),
            origin_url=url,
            credited_name=outlet.display,
        )
