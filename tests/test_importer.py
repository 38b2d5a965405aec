from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import shared_path

from dedup.errors import InputError
from dedup.ingest.importer import BadRecord, collect_files, read_files
from dedup.records import ArticleRecord
from dedup.text.paragraph_kinds import BODY, COMMENT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def _read(*files: Path, source: str | None = None) -> tuple[list[ArticleRecord], list[BadRecord]]:
    records: list[ArticleRecord] = []
    bad: list[BadRecord] = []
    for item in read_files(list(files), source=source):
        if isinstance(item, BadRecord):
            bad.append(item)
        else:
            records.append(item)
    return records, bad


# ---------------------------------------------------------------- collect_files


def test_collect_files_walks_folders_sorted_and_filters() -> None:
    archive = FIXTURES / "archive"
    files = collect_files([archive, archive / "first.txt", FIXTURES / "sample.sgm"])
    assert files == [
        archive / "first.txt",
        archive / "nested" / "more.jsonl",
        FIXTURES / "sample.sgm",
    ]


def test_collect_files_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        collect_files([tmp_path / "missing"])
    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(InputError, match=r"unsupported file type '\.md'"):
        collect_files([tmp_path / "notes.md"])
    with pytest.raises(InputError, match="nothing to import"):
        collect_files([tmp_path])


# ---------------------------------------------------------------- .txt and .html


def test_txt_title_paragraphs_and_key() -> None:
    path = FIXTURES / "archive" / "first.txt"
    (record,), bad = _read(path)
    assert bad == []
    assert record.title == "Plain text article title"
    assert record.source == "first"
    assert record.key == "file:first:first.txt"
    assert record.origin_path == str(path)
    assert [p.text for p in record.paragraphs][1] == (
        "Second paragraph, written with a hard wrap in the middle of it, which the importer joins."
    )
    assert record.text[record.paragraphs[1].start : record.paragraphs[1].end] == (
        record.paragraphs[1].text
    )
    (renamed,), _ = _read(path, source="my-archive")
    assert (renamed.source, renamed.key) == ("my-archive", "file:my-archive:first.txt")


