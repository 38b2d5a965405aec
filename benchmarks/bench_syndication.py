"""Simulated syndication over Reuters stories: are origins, ledgers and stories right?

Run from the repository root (reads ../shared/data/reuters21578, never copies it):

    .venv/bin/python benchmarks/bench_syndication.py                 # 150 stories, both modes
    .venv/bin/python benchmarks/bench_syndication.py --stories 300 --seed 7

Each Reuters story chosen as an origin (with its "CITY (Reuters) -" dateline) is republished by
two to six copier sites, each site with its own habits: how much it drops, how often it edits
a paragraph (words swapped, a sentence cut, a sentence appended), whether it reorders, adds
paragraphs of its own, credits Reuters (and how), strips the dateline, and a footer and a promo
box on every article. Some copiers' clocks run ahead of the origin's (their ``published``
precedes it). In a fifth of the stories the origin is left out of the store, and the copies'
credit lines are all that name it. Unrelated Reuters stories are stored beside them.

The whole pipeline runs (extract, index, passages, stories), then the figures are compared with
the ground truth the simulation knows:

- origin accuracy: the story's origin article (or "Reuters", external, when left out);
- mean absolute error of kept, edited, dropped (shares of the origin's words) and added
  (share of the copy's own words, templates excluded), over every copy;
- adjusted Rand index of the stories over all stored articles (unrelated ones as singletons).

Two modes: ``polled`` (each article first seen when a poll would find it: our own clock is
one more piece of evidence) and ``archive`` (everything imported at once: no such evidence).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.progress import NullProgress  # noqa: E402
from dedup.records import ArticleRecord  # noqa: E402
from dedup.store.articles import save_articles  # noqa: E402
from dedup.store.models import Article  # noqa: E402
from dedup.stories.align import sentences, words  # noqa: E402
from dedup.text.extract import extract_text  # noqa: E402

REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
TARGET_ORIGIN = 0.95
TARGET_MAE = 0.05
TARGET_ARI = 0.95

_SUBSTITUTES = ("reportedly", "notably", "also", "still", "however", "meanwhile", "indeed")
_CREDITS = (
    "{} reports:",
    "According to {}, the details are as follows.",
    "(via {})",
    "This story first appeared on {}.",
    "Read the full story at {}.",
    "{} first reported the news on its wire service.",
)


@dataclass(frozen=True)
class Site:
    name: str
    display: str
    domain: str
    drop: float  # chance to drop each origin paragraph after the first
    edit: float  # chance to edit a kept paragraph
    reorder: float  # chance to swap two kept paragraphs
    own: int  # most paragraphs of its own added
    credit: float  # chance to carry a credit line when the origin is stored
    strip_dateline: float
    footer: str
    promo: str


@dataclass
class Truth:
    """What the simulation did to one copy."""

    key: str
    story: int
    kept: float
    edited: float
    dropped: float
    added: float


@dataclass
class Plan:
    records: list[tuple[datetime, ArticleRecord]] = field(default_factory=list)
    story_of: dict[str, int] = field(default_factory=dict)  # article key -> story number
    origin_key: dict[int, str | None] = field(default_factory=dict)  # None: left out
    truths: list[Truth] = field(default_factory=list)


# ----------------------------------------------------------------------------- corpus


def _reuters() -> list[tuple[str, list[str], datetime]]:
    from dedup.ingest import reuters
    from dedup.text.paragraphs import build_paragraphs

    files = sorted(REUTERS.glob("reut2-*.sgm"))
    if not files:
        sys.exit(f"bench_syndication: no reut2-*.sgm under {REUTERS}; put ../shared beside")
    out = []
    for path in files[:8]:
        text = path.read_bytes().decode("latin-1")
        for entry in reuters.read_entries(text):
            if not entry.title or entry.published is None:
                continue
            paragraphs = [
                p.text for p in build_paragraphs(entry.blocks, entry.title) if p.kind == "body"
            ]
            out.append((entry.title, paragraphs, entry.published))
    return out


def _shingles(text: str, n: int = 8) -> set[int]:
    keys = words(text)
    return {hash(tuple(keys[i : i + n])) for i in range(len(keys) - n + 1)}


def _wordy(paragraph: str) -> bool:
    keys = words(paragraph)
    return len(keys) >= 12 and sum(k.isalpha() for k in keys) / len(keys) > 0.8


def _select(
    corpus: list[tuple[str, list[str], datetime]], stories: int, unrelated: int, rng: random.Random
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
        title, paragraphs, _ = corpus[i]
        body = [p for p in paragraphs if _wordy(p)]
        if len(origins) < stories and 5 <= len(body) <= 14 and len(body) == len(paragraphs):
            if fresh(body):
                origins.append((title, body))
        elif len(others) < unrelated and 3 <= len(body) <= 14 and len(body) == len(paragraphs):
            if fresh(body):
                others.append((title, body))
        elif len(pool) < stories * 12:
            pool.extend(p for p in body if fresh([p]))
        if len(origins) >= stories and len(others) >= unrelated and len(pool) >= stories * 12:
            break
    if len(origins) < stories:
        sys.exit(f"bench_syndication: only {len(origins)} usable origin stories")
    return origins, others, pool


def _sites(rng: random.Random) -> list[Site]:
    names = (
        "Daily Ledger",
        "Market Pulse",
        "Capital Notes",
        "Trade Wire Digest",
        "Harbor Business",
        "Prairie Commodities",
        "Metro Money",
        "Global Brief",
        "Finance Desk",
        "The Exchange Post",
        "Northern Investor",
        "Sunbelt Markets",
    )
    sites = []
    for n, display in enumerate(names):
        slug = re.sub(r"\W", "", display.lower())
        sites.append(
            Site(
                name=slug,
                display=display,
                domain=f"{slug}.example",
                drop=rng.choice((0.05, 0.15, 0.3, 0.45)),
                edit=rng.choice((0.0, 0.15, 0.3, 0.5)),
                reorder=rng.choice((0.0, 0.0, 0.3)),
                own=rng.choice((0, 1, 2, 3)),
                credit=rng.choice((0.0, 0.3, 0.7, 1.0)),
                strip_dateline=rng.choice((0.0, 0.5, 1.0)),
                footer=f"{display} is an independent publication serving readers since {1980 + n}. "
                f"Tips and corrections go to the newsroom at {slug}.example.",
                promo=f"Sign up for the {display} morning briefing: the day's markets in five "
                f"minutes, free, every weekday.",
            )
        )
    return sites


# ----------------------------------------------------------------------------- copying


def _swap_words(text: str, rng: random.Random) -> str:
    tokens = text.split()
    for i in range(rng.randrange(4), len(tokens), 8):
        tokens[i] = rng.choice(_SUBSTITUTES)
    return " ".join(tokens)


def _edit(paragraph: str, rng: random.Random, pool: list[str]) -> tuple[str, int, int, int]:
    """(new text, origin words edited, origin words dropped, own words added)."""
    total = len(words(paragraph))
    parts = sentences(paragraph)
    kind = (
        rng.choice(("swap", "cut", "append")) if len(parts) > 1 else rng.choice(("swap", "append"))
    )
    if kind == "swap":
        return _swap_words(paragraph, rng), total, 0, 0
    if kind == "cut":
        cut = rng.randrange(len(parts))
        lost = len(words(parts[cut]))
        kept = " ".join(p for i, p in enumerate(parts) if i != cut)
        return kept, total - lost, lost, 0
    extra = sentences(pool.pop())[0]
    return paragraph + " " + extra, total, 0, len(words(extra))


def _copy(
    story: int,
    origin: list[str],
    site: Site,
    stored: bool,
    rng: random.Random,
    pool: list[str],
    credit: bool = False,
) -> tuple[list[str], Truth]:
    total = sum(len(words(p)) for p in origin)
    kept_words = edited_words = 0
    own_words = 0
    body: list[str] = []
    for i, paragraph in enumerate(origin):
        if i > 0 and rng.random() < site.drop:
            continue
        text = paragraph
        if i == 0 and "(Reuters)" in text and rng.random() < site.strip_dateline:
            text = re.sub(r"^.*?\(Reuters\)\s*-\s*", "", text)
            stripped = len(words(text))
            edited_words += stripped
            body.append(text)
            continue
        if rng.random() < site.edit:
            text, edited, _dropped, added = _edit(text, rng, pool)
            edited_words += edited
            own_words += added
        else:
            kept_words += len(words(text))
        body.append(text)
    if len(body) > 2 and rng.random() < site.reorder:
        j = rng.randrange(1, len(body) - 1)
        body[j], body[j + 1] = body[j + 1], body[j]
    for _ in range(rng.randint(0, site.own)):
        text = pool.pop()
        own_words += len(words(text))
        body.insert(rng.choice((0, len(body))), text)
    if credit or rng.random() < (0.85 if not stored else site.credit):
        # A stock credit line is the site's boilerplate, like its footer: not added text.
        line = rng.choice(_CREDITS).format("Reuters")
        body.insert(rng.choice((0, len(body))), line)
    body.insert(len(body) // 2, site.promo)
    body.append(site.footer)
    copy_words = own_words + kept_words + edited_words
    truth = Truth(
        key="",
        story=story,
        kept=kept_words / total,
        edited=edited_words / total,
        dropped=1.0 - (kept_words + edited_words) / total,
        added=own_words / copy_words if copy_words else 0.0,
    )
    return body, truth


def _record(
    source: str,
    display: str,
    domain: str,
    key: str,
    title: str,
    paragraphs: list[str],
    published: datetime,
) -> ArticleRecord:
    extracted = extract_text("\n\n".join(paragraphs), title)
    return ArticleRecord(
        source=source,
        key=key,
        title=title,
        text=extracted.text,
        paragraphs=extracted.paragraphs,
        url=f"https://{domain}/{key.split(':')[-1]}",
        published=published,
        site=display,
        domain=domain,
    )


def plan_run(stories: int, unrelated: int, seed: int, dateline: bool = True) -> Plan:
    rng = random.Random(seed)
    corpus = _reuters()
    origins, others, pool = _select(corpus, stories, unrelated, rng)
    sites = _sites(rng)
    plan = Plan()
    base = datetime(2024, 3, 4, 6, tzinfo=UTC)
    cities = ("NEW YORK", "LONDON", "TOKYO", "CHICAGO", "WASHINGTON", "FRANKFURT", "SYDNEY")
    for n, (title, body) in enumerate(origins):
        city = rng.choice(cities)
        origin = [f"{city} (Reuters) - {body[0]}" if dateline else body[0], *body[1:]]
        published = base + timedelta(minutes=37 * n)
        stored = rng.random() >= 0.2
        key = f"reuters:{n}"
        plan.origin_key[n] = key if stored else None
        if stored:
            seen = published + timedelta(minutes=rng.randint(5, 90))
            plan.records.append(
                (seen, _record("reuters", "Reuters", "reuters.com", key, title, origin, published))
            )
            plan.story_of[key] = n
        copiers = rng.sample(sites, rng.randint(2, 6))
        # a left-out origin is named by its copies' credit lines: at least one carries one
        credited = rng.randrange(len(copiers)) if not stored else -1
        for c, site in enumerate(copiers):
            body_copy, truth = _copy(n, origin, site, stored, rng, pool, credit=c == credited)
            delay = timedelta(minutes=rng.randint(10, 720))
            true_time = published + delay
            claimed = true_time
            if rng.random() < 0.15:  # a clock or time zone that lies: before the origin
                claimed = published - timedelta(hours=rng.randint(1, 8))
            copy_key = f"{site.name}:{n}-{c}"
            truth.key = copy_key
            headline = title if rng.random() < 0.5 else f"{title.title()} - {site.display}"
            seen = true_time + timedelta(minutes=rng.randint(5, 90))
            plan.records.append(
                (
                    seen,
                    _record(
                        site.name, site.display, site.domain, copy_key, headline, body_copy, claimed
                    ),
                )
            )
            plan.story_of[copy_key] = n
            plan.truths.append(truth)
    for m, (title, body) in enumerate(others):
        published = base + timedelta(minutes=41 * m + 7)
        plan.records.append(
            (
                published + timedelta(minutes=30),
                _record(
                    "reuters",
                    "Reuters",
                    "reuters.com",
                    f"reuters:other-{m}",
                    title,
                    body,
                    published,
                ),
            )
        )
    return plan


# ----------------------------------------------------------------------------- run + score


def run(plan: Plan, archive: bool) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score
    from sqlalchemy import select

    from dedup.index import analysis
    from dedup.report.queries import list_stories
    from dedup.store.engine import open_store
    from dedup.stories.update import update_stories

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite")
        started = time.perf_counter()
        records = sorted(plan.records, key=lambda r: r[0])
        if archive:
            with store.session() as session:
                save_articles(session, [r for _, r in records])
        else:
            for seen, record in records:
                with store.session() as session:
                    save_articles(session, [record], now=seen)
        analysis.index_new_paragraphs(store, NullProgress())
        with store.session() as session:
            update_stories(session)
        seconds = time.perf_counter() - started
        with store.session() as session:
            ids = dict(session.execute(select(Article.key, Article.id)).all())
            report = list_stories(session).to_dict()
        store.close()

    key_of = {v: k for k, v in ids.items()}
    predicted: dict[str, int] = {}
    figures: dict[str, dict[str, float]] = {}
    origin_of: dict[int, tuple[int | None, bool, str, float]] = {}
    for story in report["stories"]:
        o = story["origin"]
        origin_of[story["id"]] = (o["article_id"], o["external"], o["name"], o["confidence"])
        for a in story["articles"]:
            key = key_of[a["article_id"]]
            predicted[key] = story["id"]
            figures[key] = a

    # Origins: the predicted story holding most of the true story's members decides.
    members: dict[int, list[str]] = defaultdict(list)
    for key, story in plan.story_of.items():
        members[story].append(key)
    right = 0
    right_stored = right_external = stored_n = external_n = 0
    conf_right: list[float] = []
    conf_wrong: list[float] = []
    for story, keys in members.items():
        votes: dict[int, int] = defaultdict(int)
        for key in keys:
            if key in predicted:
                votes[predicted[key]] += 1
        ok = False
        conf = 0.0
        if votes:
            best = max(sorted(votes), key=lambda s: votes[s])
            article_id, external, name, conf = origin_of[best]
            truth = plan.origin_key[story]
            ok = (external and name == "Reuters") if truth is None else article_id == ids[truth]
        stored = plan.origin_key[story] is not None
        stored_n += stored
        external_n += not stored
        right += ok
        right_stored += ok and stored
        right_external += ok and not stored
        (conf_right if ok else conf_wrong).append(conf)

    errors: dict[str, list[float]] = {"kept": [], "edited": [], "dropped": [], "added": []}
    errors_stored: dict[str, list[float]] = {name: [] for name in errors}
    for truth in plan.truths:
        got = figures.get(truth.key)
        for name in errors:
            value = (
                float(got[name])
                if got is not None
                else (0.0 if name in ("kept", "edited") else 1.0)
            )
            err = abs(value - getattr(truth, name))
            errors[name].append(err)
            if plan.origin_key[truth.story] is not None:
                errors_stored[name].append(err)

    all_keys = sorted(ids)
    truth_labels = [plan.story_of.get(k, -1 - i) for i, k in enumerate(all_keys)]
    pred_labels = [predicted.get(k, -1 - i) for i, k in enumerate(all_keys)]
    ari = adjusted_rand_score(truth_labels, pred_labels)
    n = len(members)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return {
        "articles": len(all_keys),
        "stories": n,
        "seconds": seconds,
        "origin": right / n,
        "origin_stored": right_stored / max(1, stored_n),
        "origin_external": right_external / max(1, external_n),
        "stored_n": stored_n,
        "external_n": external_n,
        **{f"mae_{k}": mean(v) for k, v in errors.items()},
        **{f"mae_stored_{k}": mean(v) for k, v in errors_stored.items()},
        "ari": ari,
        "conf_right": mean(conf_right),
        "conf_wrong": mean(conf_wrong),
        "wrong": len(conf_wrong),
    }


def _print(mode: str, r: dict[str, float]) -> bool:
    ok_origin = r["origin"] >= TARGET_ORIGIN
    maes = [r[f"mae_{k}"] for k in ("kept", "edited", "dropped", "added")]
    ok_mae = max(maes) <= TARGET_MAE
    ok_ari = r["ari"] >= TARGET_ARI

    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    print(
        f"\n[{mode}] {r['articles']:.0f} articles, {r['stories']:.0f} stories "
        f"({r['stored_n']:.0f} with the origin stored, {r['external_n']:.0f} left out), "
        f"pipeline {r['seconds']:.1f} s"
    )
    print(
        f"  origin right        {r['origin']:.3f}  (target >= {TARGET_ORIGIN})  "
        f"{mark(ok_origin)}   stored {r['origin_stored']:.3f}, external "
        f"{r['origin_external']:.3f}"
    )
    print(
        f"  mean confidence     right {r['conf_right']:.2f}, wrong {r['conf_wrong']:.2f} "
        f"({r['wrong']:.0f} wrong)"
    )
    print(
        "  MAE                 "
        + ", ".join(f"{k} {r[f'mae_{k}']:.3f}" for k in ("kept", "edited", "dropped", "added"))
        + f"  (target <= {TARGET_MAE} each)  {mark(ok_mae)}"
    )
    print(
        "  MAE, origin stored  "
        + ", ".join(
            f"{k} {r[f'mae_stored_{k}']:.3f}" for k in ("kept", "edited", "dropped", "added")
        )
    )
    print(f"  story ARI           {r['ari']:.3f}  (target >= {TARGET_ARI})  {mark(ok_ari)}")
    return ok_origin and ok_mae and ok_ari


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=150)
    parser.add_argument("--unrelated", type=int, default=150)
    parser.add_argument("--seed", type=int, default=20240304)
    parser.add_argument("--mode", choices=("both", "polled", "archive"), default="both")
    parser.add_argument(
        "--no-dateline",
        action="store_true",
        help="origins without their '(Reuters) -' dateline: a harder case",
    )
    args = parser.parse_args()
    plan = plan_run(args.stories, args.unrelated, args.seed, dateline=not args.no_dateline)
    print(
        f"bench_syndication: {len(plan.records)} articles from Reuters-21578, "
        f"{args.stories} stories, {len(plan.truths)} copies, seed {args.seed}"
    )
    modes = ("polled", "archive") if args.mode == "both" else (args.mode,)
    ok = all([_print(mode, run(plan, mode == "archive")) for mode in modes])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
