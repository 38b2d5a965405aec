"""Syndication simulated over Reuters text, as families of habits kept apart for development and
for reporting.

A *family* is one way of doing one thing: a copier habit, a credit wording, an edit, a clock, a
distractor. :data:`DEV` lists the families the code was written and fitted against;
:data:`HELD_OUT` lists families that nothing was tuned on: every reported figure says which it
was measured on. The Reuters stories are split too (by a hash of the title, about a third held
out), so a held-out run also uses base text never seen in development.

What each copy did to its origin is recorded sentence by sentence, as shares of the origin's
words: **kept** (the sentence reappears verbatim), **edited** (it reappears with words changed:
a swap, a stripped dateline), **rewritten** (said again in other words: same names, numbers and
content words), **dropped**; **added** is the share of the copy's own words that are its own.
Boilerplate (footer, promo box, a stock credit line) is neither.

Distractors are articles that must not be called copies of each other: independent reports
sharing one quoted statement, outlets quoting one public document, market templates filled in
with other figures. Each is its own story in the truth.
"""

from __future__ import annotations

import random
import re
import sys
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clocks import StoryClock, member_clock  # noqa: E402
from clocks import clock as clock_of  # noqa: E402
from clocks import story_clock as clock_of_story  # noqa: E402
from distractors import add_distractors, record  # noqa: E402
from edits import Tally, cut_and_paste, edit_paragraph  # noqa: E402

from dedup.records import ArticleRecord  # noqa: E402
from dedup.stories.runs import words  # noqa: E402
from dedup.text.sentences import sentences  # noqa: E402

REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
WIRE = "Reuters"


@dataclass(frozen=True)
class Families:
    name: str
    habits: tuple[str, ...]
    credits: tuple[str, ...]
    edits: tuple[str, ...]
    clocks: tuple[str, ...]
    distractors: tuple[str, ...]
    text_split: str  # which Reuters stories: "dev" or "test"
    # Story kinds besides "the wire's story and its copies" (:mod:`story_kinds`): dev only.
    kinds: tuple[str, ...] = ()
    sites: str = ""  # whose site names (a key of _NAMES) when not its own name's (a probe's)


DEV = Families(
    name="dev",
    habits=("faithful", "trimmer", "swapper"),
    credits=("reports_colon", "according", "via_paren", "first_appeared", "read_full_link"),
    edits=("swap", "cut", "append", "synonyms"),
    clocks=("honest", "liar", "dropout", "crawl"),
    distractors=("unrelated", "shared_quote"),
    text_split="dev",
    kinds=("uncredited_wire", "self_reuse", "roundup"),
)
HELD_OUT = Families(
    name="held-out",
    habits=("shuffler", "cutpaster", "heavy"),
    credits=(
        "originally_published",
        "source_colon",
        "courtesy",
        "republished",
        "copyright_line",
        "link_only",
    ),
    edits=("merge", "split", "clauses", "cut"),
    clocks=("same_stamp", "missing", "zone_shift"),
    distractors=("unrelated", "public_document", "market_template", "shared_quote_told"),
    text_split="test",
)
# A probe of one habit no development family has: every copier puts its own paragraphs
# between the ones it took (commentary inside the story), where DEV's and HELD_OUT's
# copiers put them before or after. The origin model's ``unshared_inside`` (v7, capped in v8)
# reads where a member's unshared text stands; this says whether it holds when copies break
# that rule.
HELD_OUT_INSIDE = replace(
    HELD_OUT, name="held-out-inside", habits=("interleaver",), sites="held-out"
)
# Its development twin, for tuning what reads that habit (never for fitting the origin model,
# whose fit reads DEV alone): half the copiers annotate inside what they took, half trim.
DEV_INSIDE = replace(DEV, name="dev-inside", habits=("annotator", "trimmer"), sites="dev")

# One story of each kind per this many plain stories. An uncredited absent wire is a prior, not a
# measured rate: about as many as the plain stories with no credit, dateline or link (about one
# in forty), so that where nothing names an origin, a member origin and an absent one are
# about equally likely (a coin, as the cap of 0.5 it replaces said by hand).
KIND_EVERY = {"uncredited_wire": 40, "self_reuse": 8, "roundup": 10}

_CREDIT_LINES = {
    "reports_colon": "{} reports:",
    "according": "According to {}, the details are as follows.",
    "via_paren": "(via {})",
    "first_appeared": "This story first appeared on {}.",
    "read_full_link": "Read the full story here.",
    "originally_published": "This article was originally published by {}.",
    "source_colon": "Source: {}",
    "courtesy": "Story courtesy of {}.",
    "republished": "Republished with permission from {}.",
    "copyright_line": "Copyright 2024 {}. All rights reserved.",
    "link_only": "",
}
_LINK_CREDITS = frozenset({"read_full_link", "link_only"})


