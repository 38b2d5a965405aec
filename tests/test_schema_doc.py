"""docs/schema.md is generated from the models and views and must match them exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from dedup.store.engine import Store
from dedup.store.models import Base
from dedup.store.schema_doc import render_schema_doc
from dedup.store.views import VIEW_NAMES, load_view, view_definitions

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_doc_is_current() -> None:
    committed = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == render_schema_doc(), (
        "docs/schema.md is stale: run `.venv/bin/python -m dedup.store.schema_doc > docs/schema.md`"
    )


def test_every_table_and_column_is_in_the_doc() -> None:
    doc = render_schema_doc()
    for table in Base.metadata.tables.values():
        section = doc.split(f"### `{table.name}`\n", 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` |" in section, f"{table.name}.{column.name}"
            if column.doc:
                assert column.doc.replace("|", "\\|") in section


def test_view_docs_name_exactly_the_view_columns(store: Store) -> None:
    with store.engine.connect() as conn:
        for view in view_definitions():
            columns = list(conn.execute(text(f"SELECT * FROM {view.name} LIMIT 0")).keys())
            assert [name for name, _ in view.columns] == columns, view.name
            assert all(doc for _, doc in view.columns), f"{view.name}: a column has no doc"
            assert view.description


def test_every_view_file_is_created() -> None:
    files = {p.stem for p in (ROOT / "dedup" / "store" / "sql_views").glob("*.sql")}
    assert files == set(VIEW_NAMES)


def test_view_file_without_create_view_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.sql").write_text("-- nothing here\n--\n-- a  b\nSELECT 1\n")
    with pytest.raises(ValueError, match="CREATE VIEW"):
        load_view("broken", tmp_path)


def test_view_file_parsing(tmp_path: Path) -> None:
    (tmp_path / "v.sql").write_text(
        "-- What it answers,\n-- over two lines.\n--\n-- a    the first\n-- b  the second\n"
        "CREATE VIEW v AS SELECT 1 AS a, 2 AS b;\n"
    )
    view = load_view("v", tmp_path)
    assert view.description == "What it answers, over two lines."
    assert view.columns == (("a", "the first"), ("b", "the second"))
    assert view.sql == "CREATE VIEW v AS SELECT 1 AS a, 2 AS b"