def test_txt_in_an_undeclared_legacy_encoding(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    body = "Le pr\u00e9sident a d\u00e9clar\u00e9 que la r\u00e9forme serait adopt\u00e9e. " * 5
    path.write_bytes(f"Un \u00e9t\u00e9 difficile\n\n{body}\n".encode("cp1252"))
    (record,), _ = _read(path)
    assert record.title == "Un \u00e9t\u00e9 difficile"
    assert record.paragraphs[0].text == body.strip()


def test_empty_and_title_only_txt_are_bad(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n")
    (tmp_path / "title.txt").write_text("\n\nJust a title\n")
    records, bad = _read(tmp_path / "empty.txt", tmp_path / "title.txt")
    assert records == []
    assert [str(b) for b in bad] == [
        f"{tmp_path / 'empty.txt'}: empty file: expected a title line and then the text",
        f"{tmp_path / 'title.txt'}:3: no text after the title line",
    ]


def test_binary_files_named_txt_or_html_are_bad_not_noise(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    (tmp_path / "image.txt").write_bytes(png)
    (tmp_path / "report.html").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00\x01" * 400)
    # UTF-16 text has a zero in every other byte: its byte-order mark says it is text
    utf16 = tmp_path / "wide.txt"
    utf16.write_bytes("A wide title\n\nA body written in UTF-16, long enough.\n".encode("utf-16"))
    records, bad = _read(tmp_path / "image.txt", tmp_path / "report.html", utf16)
    assert [r.title for r in records] == ["A wide title"]
    assert [str(b) for b in bad] == [
        f"{tmp_path / name}: binary data (a NUL byte), not text: nothing imported from it"
        for name in ("image.txt", "report.html")
    ]


def test_html_page() -> None:
    (record,), bad = _read(FIXTURES / "page.html")
    assert bad == []
    assert record.title == "Harbour reopens after storm"
    assert record.key == "file:page:page.html"
    assert record.url == "https://gazette.example.org/2024/03/harbour-reopens"
    assert record.paragraphs[0].text.startswith("The harbour reopened")
    assert ("https://port.example.net/statement", "a statement from the port authority") in (
        record.links
    )


def test_seed_files_read_with_comments_kept_apart(seeds_dir: Path) -> None:
    records, bad = _read(*collect_files([seeds_dir]))
    assert bad == []
    assert len(records) == 5
    assert len({r.key for r in records}) == 5
    by_stem = {r.source[:3]: r for r in records}
    assert {p.kind for p in by_stem["002"].paragraphs} == {BODY}
    assert COMMENT in {p.kind for p in by_stem["003"].paragraphs}


# ---------------------------------------------------------------- .jsonl


def test_jsonl_good_and_bad_records() -> None:
    path = FIXTURES / "articles.jsonl"
    records, bad = _read(path)
    assert [str(b) for b in bad] == [
        f"{path}:4: not valid JSON (Expecting ',' delimiter at column 21)",
        f"{path}:5: missing `source`: every record needs the publisher's name (or use --source)",
        f"{path}:6: missing `text` (or `html`): nothing to import",
        f"{path}:7: bad `published` date 'last Tuesday': use ISO 8601, e.g. 2017-05-26T14:03:00Z",
        f"{path}:9: expected a JSON object, got list",
    ]
    assert [r.key for r in records] == [
        "import:example-news:a1",
        "https://example.com/news/library",
        records[2].key,
        "import:example-news:7",
    ]
    assert records[2].key.startswith("import:other-site:sha256-")

    first = records[0]
    assert first.source == "example-news"
    assert first.url == "https://example.com/news/bridge"
    assert first.published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert [p.text for p in first.paragraphs] == [
        "The city council approved the new river bridge on Tuesday after a two-year debate.",
        "Construction is expected to start in the spring and to take eighteen months.",
    ]
    library = records[1]
    assert library.title == "Library opens late"
    assert library.links == (("https://example.com/news/library-hours", "the library page"),)
    assert records[3].published == datetime(2024, 3, 6, tzinfo=UTC)
    assert records[3].title is None


def test_jsonl_keys_are_stable_across_reads() -> None:
    first, _ = _read(FIXTURES / "articles.jsonl")
    second, _ = _read(FIXTURES / "articles.jsonl")
    assert [r.key for r in first] == [r.key for r in second]
    assert [r.text for r in first] == [r.text for r in second]


def test_jsonl_source_option_fills_missing_sources(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"text": "No source in the record itself."}\n'
        '{"source": 5, "text": "A source that is not a string."}\n'
        '{"source": "s", "url": "/relative", "text": "A relative URL."}\n'
        '{"source": "s", "html": "<html><body></body></html>"}\n'
    )
    records, bad = _read(path, source="cli-source")
    assert [r.source for r in records] == ["cli-source", "cli-source"]
    assert [str(b) for b in bad] == [
        f"{path}:3: `url` must be an absolute http(s) URL, not '/relative'",
        f"{path}:4: no article text in `text`/`html`",
    ]
    _, bad = _read(path)
    assert str(bad[0]) == (
        f"{path}:1: missing `source`: every record needs the publisher's name (or use --source)"
    )
    assert str(bad[1]) == f"{path}:2: `source` must be a string, not int"


# ---------------------------------------------------------------- Reuters .sgm


def test_sgm_fixture() -> None:
    path = FIXTURES / "sample.sgm"
    records, bad = _read(path)
    assert bad == []
    assert [r.key for r in records] == ["import:reuters:101", "import:reuters:103"]
    first = records[0]
    assert first.source == "reuters"
    assert first.title == "MADE-UP GRAIN CO <MGC> SEES HIGHER OUTPUT"
    assert first.published == datetime(1987, 3, 2, 9, 15, 0, 250000, tzinfo=UTC)
    assert [p.text for p in first.paragraphs] == [
        "Made-up Grain Co said its wheat output would rise by ten pct this year, helped by a "
        "mild winter in the plains states.",
        "The company, a test fixture written for dedup, said prices of <soft wheat> would stay "
        "firm & steady.",
        "Shr 34 cts vs 30 cts",
        "Net 1,200,000 vs 1,100,000",
    ]
    assert records[1].text == (
        "A second invented story says that the fixture has two bodies and one brief without a body."
    )


def test_reuters_file_counts() -> None:
    path = shared_path("reuters21578", "reut2-000.sgm")
    raw = path.read_bytes().decode("latin-1")
    assert raw.count("<REUTERS ") == 1000
    with_body = raw.count("<BODY>")
    assert with_body == 925
    done: list[int] = []
    items = list(read_files([path], on_file_done=done.append))
    records = [i for i in items if isinstance(i, ArticleRecord)]
    assert len(records) == with_body
    assert done == [1]
    assert len({r.key for r in records}) == with_body
    assert all(r.source == "reuters" and r.published is not None for r in records)
    for record in records:
        assert record.paragraphs
        last = record.paragraphs[-1].text
        assert not last.lower().endswith(("reuter", "reuters"))
        assert "&lt;" not in record.text and "&#" not in record.text
        assert {p.kind for p in record.paragraphs} == {BODY}
    cocoa = records[0]
    assert (cocoa.key, cocoa.title) == ("import:reuters:1", "BAHIA COCOA REVIEW")
    assert cocoa.published == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)
    assert cocoa.paragraphs[1].text == "The dry period means the temporao will be late this year."
    assert cocoa.paragraphs[-1].text.endswith("carnival which ends midday on February 27.")


def test_unreadable_file_is_a_bad_record_and_reading_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Title\n\nSome text of the good file.\n")
    done: list[int] = []
    items = list(read_files([tmp_path / "vanished.txt", good], on_file_done=done.append))
    assert isinstance(items[0], BadRecord)
    assert str(items[0]).startswith(f"{tmp_path / 'vanished.txt'}: cannot read")
    assert isinstance(items[1], ArticleRecord)
    assert done == [1, 1]


@pytest.mark.slow
def test_whole_reuters_corpus() -> None:
    folder = shared_path("reuters21578")
    files = sorted(folder.glob("reut2-*.sgm"))
    assert len(files) == 22
    records, bad = _read(*files)
    assert bad == []
    assert len(records) == 19043
    assert len({r.key for r in records}) == 19043
    paragraphs = sum(len(r.paragraphs) for r in records)
    assert 100_000 < paragraphs < 112_000
    # One record has a malformed <DATE> ("605:12:19"): imported, without a publication time.
    assert [r.key for r in records if r.published is None] == ["import:reuters:17192"]


def test_jsonl_text_with_html_beside_it_keeps_the_links(tmp_path: Path) -> None:
    path = tmp_path / "both.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"source": "s", "id": 1, "text": "The text itself.", '
        b'"html": "<p>The <a href=\\"https://origin.example.com/a\\">text</a> itself.</p>"}\n'
        b'{"source": "s", "id": 2, "text": "Caf\xe9 in Latin-1 bytes."}\n'
    )
    records, bad = _read(path)
    assert bad == []
    assert records[0].text == "The text itself."
    assert records[0].links == (("https://origin.example.com/a", "text"),)
    assert records[1].text == "Caf\u00e9 in Latin-1 bytes."


def test_a_packed_paragraph_is_every_field_in_order() -> None:
    from dataclasses import astuple

    from dedup.records import ParagraphRecord

    p = ParagraphRecord(3, "body", "Text here.", "text here", 10, 20, 2)
    assert p.as_tuple() == astuple(p)
