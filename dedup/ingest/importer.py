"""Archive files -> article records: ``.txt``, ``.html``/``.htm``, ``.jsonl`` and Reuters ``.sgm``.

Pure reading: no database. A record that cannot be read becomes a :class:`BadRecord` naming the
file and line, and reading goes on, so one broken line never costs the rest of an archive.

Bounds: a JSONL line longer than :data:`dedup.ingest.jsonl.MAX_RECORD_BYTES`, or nested too
deeply to parse, is that record's error (:mod:`dedup.ingest.jsonl`); a text or HTML body
longer than the article bound is cut and marked before extraction, and so is a huge
paragraph (:mod:`dedup.ingest.bounds`); a file of binary data is a bad record. Names from
the file system are shown escaped on one line; a folder that cannot be read is reported.

Identity keys make re-imports idempotent (the store adds nothing for an unchanged key and text):

* a JSONL ``id``: ``import:<source>:<id>``; else its ``url``, canonicalised;
  else ``import:<source>:sha256-<hash of source, title and text>``;
* a Reuters article: ``import:<source>:<NEWID>`` (source ``reuters``);
* a ``.txt`` or ``.html`` file: ``file:<source>:<file name>``, so a changed file becomes a new
  version of the same article.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from dedup.errors import InputError
from dedup.ingest import reuters
from dedup.ingest.bounds import MAX_ARTICLE_CHARS, cut_input
from dedup.ingest.file_records import BadRecord as BadRecord
from dedup.ingest.file_records import Item, file_record
from dedup.ingest.jsonl import read_jsonl
from dedup.ingest.redact import one_line
from dedup.records import ArticleRecord, ParagraphRecord
from dedup.text.normalize import normalize_text
from dedup.text.paragraphs import build_paragraphs, join_paragraphs
from dedup.workers import gc_paused, ordered_map

# dedup.text.extract (trafilatura, lxml) is imported by the readers that need it: a worker
# parsing Reuters or plain-text JSON Lines starts without it.

SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".sgm")
REUTERS_SOURCE = "reuters"
# Bytes read of a .txt/.html file: enough for the article bound in any UTF-8 text.
_MAX_FILE_BYTES = 4 * MAX_ARTICLE_CHARS


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The files to import: named files as given, folders walked in sorted order.

    Inside folders only supported files are taken (hidden ones skipped); a named file of
    another type, a path that does not exist, or nothing to import at all is an InputError.
    A folder that cannot be read is listed as it is, so :func:`read_files` reports it.
    """
    files: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            files.append(path)

    for path in paths:
        if path.is_dir():
            for found in _walk(path):
                add(found)
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise InputError(
                    f"{one_line(str(path))}: unsupported file type {path.suffix or '(none)'!r}; "
                    f"import {', '.join(SUFFIXES)} files or folders holding them"
                )
            add(path)
        else:
            raise InputError(f"{one_line(str(path))}: no such file or folder; check the path")
    if not files:
        names = ", ".join(one_line(str(p)) for p in paths)
        raise InputError(f"nothing to import in {names}: no {', '.join(SUFFIXES)} files found")
    return files


