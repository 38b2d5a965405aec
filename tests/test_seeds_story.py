"""Acceptance on the bundled seeds: `dedup import examples/seeds`, `analyze`, `report`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup.cli import cli


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    db = str(tmp_path_factory.mktemp("seeds") / "dedup.sqlite")
    seeds = Path(__file__).resolve().parent.parent / "examples" / "seeds"
    runner = CliRunner()
    for args in (["import", str(seeds)], ["analyze"]):
        result = runner.invoke(cli, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--db", db, "report", "--format", "json"])
    assert result.exit_code == 0, result.output
    return db, json.loads(result.output)


def _by_file(story: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Members keyed by seed file number ("001"); the source is the file stem."""
    return {a["source"][:3]: a for a in story["articles"]}


def _buzzfeed_story(report: dict[str, Any]) -> dict[str, Any]:
    holding = [s for s in report["stories"] if {"001", "002", "003", "004"} <= set(_by_file(s))]
    assert len(holding) == 1, report
    return holding[0]


def test_one_story_holds_the_four_buzzfeed_copies(seeds_report: tuple[str, Any]) -> None:
    _, report = seeds_report
    story = _buzzfeed_story(report)
    members = _by_file(story)
    # AmericanNewsX (000) retells the story without copying a paragraph
    assert "000" not in members or members["000"]["kept"] == 0
    assert all(a["role"] == "copy" for a in story["articles"])
    for article in story["articles"]:
        for name in ("kept", "edited", "rewritten", "dropped", "added"):
            assert 0.0 <= article[name] <= 1.0
        shares = ("kept", "edited", "rewritten", "dropped")
        assert sum(article[name] for name in shares) == pytest.approx(1.0, abs=1e-3)


def test_the_origin_is_buzzfeed_news_external_with_credit_lines(
    seeds_report: tuple[str, Any],
) -> None:
    _, report = seeds_report
    origin = _buzzfeed_story(report)["origin"]
    assert origin["name"] == "BuzzFeed News"
    assert origin["external"] is True and origin["article_id"] is None
    assert 0.0 < origin["confidence"] <= 1.0
    evidence = "\n".join(origin["evidence"])
    assert "Buzzfeed News reports:" in evidence
    assert "J. Lester Feder reports at Buzzfeed:" in evidence


def test_fullest_copies_and_the_ones_sharing_a_paragraph(seeds_report: tuple[str, Any]) -> None:
    _, report = seeds_report
    members = _by_file(_buzzfeed_story(report))
    assert members["003"]["shared_paragraphs"] >= 4
    assert members["002"]["shared_paragraphs"] >= 4
    assert members["004"]["shared_paragraphs"] >= 1
    assert members["001"]["shared_paragraphs"] >= 1
    fullest = sorted(members, key=lambda k: -members[k]["kept"] - members[k]["edited"])
    assert set(fullest[:2]) == {"002", "003"}


def test_the_reworded_state_department_paragraph_is_edited(seeds_report: tuple[str, Any]) -> None:
    db, report = seeds_report
    story_id = _buzzfeed_story(report)["id"]
    result = CliRunner().invoke(
        cli, ["--db", db, "report", "--story", str(story_id), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (story,) = json.loads(result.output)["stories"]
    ledger = _by_file(story)["002"]["ledger"]
    (line,) = [
        x
        for x in ledger
        if (x["copy_text"] or "").startswith("A US State Department spokesperson told Buzzfeed")
    ]
    assert line["op"] == "edited"
    assert 0.0 < line["similarity"] < 1.0
    assert ["-", "said in a statement provided on background"] in line["diff"]


def test_each_copy_of_the_external_origin_carries_its_upper_bound(
    seeds_report: tuple[str, dict[str, Any]],
) -> None:
    """The report shows a copy's ledger against an external origin with its upper bound."""
    db, report = seeds_report
    (story,) = [s for s in report["stories"] if s["origin"]["external"]]
    for a in story["articles"]:
        # the bound counts the copy's own words as origin text: never less kept, never more
        # dropped, and both equal when the copy has no text of its own
        assert a["kept_upper"] >= a["kept"] - 1e-6
        assert a["dropped_upper"] <= a["dropped"] + 1e-6
        if a["added"] == 0:
            assert abs(a["kept_upper"] - a["kept"]) < 1e-3
        else:
            assert a["kept_upper"] > a["kept"]
    text = CliRunner().invoke(cli, ["--db", db, "report", "--story", str(story["id"])])
    assert text.exit_code == 0, text.output
    assert "(≤" in text.output and "lower bounds" in text.output


def test_the_views_show_what_the_report_shows_of_rewriters(
    seeds_report: tuple[str, Any],
) -> None:
    """A researcher reading ``story_articles`` and ``ledger_lines`` sees the rewrites the
    report shows: the shares add up to 1, and each rewritten line carries its sentence pairs
    (the views kept their first columns for two revisions after rewrites landed)."""
    import sqlite3

    db, report = seeds_report
    story = _buzzfeed_story(report)
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = {
            r["source"][:3]: dict(r)
            for r in conn.execute(
                "SELECT * FROM story_articles WHERE story_id = ? AND role = 'copy'",
                (story["id"],),
            )
        }
        lines = conn.execute(
            "SELECT rewrites FROM ledger_lines WHERE story_id = ? AND op = 'rewritten'",
            (story["id"],),
        ).fetchall()
    assert {"001", "004"} <= rows.keys()
    for row in rows.values():
        parts = row["kept"] + row["edited"] + row["rewritten"] + row["dropped"]
        assert parts == pytest.approx(1.0, abs=0.002)
    for number in ("001", "004"):
        assert rows[number]["rewritten"] > 0
        # (the report rounds shares to four places)
        reported = _by_file(story)[number]["rewritten"]
        assert rows[number]["rewritten"] == pytest.approx(reported, abs=5e-5)
    assert lines and all(json.loads(r[0]) for r in lines)
    # an external origin: its copies carry the bound
    assert all(row["kept_upper"] is not None for row in rows.values())
