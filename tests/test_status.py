"""`dedup status` and `dedup poll`: feed health, store counts and the last run (JSON, tables)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import update

from dedup.cli import cli
from dedup.config import load_settings
from dedup.ingest.poller import poll_feeds
from dedup.report.status import gather_status
from dedup.store.engine import Store
from dedup.store.models import Feed, utcnow

ROOT = Path(__file__).resolve().parent.parent
FEED_KEYS = {
    "name",
    "site",
    "url",
    "current_url",
    "enabled",
    "disabled_reason",
    "last_status",
    "last_outcome",
    "last_error",
    "bozo",
    "failures",
    "last_attempt",
    "last_success",
    "next_poll",
    "articles",
    "warnings",
}


def bundled_config(folder: Path, extra: str = "") -> Path:
    """The repository's feeds.yml and example feeds, copied to ``folder``."""
    shutil.copytree(ROOT / "examples" / "feeds", folder / "examples" / "feeds")
    config = folder / "feeds.yml"
    config.write_text((ROOT / "feeds.yml").read_text(encoding="utf-8") + extra, encoding="utf-8")
    return config


BROKEN = """
  - name: missing
    url: examples/feeds/no-such-feed.xml
"""


def test_gather_status_reports_health_and_counts(store: Store, tmp_path: Path, db_url: str) -> None:
    settings = load_settings(bundled_config(tmp_path, BROKEN), db_url)
    poll_feeds(store, settings)
    data = gather_status(store)
    feeds = {f["name"]: f for f in data["feeds"]}
    assert len(feeds) == 6 and all(set(f) == FEED_KEYS for f in feeds.values())
    ok = feeds["joemygod"]
    assert (ok["site"], ok["enabled"], ok["failures"]) == ("Joe.My.God.", True, 0)
    assert ok["articles"] == 1
    assert ok["last_success"] is not None and ok["last_outcome"] == "ok" and not ok["bozo"]
    bad = feeds["missing"]
    assert bad["failures"] == 1 and bad["next_poll"] is not None and bad["last_success"] is None
    assert bad["last_error"].startswith("no such file")
    assert (data["articles"], data["sources"], data["versions"]) == (5, 6, 5)
    assert data["paragraphs"] > 50 and data["awaiting_analysis"] > 0
    assert data["last_run"] is None  # poll_feeds alone records no run; pipeline.poll does


def test_status_of_a_missing_store_is_an_error_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "dedpu.sqlite"
    runner = CliRunner()
    for args in (["status"], ["report"], ["export", "stories"], ["analyze"], ["reindex", "--yes"]):
        result = runner.invoke(cli, ["--db", str(target), *args])
        assert result.exit_code == 5, (args, result.output)
        assert result.output.strip().splitlines() == [
            f"dedup: no dedup store at {target}: check --db (or $DEDUP_DB); "
            "`dedup import` or `dedup poll` creates one"
        ]
    assert not (tmp_path / "no").exists()  # no folder created either


def test_status_of_an_empty_store(runner: CliRunner, store: Store) -> None:
    result = runner.invoke(cli, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["feeds"], data["articles"], data["paragraphs"], data["last_run"]) == (
        [],
        0,
        0,
        None,
    )
    table = runner.invoke(cli, ["status"])
    assert table.exit_code == 0 and "no feeds polled yet" in table.output
    assert "hyperlinks" in table.output  # links found in articles, not reuse links


def test_poll_then_status_on_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    bundled_config(tmp_path, BROKEN)
    polled = runner.invoke(cli, ["poll", "--no-analyze", "--format", "json"])
    assert polled.exit_code == 0, polled.output
    figures = json.loads(polled.output)
    assert (figures["polled"], figures["new"], figures["failed"]) == (6, 5, 1)
    assert figures["problems"][0]["feed"] == "missing" and figures["analysis"] is None

    status = runner.invoke(cli, ["status", "--format", "json"])
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert data["articles"] == 5 and len(data["feeds"]) == 6
    assert data["last_run"]["command"] == "poll" and data["last_run"]["status"] == "ok"
    assert data["last_run"]["figures"]["new"] == 5
    assert list(data["last_runs"]) == ["poll"] and data["last_runs"]["poll"]["status"] == "ok"

    table = runner.invoke(cli, ["status"])
    assert table.exit_code == 0, table.output
    for text in (
        "Feeds",
        "joemygod",
        "americannewsx",
        "failing x1",
        "no such file",
        "Last run: poll (ok)",
        "articles",
    ):
        assert text in table.output

    text = runner.invoke(cli, ["poll", "--no-analyze"])
    assert text.exit_code == 0, text.output
    assert "polled 5 of 6 feed(s): 0 new" in text.output and "1 skipped" in text.output


