"""What reading an archive file gives: bounded article records, and bad records saying why not.

Shared by the file readers (:mod:`dedup.ingest.importer`) and the JSON Lines reader
(:mod:`dedup.ingest.jsonl`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dedup.ingest.bounds import bound_record
from dedup.ingest.redact import one_line
from dedup.records import ArticleRecord

if TYPE_CHECKING:
    from dedup.text.extract import Extracted


@dataclass(frozen=True)
class BadRecord:
    """A file or record that was skipped, and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        path = one_line(self.path)
        where = f"{path}:{self.line}" if self.line is not None else path
        return f"{where}: {one_line(self.reason)}"


Item = ArticleRecord | BadRecord


def file_record(
    *,
    source: str,
    key: str,
    extracted: Extracted,
    path: Path,
    title: str | None = None,
    url: str | None = None,
    published: datetime | None = None,
) -> ArticleRecord:
    """An archive file's extracted text as a bounded article record (full text, its path kept)."""
    return bound_record(
        ArticleRecord(
            source=source,
            key=key,
            title=title if title is not None else extracted.title,
            text=extracted.text,
            paragraphs=extracted.paragraphs,
            url=url,
            published=published,
            links=extracted.links,
            full_text=True,
            origin_path=str(path),
        )
    )
