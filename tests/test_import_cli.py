"""`dedup import` end to end: files -> store, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from conftest import shared_path
from sqlalchemy import func, select

from dedup.cli import cli
from dedup.store.engine import open_store
from dedup.store.models import Article, ArticleVersion, Paragraph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def _import(runner: CliRunner, *args: str) -> tuple[Result, dict[str, Any]]:
    result = runner.invoke(cli, ["import", "--format", "json", *args])
    summary = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result, summary


def _counts(db_url: str) -> tuple[int, int, dict[str, int]]:
    store = open_store(db_url)
    try:
        with store.session() as session:
            articles = session.scalar(select(func.count()).select_from(Article)) or 0
            versions = session.scalar(select(func.count()).select_from(ArticleVersion)) or 0
            rows = session.execute(select(Paragraph.kind, func.count()).group_by(Paragraph.kind))
            kinds = {kind: count for kind, count in rows}
    finally:
        store.close()
    return articles, versions, kinds


def test_import_seeds_twice_adds_nothing_the_second_time(
    runner: CliRunner, seeds_dir: Path, db_url: str
) -> None:
    result, summary = _import(runner, "--no-analyze", str(seeds_dir))
    assert result.exit_code == 0, result.output
    assert (summary["files"], summary["new"], summary["bad"]) == (5, 5, [])
    articles, versions, kinds = _counts(db_url)
    assert (articles, versions) == (5, 5)
    assert kinds["body"] > 50 and kinds["comment"] > 50 and kinds["boilerplate"] >= 10

    result, summary = _import(runner, "--no-analyze", str(seeds_dir))
    assert result.exit_code == 0, result.output
    assert (summary["new"], summary["changed"], summary["unchanged"]) == (0, 0, 5)
    assert _counts(db_url)[:2] == (5, 5)


def test_import_then_analyze_by_default(runner: CliRunner, seeds_dir: Path) -> None:
    result, summary = _import(runner, str(seeds_dir))
    assert result.exit_code == 0, result.output
    assert summary["new"] == 5
    assert summary["analysis"] is not None
    result, summary = _import(runner, str(seeds_dir))
    assert result.exit_code == 0, result.output
    assert (summary["new"], summary["unchanged"]) == (0, 5)


def test_import_text_output(runner: CliRunner, seeds_dir: Path) -> None:
    result = runner.invoke(cli, ["import", "--no-analyze", str(seeds_dir)])
    assert result.exit_code == 0, result.output
    assert "imported 5 new, 0 changed, 0 unchanged article(s) from 5 file(s)" in result.stdout


def test_changed_file_becomes_a_new_version(runner: CliRunner, tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "story.txt"
    path.write_text("A title\n\nThe first text of the story, long enough to be body.\n")
    assert _import(runner, "--no-analyze", str(path))[1]["new"] == 1
    path.write_text("A title\n\nThe corrected text of the story, long enough to be body.\n")
    assert _import(runner, "--no-analyze", str(path))[1]["changed"] == 1
    assert _counts(db_url)[:2] == (1, 2)


def test_bad_jsonl_lines_are_named_and_the_rest_stored(runner: CliRunner, db_url: str) -> None:
    path = FIXTURES / "articles.jsonl"
    result, summary = _import(runner, "--no-analyze", str(path))
    assert result.exit_code == 0, result.output
    assert summary["new"] == 4
    assert [line.split(": ", 1)[0] for line in summary["bad"]] == [
        f"{path}:{n}" for n in (4, 5, 6, 7, 9)
    ]
    for n, reason in [
        (4, "not valid JSON"),
        (5, "missing `source`"),
        (6, "missing `text`"),
        (7, "bad `published` date"),
    ]:
        assert f"dedup: skipped {path}:{n}: {reason}" in result.stderr
    assert _counts(db_url)[0] == 4


def test_import_sgm_with_source_option(runner: CliRunner, db_url: str) -> None:
    result, summary = _import(
        runner, "--no-analyze", "--source", "wire", str(FIXTURES / "sample.sgm")
    )
    assert result.exit_code == 0, result.output
    assert summary["new"] == 2
    store = open_store(db_url)
    try:
        with store.session() as session:
            keys = session.scalars(select(Article.key).order_by(Article.key)).all()
    finally:
        store.close()
    assert keys == ["import:wire:101", "import:wire:103"]


def test_input_errors_exit_4_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["import", str(tmp_path / "nope.txt")])
    assert result.exit_code == 4
    missing = tmp_path / "nope.txt"
    assert result.stderr.strip() == f"dedup: {missing}: no such file or folder; check the path"
    (tmp_path / "data.csv").write_text("a,b\n")
    result = runner.invoke(cli, ["import", str(tmp_path / "data.csv")])
    assert result.exit_code == 4
    assert "unsupported file type '.csv'" in result.stderr
    assert "Traceback" not in result.output


def test_import_a_reuters_file_twice(runner: CliRunner, db_url: str) -> None:
    path = shared_path("reuters21578", "reut2-000.sgm")
    result, summary = _import(runner, "--no-analyze", str(path))
    assert result.exit_code == 0, result.output
    assert (summary["new"], summary["bad"]) == (925, [])
    result, summary = _import(runner, "--no-analyze", str(path))
    assert (summary["new"], summary["changed"], summary["unchanged"]) == (0, 0, 925)
    assert _counts(db_url)[:2] == (925, 925)
