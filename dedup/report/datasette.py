"""Datasette metadata for a dedup store: what each table, view and column holds, and canned queries.

The descriptions are the ones ``docs/schema.md`` is generated from (the models' docstrings and
``doc=``, the views' comment blocks), so Datasette shows the same words as the schema doc. The
canned queries are the worked examples of ``docs/queries.md`` (each ``### heading`` and the
SQL block under it), named by a slug of the heading. Serve with::

    dedup datasette-metadata -o metadata.json
    datasette db/dedup.sqlite -m metadata.json
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from dedup.store.models import Base
from dedup.store.views import view_definitions

# docs/queries.md, shipped in the package (a symlink in the checkout, a copy in a wheel).
QUERIES_DOC = Path(__file__).with_name("queries.md")

_BLOCK = re.compile(
    r"^### (?P<title>.+?)\n(?P<between>(?:(?!^### ).)*?)```sql\n(?P<sql>.*?)```",
    re.S | re.M,
)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60]


def canned_queries(markdown: str) -> dict[str, dict[str, str]]:
    """The ``### heading`` + ```` ```sql ```` blocks of a queries document, by slug.

    >>> canned_queries("### Every story\\n\\n```sql\\nSELECT 1;\\n```\\n")
    {'every_story': {'title': 'Every story', 'sql': 'SELECT 1;'}}
    """
    out: dict[str, dict[str, str]] = {}
    for match in _BLOCK.finditer(markdown):
        title = match["title"].strip()
        name = _slug(title)
        if name in out:
            name = f"{name}_{len(out)}"
        notes = " ".join(
            line.strip()
            for line in match["between"].splitlines()
            if line.strip() and not line.strip().startswith("<!--")
        )
        query = {"title": title, "sql": match["sql"].strip()}
        if notes:
            query["description"] = notes
        out[name] = query
    return out


def _tables() -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        name = str(getattr(table, "name", ""))
        columns = {c.name: c.doc for c in getattr(table, "columns", []) if getattr(c, "doc", None)}
        entry: dict[str, Any] = {"columns": columns}
        doc = inspect.cleandoc(mapper.class_.__doc__ or "")
        if doc:
            entry["description"] = " ".join(doc.split())
        tables[name] = entry
    for view in view_definitions():
        tables[view.name] = {
            "description": view.description,
            "columns": dict(view.columns),
        }
    return dict(sorted(tables.items()))


def datasette_metadata(
    database: str = "dedup", queries_doc: Path | None = QUERIES_DOC
) -> dict[str, Any]:
    """Metadata for ``datasette FILE -m metadata.json``; ``database`` is the file's stem."""
    queries: dict[str, dict[str, str]] = {}
    if queries_doc is not None and queries_doc.exists():
        queries = canned_queries(queries_doc.read_text(encoding="utf-8"))
    return {
        "title": "dedup store",
        "description": "Stories, their origins and what each copier kept, edited, rewrote, "
        "dropped and added. Start with the views (story_articles, reused_passages, ledger_lines, "
        "site_records, article_texts).",
        "databases": {database: {"tables": _tables(), "queries": queries}},
    }
