"""Retellings: articles that credit a story's origin and say what it says in their own words,
sharing no passage, shown beside the story (not members).

The bundled seeds hold one: AmericanNewsX retells BuzzFeed News's story (one quote of its
update, the rest in its own words) and shares no paragraph with the four copies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "seeds"


def _story(db: str, *extra: Path) -> dict[str, Any]:
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db, "import", str(SEEDS), *map(str, extra)])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(cli, ["--db", db, "report", "--format", "json"]).output)
    (found,) = [s["id"] for s in listed["stories"] if s["origin"]["name"] == "BuzzFeed News"]
    out = runner.invoke(cli, ["--db", db, "report", "--story", str(found), "--format", "json"])
    assert out.exit_code == 0, out.output
    story: dict[str, Any] = json.loads(out.output)["stories"][0]
    return story


@pytest.fixture(scope="module")
def seeds_story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _story(str(tmp_path_factory.mktemp("retell") / "dedup.sqlite"))


def test_the_seed_that_retells_buzzfeed_is_shown_beside_its_story(
    seeds_story: dict[str, Any],
) -> None:
    # an imported seed's source is its file name: 000 is AmericanNewsX's article
    members = {a["source"][:3] for a in seeds_story["articles"]}
    assert "000" not in members  # it shares no passage: no member
    (retelling,) = seeds_story["retellings"]
    assert retelling["source"][:3] == "000" and retelling["role"] == "retelling"
    assert "BuzzFeed reported" in retelling["credit"]
    assert retelling["kept"] == 0 and retelling["rewritten"] > 0.1
    pairs = [pair for line in retelling["ledger"] for pair in line["rewrites"]]
    assert any(
        "declined visas to gay Chechens" in origin and "BuzzFeed reported that" in copy
        for origin, copy in pairs
    ), pairs


def test_the_table_says_what_a_retelling_is(tmp_path: Path) -> None:
    db = str(tmp_path / "dedup.sqlite")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import", str(SEEDS)]).exit_code == 0
    out = " ".join(runner.invoke(cli, ["--db", db, "report", "--story", "1"]).output.split())
    assert "Retellings: 1 article credits BuzzFeed News" in out
    assert "not counted as copies" in out
    assert "rewritten as:" in out.split("Retellings:")[1]


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _others(late: bool) -> list[dict[str, str]]:
    """Articles that say what BuzzFeed's lead says, or credit BuzzFeed, in words of their own
    (no two share a passage); the last is a credited retelling, dated long before the seeds
    were stored (they carry no date) when ``late``."""
    retold = {
        "source": "late-blog",
        "id": "d",
        "title": "Visas",
        "text": "BuzzFeed News reported that about 40 Chechens hiding elsewhere in Russia are "
        "struggling to get visas that would let them leave the country.\n\nThe blog adds "
        "its own view of the matter here.",
    }
    if late:
        retold["published"] = "2017-06-01T10:00:00Z"
    return [
        {  # the same facts, no credit of BuzzFeed
            "source": "plain-blog",
            "id": "a",
            "title": "Visas",
            "text": "Washington turned down the visa requests of 40 gay men who want to leave "
            "Chechnya, according to the Russia LGBT Network.\n\nOther matters followed.",
        },
        {  # an interview given to BuzzFeed, not a credit of its text
            "source": "told-blog",
            "id": "b",
            "title": "Visas",
            "text": "The United States has refused visas to some 40 gay Chechens fleeing "
            "torture, a spokesperson told BuzzFeed News.\n\nWe will follow the matter.",
        },
        {  # credits BuzzFeed for another story
            "source": "other-story",
            "id": "c",
            "title": "Cats",
            "text": "BuzzFeed reported that a cat in Ohio learned to open the fridge door at "
            "night.\n\nThe owners were amused and bought a lock for it.",
        },
        retold,
    ]


@pytest.mark.parametrize("late", [True, False])
def test_a_retelling_needs_a_credit_a_rewrite_and_the_story_s_days(
    tmp_path: Path, late: bool
) -> None:
    extra = _jsonl(tmp_path / "extra.jsonl", _others(late))
    story = _story(str(tmp_path / "dedup.sqlite"), extra)
    sources = {a["source"][:3] for a in story["retellings"]}
    assert sources == ({"000"} if late else {"000", "lat"}), story["retellings"]


def test_the_html_page_shows_the_retelling_beside_the_origin(tmp_path: Path) -> None:
    db = str(tmp_path / "dedup.sqlite")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import", str(SEEDS)]).exit_code == 0
    page = tmp_path / "story.html"
    result = runner.invoke(
        cli, ["--db", db, "report", "--story", "1", "--format", "html", "-o", str(page)]
    )
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    retold = html[html.index("<h3>Retellings</h3>") :]
    assert "(retelling)" in retold and "BuzzFeed reported that" in retold
    assert "(retelling)" not in html[: html.index("<h3>Retellings</h3>")]


_POOLS = [
    "NEW YORK (AP) — The city council voted on Tuesday to close three public swimming pools in "
    "Brooklyn for the summer, citing a shortage of trained lifeguards and rising repair costs.",
    "Council member Maria Lopez said the decision was painful but that the city could not open "
    "pools it could not staff safely, and that the pools would reopen next year.",
    "Parents who rely on the pools during the hot months criticised the vote, saying children "
    "in the neighbourhood have few other places to cool off in July and August.",
]


def test_a_wire_known_by_a_short_name_is_found_under_it(tmp_path: Path) -> None:
    # The copies' "(AP)" names the Associated Press the origin; the retelling says "AP".
    rows = [
        {
            "source": "blog-a",
            "id": "1",
            "title": "Pools",
            "text": "\n\n".join([*_POOLS, "Blog A adds a line about the weather."]),
            "published": "2026-06-02T10:00:00Z",
        },
        {
            "source": "blog-b",
            "id": "2",
            "title": "Pools close",
            "text": "\n\n".join([*_POOLS[:2], "Blog B wonders what comes next."]),
            "published": "2026-06-02T12:00:00Z",
        },
        {
            "source": "blog-c",
            "id": "3",
            "title": "No swimming",
            "text": "AP reported that Brooklyn will lose three of its public pools this summer "
            "because the city cannot find enough lifeguards and repairs cost too much."
            "\n\nWe think this is a shame for the kids.",
            "published": "2026-06-03T09:00:00Z",
        },
        {  # "ap" inside other words is no mention of the AP
            "source": "blog-d",
            "id": "4",
            "title": "Happy",
            "text": "Happy apple pickers say Brooklyn will lose three of its public pools this "
            "summer because the city cannot find lifeguards.\n\nPerhaps.",
            "published": "2026-06-03T09:00:00Z",
        },
    ]
    db = str(tmp_path / "dedup.sqlite")
    runner = CliRunner()
    extra = _jsonl(tmp_path / "pools.jsonl", rows)
    assert runner.invoke(cli, ["--db", db, "import", str(extra)]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["--db", db, "report", "--format", "json"]).output)
    (story,) = listed["stories"]
    assert story["origin"]["name"] == "Associated Press" and story["origin"]["external"]
    out = runner.invoke(
        cli, ["--db", db, "report", "--story", str(story["id"]), "--format", "json"]
    )
    (shown,) = json.loads(out.output)["stories"]
    assert [a["source"] for a in shown["retellings"]] == ["blog-c"]
