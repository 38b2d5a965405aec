"""Exports: the rows of the researcher views as CSV, JSON lines or Parquet, streamed.

Each export reads one view (``docs/schema.md``) through a streaming cursor (server-side on
PostgreSQL, lazy fetches on SQLite) and writes rows as they come, so a store larger than
memory exports fine. Values are typed on the way out: timestamps become ISO 8601 UTC,
booleans ``true``/``false``, JSON columns JSON text in CSV.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import JSON, Boolean, Float, Integer, Text, text
from sqlalchemy.types import TypeEngine

from dedup.errors import InputError
from dedup.progress import NullProgress, Progress
from dedup.report import csv_safe
from dedup.store.engine import Store
from dedup.store.models import UTCDateTime

FORMATS = ("csv", "jsonl", "parquet")
BATCH = 1000

_TYPES: dict[str, Callable[[], TypeEngine[Any]]] = {
    "int": Integer,
    "float": Float,
    "str": Text,
    "bool": Boolean,
    "datetime": UTCDateTime,
    "json": JSON,
}


@dataclass(frozen=True)
class ExportSpec:
    """One export: the view it reads, its columns with their kinds, and its row order."""

    view: str
    columns: tuple[tuple[str, str], ...]
    order_by: str

    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def query(self) -> Any:
        types = {name: _TYPES[kind]() for name, kind in self.columns}
        names = ", ".join(self.names())
        return text(f"SELECT {names} FROM {self.view} ORDER BY {self.order_by}").columns(**types)


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    pairs = (item.split(":") for item in spec.split())
    return tuple((name, kind) for name, kind in pairs)


EXPORTS: dict[str, ExportSpec] = {
    "stories": ExportSpec(
        "story_articles",
        _cols(
            "story_id:int origin_name:str origin_external:bool confidence:float article_id:int "
            "role:str source:str site:str title:str url:str published:datetime "
            "first_seen:datetime shared_paragraphs:int kept:float edited:float "
            "rewritten:float dropped:float added:float kept_upper:float dropped_upper:float "
            "moved:int headline_changed:bool credit:str"
        ),
        "story_id, CASE WHEN role = 'origin' THEN 0 ELSE 1 END, published, article_id",
    ),
    "articles": ExportSpec(
        "article_texts",
        _cols(
            "article_id:int key:str source:str site:str domain:str title:str author:str "
            "url:str published:datetime first_seen:datetime version:int full_text:bool "
            "words:int text:str"
        ),
        "article_id",
    ),
    "passages": ExportSpec(
        "reused_passages",
        _cols(
            "passage_id:int kind:str similarity:float containment:float story_id:int "
            "article_a:int source_a:str title_a:str url_a:str published_a:datetime "
            "paragraph_a:int position_a:int text_a:str "
            "article_b:int source_b:str title_b:str url_b:str published_b:datetime "
            "paragraph_b:int position_b:int text_b:str found_at:datetime"
        ),
        "passage_id",
    ),
    "ledger": ExportSpec(
        "ledger_lines",
        _cols(
            "ledger_id:int story_id:int article_id:int source:str op:str "
            "origin_paragraph_id:int copy_paragraph_id:int origin_text:str copy_text:str "
            "similarity:float moved:bool weight:float diff:json rewrites:json"
        ),
        "story_id, article_id, ledger_id",
    ),
    "sites": ExportSpec(
        "site_records",
        _cols(
            "source_id:int source:str site:str domain:str articles:int stories_as_origin:int "
            "copies_received:int stories_as_copier:int avg_kept:float avg_edited:float "
            "avg_rewritten:float avg_dropped:float avg_added:float credited_copies:int"
        ),
        "source_id",
    ),
}


# What one row of each export is, so "4 rows" of a one-story store reads right.
_ROW_MEANS = {
    "stories": "one per story and article",
    "articles": "one per article",
    "passages": "one per reused passage",
    "ledger": "one per ledger line",
    "sites": "one per source",
}


def _spec(what: str) -> ExportSpec:
    try:
        return EXPORTS[what]
    except KeyError:
        raise InputError(f"unknown export {what!r}; choose one of {', '.join(EXPORTS)}") from None


def iter_rows(store: Store, what: str) -> Iterator[dict[str, Any]]:
    """The export's rows, typed, fetched in batches from a streaming cursor."""
    spec = _spec(what)
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(spec.query())
        for row in result.mappings():
            yield dict(row)


