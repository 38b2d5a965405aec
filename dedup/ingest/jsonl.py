"""JSON Lines archives -> article records, one record a line, streamed.

A line that cannot be imported (not JSON, too long, nested too deeply, a field of the wrong
type, no text) is that line's :class:`~dedup.ingest.file_records.BadRecord`; the lines after
it are read as usual. Record keys: see :mod:`dedup.ingest.importer`.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dedup.ingest.bounds import MAX_ARTICLE_CHARS, cut_input
from dedup.ingest.file_records import BadRecord, Item, file_record
from dedup.records import ArticleRecord
from dedup.text.normalize import normalize_text
from dedup.text.urls import canonical_url

MAX_RECORD_BYTES = 20_000_000


class _Bad(Exception):
    """A JSONL record that cannot be imported; its message is the reason."""


def read_jsonl(
    path: Path, source: str | None, span: tuple[int, int | None, int] = (0, None, 1)
) -> Iterator[Item]:
    # Streamed line by line: archives can be large. JSON Lines is UTF-8; a line that is not
    # goes through charset detection rather than failing. ``span`` is the (start, end, first
    # line number) of a slice of the file, for a worker.
    start, end, first_line = span
    with path.open("rb") as handle:
        handle.seek(start)
        position, number = start, first_line - 1
        while (end is None or position < end) and (raw := handle.readline(MAX_RECORD_BYTES + 1)):
            position += len(raw)
            number += 1
            if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
                # Skip the rest of the line without holding it.
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    position += len(rest)
                position += len(rest)
                yield BadRecord(
                    str(path), number, f"record longer than {MAX_RECORD_BYTES} bytes; skipped"
                )
                continue
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                from dedup.text.encoding import decode_bytes

                line = decode_bytes(raw)
            try:
                yield _jsonl_record(line, path, source)
            except _Bad as exc:
                yield BadRecord(str(path), number, str(exc))


def _string(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if field == "id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _Bad(f"`{field}` must be a string, not {type(value).__name__}")
    return value.strip() or None


def _parse_published(value: str) -> datetime:
    """ISO 8601 -> aware UTC datetime; a time without a zone is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(
            f"bad `published` date {value!r}: use ISO 8601, e.g. 2017-05-26T14:03:00Z"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _jsonl_record(line: str, path: Path, source_option: str | None) -> ArticleRecord:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Bad(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise _Bad("JSON nested too deeply to read; skipped") from None
    if not isinstance(data, dict):
        raise _Bad(f"expected a JSON object, got {type(data).__name__}")
    source = source_option or _string(data, "source")
    if not source:
        raise _Bad("missing `source`: every record needs the publisher's name (or use --source)")
    text, html = _string(data, "text"), _string(data, "html")
    text = cut_input(text) if text else text
    html = cut_input(html, 4 * MAX_ARTICLE_CHARS) if html else html
    title, url = _string(data, "title"), _string(data, "url")
    article_id, published_raw = _string(data, "id"), _string(data, "published")
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise _Bad(f"`url` must be an absolute http(s) URL, not {url!r}")
    published = _parse_published(published_raw) if published_raw else None
    url = canonical_url(url) if url else None
    from dedup.text.extract import extract_fragment, extract_page, extract_text

    from_html = None
    if html:
        if "<html" in html[:2000].lower() or "<body" in html[:4000].lower():
            from_html = extract_page(html, url)
        else:
            from_html = extract_fragment(html, base_url=url)
    if text:
        extracted = extract_text(text, title)
        if from_html is not None:
            # The given text is the article; the HTML beside it still holds its links.
            extracted = replace(extracted, links=from_html.links)
    elif from_html is not None:
        extracted = from_html
    else:
        raise _Bad("missing `text` (or `html`): nothing to import")
    if not extracted.paragraphs:
        raise _Bad("no article text in `text`/`html`")
    title = normalize_text(title) if title else extracted.title
    if article_id:
        key = f"import:{source}:{article_id}"
    elif url:
        key = url
    else:
        digest = hashlib.sha256(
            f"{source}\x00{title or ''}\x00{extracted.text}".encode()
        ).hexdigest()
        key = f"import:{source}:sha256-{digest[:32]}"
    return file_record(
        source=source,
        key=key,
        extracted=extracted,
        path=path,
        title=title,
        url=url,
        published=published,
    )
