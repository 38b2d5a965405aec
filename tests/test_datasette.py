"""A seeds store in Datasette, through Datasette's own test client, with dedup's metadata."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.report.datasette import canned_queries, datasette_metadata
from dedup.store.views import view_definitions

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "seeds"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("datasette")
    db = folder / "seeds.sqlite"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "-q", "import", str(SEEDS)]).exit_code == 0
    target = folder / "metadata.json"
    made = runner.invoke(cli, ["--db", str(db), "datasette-metadata", "-o", str(target)])
    assert made.exit_code == 0, made.output
    assert f"wrote Datasette metadata to {target}" in made.stderr
    return db, json.loads(target.read_text(encoding="utf-8"))


def _get(db: Path, metadata: dict[str, Any], path: str) -> Any:
    from datasette.app import Datasette

    async def fetch() -> Any:
        ds = Datasette([str(db)], metadata=metadata)
        await ds.invoke_startup()
        return await ds.client.get(path)

    # a thread of its own: Playwright's session fixture may hold this thread's event loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(fetch())).result()


def test_metadata_carries_the_schema_doc_and_the_queries(served: tuple[Path, Any]) -> None:
    _, metadata = served
    database = metadata["databases"]["seeds"]  # named after the file, as Datasette does
    views = {v.name: v for v in view_definitions()}
    story_articles = database["tables"]["story_articles"]
    assert story_articles["description"] == views["story_articles"].description
    assert story_articles["columns"]["source"] == "the article's publisher (sources.name)"
    assert database["tables"]["articles"]["columns"]  # tables from the models' doc=
    queries = database["queries"]
    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert len(queries) == doc.count("```sql") >= 15
    assert all(q["sql"] and q["title"] for q in queries.values())


def test_a_canned_query_runs_in_datasette(served: tuple[Path, Any]) -> None:
    db, metadata = served
    name = "every_story_with_its_origin_and_how_many_copies_it_has"
    assert name in metadata["databases"]["seeds"]["queries"]
    response = _get(db, metadata, f"/seeds/{name}.json?_shape=objects")
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert rows and rows[0]["origin_name"] == "BuzzFeed News" and rows[0]["copies"] == 4
    page = _get(db, metadata, "/seeds/story_articles")
    assert page.status_code == 200
    assert "the article&#39;s publisher (sources.name)" in page.text or (
        "the article's publisher (sources.name)" in page.text
    )


def test_canned_queries_parse_headings_and_notes() -> None:
    text = (
        "### Top\n\nSome words.\n<!-- expect rows -->\n```sql\nSELECT 2;\n```\n"
        "### Top\n```sql\nSELECT 3;\n```\n"
    )
    queries = canned_queries(text)
    assert queries["top"] == {"title": "Top", "sql": "SELECT 2;", "description": "Some words."}
    assert queries["top_1"]["sql"] == "SELECT 3;"
    assert datasette_metadata("x", None)["databases"]["x"]["queries"] == {}