def _text_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "datetime":
        return str(value.isoformat())
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "float":
        return repr(float(value))
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_csv(spec: ExportSpec, rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv_safe.writer(out)
    writer.writerow(spec.names())
    count = 0
    for row in rows:
        writer.writerow([_text_value(row[name], kind) for name, kind in spec.columns])
        count += 1
    return count


def write_jsonl(spec: ExportSpec, rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(
            json.dumps(
                {name: row[name] for name in spec.names()},
                ensure_ascii=False,
                default=_json_default,
            )
        )
        out.write("\n")
        count += 1
    return count


def _require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # the writer lives in the submodule
    except ImportError as exc:
        raise InputError(
            "Parquet export needs pyarrow: `pip install pyarrow` (or `pip install -e '.[parquet]'`)"
            ", or use --format csv or jsonl"
        ) from exc
    return pyarrow


def _arrow_schema(pa: Any, spec: ExportSpec) -> Any:
    kinds = {
        "int": pa.int64(),
        "float": pa.float64(),
        "str": pa.string(),
        "bool": pa.bool_(),
        "datetime": pa.timestamp("us", tz="UTC"),
        "json": pa.string(),
    }
    return pa.schema([(name, kinds[kind]) for name, kind in spec.columns])


def write_parquet(spec: ExportSpec, rows: Iterable[dict[str, Any]], out: IO[bytes]) -> int:
    """Write row groups of ``BATCH`` rows, so memory holds one batch at a time."""
    pa = _require_pyarrow()
    schema = _arrow_schema(pa, spec)
    json_columns = [name for name, kind in spec.columns if kind == "json"]
    count = 0
    with pa.parquet.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            if json_columns:
                row = {
                    **row,
                    **{c: None if row[c] is None else json.dumps(row[c]) for c in json_columns},
                }
            batch.append(row)
            if len(batch) >= BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def write_rows(spec: ExportSpec, rows: Iterable[dict[str, Any]], fmt: str, out: IO[bytes]) -> int:
    """Write ``rows`` to the binary stream ``out`` in ``fmt``; the number of rows written."""
    if fmt == "parquet":
        return write_parquet(spec, rows, out)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = write_csv if fmt == "csv" else write_jsonl
        return writer(spec, rows, wrapper)
    finally:
        wrapper.flush()
        wrapper.detach()  # leave the caller's stream open


@dataclass
class ExportSummary:
    what: str
    fmt: str
    rows: int
    path: str | None

    def describe(self) -> str:
        where = self.path or "standard output"
        view = EXPORTS[self.what].view
        rows = f"{self.rows} row{'' if self.rows == 1 else 's'}"
        return f"exported {rows} of {view} ({_ROW_MEANS[self.what]}) as {self.fmt} to {where}"


def check_request(what: str, fmt: str, output: Path | None) -> None:
    """Refuse an export that cannot be written, before any store is opened."""
    _spec(what)
    if fmt == "parquet":
        _require_pyarrow()
        if output is None:
            raise InputError("Parquet is a binary format: give an output file with -o FILE")


def export(
    store: Store,
    what: str,
    fmt: str,
    output: Path | None,
    stdout: IO[bytes],
    progress: Progress | None = None,
) -> ExportSummary:
    """Export one view of ``store`` to ``output`` (written whole or not at all) or ``stdout``.

    Reads only: it takes no writer lock, so it runs beside a poll.
    """
    check_request(what, fmt, output)
    spec = _spec(what)
    progress = progress or NullProgress()
    with progress.task(f"exporting {what}") as task:
        rows = _counted(iter_rows(store, what), task.advance)
        if output is None:
            count = write_rows(spec, rows, fmt, stdout)
            return ExportSummary(what, fmt, count, None)
        return ExportSummary(what, fmt, _write_file(spec, rows, fmt, output), str(output))


def _counted(
    rows: Iterator[dict[str, Any]], advance: Callable[[int], None]
) -> Iterator[dict[str, Any]]:
    """Pass rows through, advancing the progress bar once per batch (cheap on big exports)."""
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == BATCH:
            advance(pending)
            pending = 0
    if pending:
        advance(pending)


def _write_file(spec: ExportSpec, rows: Iterable[dict[str, Any]], fmt: str, path: Path) -> int:
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "wb") as out:
            count = write_rows(spec, rows, fmt, out)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count