@dataclass(frozen=True)
class Site:
    name: str
    display: str
    domain: str
    habit: str
    drop: float
    edit: float
    reorder: float
    own: int
    credit: float
    strip_dateline: float
    footer: str
    promo: str


@dataclass
class Truth:
    """What the simulation did to one copy (shares of the origin's words; added of the copy's)."""

    key: str
    story: int
    kept: float
    edited: float
    rewritten: float
    dropped: float
    added: float


@dataclass
class Plan:
    families: Families
    records: list[tuple[datetime, ArticleRecord]] = field(default_factory=list)
    story_of: dict[str, int] = field(default_factory=dict)  # copy/origin key -> story number
    origin_key: dict[int, str | None] = field(default_factory=dict)  # None: left out
    truths: list[Truth] = field(default_factory=list)
    distractors: set[str] = field(default_factory=set)  # keys that are no one's copy
    families_used: dict[str, set[str]] = field(default_factory=dict)
    kind_of: dict[int, str] = field(default_factory=dict)  # story -> its kind, if not plain
    unknowable: set[int] = field(default_factory=set)  # stories whose origin no one can know
    roundups: dict[str, tuple[int, ...]] = field(default_factory=dict)  # key -> stories merged


# ----------------------------------------------------------------------------- corpus


def _split_of(title: str) -> str:
    return "test" if zlib.crc32(title.encode()) % 3 == 0 else "dev"


def reuters_stories(split: str, limit_files: int = 8) -> list[tuple[str, list[str]]]:
    """(title, body paragraphs) of Reuters stories in one text split, without datelines."""
    from dedup.ingest import reuters
    from dedup.text.paragraphs import build_paragraphs

    files = sorted(REUTERS.glob("reut2-*.sgm"))
    if not files:
        sys.exit(f"simulator: no reut2-*.sgm under {REUTERS}; put ../shared beside the checkout")
    out = []
    for path in files[:limit_files]:
        for entry in reuters.read_entries(path.read_bytes().decode("latin-1")):
            if not entry.title or _split_of(entry.title) != split:
                continue
            paragraphs = [
                p.text for p in build_paragraphs(entry.blocks, entry.title) if p.kind == "body"
            ]
            out.append((entry.title, paragraphs))
    return out


def _shingles(text: str, n: int = 8) -> set[int]:
    keys = words(text)
    return {hash(tuple(keys[i : i + n])) for i in range(len(keys) - n + 1)}


def _wordy(paragraph: str) -> bool:
    keys = words(paragraph)
    return len(keys) >= 12 and sum(k.isalpha() for k in keys) / len(keys) > 0.8


def _select(
    corpus: list[tuple[str, list[str]]], stories: int, unrelated: int, rng: random.Random
) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]], list[str]]:
    """Origins, unrelated articles and a pool of own paragraphs, sharing no 8-word run."""
    seen: set[int] = set()
    origins, others, pool = [], [], []
    order = list(range(len(corpus)))
    rng.shuffle(order)

    def fresh(texts: list[str]) -> bool:
        got = set().union(*(_shingles(t) for t in texts)) if texts else set()
        if got & seen:
            return False
        seen.update(got)
        return True

    for i in order:
        title, paragraphs = corpus[i]
        body = [p for p in paragraphs if _wordy(p)]
        if len(origins) < stories and 5 <= len(body) <= 14 and len(body) == len(paragraphs):
            if fresh(body):
                origins.append((title, body))
        elif len(others) < unrelated and 3 <= len(body) <= 14 and len(body) == len(paragraphs):
            if fresh(body):
                others.append((title, body))
        elif len(pool) < stories * 16:
            pool.extend(p for p in body if fresh([p]))
        if len(origins) >= stories and len(others) >= unrelated and len(pool) >= stories * 16:
            break
    if len(origins) < stories:
        sys.exit(f"simulator: only {len(origins)} usable origin stories")
    return origins, others, pool


_NAMES = {
    "dev": (
        "Daily Ledger",
        "Market Pulse",
        "Capital Notes",
        "Trade Wire Digest",
        "Harbor Business",
        "Prairie Commodities",
        "Metro Money",
        "Global Brief",
    ),
    "held-out": (
        "Finance Desk",
        "The Exchange Post",
        "Northern Investor",
        "Sunbelt Markets",
        "Riverside Courier",
        "Bay Area Economist",
        "Lakeshore Observer",
        "Highland Bulletin",
    ),
}

