"""The same pipeline on PostgreSQL: past one machine dedup moves to a database server.

A throwaway PostgreSQL cluster is started in a temporary folder on a free local port
(Debian's ``postgresql`` package is installed by this fixture when missing, as root, like the
browser test's Chromium). Where that cannot be done the tests skip with the reason, except
under ``CI=true``, where they fail: CI must exercise the server path.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import cli


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the PostgreSQL tests to run")
    pytest.skip(reason)


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _install() -> str | None:
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return "PostgreSQL is not installed and apt-get (as root) is not available"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        proc = subprocess.run(
            args,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
            return f"{' '.join(args)} exited {proc.returncode}: {' '.join(tail)}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> subprocess.CompletedProcess[str]:
    # initdb and postgres refuse to run as root; Debian's package makes the postgres user.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        prefix + args,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install -e '.[test]')")
    bin_dir = _bin_dir()
    if bin_dir is None:
        problem = _install()
        bin_dir = _bin_dir()
        if problem is not None or bin_dir is None:
            _unavailable(problem or "PostgreSQL did not install")
    assert bin_dir is not None
    # Not under pytest's tmp folder: the postgres user cannot enter root's private folders.
    data = Path(tempfile.mkdtemp(prefix="dedup-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    init = _as_postgres(
        [str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "dedup"]
    )
    if init.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        _unavailable(f"initdb failed: {init.stderr.strip().splitlines()[-1:]}")
    port = _free_port()
    start = _as_postgres(
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data / "db"),
            "-l",
            str(data / "log"),
            "-w",
            "-o",
            f"-p {port} -k {data} -h 127.0.0.1",
            "start",
        ]
    )
    if start.returncode != 0:
        _unavailable(f"PostgreSQL did not start: {start.stderr.strip().splitlines()[-1:]}")
    try:
        created = _as_postgres(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dedup", "t"]
        )
        assert created.returncode == 0, created.stderr
        yield f"postgresql+psycopg://dedup@127.0.0.1:{port}/t"
    finally:
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "stop"])
        shutil.rmtree(data, ignore_errors=True)


def test_seeds_story_on_postgresql(pg_url: str, seeds_dir: Path) -> None:
    runner = CliRunner()
    base = ["--db", pg_url]
    imported = runner.invoke(cli, [*base, "import", str(seeds_dir), "--format", "json"])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(cli, [*base, "import", str(seeds_dir)])
    assert again.exit_code == 0 and "0 new" in again.output
    report = runner.invoke(cli, [*base, "report", "--format", "json"])
    assert report.exit_code == 0, report.output
    (story,) = json.loads(report.output)["stories"]
    assert story["origin"]["name"] == "BuzzFeed News" and story["origin"]["external"]
    assert {a["source"][:3] for a in story["articles"]} == {"001", "002", "003", "004"}
    # The band index lives in the band_keys table here; a rebuild finds the same passages.
    passages = runner.invoke(cli, [*base, "export", "passages", "--format", "jsonl"])
    assert passages.exit_code == 0
    before = len(passages.output.splitlines())
    rebuilt = runner.invoke(cli, [*base, "reindex", "--yes"])
    assert rebuilt.exit_code == 0, rebuilt.output
    after = runner.invoke(cli, [*base, "export", "passages", "--format", "jsonl"])
    assert len(after.output.splitlines()) == before >= 6
    status = runner.invoke(cli, [*base, "status", "--format", "json"])
    assert status.exit_code == 0 and json.loads(status.output)["articles"] == 5


def _fresh_database(pg_url: str, name: str) -> str:
    from sqlalchemy import create_engine

    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name


def _passages(url: str) -> list[tuple[object, ...]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT aa.key, pa.position, ab.key, pb.position, s.kind FROM passages s "
                "JOIN paragraphs pa ON pa.id = s.paragraph_a "
                "JOIN paragraphs pb ON pb.id = s.paragraph_b "
                "JOIN articles aa ON aa.id = s.article_a JOIN articles ab ON ab.id = s.article_b"
            )
        ).all()
    engine.dispose()
    return sorted(tuple(r) for r in rows)


def test_postgresql_finds_the_passages_sqlite_finds(pg_url: str, tmp_path: Path) -> None:
    """One band index implementation for both: the same candidates, over-cap buckets too
    (a Reuters slice has many: tables, notices), in two runs with merges between them."""
    from conftest import shared_path

    first = shared_path("reuters21578", "reut2-000.sgm")
    second = first.with_name("reut2-001.sgm")
    urls = [_fresh_database(pg_url, "same"), f"sqlite:///{tmp_path / 'same.sqlite'}"]
    runner = CliRunner()
    for url in urls:
        for path in (first, second):
            result = runner.invoke(cli, ["--db", url, "import", str(path)])
            assert result.exit_code == 0, result.output
    on_server, on_file = (_passages(url) for url in urls)
    assert len(on_file) > 500 and on_server == on_file