def _walk(root: Path) -> list[Path]:
    """Supported, non-hidden files under ``root`` in sorted order, plus unreadable folders."""
    found: list[Path] = []
    unreadable: list[Path] = []

    def failed(exc: OSError) -> None:
        unreadable.append(Path(exc.filename) if exc.filename else root)

    for folder, dirs, names in os.walk(root, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(folder, name)
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES and path.is_file():
                found.append(path)
    return sorted(found + unreadable)


def _unreadable_folder(path: Path) -> str:
    try:
        os.listdir(path)
    except OSError as exc:
        return f"folder cannot be read ({exc.strerror or exc}); its files were not imported"
    return "folder cannot be read; its files were not imported"


# A PDF, an image or an archive named .txt: its bytes decoded would be an article of noise.
_BINARY = "binary data (a NUL byte), not text: nothing imported from it"


def _read_text(path: Path) -> str | None:
    """The file's text, at most what the article bound can use; None for binary data."""
    from dedup.text.encoding import decode_bytes, looks_binary

    with path.open("rb") as handle:
        data = handle.read(_MAX_FILE_BYTES)
    return None if looks_binary(data) else decode_bytes(data)


def read_files(
    files: Sequence[Path],
    source: str | None = None,
    on_file_done: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Iterator[ArticleRecord | BadRecord]:
    """Articles (and bad records) of each file in turn; ``source`` overrides every source.

    Parsing runs in ``workers`` worker processes (default: :func:`dedup.workers.default_workers`)
    a few files ahead of the caller, who stores what came before; a large JSON Lines file is
    parsed in slices of about :data:`JSONL_SLICE` bytes. What comes out, and its order, is the
    same with workers and without.
    """
    tasks = [task for path in files for task in _tasks(path, source)]
    if len(tasks) <= 1:
        workers = 0  # nothing to overlap: a worker would only add its start-up
    # help_out: storing is quicker than parsing, so this process parses too when it waits.
    parsed = ordered_map(parse_task, tasks, workers, ahead=PARSE_AHEAD, help_out=True)
    for task, packed in zip(tasks, parsed, strict=True):
        with gc_paused():
            items = list(unpack_items(packed))
        yield from items
        if task.last and on_file_done is not None:
            on_file_done(1)


@dataclass(frozen=True)
class ParseTask:
    """A file, or a byte range of a JSON Lines file, to parse (plain values: it crosses to a
    worker process)."""

    path: str
    source: str | None
    start: int = 0
    end: int | None = None  # None: to the end of the file
    first_line: int = 1
    last: bool = True  # the file's last task
    error: str | None = None  # known before parsing (a folder that cannot be read)


JSONL_SLICE = 4 << 20
# Parse tasks in flight per worker. This process both stores and (when the worker lags)
# parses, and a store of one batch outlasts a worker's two tasks: with 2 in flight the worker
# sat idle until this process came back to hand it more (Reuters' import: 0.5 s longer, best
# and median of six alternated runs). Memory is bounded by tasks, each one file or slice.
PARSE_AHEAD = 4


def _tasks(path: Path, source: str | None) -> list[ParseTask]:
    if path.is_dir():  # judged here: a worker process sees the file system the same way
        return [ParseTask(str(path), source, error=_unreadable_folder(path))]
    if path.suffix.lower() != ".jsonl":
        return [ParseTask(str(path), source)]
    try:
        size = path.stat().st_size
    except OSError:
        return [ParseTask(str(path), source)]  # the reader reports it
    if size <= JSONL_SLICE:
        return [ParseTask(str(path), source)]
    tasks = []
    with path.open("rb") as handle:
        start, line = 0, 1
        while start < size:
            handle.seek(start)
            chunk = handle.read(JSONL_SLICE)
            cut = len(chunk)
            if start + cut < size:
                cut = chunk.rfind(b"\n") + 1
                if cut == 0:  # one line longer than a slice: its task reads it, bounded
                    while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                        cut += len(rest)
                    cut += len(chunk) + len(rest)
                    chunk = b"\n"  # counts the one line
            tasks.append(ParseTask(str(path), source, start, start + cut, line, False))
            line += chunk.count(b"\n", 0, cut)
            start += cut
    last = tasks[-1]
    tasks[-1] = replace(last, last=True)
    return tasks


def _parse_task(task: ParseTask) -> bytes:
    readers: dict[str, Callable[[Path, str | None], Iterator[Item]]] = {
        ".txt": _read_txt,
        ".html": _read_html,
        ".htm": _read_html,
        ".sgm": _read_sgm,
    }
    path = Path(task.path)
    suffix = path.suffix.lower()
    items: list[Item]
    try:
        if task.error is not None:
            items = [BadRecord(str(path), None, task.error)]
        elif suffix == ".jsonl":
            items = list(read_jsonl(path, task.source, (task.start, task.end, task.first_line)))
        elif suffix in readers:
            items = list(readers[suffix](path, task.source))
        else:
            items = [BadRecord(str(path), None, f"unsupported file type {path.suffix!r}")]
    except OSError as exc:
        items = [BadRecord(str(path), None, f"cannot read: {exc.strerror or exc}")]
    return pack_items(items)


def parse_task(task: ParseTask) -> bytes:
    """Parse one task into packed items (run in a worker process)."""
    with gc_paused():
        return _parse_task(task)


def pack_items(items: Sequence[Item]) -> bytes:
    """Records -> compact bytes (marshal of plain tuples: no objects cross processes)."""
    rows: list[tuple[Any, ...]] = []
    for item in items:
        if isinstance(item, BadRecord):
            rows.append(("bad", item.path, item.line, item.reason))
            continue
        rows.append(
            (
                "article",
                item.source,
                item.key,
                item.title,
                item.text,
                tuple(p.as_tuple() for p in item.paragraphs),
                item.url,
                item.guid,
                item.published.isoformat() if item.published else None,
                item.author,
                item.links,
                item.full_text,
                item.origin_path,
                item.site,
                item.domain,
            )
        )
    return marshal.dumps(rows)


def unpack_items(packed: bytes) -> Iterator[Item]:
    for row in marshal.loads(packed):
        if row[0] == "bad":
            yield BadRecord(*row[1:])
            continue
        fields = list(row[1:])
        fields[4] = tuple(ParagraphRecord(*p) for p in fields[4])
        fields[7] = datetime.fromisoformat(fields[7]) if fields[7] else None
        fields[9] = tuple(tuple(link) for link in fields[9])
        yield ArticleRecord(*fields)


def _read_txt(path: Path, source: str | None) -> Iterator[Item]:
    from dedup.text.extract import extract_text

    raw = _read_text(path)
    if raw is None:
        yield BadRecord(str(path), None, _BINARY)
        return
    text = cut_input(raw)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        yield BadRecord(str(path), None, "empty file: expected a title line and then the text")
        return
    title = normalize_text(lines[first])
    extracted = extract_text("\n".join(lines[first + 1 :]), title)
    if not extracted.paragraphs:
        yield BadRecord(str(path), first + 1, "no text after the title line")
        return
    name = source or path.stem
    yield file_record(source=name, key=f"file:{name}:{path.name}", extracted=extracted, path=path)


def _read_html(path: Path, source: str | None) -> Iterator[Item]:
    from dedup.text.extract import extract_page

    raw = _read_text(path)
    if raw is None:
        yield BadRecord(str(path), None, _BINARY)
        return
    extracted = extract_page(cut_input(raw, 4 * MAX_ARTICLE_CHARS))
    if not extracted.paragraphs:
        yield BadRecord(str(path), None, "no article text found in the page")
        return
    name = source or path.stem
    yield file_record(
        source=name,
        key=f"file:{name}:{path.name}",
        extracted=extracted,
        path=path,
        url=extracted.url,
    )


def _read_sgm(path: Path, source: str | None) -> Iterator[Item]:
    # Reuters-21578 is ASCII save for a few stray Latin-1 bytes (reut2-017.sgm).
    text = path.read_bytes().decode("latin-1")
    name = source or REUTERS_SOURCE
    for entry in reuters.read_entries(text):
        if entry.newid is None:
            yield BadRecord(str(path), entry.line, "<REUTERS> without a NEWID attribute")
            continue
        paragraphs = build_paragraphs(entry.blocks, entry.title)
        if not paragraphs:
            yield BadRecord(str(path), entry.line, f"NEWID {entry.newid}: empty <BODY>")
            continue
        yield ArticleRecord(
            source=name,
            key=f"import:{name}:{entry.newid}",
            title=normalize_text(entry.title) if entry.title else None,
            text=join_paragraphs(paragraphs),
            paragraphs=paragraphs,
            published=entry.published,
            full_text=True,
            origin_path=str(path),
        )
