"""The SQL views researchers query, defined in ``sql_views/<name>.sql``, created by migrations.

Each file holds one ``CREATE VIEW`` in plain SQL that SQLite and PostgreSQL both accept,
preceded by a comment block: a description, a line ``--`` alone, then one line per column
(``-- name   what it holds``). :mod:`dedup.store.schema_doc` turns those comments into
``docs/schema.md``, and a test checks that the documented columns are the view's columns.

Changing a view takes a new migration that calls :func:`drop_views` then :func:`create_views`,
with the view's earlier definition kept in ``sql_views/before_<revision>/`` for the older
migrations (and the new one's downgrade) to create.
SQLite refuses to rename a table that a view reads (Alembic issue 1207), and Alembic's batch
mode renames tables, so a migration that batch-alters a table must drop the views first and
create them again after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

VIEWS_DIR = Path(__file__).resolve().parent / "sql_views"

# Creation order; no view reads another today, but keep dependencies before dependants.
VIEW_NAMES: tuple[str, ...] = (
    "article_texts",
    "story_articles",
    "reused_passages",
    "ledger_lines",
    "site_records",
)


@dataclass(frozen=True)
class ViewDef:
    """One view: its name, what it answers, its documented columns and its SQL."""

    name: str
    description: str
    columns: tuple[tuple[str, str], ...]
    sql: str


def load_view(name: str, views_dir: Path = VIEWS_DIR) -> ViewDef:
    """Parse ``sql_views/<name>.sql``: the comment block, then the ``CREATE VIEW`` statement."""
    path = views_dir / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    marker = text.find("CREATE VIEW")
    if marker < 0:
        raise ValueError(f"{path} holds no CREATE VIEW statement")
    comments = [line[2:].strip() for line in text[:marker].splitlines() if line.startswith("--")]
    if "" not in comments:
        raise ValueError(f"{path}: the comment block needs a line '--' between text and columns")
    split = comments.index("")
    description = " ".join(comments[:split])
    columns = []
    for line in comments[split + 1 :]:
        if not line:
            continue
        column, _, doc = line.partition(" ")
        columns.append((column, doc.strip()))
    return ViewDef(
        name=name,
        description=description,
        columns=tuple(columns),
        sql=text[marker:].strip().rstrip(";"),
    )


def view_definitions(views_dir: Path = VIEWS_DIR) -> list[ViewDef]:
    return [load_view(name, views_dir) for name in VIEW_NAMES]


def create_views(execute: Callable[[str], object], before: str | None = None) -> None:
    """Create every view; ``execute`` is e.g. ``alembic.op.execute``.

    ``before``: a revision that changed views (``"0013"``). A migration older than it creates
    the views as they were then, from ``sql_views/before_<revision>/`` (a view of today may
    read a column that revision added, which an older schema lacks).
    """
    pinned = VIEWS_DIR / f"before_{before}"
    for name in VIEW_NAMES:
        folder = pinned if before and (pinned / f"{name}.sql").is_file() else VIEWS_DIR
        execute(load_view(name, folder).sql)


def drop_views(execute: Callable[[str], object]) -> None:
    for name in reversed(VIEW_NAMES):
        execute(f"DROP VIEW IF EXISTS {name}")
