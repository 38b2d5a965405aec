"""Timestamps are stored in the one documented text form, whole seconds included (0012)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import downgrade

from dedup.cli import cli
from dedup.store.engine import make_engine, migrate

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "seeds"
# the seeds' feed times are whole minutes: the case the bulk writer got wrong
_LONG_FORM = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$"
_COLUMNS = (
    ("articles", "published"),
    ("articles", "first_seen"),
    ("articles", "updated_at"),
    ("article_versions", "fetched_at"),
)


def _forms(db: Path) -> dict[str, set[int]]:
    with sqlite3.connect(db) as conn:
        return {
            f"{table}.{column}": {
                n
                for (n,) in conn.execute(
                    f"SELECT DISTINCT length({column}) FROM {table} WHERE {column} IS NOT NULL"
                )
            }
            for table, column in _COLUMNS
        }


def _poll_seeds(tmp_path: Path) -> Path:
    db = tmp_path / "t.sqlite"
    feeds = SEEDS.parent / "feeds"
    config = tmp_path / "feeds.yml"
    config.write_text(
        "feeds:\n"
        + "".join(
            f"  - name: {p.stem}\n    url: {p.resolve().as_uri()}\n"
            for p in sorted(feeds.glob("*.xml"))
        )
    )
    result = CliRunner().invoke(cli, ["--db", str(db), "--config", str(config), "-q", "poll"])
    assert result.exit_code == 0, result.output
    return db


def test_bulk_stored_timestamps_have_their_microseconds_even_when_zero(tmp_path: Path) -> None:
    db = _poll_seeds(tmp_path)
    with sqlite3.connect(db) as conn:
        published = [p for (p,) in conn.execute("SELECT published FROM articles")]
    assert published and all(p.endswith(".000000") for p in published)
    assert all(lengths == {26} for lengths in _forms(db).values())


def test_since_a_member_s_exact_publication_time_includes_its_story(tmp_path: Path) -> None:
    db = _poll_seeds(tmp_path)
    with sqlite3.connect(db) as conn:
        (latest,) = conn.execute(
            "SELECT max(a.published) FROM articles a JOIN story_members m ON m.article_id = a.id"
        ).fetchone()
    moment = latest[:19].replace(" ", "T") + "Z"  # e.g. 2017-05-18T09:05:00Z
    result = CliRunner().invoke(cli, ["--db", str(db), "report", "--since", moment, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["stories"]) == 1


def test_migration_0012_gives_stored_whole_seconds_their_fraction(tmp_path: Path) -> None:
    db = _poll_seeds(tmp_path)
    engine = make_engine(f"sqlite:///{db}")
    try:
        downgrade(engine, "0011")
        with sqlite3.connect(db) as conn:  # as the bulk writer of revision 0011 stored them
            for table, column in _COLUMNS:
                conn.execute(f"UPDATE {table} SET {column} = substr({column}, 1, 19)")
        assert all(lengths == {19} for lengths in _forms(db).values())
        migrate(engine)
    finally:
        engine.dispose()
    assert all(lengths == {26} for lengths in _forms(db).values())
    with sqlite3.connect(db) as conn:
        assert all(row[0].count(".") == 1 for row in conn.execute("SELECT published FROM articles"))
