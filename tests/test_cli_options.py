"""The CLI as its ecosystem expects: global options anywhere, one format vocabulary, feeds from
the command line, polling some feeds, choosing files to import, and reports that say what they did.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update

from dedup.cli import cli
from dedup.store.engine import open_store
from dedup.store.models import Article, Feed, Source, utcnow

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "seeds"


def _bundled(folder: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "feeds", folder / "examples" / "feeds")
    config = folder / "feeds.yml"
    shutil.copy2(ROOT / "feeds.yml", config)
    return config


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("options") / "seeds.sqlite")
    result = CliRunner().invoke(cli, ["--db", db, "-q", "import", str(SEEDS)])
    assert result.exit_code == 0, result.output
    return db


def test_global_options_after_the_subcommand(seeded: str, tmp_path: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(cli, ["--db", seeded, "report", "-f", "json"])
    after = runner.invoke(cli, ["report", "--db", seeded, "-f", "json", "-q"])
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout) == json.loads(before.stdout)
    # after the command wins over before it
    wrong = str(tmp_path / "nowhere.sqlite")
    assert runner.invoke(cli, ["--db", wrong, "status", "--db", seeded]).exit_code == 0
    config = _bundled(tmp_path)
    db = str(tmp_path / "polled.sqlite")
    polled = runner.invoke(cli, ["poll", "--config", str(config), "--db", db, "-f", "json"])
    assert polled.exit_code == 0, polled.output
    assert json.loads(polled.stdout)["new"] == 5
    verbose = runner.invoke(cli, ["status", "-v", "--db", db])
    assert verbose.exit_code == 0, verbose.output


@pytest.mark.parametrize(
    ("args", "formats"),
    [
        (["status"], {"table", "json"}),
        (["analyze"], {"table", "json"}),
        (["report"], {"table", "json", "jsonl", "csv", "html"}),
        (["export", "stories"], {"csv", "jsonl", "parquet"}),
        (["feeds", "list"], {"table", "json"}),
    ],
)
def test_one_format_vocabulary(args: list[str], formats: set[str]) -> None:
    from dedup.cli import FORMATS

    command = cli
    for name in args[:2] if args[0] in ("feeds",) else args[:1]:
        command = command.commands[name]  # type: ignore[attr-defined]
    option = next(p for p in command.params if p.name == "fmt")
    assert "-f" in option.opts and "--format" in option.opts
    assert set(option.type.choices) == formats and formats <= set(FORMATS)


def test_report_limit_sort_jsonl_and_output_confirmation(seeded: str, tmp_path: Path) -> None:
    runner = CliRunner()
    lines = runner.invoke(cli, ["report", "--db", seeded, "-f", "jsonl"]).stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["id"] == 1
    limited = runner.invoke(cli, ["report", "--db", seeded, "--limit", "1", "--sort", "copies"])
    assert limited.exit_code == 0 and "1 story" in limited.stdout
    assert runner.invoke(cli, ["report", "--db", seeded, "--limit", "0"]).exit_code == 2
    assert runner.invoke(cli, ["report", "--db", seeded, "--sort", "size"]).exit_code == 2
    target = tmp_path / "r.html"
    written = runner.invoke(cli, ["report", "--db", seeded, "-f", "html", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert f"wrote 1 story as html to {target}" in written.stderr
    quiet = runner.invoke(cli, ["-q", "report", "--db", seeded, "-o", str(tmp_path / "q.txt")])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_report_limit_keeps_the_first_after_sorting(tmp_path: Path) -> None:
    from dedup.report.queries import list_stories

    runner = CliRunner()
    db = str(tmp_path / "two.sqlite")
    assert runner.invoke(cli, ["--db", db, "-q", "import", str(SEEDS)]).exit_code == 0
    config = _bundled(tmp_path)
    assert runner.invoke(cli, ["--db", db, "--config", str(config), "-q", "poll"]).exit_code == 0
    store = open_store(f"sqlite:///{db}")
    try:
        with store.session() as session:
            every = list_stories(session, sort="id")
            assert [s.id for s in every.stories] == sorted(s.id for s in every.stories)
            newest = list_stories(session, sort="newest", limit=1)
            assert newest.total == len(every.stories) and len(newest.stories) == 1
            dated = [s for s in every.stories if s.first_published]
            if dated:
                assert newest.stories[0].first_published == max(
                    s.first_published or "" for s in dated
                )
    finally:
        store.close()


RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Example News Daily</title><link>http://example.test/</link>
<item><title>One</title><link>http://example.test/1</link>
<description>First story text here.</description></item>
</channel></rss>
"""


