"""ECB+ (982 real articles on 86 events): independent reports stay apart, reprints join.

    .venv/bin/python benchmarks/bench_ecbplus.py

Reads ../shared/data/ecbplus (never copies it). Each article is stored with its sentences as
paragraphs (ECB+ keeps no paragraph breaks) under its outlet (the URL's domain in ``ecbplus``
files; an outlet of its own for ``ecb`` files, which carry no URL). The event of an article is
its topic plus ``ecb`` or ``ecbplus``. A *reprint pair* is two articles of one event sharing at
least half of the smaller one's word 5-grams; an *independent pair* is two articles of one
event sharing under a tenth. Printed: stories mixing two events (target 0), the share of
reprint pairs put in one story (target >= 0.95), and the independent pairs called copies (put
in one story) or rewrites (a member's ledger counts rewritten text), which should stay low.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.progress import NullProgress  # noqa: E402
from dedup.records import ArticleRecord  # noqa: E402
from dedup.store.articles import save_articles  # noqa: E402
from dedup.stories.runs import words  # noqa: E402
from dedup.text.extract import extract_text  # noqa: E402

ECB = ROOT.parent / "shared" / "data" / "ecbplus" / "ECB+_LREC2014" / "ECB+"


def _mend(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r"\s+([.,;:!?%)\]'’”])", r"\1", text)
    return re.sub(r"([(\[“$])\s+", r"\1", text)


def load() -> list[tuple[str, str, str, list[str]]]:
    """(key, event, outlet domain, sentences) of every article."""
    files = sorted(ECB.glob("*/*.xml"))
    if not files:
        sys.exit(f"bench_ecbplus: no ECB+ files under {ECB}; put ../shared beside the checkout")
    out = []
    for path in files:
        by_sentence: dict[int, list[str]] = defaultdict(list)
        for token in ET.parse(path).getroot().iter("token"):
            by_sentence[int(token.get("sentence", "0"))].append(token.text or "")
        plus = path.name.endswith("ecbplus.xml")
        topic = path.parent.name
        event = f"{topic}-{'ecbplus' if plus else 'ecb'}"
        # one outlet per file: "<stem>.ecb.example" made every file the one publisher "ecb"
        domain = f"ecb-{path.stem.replace('_', '-')}.example"
        sentences = []
        for number in sorted(by_sentence):
            text = _mend(by_sentence[number])
            if plus and number == 0:
                found = re.search(
                    r"(?:https?:\s*/\s*/\s*)?(?:www\s*\.\s*)?([\w-]+(?:\s*\.\s*[\w-]+)+)", text
                )
                if found:
                    domain = re.sub(r"\s+", "", found.group(1)).lower()
                continue
            sentences.append(text)
        out.append((path.stem, event, domain, sentences))
    return out


def _grams(text: str) -> set[tuple[str, ...]]:
    keys = words(text)
    return {tuple(keys[i : i + 5]) for i in range(len(keys) - 4)}


def half_of(event: str) -> str:
    """Topics split in two by number: odd topics to tune on, even topics to report on."""
    return "odd" if int(event.split("-")[0]) % 2 else "even"


def score(half: str) -> dict[str, Any]:
    """The figures on one half of the topics ("odd", "even" or "all"), from a store of its own."""
    from sqlalchemy import select

    from dedup.index import analysis
    from dedup.report.queries import list_stories
    from dedup.store.engine import open_store
    from dedup.store.models import Article
    from dedup.stories.update import update_stories

    articles = [a for a in load() if half in ("all", half_of(a[1]))]
    event_of = {key: event for key, event, _, _ in articles}
    grams = {key: _grams(" ".join(s)) for key, _, _, s in articles}
    reprints, independent = [], []
    by_event: dict[str, list[str]] = defaultdict(list)
    for key, event, _, _ in articles:
        by_event[event].append(key)
    for keys in by_event.values():
        for a, b in combinations(sorted(keys), 2):
            smaller = min(len(grams[a]), len(grams[b])) or 1
            share = len(grams[a] & grams[b]) / smaller
            if share >= 0.5:
                reprints.append((a, b))
            elif share < 0.1:
                independent.append((a, b))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/ecb.sqlite")
        records = []
        for key, _, domain, sentences in articles:
            extracted = extract_text("\n\n".join(sentences), None)
            records.append(
                ArticleRecord(
                    source=domain,
                    key=key,
                    title=None,
                    text=extracted.text,
                    paragraphs=extracted.paragraphs,
                    url=f"https://{domain}/{key}",
                    site=domain,
                    domain=domain,
                )
            )
        with store.session() as session:
            save_articles(session, records)
        analysis.index_new_paragraphs(store, NullProgress())
        with store.session() as session:
            update_stories(session)
            ids = dict(session.execute(select(Article.id, Article.key)).all())
            report = list_stories(session).to_dict()
        store.close()

    story_of: dict[str, set[int]] = defaultdict(set)
    rewritten: set[str] = set()
    mixed = 0
    for story in report["stories"]:
        keys = [ids[a["article_id"]] for a in story["articles"]]
        mixed += len({event_of[k] for k in keys}) > 1
        for a in story["articles"]:
            story_of[ids[a["article_id"]]].add(story["id"])
            if (a.get("rewritten") or 0) > 0:
                rewritten.add(ids[a["article_id"]])

    def together(pair: tuple[str, str]) -> bool:
        return bool(story_of[pair[0]] & story_of[pair[1]])

    copies = [p for p in independent if together(p)]
    accused = _accusations(report, ids, set(independent))
    origins, origin_lines = _reprint_origins(articles, report, ids, reprints, story_of)
    return {
        "origins": origins,
        "origin_lines": origin_lines,
        "half": half,
        "articles": len(articles),
        "events": len(by_event),
        "stories": len(report["stories"]),
        "mixed": mixed,
        "reprints": len(reprints),
        "reprints_joined": sum(map(together, reprints)),
        "independent": len(independent),
        "independent_joined": len(copies),
        "independent_rewritten": sum(1 for p in copies if p[0] in rewritten or p[1] in rewritten),
        "independent_accused": accused,
    }


def _accusations(
    report: dict[str, Any], ids: dict[int, str], independent: set[tuple[str, str]]
) -> dict[str, int]:
    """Independent pairs of which the report names one the origin and the other its copy.

    Two independent reports in one story are mostly both copies of a third member (each took
    other passages of it): the report accuses neither of copying the other. What a reader
    would act on is an origin-copy pair: counted, with how many at a confidence of 0.9 or
    more, and how many of those copies the ledger says took a tenth or more of the origin.
    """
    out = {"pairs": 0, "confident": 0, "tenth": 0}
    for story in report["stories"]:
        origin = story["origin"].get("article_id")
        if origin is None:
            continue
        for member in story["articles"]:
            if member["article_id"] == origin:
                continue
            pair = tuple(sorted((ids[origin], ids[member["article_id"]])))
            if pair not in independent:
                continue
            out["pairs"] += 1
            out["confident"] += story["origin"]["confidence"] >= 0.9
            taken = sum(member.get(k) or 0 for k in ("kept", "edited", "rewritten"))
            out["tenth"] += taken >= 0.1
    return out


_WIRES = {
    "AP": r"\(AP\)|Associated Press",
    "Reuters": r"\(Reuters\)|Reuters",
    "AFP": r"\(AFP\)|Agence[ -]+France",
}


def _reprint_origins(
    articles: list[tuple[str, str, str, list[str]]],
    report: dict[str, Any],
    ids: dict[int, str],
    reprints: list[tuple[str, str]],
    story_of: dict[str, set[int]],
) -> tuple[dict[str, int], list[str]]:
    """Whom each story holding a reprint pair names its origin, with the wires its members name.

    ECB+ has no publication times: containment and credits decide, as in an archive import.
    """
    domain_of = {key: domain for key, _, domain, _ in articles}
    wires_of = {
        key: {w for w, rx in _WIRES.items() if re.search(rx, " ".join(s))}
        for key, _, _, s in articles
    }
    held = {s for a, b in reprints for s in story_of[a] & story_of[b]}
    named = {"member": 0, "external": 0, "unknown": 0}
    lines = []
    for story in report["stories"]:
        if story["id"] not in held:
            continue
        o = story["origin"]
        keys = [ids[a["article_id"]] for a in story["articles"]]
        kind = (
            "unknown"
            if o["name"] == "origin unknown"
            else ("external" if o["external"] else "member")
        )
        named[kind] += 1
        carried = {w: sum(w in wires_of[k] for k in keys) for w in _WIRES}
        who = o["name"] if kind != "member" else f"{domain_of[ids[o['article_id']]]} ({o['name']})"
        lines.append(
            f"    story {story['id']}: {len(keys)} members; origin {who} [{kind}] at "
            f"{o['confidence']:.2f}; a wire named in "
            + (", ".join(f"{w} in {n} of {len(keys)}" for w, n in carried.items() if n) or "none")
        )
    return named, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--half",
        choices=("odd", "even", "all"),
        default="even",
        help="topics scored: odd ones (tuned on), even ones (reported; default), or all",
    )
    r = score(parser.parse_args().half)
    tag = {"odd": "odd topics (tuned on)", "even": "even topics (never tuned on)"}.get(
        r["half"], "all topics (odd ones tuned on)"
    )
    print(
        f"bench_ecbplus [{tag}]: {r['articles']} articles, {r['events']} events, "
        f"{r['stories']} stories"
    )
    print(f"  stories mixing two events     {r['mixed']}  (target 0)")
    print(
        f"  reprint pairs in one story    {r['reprints_joined']} of {r['reprints']} = "
        f"{r['reprints_joined'] / max(1, r['reprints']):.3f}  (target >= 0.95)"
    )
    print(
        f"  independent same-event pairs  {r['independent']}: {r['independent_joined']} called "
        f"copies (in one story), {r['independent_rewritten']} of those with rewritten text in "
        "a ledger"
    )
    accused = r["independent_accused"]
    print(
        f"    of them named origin and copy {accused['pairs']} ({accused['confident']} at a "
        f"confidence >= 0.9; {accused['tenth']} copies said to take a tenth or more of the "
        "origin); in the others neither is named the other's origin"
    )
    named = r["origins"]
    print(
        f"  origins of the {sum(named.values())} stories holding reprint pairs: "
        f"{named['member']} a member, {named['external']} external, {named['unknown']} unknown"
    )
    print("\n".join(r["origin_lines"]))


if __name__ == "__main__":
    main()
