"""Stored articles for the simulator, and its distractors: text shared without copying.

Independent reports sharing one quoted statement, outlets quoting one public document, market
templates filled in with other figures: each such article is its own story in the truth.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dedup.records import ArticleRecord
from dedup.text.extract import extract_text
from dedup.text.sentences import sentences

if TYPE_CHECKING:
    from simulator import Families, Plan, Site

WIRE = "Reuters"


def record(
    source: str,
    display: str,
    domain: str,
    key: str,
    title: str,
    paragraphs: list[str],
    published: datetime | None,
    links: tuple[tuple[str, str | None], ...] = (),
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
        links=links,
    )


def add_distractors(
    plan: Plan,
    families: Families,
    sites: list[Site],
    others: list[tuple[str, list[str]]],
    extra: list[tuple[str, list[str]]],
    pool: list[str],
    rng: random.Random,
    base: datetime,
) -> None:
    """Articles that share text without one copying the other: each is its own story."""

    def add(source: Site | None, key: str, title: str, body: list[str], minutes: int) -> None:
        published = base + timedelta(minutes=minutes)
        name, display, domain = (
            (source.name, source.display, source.domain)
            if source
            else ("reuters", WIRE, "reuters.com")
        )
        plan.records.append(
            (
                published + timedelta(minutes=30),
                record(name, display, domain, key, title, body, published),
            )
        )
        plan.distractors.add(key)

    for m, (title, body) in enumerate(others):
        add(None, f"reuters:other-{m}", title, body, 41 * m + 7)
    for k, (title, body) in enumerate(extra):
        kind = families.distractors[k % len(families.distractors)]
        if kind == "unrelated":
            continue
        a, b = rng.sample(sites, 2)
        own_a = [pool.pop() for _ in range(3)]
        own_b = [pool.pop() for _ in range(3)]
        if kind in ("shared_quote", "shared_quote_told"):
            quote = sentences(body[1])[0].rstrip(".")
            verb = "said in a statement" if kind == "shared_quote" else "told reporters"
            line = f'"{quote}," the chairman {verb}.'
            add(a, f"{a.name}:quote-{k}", title, [own_a[0], line, *own_a[1:], a.footer], 13 * k)
            add(
                b,
                f"{b.name}:quote-{k}",
                title,
                [own_b[0], own_b[1], line, own_b[2], b.footer],
                13 * k + 90,
            )
        elif kind == "public_document":
            document = body[2] if len(body) > 2 else body[-1]
            line_a = f"The ministry's statement reads in full: {document}"
            line_b = f"In its published report the ministry wrote: {document}"
            add(a, f"{a.name}:doc-{k}", title, [own_a[0], line_a, *own_a[1:], a.footer], 13 * k)
            add(
                b, f"{b.name}:doc-{k}", title, [own_b[0], line_b, *own_b[1:], b.footer], 13 * k + 60
            )
        elif kind == "market_template":
            for site_n, site in enumerate((a, b)):
                figures = [rng.randint(10, 400), rng.uniform(0.1, 3.0), rng.randint(20000, 40000)]
                brief = (
                    f"The Dow Jones industrial average rose {figures[0]} points, or "
                    f"{figures[1]:.2f} percent, to {figures[2]}, while the broader market "
                    f"index gained in moderate trading on the day."
                )
                own = own_a if site_n == 0 else own_b
                add(
                    site,
                    f"{site.name}:market-{k}",
                    title,
                    [brief, *own, site.footer],
                    13 * k + site_n,
                )
