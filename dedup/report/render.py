"""Renderings of a :class:`~dedup.report.model.Report`: JSON, CSV, table and HTML, by name.

Every renderer takes the typed report and :class:`RenderOptions` and returns text;
:data:`RENDERERS` maps the names ``dedup report --format`` offers to them, and
:func:`write_output` writes a rendering to a file whole or not at all.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dedup.errors import InputError
from dedup.report import csv_safe
from dedup.report.model import DiffPart, Report


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int = 120


def render_json(report: Report, options: RenderOptions) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_jsonl(report: Report, options: RenderOptions) -> str:
    """One story per line (the JSON report's ``stories``, each a JSON object)."""
    return "".join(
        json.dumps(story.to_dict(), ensure_ascii=False) + "\n" for story in report.stories
    )


STORY_COLUMNS = (
    "story_id",
    "origin",
    "origin_external",
    "confidence",
    "article_id",
    "source",
    "site",
    "role",
    "title",
    "url",
    "published",
    "first_seen",
    "shared_paragraphs",
    "kept",
    "edited",
    "rewritten",
    "dropped",
    "added",
    "moved",
    "headline_changed",
    "credit",
)
LEDGER_COLUMNS = (
    "story_id",
    "article_id",
    "source",
    "line",
    "op",
    "similarity",
    "moved",
    "weight",
    "origin_text",
    "copy_text",
    "diff",
)


def diff_text(diff: Sequence[DiffPart] | None) -> str:
    """A diff as one line: [-removed-] {+inserted+}, like ``git diff --word-diff``."""
    if not diff:
        return ""
    marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
    return " ".join(marks.get(op, "{}").format(text) for op, text in diff)


def csv_cell(value: object) -> str:
    """One CSV cell: booleans as ``true``/``false`` (as ``dedup export`` writes), None empty.

    Every cell of the report CSV passes through here, the one place to neutralise values.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(csv_safe.safe_cell(str(value)))


def _csv_rows(report: Report) -> Iterable[Sequence[object]]:
    detail = report.has_detail
    yield LEDGER_COLUMNS if detail else STORY_COLUMNS
    for story in report.stories:
        origin = story.origin
        for a in story.articles:
            if detail:
                for number, line in enumerate(a.ledger or [], 1):
                    yield (
                        story.id,
                        a.article_id,
                        a.source,
                        number,
                        line.op,
                        line.similarity,
                        line.moved,
                        line.weight,
                        line.origin_text,
                        line.copy_text,
                        diff_text(line.diff),
                    )
                continue
            yield (
                story.id,
                origin.name,
                origin.external,
                origin.confidence,
                a.article_id,
                a.source,
                a.site,
                a.role,
                a.title,
                a.url,
                a.published,
                a.first_seen,
                a.shared_paragraphs,
                a.kept,
                a.edited,
                a.rewritten,
                a.dropped,
                a.added,
                a.moved,
                a.headline_changed,
                a.credit,
            )


def render_csv(report: Report, options: RenderOptions) -> str:
    """One row per story member; with ledgers (``--story``), one row per ledger line."""
    out = io.StringIO()
    writer = csv_safe.writer(out)
    for row in _csv_rows(report):
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def render_table(report: Report, options: RenderOptions) -> str:
    from dedup.report.table import render_table as table

    return table(report, color=options.color, width=options.width)


def render_html(report: Report, options: RenderOptions) -> str:
    from dedup.report.html import render_html as page

    return page(report)


Renderer = Callable[[Report, RenderOptions], str]

# The formats ``dedup report --format`` offers, by name (the CLI's one vocabulary).
RENDERERS: Mapping[str, Renderer] = MappingProxyType(
    {
        "table": render_table,
        "json": render_json,
        "jsonl": render_jsonl,
        "csv": render_csv,
        "html": render_html,
    }
)


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(RENDERERS)}")
    return renderer(report, options or RenderOptions())


def write_output(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror}; check the folder exists") from exc


def as_report(data: Report | Mapping[str, Any]) -> Report:
    """A typed report from either a :class:`Report` or its JSON shape."""
    return data if isinstance(data, Report) else Report.from_dict(data)
