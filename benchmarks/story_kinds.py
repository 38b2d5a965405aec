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

- ``roundup``: a wire story in the store with zero to three copies, like a plain one, and then,
  for every two or three such stories, a *round-up* (Reuters' "NEWS HIGHLIGHTS", a daily
  wrap-up): a later article, by the wire itself or by a copier, made of each story's lead
  paragraph (and a few leads of stories not in the store). Truth: each story's own earliest
  article is its origin; the round-up is a copy in each (it is recorded in the first story's
  truth only, one story per article, so a round-up that glues its stories together shows in
  the story ARI; its ledger is not scored). On real Reuters the round-ups were named the
  origin of the stories whose leads they merge: a round-up holds all of each story's shared
  text, so containment favours it.

All take their clocks from the story's clock family like any other story, so they come with a
publication time, without one (the "dropout" family, or the archive stripped of its clocks in
``fit_origin.py``) or with stamps that order nothing ("crawl").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from clocks import StoryClock, member_clock
from clocks import clock as clock_of
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
    roundups: list[tuple[_Story, list[str], str]] = []
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
        elif kind == "roundup":
            roundups.append(_roundup_item(plan, story, sites, rng, pool))
        else:
            raise ValueError(f"simulator: unknown story kind {kind!r}")
    _roundups(plan, roundups, sites, rng, pool)


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
    n, title, published = story.n, story.title, story.published
    wire = _wire_site()
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


def _wire_site() -> Site:
    from simulator import Site

    return Site(
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


def _roundup_item(
    plan: Plan, story: _Story, sites: list[Site], rng: random.Random, pool: list[str]
) -> tuple[_Story, list[str], str]:
    """A stored wire story and its copies, as a plain story makes them: (the story, the wire's
    text, its key), for a later round-up to take the lead of."""
    n = story.n
    text = list(story.body)
    if rng.random() < 0.6:
        text[0] = f"{rng.choice(CITIES)} (Reuters) - {text[0]}"
    key = f"reuters:{n}"
    stamp = member_clock(story.story_clock, story.published, rng)
    seen = story.published + timedelta(minutes=rng.randint(5, 90))
    plan.records.append(
        (seen, record("reuters", WIRE, "reuters.com", key, story.title, text, stamp))
    )
    plan.origin_key[n] = key
    plan.story_of[key] = n
    for c, site in enumerate(rng.sample(sites, rng.randint(0, 3))):
        _copy(
            plan,
            story,
            f"{c}",
            site,
            text,
            story.title,
            rng,
            pool,
            credit=(False, site.credit),
            origin_url=f"https://reuters.com/{n}",
        )
    return story, text, key


def _roundups(
    plan: Plan,
    items: list[tuple[_Story, list[str], str]],
    sites: list[Site],
    rng: random.Random,
    pool: list[str],
) -> None:
    """One round-up for every two or three consecutive round-up stories: the lead paragraph of
    each, in order, among leads of stories not in the store (pool paragraphs), published one
    to eight hours after the latest of them, by the wire (mostly) or a copier."""
    at = 0
    while len(items) - at >= 2:
        size = 2 if len(items) - at < 4 else rng.choice((2, 3))
        group = items[at : at + size]
        at += size
        outlet = _wire_site() if rng.random() < 0.7 else rng.choice(sites)
        leads = []
        for _story, text, _key in group:
            lead = text[0]
            if rng.random() < 0.5:  # round-ups often drop the item's dateline
                lead = lead.split(" (Reuters) - ", 1)[-1]
            leads.append(lead)
        body = [*leads, *(pool.pop() for _ in range(rng.randint(0, 2)))]
        rng.shuffle(body)
        latest = max(story.published for story, _text, _key in group)
        true_time = latest + timedelta(minutes=rng.randint(60, 480))
        first = group[0][0]
        claimed = clock_of(first.clock, latest, true_time, rng)
        if first.story_clock.kind in ("dropout", "crawl"):
            claimed = member_clock(first.story_clock, claimed, rng)
        title = (
            f"REUTER NEWS HIGHLIGHTS {true_time:%H}00 GMT"
            if outlet.display == WIRE
            else f"{outlet.display} daily wrap-up"
        )
        key = f"{outlet.name}:{first.n}-roundup"
        if outlet.promo:
            body.insert(len(body) // 2, outlet.promo)
        if outlet.footer:
            body.append(outlet.footer)
        seen = true_time + timedelta(minutes=rng.randint(5, 90))
        plan.records.append(
            (
                seen,
                record(outlet.name, outlet.display, outlet.domain, key, title, body, claimed),
            )
        )
        plan.story_of[key] = first.n
        plan.roundups[key] = tuple(story.n for story, _text, _key in group)
