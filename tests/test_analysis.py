"""The paragraph index end to end on a real SQLite store: seeds, incrementality, settings."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import shared_path

from dedup.errors import IndexSettingsChanged
from dedup.index import analysis
from dedup.index.fingerprint import FingerprintSettings
from dedup.ingest.importer import BadRecord, read_files
from dedup.progress import NullProgress
from dedup.records import ArticleRecord
from dedup.store.articles import save_articles
from dedup.store.engine import Store, sqlite_path
from dedup.text.extract import extract_text


def _import(store: Store, paths: list[Path]) -> None:
    records = [r for r in read_files(paths) if not isinstance(r, BadRecord)]
    with store.session() as session:
        save_articles(session, records)


def _record(key: str, source: str, text: str) -> ArticleRecord:
    ex = extract_text(text, title=f"Title of {key}")
    return ArticleRecord(
        source=source, key=key, title=ex.title, text=ex.text, paragraphs=ex.paragraphs
    )


def _links(store: Store) -> list[tuple[str, str, str, str, str]]:
    path = sqlite_path(store.url)
    assert path is not None
    with sqlite3.connect(path) as con:
        return con.execute(
            """SELECT s.kind, sa.name, pa.text, sb.name, pb.text FROM passages s
               JOIN paragraphs pa ON pa.id = s.paragraph_a
               JOIN paragraphs pb ON pb.id = s.paragraph_b
               JOIN articles aa ON aa.id = s.article_a JOIN sources sa ON sa.id = aa.source_id
               JOIN articles ab ON ab.id = s.article_b JOIN sources sb ON sb.id = ab.source_id"""
        ).fetchall()


def _linked(links: list[tuple[str, str, str, str, str]], start: str, kind: str = "reuse") -> set:
    """Pairs of seed files whose paragraphs starting with ``start`` are linked."""
    return {
        frozenset((a[:3], b[:3]))
        for k, a, ta, b, tb in links
        if k == kind and (ta.startswith(start) or tb.startswith(start))
    }


def test_seed_passages_are_linked_across_the_sites_that_carry_them(
    store: Store, seeds_dir: Path
) -> None:
    _import(store, sorted(seeds_dir.glob("*.txt")))
    summary = analysis.index_new_paragraphs(store, NullProgress())
    assert summary.passages["reuse"] >= 6
    links = _links(store)
    assert frozenset(("001", "003")) in _linked(links, "The United States has declined visas")
    assert frozenset(("002", "003")) in _linked(links, "A group of around 40 Chechens")
    assert frozenset(("002", "003")) in _linked(links, "Since the independent Russian newspaper")
    assert frozenset(("002", "003")) in _linked(links, "Left with no way to get out")
    # "Zakharova" became "The Russia LGBT Network spokesperson" in 004.
    assert frozenset(("002", "004")) in _linked(links, "Zakharova told BuzzFeed News")
    # The State Department paragraph that 002 reworded is linked, and as an edit, not a copy.
    [(kind, a, ta, b, tb)] = [
        row
        for row in links
        if row[2].startswith("A US State Department") and row[4].startswith("A US State Department")
    ]
    assert kind == "reuse" and ta != tb
    # Ad-blocker appeals and author bios are not reuse; 000 copies no paragraph.
    for _, a, ta, b, tb in links:
        assert "000" not in (a[:3], b[:3])
        assert "ad blocker" not in ta + tb and "Contributing Writer" not in ta + tb


def test_rerun_with_nothing_new_does_nothing(store: Store, seeds_dir: Path) -> None:
    _import(store, sorted(seeds_dir.glob("*.txt")))
    first = analysis.index_new_paragraphs(store, NullProgress())
    again = analysis.index_new_paragraphs(store, NullProgress())
    assert first.paragraphs > 0
    assert (again.paragraphs, again.candidates, sum(again.passages.values())) == (0, 0, 0)
    assert len(_links(store)) == sum(first.passages.values())


def test_new_article_is_linked_to_stored_ones_incrementally(store: Store, seeds_dir: Path) -> None:
    _import(store, sorted(seeds_dir.glob("*.txt")))
    analysis.index_new_paragraphs(store, NullProgress())
    before = len(_links(store))
    lead = (seeds_dir / "003_1158c2031d1c090c.txt").read_text().split("\n\n")[2]
    copy = _record("late-copy", "latecomer", f"{lead}\n\nA paragraph of our own words here today.")
    with store.session() as session:
        save_articles(session, [copy])
    summary = analysis.index_new_paragraphs(store, NullProgress())
    assert summary.paragraphs == 2
    new_links = [row for row in _links(store) if "latecomer" in (row[1], row[3])]
    assert len(_links(store)) > before
    assert {row[0] for row in new_links} == {"reuse"}


def test_changed_settings_need_a_reindex(store: Store, seeds_dir: Path) -> None:
    _import(store, sorted(seeds_dir.glob("*.txt")))
    analysis.index_new_paragraphs(store, NullProgress())
    other = replace(FingerprintSettings(), num_perm=128, bands=32, rows=4)
    with pytest.raises(IndexSettingsChanged, match="dedup reindex"):
        analysis.index_new_paragraphs(store, NullProgress(), settings=other)
    with store.session() as session:
        analysis.reset_index(store, session, other)
    rebuilt = analysis.index_new_paragraphs(store, NullProgress(), settings=other)
    assert rebuilt.indexed == 50 and rebuilt.passages["reuse"] >= 6


def test_a_new_version_leaves_the_index(store: Store) -> None:
    text = (
        "The central bank raised its key interest rate by half a point on Thursday, citing "
        "inflation that has run above target for a year."
    )
    with store.session() as session:
        save_articles(session, [_record("a", "alpha", text), _record("b", "beta", text)])
    analysis.index_new_paragraphs(store, NullProgress())
    assert len(_links(store)) == 1
    with store.session() as session:
        save_articles(session, [_record("b", "beta", "Entirely different words were published.")])
    assert _links(store) == []
    analysis.index_new_paragraphs(store, NullProgress())
    assert _links(store) == []


def test_identical_reuters_bodies_are_all_linked(store: Store) -> None:
    """Recall on a slice of Reuters-21578: every group of identical bodies ends up linked."""
    path = shared_path("reuters21578", "reut2-000.sgm")
    _import(store, [path, path.with_name("reut2-001.sgm")])
    analysis.index_new_paragraphs(store, NullProgress())
    db = sqlite_path(store.url)
    assert db is not None
    with sqlite3.connect(db) as con:
        groups: dict[str, list[int]] = {}
        for article_id, text in con.execute(
            "SELECT a.id, v.text FROM articles a "
            "JOIN article_versions v ON v.id = a.current_version_id"
        ):
            groups.setdefault(" ".join(text.lower().split()), []).append(article_id)
        edges = {(a, b) for a, b in con.execute("SELECT article_a, article_b FROM passages")}
    dupes = [ids for ids in groups.values() if len(ids) > 1]
    assert len(dupes) >= 5
    for ids in dupes:
        members, seen, todo = set(ids), {ids[0]}, [ids[0]]
        while todo:
            here = todo.pop()
            for a, b in edges:
                other = b if a == here else a if b == here else None
                if other in members and other not in seen:
                    seen.add(other)
                    todo.append(other)
        assert seen == members, f"identical bodies not all linked: {sorted(ids)}"


def test_a_site_footer_met_across_runs_is_a_template(store: Store) -> None:
    footer = "Example Daily has been reporting from the field since the year of its founding."
    leads = [
        "The harbour authority approved a new ferry terminal after years of delay and protest.",
        "A local baker won the national bread prize with a sourdough recipe from her grandmother.",
        "Heavy rain closed three mountain roads overnight and stranded hikers near the pass.",
        "The city council voted to extend library opening hours on weekends through the summer.",
    ]
    stories = [f"{lead}\n\n{footer}" for lead in leads]
    for i, story in enumerate(stories):
        with store.session() as session:
            save_articles(session, [_record(f"s{i}", "example-daily", story)])
        analysis.index_new_paragraphs(store, NullProgress())
    kinds = [row[0] for row in _links(store)]
    # The second article's footer meets only one other: not yet a template; from the third on
    # the stored articles count too.
    assert len(kinds) == 6
    assert kinds.count("template") == 5


def test_identical_tables_of_short_lines_are_linked_across_runs(store: Store) -> None:
    table = "MINNEAPOLIS WHEAT\n\nMAY7 285 UP 1 1/2\n\nJUL7 281 1/4 UP 1/2\n\nSEP7 276 1/2 UP 1/2"
    other = "MINNEAPOLIS WHEAT\n\nMAY7 290 UP 2\n\nJUL7 288 UP 1\n\nSEP7 280 DN 1/4"
    with store.session() as session:
        save_articles(session, [_record("t1", "wire", table), _record("t2", "wire", other)])
    analysis.index_new_paragraphs(store, NullProgress())
    with store.session() as session:
        save_articles(session, [_record("t3", "wire", table)])
    analysis.index_new_paragraphs(store, NullProgress())
    kinds = sorted(row[0] for row in _links(store))
    assert "reuse" in kinds  # t3 is t1 again, found although no line is indexable alone
    assert kinds.count("reuse") == 1


def test_pages_read_through_the_driver_match_sqlalchemys_rows(
    store: Store, seeds_dir: Path
) -> None:
    """On SQLite a page's rows come from the driver's cursor (``select_tuples``): the same
    paragraphs, values and order as through SQLAlchemy, the page's end included."""
    from dedup.store.engine import select_tuples

    _import(store, sorted(seeds_dir.glob("*.txt")))
    with store.session() as session:
        conn = session.connection()
        params = {"no": False, "after": 0, "limit": 7}
        assert select_tuples(conn, analysis._NEW_PAGE, params) == [
            tuple(row) for row in session.execute(analysis._NEW_PAGE, params)
        ]
        whole = analysis.new_page(session, 0, 10**6)
        pages, after = [], 0
        while page := analysis.new_page(session, after, 7):
            pages.append(page)
            after = analysis.max_id(page)
    assert len(pages) > 3 and sorted(p for page in pages for p in page) == sorted(whole)
    assert all(isinstance(p, analysis.Para) for p in whole) and len(whole) > 20
