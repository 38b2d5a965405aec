"""Exports round-trip: write each view as CSV, JSON lines and Parquet, read back, same rows."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dedup.config import Settings
from dedup.errors import InputError
from dedup.reading import export
from dedup.report.export import EXPORTS, ExportSpec, iter_rows, write_rows
from dedup.store.engine import Store, sqlite_path
from dedup.store.models import (
    Article,
    ArticleVersion,
    LedgerEntry,
    Paragraph,
    Passage,
    Source,
    Story,
    StoryMember,
)

T0 = datetime(2017, 5, 17, 10, 0, tzinfo=UTC)
AWKWARD = 'He said, "no" —\nthen left; \u00e9t\u00e9 <b>&amp;</b>'


def fill_store(store: Store) -> None:
    """A tiny store by hand: one story, an origin and two copies, passages and a ledger."""
    with store.session() as session:
        sources = [
            Source(name=n, display_name=n.title(), domain=f"{n}.example")
            for n in ("buzz", "blog", "news")
        ]
        session.add_all(sources)
        session.flush()
        articles = []
        for i, source in enumerate(sources):
            article = Article(
                key=f"https://{source.domain}/a",
                source_id=source.id,
                url=f"https://{source.domain}/a",
                title=f"Title {i} {AWKWARD}",
                published=T0 + timedelta(hours=i),
                first_seen=T0 + timedelta(days=1),
            )
            session.add(article)
            session.flush()
            texts = ["Shared paragraph one, kept.", f"Own words of {source.name}, {AWKWARD}"]
            version = ArticleVersion(
                article_id=article.id,
                number=1,
                title=article.title,
                text="\n\n".join(texts),
                content_hash=f"h{i}",
                full_text=i != 2,
            )
            session.add(version)
            session.flush()
            article.current_version_id = version.id
            for pos, body in enumerate(texts):
                session.add(
                    Paragraph(
                        version_id=version.id,
                        article_id=article.id,
                        position=pos,
                        kind="body",
                        text=body,
                        norm_text=body.lower(),
                        norm_hash=f"{i}{pos}",
                        start=0,
                        end=len(body),
                        words=len(body.split()),
                    )
                )
            articles.append(article)
        session.flush()
        paras = {(p.article_id, p.position): p.id for p in session.query(Paragraph)}
        origin, *copies = articles
        for copy in copies:
            session.add(
                Passage(
                    paragraph_a=paras[(origin.id, 0)],
                    paragraph_b=paras[(copy.id, 0)],
                    article_a=origin.id,
                    article_b=copy.id,
                    similarity=0.875,
                    containment=1.0,
                    kind="reuse",
                    created_at=T0,
                )
            )
        story = Story(
            origin_article_id=origin.id,
            origin_name="buzz",
            confidence=0.9,
            evidence=["first published"],
            first_seen=T0,
        )
        session.add(story)
        session.flush()
        session.add(
            StoryMember(
                story_id=story.id,
                article_id=origin.id,
                role="origin",
                shared_paragraphs=1,
                kept=1.0,
            )
        )
        for copy in copies:
            session.add(
                StoryMember(
                    story_id=story.id,
                    article_id=copy.id,
                    role="copy",
                    shared_paragraphs=1,
                    kept=0.5,
                    dropped=0.5,
                    added=0.5,
                    credit="via Buzz" if copy is copies[0] else None,
                )
            )
            session.add(
                LedgerEntry(
                    story_id=story.id,
                    article_id=copy.id,
                    op="kept",
                    origin_paragraph_id=paras[(origin.id, 0)],
                    copy_paragraph_id=paras[(copy.id, 0)],
                    similarity=1.0,
                    weight=0.5,
                    diff=[["=", "Shared paragraph one, kept."]],
                )
            )
            session.add(
                LedgerEntry(
                    story_id=story.id,
                    article_id=copy.id,
                    op="dropped",
                    origin_paragraph_id=paras[(origin.id, 1)],
                    weight=0.5,
                )
            )
        # a merged story must not show in the views
        session.add(Story(status="merged", merged_into=story.id, origin_name="x"))


@pytest.fixture
def filled(store: Store) -> Store:
    fill_store(store)
    return store


def _raw_view(store: Store, view: str) -> list[dict[str, Any]]:
    path = sqlite_path(store.url)
    assert path is not None
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f"SELECT * FROM {view}")]


def test_export_specs_name_exactly_the_view_columns(store: Store) -> None:
    for what, spec in EXPORTS.items():
        with store.engine.connect() as conn:
            columns = list(conn.exec_driver_sql(f"SELECT * FROM {spec.view} LIMIT 0").keys())
        assert spec.names() == columns, what


@pytest.mark.parametrize("what", list(EXPORTS))
def test_rows_are_the_views_rows_typed(filled: Store, what: str) -> None:
    spec = EXPORTS[what]
    rows = list(iter_rows(filled, what))
    raw = _raw_view(filled, spec.view)
    assert rows and len(rows) == len(raw)
    key = spec.names()[0]
    by_key = {r[key]: r for r in raw} if what != "stories" else None
    for row in rows:
        if by_key is not None:
            assert set(row) == set(by_key[row[key]])
        for name, kind in spec.columns:
            value = row[name]
            if value is None:
                continue
            expected = {
                "int": int,
                "float": float,
                "str": str,
                "bool": bool,
                "datetime": datetime,
                "json": list,
            }[kind]
            assert isinstance(value, expected), (what, name, value)
            if kind == "datetime":
                assert value.tzinfo is not None


def test_stories_export_orders_origin_first_and_skips_merged(filled: Store) -> None:
    rows = list(iter_rows(filled, "stories"))
    assert [r["role"] for r in rows] == ["origin", "copy", "copy"]
    assert {r["story_id"] for r in rows} == {rows[0]["story_id"]}
    assert rows[0]["published"] == T0
    assert rows[1]["credit"] == "via Buzz"


def _parse_text(value: str, kind: str) -> Any:
    if value == "":
        return None
    return {
        "int": int,
        "float": float,
        "str": str,
        "bool": lambda v: v == "true",
        "datetime": datetime.fromisoformat,
        "json": json.loads,
    }[kind](value)


def _export(store: Store, what: str, fmt: str) -> bytes:
    out = io.BytesIO()
    write_rows(EXPORTS[what], iter_rows(store, what), fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("what", list(EXPORTS))
def test_csv_round_trip(filled: Store, what: str) -> None:
    spec = EXPORTS[what]
    data = _export(filled, what, "csv").decode("utf-8")
    reader = csv.DictReader(io.StringIO(data, newline=""))
    assert reader.fieldnames == spec.names()
    back = [{name: _parse_text(row[name], kind) for name, kind in spec.columns} for row in reader]
    original = list(iter_rows(filled, what))
    # CSV cannot tell an empty string from NULL; no exported text here is empty
    assert back == original


@pytest.mark.parametrize("what", list(EXPORTS))
def test_jsonl_round_trip(filled: Store, what: str) -> None:
    spec = EXPORTS[what]
    lines = _export(filled, what, "jsonl").decode("utf-8").splitlines()
    back = [json.loads(line) for line in lines]
    for row in back:
        for name, kind in spec.columns:
            if kind == "datetime" and row[name] is not None:
                row[name] = datetime.fromisoformat(row[name])
    assert back == list(iter_rows(filled, what))
    has_awkward = any(AWKWARD in str(v) for row in back for v in row.values())
    assert has_awkward or what in ("ledger", "sites")  # newlines inside text stay one line


@pytest.mark.parametrize("what", list(EXPORTS))
def test_parquet_round_trip(filled: Store, what: str, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    spec = EXPORTS[what]
    target = tmp_path / f"{what}.parquet"
    summary = export(Settings(db_url=filled.url), what, "parquet", target, io.BytesIO())
    back = pq.read_table(target).to_pylist()
    assert summary.rows == len(back)
    for row in back:
        for name, kind in spec.columns:
            if kind == "json" and row[name] is not None:
                row[name] = json.loads(row[name])
    assert back == list(iter_rows(filled, what))
    assert pq.read_schema(target).names == spec.names()


def test_parquet_without_pyarrow_says_how_to_install(
    filled: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(InputError, match="pip install pyarrow"):
        export(
            Settings(db_url=filled.url), "stories", "parquet", tmp_path / "x.parquet", io.BytesIO()
        )
    assert not (tmp_path / "x.parquet").exists()


def test_parquet_to_stdout_is_refused(filled: Store) -> None:
    pytest.importorskip("pyarrow")
    with pytest.raises(InputError, match="-o FILE"):
        export(Settings(db_url=filled.url), "stories", "parquet", None, io.BytesIO())


def test_writers_stream_rows(filled: Store) -> None:
    """Rows are written as they arrive: a failure after two rows leaves those two written."""
    spec = ExportSpec("article_texts", (("article_id", "int"),), "article_id")

    def rows() -> Iterator[dict[str, Any]]:
        yield {"article_id": 1}
        yield {"article_id": 2}
        raise RuntimeError("source failed")

    for fmt, expected in (
        ("csv", "article_id\n1\n2\n"),
        ("jsonl", '{"article_id": 1}\n{"article_id": 2}\n'),
    ):
        out = io.BytesIO()
        with pytest.raises(RuntimeError):
            write_rows(spec, rows(), fmt, out)
        assert out.getvalue().decode() == expected


def test_failed_file_export_leaves_no_file(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "out.csv"
    with pytest.raises(InputError, match="cannot write"):
        export(Settings(db_url=filled.url), "articles", "csv", target, io.BytesIO())
    assert not target.exists()


def test_unknown_export_is_an_input_error(filled: Store) -> None:
    with pytest.raises(InputError, match="choose one of"):
        list(iter_rows(filled, "nope"))


def _invoke(args: list[str]) -> Result:
    from dedup.cli import cli

    return CliRunner().invoke(cli, args)


def test_cli_export_to_stdout_and_file(filled: Store, tmp_path: Path) -> None:
    result = _invoke(["--db", filled.url, "export", "stories", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["role"] == "origin"
    target = tmp_path / "articles.csv"
    result = _invoke(["--db", filled.url, "export", "articles", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "exported 3 rows of article_texts (one per article) as csv" in result.stderr
    stories = _invoke(["--db", filled.url, "export", "stories", "-o", str(tmp_path / "s.csv")])
    # three rows for one story: the count says what a row is
    assert "exported 3 rows of story_articles (one per story and article)" in stories.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("article_id,key,source")


def test_cli_export_quiet_prints_nothing_but_data(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "s.csv"
    result = _invoke(["--db", filled.url, "--quiet", "export", "sites", "-o", str(target)])
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    assert target.exists()


def test_cli_export_bad_format_is_a_usage_error(filled: Store) -> None:
    result = _invoke(["--db", filled.url, "export", "stories", "-f", "xml"])
    assert result.exit_code == 2


def test_seeds_export_round_trips_through_the_cli(tmp_path: Path) -> None:
    from dedup import pipeline
    from dedup.store.engine import open_store

    url = f"sqlite:///{tmp_path / 'seeds.sqlite'}"
    pipeline.import_paths(
        Settings(db_url=url), [Path(__file__).parent.parent / "examples" / "seeds"]
    )
    store = open_store(url)
    try:
        for what in ("stories", "passages", "ledger"):
            target = tmp_path / f"{what}.csv"
            result = _invoke(["--db", url, "--quiet", "export", what, "-o", str(target)])
            assert result.exit_code == 0, result.output
            spec = EXPORTS[what]
            with open(target, encoding="utf-8", newline="") as handle:
                back = [
                    {name: _parse_text(row[name], kind) for name, kind in spec.columns}
                    for row in csv.DictReader(handle)
                ]
            assert back and back == list(iter_rows(store, what)), what
    finally:
        store.close()
