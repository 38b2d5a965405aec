from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.errors import NotFoundError
from dedup.report.model import Report
from dedup.report.queries import list_stories, parse_since, story_detail
from dedup.report.render import render
from dedup.report.table import render_table
from dedup.store.engine import Store, open_store

STORY_KEYS = {"id", "origin", "articles"}
ORIGIN_KEYS = {"name", "external", "article_id", "confidence", "evidence"}
ARTICLE_KEYS = {
    "article_id",
    "source",
    "title",
    "url",
    "published",
    "role",
    "shared_paragraphs",
    "kept",
    "edited",
    "dropped",
    "added",
}
LEDGER_KEYS = {"op", "origin_text", "copy_text", "similarity", "moved", "diff"}


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("report") / "dedup.sqlite")
    seeds = Path(__file__).resolve().parent.parent / "examples" / "seeds"
    result = CliRunner().invoke(cli, ["--db", db, "import", str(seeds)])
    assert result.exit_code == 0, result.output
    return db


def _invoke(db: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", db, "report", *args])


def test_json_list_keeps_the_documented_keys(seeded_db: str) -> None:
    result = _invoke(seeded_db, "--format", "json")
    assert result.exit_code == 0, result.output
    stories = json.loads(result.output)["stories"]
    assert len(stories) == 1
    story = stories[0]
    assert set(story) >= STORY_KEYS
    assert set(story["origin"]) >= ORIGIN_KEYS
    assert isinstance(story["origin"]["evidence"], list)
    for article in story["articles"]:
        assert set(article) >= ARTICLE_KEYS
        assert article["role"] in ("origin", "copy")
        assert "ledger" not in article
        assert isinstance(article["article_id"], int)
        assert isinstance(article["shared_paragraphs"], int)


def test_story_detail_carries_ledgers_in_origin_order(seeded_db: str) -> None:
    story_id = json.loads(_invoke(seeded_db, "--format", "json").output)["stories"][0]["id"]
    result = _invoke(seeded_db, "--story", str(story_id), "--format", "json")
    assert result.exit_code == 0, result.output
    (story,) = json.loads(result.output)["stories"]
    origin_paragraphs = story["origin_paragraphs"]
    assert origin_paragraphs
    for article in story["articles"]:
        ledger = article["ledger"]
        assert all(set(line) >= LEDGER_KEYS for line in ledger)
        ops = [line["op"] for line in ledger]
        assert set(ops) <= {"kept", "edited", "rewritten", "dropped", "added", "template"}
        # origin lines first, in origin order, then the copy's own lines
        origin_lines = [
            line for line in ledger if line["op"] in ("kept", "edited", "rewritten", "dropped")
        ]
        assert ops[: len(origin_lines)] == [line["op"] for line in origin_lines]
        firsts = []
        for line in origin_lines:
            if not firsts or firsts[-1] != line["origin_text"]:
                firsts.append(line["origin_text"])
        assert firsts == origin_paragraphs
        for line in ledger:
            if line["op"] == "edited":
                assert all(op in ("=", "-", "+") for op, _ in line["diff"])
                assert 0.0 <= line["similarity"] <= 1.0
            if line["op"] == "dropped":
                assert line["copy_text"] is None and line["origin_text"]
            if line["op"] == "added":
                assert line["origin_text"] is None and line["copy_text"]


def test_table_list_and_detail(seeded_db: str) -> None:
    listing = _invoke(seeded_db)
    assert listing.exit_code == 0, listing.output
    assert "BuzzFeed News (external)" in listing.output
    detail = _invoke(seeded_db, "--story", "1")
    assert detail.exit_code == 0, detail.output
    assert "credit line" in detail.output and "[edited" in detail.output
    assert "[-said in a statement provided on background-]" in " ".join(detail.output.split())


def test_csv_rows_per_member_and_per_ledger_line(seeded_db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(_invoke(seeded_db, "--format", "csv").output)))
    assert len(rows) == 4
    assert {r["origin"] for r in rows} == {"BuzzFeed News"}
    assert all(0 <= float(r["kept"]) <= 1 for r in rows)
    ledger = list(
        csv.DictReader(io.StringIO(_invoke(seeded_db, "--story", "1", "--format", "csv").output))
    )
    assert {r["op"] for r in ledger} >= {"kept", "edited", "dropped", "added"}