_HABITS = {
    # habit: (drop, edit, reorder, own paragraphs)
    "faithful": ((0.0, 0.1), (0.0, 0.15), (0.0,), (0, 1)),
    "trimmer": ((0.3, 0.45), (0.0, 0.15), (0.0,), (0, 1)),
    "swapper": ((0.05, 0.15), (0.3, 0.5), (0.0, 0.3), (1, 2)),
    "shuffler": ((0.05, 0.2), (0.2, 0.4), (0.5,), (0, 2)),
    "cutpaster": ((0.1, 0.3), (0.0,), (0.0,), (0, 1)),
    "heavy": ((0.2, 0.35), (0.5, 0.6), (0.3,), (2, 3)),
    "interleaver": ((0.05, 0.2), (0.1, 0.3), (0.0,), (1, 3)),
    "annotator": ((0.0, 0.15), (0.0, 0.2), (0.0,), (1, 2)),
}
# habits whose own paragraphs go between taken ones, not before or after them
_INSIDE = frozenset({"interleaver", "annotator"})


def _sites(families: Families, rng: random.Random) -> list[Site]:
    sites = []
    for n, display in enumerate(_NAMES[families.sites or families.name]):
        slug = re.sub(r"\W", "", display.lower())
        habit = families.habits[n % len(families.habits)]
        drop, edit, reorder, own = _HABITS[habit]
        sites.append(
            Site(
                name=slug,
                display=display,
                domain=f"{slug}.example",
                habit=habit,
                drop=rng.choice(drop),
                edit=rng.choice(edit),
                reorder=rng.choice(reorder),
                own=rng.choice(own),
                credit=rng.choice((0.3, 0.7, 1.0)),
                strip_dateline=rng.choice((0.0, 0.5, 1.0)),
                footer=f"{display} is an independent publication serving readers since {1980 + n}. "
                f"Tips and corrections go to the newsroom at {slug}.example.",
                promo=f"Sign up for the {display} morning briefing: the day's markets in five "
                f"minutes, free, every weekday.",
            )
        )
    return sites


# ----------------------------------------------------------------------------- edits


def copy_story(
    origin: list[str],
    site: Site,
    families: Families,
    rng: random.Random,
    pool: list[str],
) -> tuple[list[str], Tally]:
    """A copy's body paragraphs (boilerplate not yet added) and what it did to the origin."""
    tally = Tally()
    if site.habit == "cutpaster":
        body = cut_and_paste(origin, 1.0 - site.drop, rng, tally)
    else:
        body = []
        for i, paragraph in enumerate(origin):
            if i > 0 and rng.random() < site.drop:
                continue
            text = paragraph
            if i == 0 and "(Reuters)" in text and rng.random() < site.strip_dateline:
                text = re.sub(r"^.*?\(Reuters\)\s*-\s*", "", text)
                _first, *rest = sentences(text)
                tally.edited += len(words(paragraph)) - sum(len(words(r)) for r in rest)
                tally.kept += sum(len(words(r)) for r in rest)
                body.append(text)
                continue
            kind = rng.choice(families.edits) if rng.random() < site.edit else "none"
            if kind in ("merge", "split", "none") or (kind == "cut" and len(sentences(text)) < 2):
                tally.kept += len(words(text))
                if kind == "merge" and body:
                    body[-1] = body[-1] + " " + text
                    continue
                if kind == "split" and len(sentences(text)) > 1:
                    parts = sentences(text)
                    at = rng.randrange(1, len(parts))
                    body.extend((" ".join(parts[:at]), " ".join(parts[at:])))
                    continue
                body.append(text)
                continue
            body.append(edit_paragraph(text, kind, rng, pool, tally))
        if len(body) > 2 and rng.random() < site.reorder:
            j = rng.randrange(1, len(body) - 1)
            body[j], body[j + 1] = body[j + 1], body[j]
    inside = site.habit in _INSIDE
    for _ in range(rng.randint(1 if inside else 0, site.own)):
        text = pool.pop()
        tally.own += len(words(text))
        if inside and len(body) >= 2:
            body.insert(rng.randint(1, len(body) - 1), text)
        else:
            body.insert(rng.choice((0, len(body))), text)
    return body, tally


# ----------------------------------------------------------------------------- records