def test_disabled_and_moved_feeds_are_explained(store: Store, tmp_path: Path, db_url: str) -> None:
    settings = load_settings(bundled_config(tmp_path), db_url)
    poll_feeds(store, settings)
    with store.session() as session:
        session.execute(
            update(Feed)
            .where(Feed.name == "joemygod")
            .values(enabled=False, disabled_reason="410 Gone on 2030-01-01: removed")
        )
        session.execute(
            update(Feed)
            .where(Feed.name == "americannewsx")
            .values(current_url="https://americannewsx.example/feed", next_poll_at=utcnow())
        )
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "status"])
    assert result.exit_code == 0, result.output
    assert "disabled" in result.output and "410 Gone on 2030-01-01" in result.output
    assert "moved to https://americannewsx.example/feed" in result.output


def test_poll_without_feeds_says_how_to_fix_it(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["poll"])
    assert result.exit_code == 3
    assert "no feeds configured" in result.output and "--config" in result.output
    missing = runner.invoke(cli, ["--config", "nope.yml", "poll"])
    assert missing.exit_code == 3 and "no such file" in missing.output


def test_a_feed_removed_from_feeds_yml_is_marked(runner: CliRunner, tmp_path: Path) -> None:
    config = bundled_config(tmp_path)
    assert runner.invoke(cli, ["poll", "--no-analyze"]).exit_code == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "  - name: joemygod\n    site: Joe.My.God.\n    url: examples/feeds/joemygod.xml\n", ""
        ),
        encoding="utf-8",
    )
    data = json.loads(runner.invoke(cli, ["status", "--format", "json"]).output)
    marks = {f["name"]: f["in_config"] for f in data["feeds"]}
    assert marks["joemygod"] is False and marks["americannewsx"] is True
    table = runner.invoke(cli, ["status"]).output
    row = next(line for line in table.splitlines() if "joemygod" in line)
    assert "not in feeds.yml" in row and "never (removed)" in row and "due" not in row


def test_the_standard_library_reader_says_what_sqlalchemy_says(
    store: Store, tmp_path: Path, db_url: str
) -> None:
    """`dedup status` on SQLite reads through sqlite3 alone; both paths give the same data:
    timestamps, booleans, JSON figures, warnings (an old refusal is not shown, a new one is)."""
    from datetime import timedelta

    from dedup import reading
    from dedup.store.files import sqlite_path
    from dedup.store.models import PageRefusal, Run
    from dedup.store.reader import sqlite_reader

    settings = load_settings(bundled_config(tmp_path, BROKEN), db_url)
    poll_feeds(store, settings)
    with store.session() as session:
        feed = session.query(Feed).filter_by(name="joemygod").one()
        feed.last_success_at = utcnow() - timedelta(days=400)  # and stale
        for age, url in ((30, "http://10.0.0.1/old"), (1, "http://10.0.0.2/new")):
            session.add(
                PageRefusal(
                    feed_id=feed.id,
                    article_key="k",
                    url=url,
                    reason="private address",
                    refused_at=utcnow() - timedelta(days=age),
                )
            )
        session.add(
            Run(command="poll", status="ok", started_at=utcnow(), figures={"new": 5, "a": {"b": 1}})
        )
    core = gather_status(store, settings)
    path = sqlite_path(db_url)
    assert path is not None
    with sqlite_reader(db_url, path) as reader:
        assert reader is not None
        plain = gather_status(reader, settings)
    assert plain == core
    assert reading.load_status(settings) == core
    warned = {f["name"]: f["warnings"] for f in core["feeds"]}["joemygod"]
    assert any("10.0.0.2/new" in w for w in warned) and not any("10.0.0.1" in w for w in warned)
    assert core["last_run"]["figures"] == {"new": 5, "a": {"b": 1}}
    assert isinstance(core["feeds"][0]["enabled"], bool)


def test_a_store_not_at_head_is_left_to_the_engine(store: Store, db_url: str) -> None:
    """A store whose schema is older (or newer) than this dedup's is not read by sqlite3: the
    engine's path migrates it or says why it cannot."""
    from dedup.store.files import sqlite_path
    from dedup.store.reader import sqlite_reader

    path = sqlite_path(db_url)
    assert path is not None
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'elsewhere'")
    with sqlite_reader(db_url, path) as reader:
        assert reader is None


def test_sqlite_path_reads_urls_as_sqlalchemy_does() -> None:
    from sqlalchemy.engine import make_url

    from dedup.store.files import sqlite_path

    for url in (
        "sqlite:///x.db",
        "sqlite:////abs/x.db",
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite+pysqlite:///a%20b.db",
        "sqlite:///x.db?timeout=3",
        "sqlite:///x%3Fy.db",
        "sqlite:///a b/c.db",
        "postgresql://u:p@h/db",
        "postgresql+psycopg://h/sqlite:///x",
    ):
        parsed = make_url(url)
        want = (
            Path(parsed.database)
            if parsed.get_backend_name() == "sqlite"
            and parsed.database
            and parsed.database != ":memory:"
            else None
        )
        assert sqlite_path(url) == want, url