def test_filters(seeded_db: str) -> None:
    def count(*args: str) -> int:
        result = _invoke(seeded_db, "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return len(json.loads(result.output)["stories"])

    assert count("--since", "7d") == 1  # imported just now, no publication dates
    assert count("--since", "2999-01-01") == 0
    assert count("--source", "002_9d80eb7e5257ff50") == 1
    assert count("--source", "buzzfeed news") == 1  # the origin's name
    assert count("--source", "BuzzFeed") == 1  # ... in another of its spellings
    assert count("--source", "buzzfeednews.com") == 1
    assert count("--source", "000_3152caa56d1ac69d") == 0  # AmericanNewsX is in no story


def test_user_errors_are_one_line_with_an_exit_code(seeded_db: str) -> None:
    missing = _invoke(seeded_db, "--story", "999")
    assert missing.exit_code == 8 and "no story 999" in missing.output
    unknown = _invoke(seeded_db, "--source", "nowhere")
    assert unknown.exit_code == 8 and "no source named 'nowhere'" in unknown.output
    bad = _invoke(seeded_db, "--since", "yesterday-ish")
    assert bad.exit_code == 2 and "--since" in bad.output


def test_output_file_and_html(seeded_db: str, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = _invoke(seeded_db, "--format", "html", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = _invoke(seeded_db, "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"))
    assert bad.exit_code == 4 and "cannot write" in bad.output


def test_library_functions(seeded_db: str) -> None:
    store = open_store(f"sqlite:///{seeded_db}")
    try:
        with store.session() as session:
            listing = list_stories(session)
            assert listing.stories[0].size == 4
            full = list_stories(session, ledgers=True).stories[0]
            assert full.origin_paragraphs and all(a.ledger is not None for a in full.articles)
            with pytest.raises(NotFoundError):
                story_detail(session, 12345)
            text = render(story_detail(session, 1), "json")
            assert json.loads(text)["stories"][0]["id"] == 1
    finally:
        store.close()


def test_empty_store_says_what_to_do(store: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", store.url, "report"])
    assert result.exit_code == 0
    assert "No stories yet" in result.output


def test_a_filter_matching_nothing_says_so(seeded_db: str) -> None:
    result = _invoke(seeded_db, "--since", "2999-01-01")
    assert result.exit_code == 0, result.output
    assert "No stories match --since 2999-01-01T00:00+00:00." in result.output
    assert "No stories yet" not in result.output


def test_table_has_titles_and_a_published_column(seeded_db: str) -> None:
    listing = _invoke(seeded_db)
    assert "title" in listing.output and "published" in listing.output
    assert "first seen" not in listing.output  # the column shows publication times
    assert "US Denies Visas" in listing.output


def test_a_story_s_figures_stay_whole_and_its_headlines_sit_under_the_table(
    seeded_db: str,
) -> None:
    out = _invoke(seeded_db, "--story", "1").output
    table = out[out.index("┏") : out.index("Headlines:")]
    rows = [line for line in table.splitlines() if line.startswith("│")]
    # every copy's row carries its figures on one line: "74% (≤74%)", never "74%" / "(≤74%)"
    assert sum(bool(re.search(r"\d+% \(≤\d+%\)", row)) for row in rows) == 4, table
    assert "title" not in table
    headlines = out[out.index("Headlines:") :]
    assert "US Denies Visas to Gay Chechen Men Fleeing Persecution" in headlines


def test_model_round_trips_through_json(seeded_db: str) -> None:
    store = open_store(f"sqlite:///{seeded_db}")
    try:
        with store.session() as session:
            detail = story_detail(session, 1)
    finally:
        store.close()
    data = detail.to_dict()
    assert Report.from_dict(json.loads(json.dumps(data))).to_dict() == data
    article = data["stories"][0]["articles"][0]
    assert list(article)[:4] == ["article_id", "source", "site", "title"]


def test_source_is_the_key_and_site_the_display_name(seeded_db: str) -> None:
    stories = json.loads(_invoke(seeded_db, "--format", "json").output)["stories"]
    sources = {a["source"] for a in stories[0]["articles"]}
    assert "002_9d80eb7e5257ff50" in sources  # the key `--source` and the views use
    rows = list(csv.DictReader(io.StringIO(_invoke(seeded_db, "--format", "csv").output)))
    assert {r["source"] for r in rows} == sources
    assert {r["headline_changed"] for r in rows} <= {"true", "false"}  # not True/False
    assert {r["origin_external"] for r in rows} == {"true"}


def test_parse_since() -> None:
    now = datetime(2024, 6, 10, 12, tzinfo=UTC)
    assert parse_since("2024-06-01") == datetime(2024, 6, 1, tzinfo=UTC)
    assert parse_since("2024-06-01T08:30+02:00") == datetime(2024, 6, 1, 6, 30, tzinfo=UTC)
    assert parse_since("2d", now) == datetime(2024, 6, 8, 12, tzinfo=UTC)
    assert parse_since("12h", now) == datetime(2024, 6, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_since("soon")


def _story_one(seeded_db: str) -> dict[str, Any]:
    """Story 1's detail as the JSON report gives it."""
    store = open_store(f"sqlite:///{seeded_db}")
    try:
        with store.session() as session:
            return story_detail(session, 1).to_dict()
    finally:
        store.close()


def test_a_story_of_untitled_texts_lists_no_empty_headlines(seeded_db: str) -> None:
    data = _story_one(seeded_db)
    titled = render_table(Report.from_dict(data))
    assert "Headlines:" in titled
    for article in data["stories"][0]["articles"]:
        article["title"] = None if article["article_id"] % 2 else "  "
    untitled = render_table(Report.from_dict(data))
    assert "Headlines:" not in untitled
    assert "against the origin" in untitled  # the rest of the detail is still there


def test_a_list_of_untitled_stories_has_no_title_column(seeded_db: str) -> None:
    data = json.loads(_invoke(seeded_db, "--format", "json").output)
    assert "│ title" in render_table(Report.from_dict(data)).replace("┃", "│")
    for story in data["stories"]:
        for article in story["articles"]:
            article["title"] = None if article["article_id"] % 2 else "  "
    untitled = render_table(Report.from_dict(data)).replace("┃", "│")
    assert "│ title" not in untitled and "│ origin" in untitled


def test_an_unknown_origin_is_said_once_in_the_table_and_the_page(seeded_db: str) -> None:
    """The stored name of an origin no candidate was likely enough for is "origin unknown":
    the detail line said "origin origin unknown", the page "(origin) ↔" after it."""
    from dedup.report.html import render_html

    data = _story_one(seeded_db)
    story = data["stories"][0]
    story["origin"].update(name="origin unknown", external=False, article_id=None)
    for article in story["articles"]:
        article["role"] = "copy"
    table = render_table(Report.from_dict(data))
    assert "Story 1: origin unknown, confidence" in table
    assert "origin origin" not in table
    page = render_html(Report.from_dict(data).to_dict())
    assert "origin unknown ↔" in page and "origin unknown (origin)" not in page
    assert "origin origin" not in page