def test_feeds_add_list_remove_keeps_comments(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = _bundled(tmp_path)
    original = config.read_text(encoding="utf-8")
    httpserver.expect_request("/rss").respond_with_data(RSS, content_type="application/rss+xml")
    httpserver.expect_request("/page").respond_with_data(
        "<html><body><p>Not a feed at all.</p></body></html>", content_type="text/html"
    )
    runner = CliRunner()
    url = httpserver.url_for("/rss")
    added = runner.invoke(cli, ["feeds", "add", url])
    assert added.exit_code == 0, added.output
    assert "added feed 'example-news-daily' (Example News Daily)" in added.output
    text = config.read_text(encoding="utf-8")
    assert "  - name: example-news-daily\n    site: Example News Daily\n    url: " + url in text
    # every comment line of the original is still there, the example block still last
    for line in original.splitlines():
        if line.lstrip().startswith("#"):
            assert line in text, line
    assert text.rstrip().endswith("#   full_text: true")

    again = runner.invoke(cli, ["feeds", "add", url, "--name", "other"])
    assert again.exit_code == 3 and "already polls" in again.output
    named = runner.invoke(cli, ["feeds", "add", url + "?x=1", "--name", "mine", "--site", "Mine"])
    assert named.exit_code == 0, named.output
    not_feed = runner.invoke(cli, ["feeds", "add", httpserver.url_for("/page")])
    assert not_feed.exit_code == 4 and "not an RSS, Atom or JSON feed" in not_feed.output
    bad_name = runner.invoke(cli, ["feeds", "add", url + "?y", "--name", "no spaces"])
    assert bad_name.exit_code == 3

    listed = runner.invoke(cli, ["--db", str(tmp_path / "none.sqlite"), "feeds", "list"])
    assert listed.exit_code == 0, listed.output
    assert "example-news-daily" in listed.output and "new" in listed.output
    assert not (tmp_path / "none.sqlite").exists()  # listing creates no store

    removed = runner.invoke(cli, ["feeds", "remove", "mine"])
    assert removed.exit_code == 0 and "removed feed 'mine'" in removed.output
    missing = runner.invoke(cli, ["feeds", "remove", "mine"])
    assert missing.exit_code == 8 and "no feed named 'mine'" in missing.output
    assert runner.invoke(cli, ["feeds", "remove", "example-news-daily"]).exit_code == 0
    assert config.read_text(encoding="utf-8") == original  # back to the very same text


def test_poll_some_feeds_and_force(tmp_path: Path) -> None:
    config = _bundled(tmp_path)
    db = str(tmp_path / "some.sqlite")
    runner = CliRunner()
    base = ["--db", db, "--config", str(config)]
    one = runner.invoke(cli, [*base, "poll", "joemygod", "--no-analyze", "-f", "json"])
    assert one.exit_code == 0, one.output
    assert (json.loads(one.stdout)["polled"], json.loads(one.stdout)["new"]) == (1, 1)
    unknown = runner.invoke(cli, [*base, "poll", "nope"])
    assert unknown.exit_code == 8 and "no feed named 'nope'" in unknown.output

    store = open_store(f"sqlite:///{db}")
    try:
        with store.session() as session:  # as if joemygod had failed and were backing off
            session.execute(
                update(Feed)
                .where(Feed.name == "joemygod")
                .values(failures=2, next_poll_at=utcnow().replace(year=2100))
            )
    finally:
        store.close()
    waiting = runner.invoke(cli, [*base, "poll", "joemygod", "--no-analyze", "-f", "json"])
    assert json.loads(waiting.stdout)["polled"] == 0
    forced = runner.invoke(
        cli, [*base, "poll", "joemygod", "--force", "--no-analyze", "-f", "json"]
    )
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["polled"] == 1


def test_import_include_exclude(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(SEEDS, folder)
    (folder / "README.txt").write_text("About this archive\n\nNot an article.\n", encoding="utf-8")
    db = str(tmp_path / "globs.sqlite")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--db", db, "import", "--no-analyze", "--exclude", "README*", str(folder), "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"] == 5
    only = runner.invoke(
        cli, ["--db", db, "import", "--no-analyze", "--include", "*/README.txt", str(folder)]
    )
    assert only.exit_code == 0 and "1 new" in only.stdout
    store = open_store(f"sqlite:///{db}")
    try:
        with store.session() as session:
            names = set(session.scalars(select(Source.name).join(Article)))
    finally:
        store.close()
    assert "README" in names and len(names) == 6
    none = runner.invoke(cli, ["--db", db, "import", "--include", "*.sgm", str(folder)])
    assert none.exit_code == 4 and "--include/--exclude" in none.output


def test_poll_and_import_say_they_created_the_store(tmp_path: Path) -> None:
    db = tmp_path / "new" / "first.sqlite"
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", str(db), "import", "--no-analyze", str(SEEDS)])
    assert first.exit_code == 0 and f"created a new store at {db}" in first.stdout
    second = runner.invoke(cli, ["--db", str(db), "import", "--no-analyze", str(SEEDS)])
    assert second.exit_code == 0 and "created a new store" not in second.stdout