def add_copy(
    plan: Plan,
    n: int,
    tag: str,
    site: Site,
    origin: list[str],
    title: str,
    published: datetime,
    clock: str,
    story_clock: StoryClock,
    rng: random.Random,
    pool: list[str],
    *,
    credit: tuple[bool, float] | None,
    origin_url: str,
    credited_name: str = WIRE,
    lag_minutes: tuple[int, int] = (10, 720),
) -> None:
    """One copy of story ``n``'s ``origin`` by ``site``, with its truth and its record.

    ``credit``: (always, chance) that the copy credits ``credited_name``; None: it never does.
    """
    used = plan.families_used
    used["habits"].add(site.habit)
    copy, tally = copy_story(origin, site, plan.families, rng, pool)
    links: tuple[tuple[str, str | None], ...] = ()
    if credit is not None and (credit[0] or rng.random() < credit[1]):
        wording = rng.choice(plan.families.credits)
        used["credits"].add(wording)
        line = _CREDIT_LINES[wording].format(credited_name)
        if wording in _LINK_CREDITS:
            links = ((origin_url, "here" if line else credited_name),)
        if line:
            copy.insert(rng.choice((0, len(copy))), line)
    if site.promo:
        copy.insert(len(copy) // 2, site.promo)
    if site.footer:
        copy.append(site.footer)
    true_time = published + timedelta(minutes=rng.randint(*lag_minutes))
    claimed = clock_of(clock, published, true_time, rng)
    if story_clock.kind in ("dropout", "crawl"):
        claimed = member_clock(story_clock, claimed, rng)
    copy_key = f"{site.name}:{n}-{tag}"
    total = sum(len(words(p)) for p in origin)
    own_total = tally.own + tally.kept + tally.edited + tally.rewritten
    plan.truths.append(
        Truth(
            key=copy_key,
            story=n,
            kept=tally.kept / total,
            edited=tally.edited / total,
            rewritten=tally.rewritten / total,
            dropped=1.0 - (tally.kept + tally.edited + tally.rewritten) / total,
            added=tally.own / own_total if own_total else 0.0,
        )
    )
    headline = title if rng.random() < 0.5 else f"{title.title()} - {site.display}"
    seen = true_time + timedelta(minutes=rng.randint(5, 90))
    plan.records.append(
        (
            seen,
            record(site.name, site.display, site.domain, copy_key, headline, copy, claimed, links),
        )
    )
    plan.story_of[copy_key] = n


def plan_run(families: Families, stories: int, unrelated: int, seed: int) -> Plan:
    """A simulated store: ``stories`` syndicated stories and distractors, from one family set."""
    rng = random.Random(seed)
    corpus = reuters_stories(families.text_split)
    kinds = [k for k in families.kinds for _ in range(max(1, stories // KIND_EVERY[k]))]
    origins, others, pool = _select(corpus, stories + 8 + len(kinds), unrelated, rng)
    extra = origins[stories : stories + 8]
    kind_origins = origins[stories + 8 :]
    origins = origins[:stories]
    sites = _sites(families, rng)
    plan = Plan(families)
    used = plan.families_used = {k: set() for k in ("habits", "credits", "edits", "clocks")}
    base = datetime(2024, 3, 4, 6, tzinfo=UTC)
    cities = ("NEW YORK", "LONDON", "TOKYO", "CHICAGO", "WASHINGTON", "FRANKFURT", "SYDNEY")
    for n, (title, body) in enumerate(origins):
        dateline = rng.random() < 0.6
        city = rng.choice(cities)
        origin = [f"{city} (Reuters) - {body[0]}" if dateline else body[0], *body[1:]]
        published = base + timedelta(minutes=37 * n)
        stored = rng.random() >= 0.25
        key = f"reuters:{n}"
        origin_url = f"https://reuters.com/{n}"
        plan.origin_key[n] = key if stored else None
        if stored:
            seen = published + timedelta(minutes=rng.randint(5, 90))
            plan.records.append(
                (seen, record("reuters", WIRE, "reuters.com", key, title, origin, published))
            )
            plan.story_of[key] = n
        clock = rng.choice(families.clocks)
        used["clocks"].add(clock)
        # drawn only for the story-wide families, so other families' random streams (the
        # held-out ones) are the same as before these were added
        story_clock = clock_of_story(clock, published, rng)
        if stored and story_clock.kind in ("dropout", "crawl"):
            seen_at, wire = plan.records[-1]
            stamp = member_clock(story_clock, wire.published, rng)
            plan.records[-1] = (seen_at, replace(wire, published=stamp))
        copiers = rng.sample(sites, rng.randint(1 if stored else 2, 5))
        # a left-out origin is named by its copies' credits: at least one carries one
        credited = rng.randrange(len(copiers)) if not stored else -1
        for c, site in enumerate(copiers):
            chance = 0.85 if not stored else site.credit
            add_copy(
                plan,
                n,
                f"{c}",
                site,
                origin,
                title,
                published,
                clock,
                story_clock,
                rng,
                pool,
                credit=(c == credited, chance),
                origin_url=origin_url,
            )
    if kind_origins:
        from story_kinds import add_story_kinds

        add_story_kinds(plan, sites, kinds, kind_origins, pool, rng, base, len(origins))
    add_distractors(plan, families, sites, others, extra, pool, rng, base)
    return plan
