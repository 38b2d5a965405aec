"""Two-story digests: a later article stringing together the leads of two unrelated stories is
a copy in each story, not a bridge that glues them into one (dev round-ups glued 30 of 48 so)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from conftest import store_and_report

from dedup.records import ArticleRecord
from dedup.store.engine import Store
from dedup.stories.cluster import Edge, cluster_articles
from dedup.text.extract import extract_text

T0 = datetime(2024, 3, 7, 9, 0, tzinfo=UTC)


def _edge(a: int, b: int, shared: float, a_paras: set[int], b_paras: set[int]) -> Edge:
    return Edge(a, b, shared, frozenset(a_paras), frozenset(b_paras))


def _vocab(topics: dict[int, str]) -> dict[int, frozenset[str]]:
    return {n: frozenset(f"{topic}{i}" for i in range(30)) for n, topic in topics.items()}


def test_a_digest_of_two_stories_leads_is_a_copy_in_each() -> None:
    # digest 9 holds the lead of wire story 1 (copied whole by 2) and of wire story 3
    # (copied by 4): the hub holds a small piece of every part's articles
    words = {9: 100, 1: 300, 2: 280, 3: 250, 4: 240}
    edges = [
        _edge(9, 1, 35, {90}, {10}),
        _edge(9, 2, 35, {90}, {20}),
        _edge(1, 2, 270, {10, 11, 12, 13}, {20, 21, 22, 23}),
        _edge(9, 3, 30, {92}, {30}),
        _edge(9, 4, 30, {92}, {40}),
        _edge(3, 4, 230, {30, 31, 32}, {40, 41, 42}),
    ]
    vocab = _vocab({9: "digest", 1: "wheat", 2: "wheat", 3: "pilot", 4: "pilot"})
    assert cluster_articles(words, edges, vocab=vocab) == [
        frozenset({1, 2, 9}),
        frozenset({3, 4, 9}),
    ]
    # a lone wire story on each side (no copies) is split the same way
    lone = [e for e in edges if {e.a, e.b} in ({9, 1}, {9, 3})]
    assert cluster_articles(words, lone, vocab=vocab) == [frozenset({1, 9}), frozenset({3, 9})]


def test_a_hub_holding_one_part_whole_and_a_piece_of_the_other_is_no_digest() -> None:
    # 5 copies paragraphs 10-11 of origin 1 and adds paragraph 51 of its own, which 6 copies
    # whole: a chain of copies, not a digest, even if 6 wrote about something else too
    words = {1: 300, 5: 120, 6: 40}
    edges = [_edge(1, 5, 80, {10, 11}, {50, 52}), _edge(5, 6, 38, {51}, {60})]
    vocab = _vocab({1: "wheat", 5: "wheat", 6: "pilot"})
    assert cluster_articles(words, edges, vocab=vocab) == [frozenset({1, 5, 6})]


def test_two_partial_copies_of_one_origin_on_its_topic_stay_one_story() -> None:
    # 1 is the origin; 2 and 3 each kept one different paragraph amid much text of their own
    words = {1: 300, 2: 400, 3: 380}
    edges = [_edge(1, 2, 40, {10}, {20}), _edge(1, 3, 45, {13}, {30})]
    vocab = _vocab({1: "wheat", 2: "wheat", 3: "wheat"})
    assert cluster_articles(words, edges, vocab=vocab) == [frozenset({1, 2, 3})]


def _topical(topic: str, seed: int, length: int = 40) -> str:
    rng = random.Random(f"{topic}-{seed}")
    letters = "abcdefghij"
    words = [topic + rng.choice(letters) + rng.choice(letters) for _ in range(length)]
    return " ".join(" ".join(words[i : i + 10]).capitalize() + "." for i in range(0, length, 10))


def _record(source: str, key: str, paragraphs: list[str], published: datetime) -> ArticleRecord:
    extracted = extract_text("\n\n".join(paragraphs), "A headline")
    return ArticleRecord(
        source=source,
        key=key,
        title="A headline",
        text=extracted.text,
        paragraphs=extracted.paragraphs,
        published=published,
    )


def test_the_store_keeps_the_digest_in_both_stories_as_a_copy(store: Store) -> None:
    wheat = [_topical("wheat", i) for i in range(4)]
    pilot = [_topical("pilot", i) for i in range(4)]
    records = [
        _record("wire", "wheat", wheat, T0),
        _record("paper", "wheat-copy", wheat[:3], T0 + timedelta(hours=1)),
        _record("wire", "pilot", pilot, T0 + timedelta(hours=2)),
        _record("blog", "pilot-copy", pilot[:3], T0 + timedelta(hours=3)),
        _record(
            "digest", "digest", [wheat[0], _topical("other", 9), pilot[0]], T0 + timedelta(hours=6)
        ),
    ]
    report = store_and_report(store, records)
    stories = report["stories"]
    keys = {r.key: i for i, r in enumerate(records, start=1)}
    by_members = {
        frozenset(a["article_id"] for a in s["articles"]): s["origin"]["article_id"]
        for s in stories
    }
    assert by_members == {
        frozenset({keys["wheat"], keys["wheat-copy"], keys["digest"]}): keys["wheat"],
        frozenset({keys["pilot"], keys["pilot-copy"], keys["digest"]}): keys["pilot"],
    }
