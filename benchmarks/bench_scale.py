"""Past one machine: several pollers on one PostgreSQL, and the store and index on servers.

Run from the repository root (starts its own throwaway PostgreSQL and Redis, as the tests
do; reads ../shared/data/reuters21578, never copies it):

    .venv/bin/python benchmarks/bench_scale.py                       # the full sizes
    .venv/bin/python benchmarks/bench_scale.py --feeds 400 --hosts 8 --reuters-files 3

Poll: ``--feeds`` feeds over ``--hosts`` loopback hosts (127.0.0.2, ...), each host spacing
requests by ``--delay`` seconds, polled by 1, 2 and 4 ``dedup poll`` processes started
together against one fresh PostgreSQL store (each in its own folder, as on its own machine),
after one poller on SQLite as the baseline. Throughput is feeds recorded per second of wall
time; politeness is the smallest gap between two requests to one host, whoever sent them.

Reuters: import + analysis of ``--reuters-files`` files on SQLite (segments), PostgreSQL
(the in-database segments) and PostgreSQL + Redis, one process each; time, store and index size, and
the same figures per million articles (linear extrapolation: the store grows with what is
stored, and the index with paragraphs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
DEDUP = (sys.executable, "-c", "from dedup.cli import main; main()")

from servers import FeedFarm, postgres_server, redis_server  # noqa: E402


def _fresh(url: str) -> None:
    from sqlalchemy import create_engine, text

    from dedup.store.engine import open_store

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    open_store(url).close()


def poll_round(farm: FeedFarm, db: str, pollers: int, folder: Path, args: Any) -> dict[str, Any]:
    _fresh(db)
    farm.log.clear()
    procs = []
    started = time.perf_counter()
    for n in range(pollers):
        home = folder / f"poller-{pollers}-{n}"
        home.mkdir(parents=True, exist_ok=True)
        fetch = f"concurrency: {args.concurrency}; per_host_delay: {args.delay}"
        # As in the cron recipe of docs/scaling.md: a feed polled in the last hour is not due,
        # so a poller that starts late does not poll again what the others just polled.
        yml = farm.feeds_yml(f"bench-{n}", fetch=fetch, poll="interval_minutes: 60")
        (home / "feeds.yml").write_text(yml)
        procs.append(
            subprocess.Popen(
                [*DEDUP, "--db", db, "-q", "poll", "--no-analyze", "--format", "json"],
                cwd=home,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "DEDUP_INDEX": ""},
            )
        )
    polled = []
    for proc in procs:
        out, err = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            sys.exit(f"bench_scale: a poller failed: {err.strip()}")
        polled.append(json.loads(out)["polled"])
    seconds = time.perf_counter() - started
    by_host: dict[str, list[float]] = defaultdict(list)
    for host, path, _, at in farm.log:
        if path.startswith("/feed/"):
            by_host[host].append(at)
    gaps = np.concatenate([np.diff(np.sort(t)) for t in by_host.values()] or [np.zeros(0)])
    requests = sum(len(t) for t in by_host.values())
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        attempts = conn.execute(
            text("SELECT count(*) FROM fetch_attempts GROUP BY feed_id")
        ).scalars()
        once = sorted(set(attempts)) == [1]
        recorded = conn.scalar(text("SELECT count(DISTINCT feed_id) FROM fetch_attempts"))
    engine.dispose()
    return {
        "once": once and recorded == farm.feeds,
        "pollers": pollers,
        "seconds": seconds,
        "polled": polled,
        "requests": requests,
        "feeds_per_s": sum(polled) / seconds,
        "gaps": gaps,
        "ceiling_per_s": farm.hosts / args.delay if args.delay else None,
    }


def bench_poll(args: argparse.Namespace, pg: str, folder: Path) -> None:
    farm = FeedFarm(args.feeds, args.hosts, latency=args.latency)
    try:
        print(
            f"poll: {args.feeds} feeds over {args.hosts} loopback hosts, per-host delay "
            f"{args.delay * 1000:.0f} ms (host-bound ceiling {args.hosts / args.delay:.0f} "
            f"feeds/s), answers after {args.latency * 1000:.0f} ms, {args.concurrency} fetch "
            "workers per poller"
        )
        sqlite = f"sqlite:///{folder / 'poll.sqlite'}"
        base = poll_round(farm, sqlite, 1, folder / "sqlite", args)
        _print_round("sqlite", base, base, args)
        for n in args.pollers:
            _print_round("postgresql", poll_round(farm, pg, n, folder / "pg", args), base, args)
    finally:
        farm.close()


def _print_round(engine: str, r: dict[str, Any], base: dict[str, Any], args: Any) -> None:
    gaps = r["gaps"] * 1000
    short = float(np.mean(gaps < args.delay * 1000 * 0.9)) if len(gaps) else 0.0
    print(
        f"  {engine:10s} {r['pollers']} poller(s): {sum(r['polled'])} feeds "
        f"(split {'+'.join(map(str, r['polled']))}), {r['requests']} requests in "
        f"{r['seconds']:.1f} s = {r['feeds_per_s']:.1f} feeds/s "
        f"({r['feeds_per_s'] * 3600:,.0f}/h; ratio to 1 SQLite poller "
        f"{r['feeds_per_s'] / base['feeds_per_s']:.2f}); every feed recorded exactly once: "
        f"{'yes' if r['once'] else 'NO'}"
    )
    if len(gaps):
        print(
            f"      gaps between requests to one host: min {gaps.min():.1f} ms, "
            f"5th percentile {np.percentile(gaps, 5):.1f} ms, median {np.median(gaps):.1f} ms; "
            f"{short:.1%} under 90% of the {args.delay * 1000:.0f} ms delay"
        )


def _import(db: str, index: str | None, files: list[Path]) -> dict[str, Any]:
    env = {**os.environ, "DEDUP_INDEX": index or ""}
    started = time.perf_counter()
    proc = subprocess.run(
        [*DEDUP, "--db", db, "-q", "import", *map(str, files), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"bench_scale: import failed: {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    result["wall"] = time.perf_counter() - started
    return result


def _sizes(db: str, folder: Path, redis_url: str | None) -> tuple[int, int]:
    """(store bytes, index bytes) as each engine reports them."""
    from sqlalchemy import create_engine, text

    if db.startswith("sqlite"):
        path = Path(db.removeprefix("sqlite:///"))
        store = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
        engine = create_engine(db)
        with engine.connect() as conn:
            index = int(
                conn.scalar(text("SELECT sum(length(keys) + length(owners)) FROM index_chunks"))
                or 0
            )
        engine.dispose()
        return store - index, index  # the segments are blobs inside the database file
    engine = create_engine(db)
    with engine.connect() as conn:
        total = int(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0)
        index = int(
            conn.scalar(
                text(
                    "SELECT pg_total_relation_size('index_chunks')"
                    " + pg_total_relation_size('index_segments')"
                )
            )
            or 0
        )
    engine.dispose()
    if redis_url is not None:
        import redis

        client = redis.Redis.from_url(redis_url)
        index = int(client.info("memory")["used_memory"])
        client.close()
    return total - (0 if redis_url else index), index


def bench_reuters(args: argparse.Namespace, pg: str, redis_url: str, folder: Path) -> None:
    files = sorted(REUTERS.glob("reut2-*.sgm"))[: args.reuters_files]
    if not files:
        print(f"reuters: skipped, no reut2-*.sgm under {REUTERS}")
        return
    print(f"reuters: import + analysis of {len(files)} file(s), one process each")
    runs = [
        ("sqlite", f"sqlite:///{folder / 'reuters.sqlite'}", None),
        ("postgresql", pg, None),
        ("postgresql+redis", pg, redis_url),
    ]
    base: float | None = None
    for name, db, index in runs:
        _fresh(db)
        if index is not None:
            import redis

            redis.Redis.from_url(index).flushdb()
        empty_store, empty_index = _sizes(db, folder, index)  # a blank store is not free
        result = _import(db, index, files)
        store, index_bytes = _sizes(db, folder, index)
        store, index_bytes = store - empty_store, index_bytes - empty_index
        articles = result["new"]
        analysis = result["analysis"]
        base = base or result["wall"]
        per_m = 1_000_000 / max(articles, 1)
        per_mp = 1_000_000 / max(analysis["paragraphs"], 1)
        print(
            f"  {name:17s} {articles} articles, {analysis['paragraphs']} paragraphs: "
            f"{result['wall']:.1f} s wall (analysis {analysis['seconds']:.1f} s + stories "
            f"{analysis['stories_seconds']:.1f} s; ratio to SQLite {result['wall'] / base:.2f}) "
            f"= {articles / result['wall'] * 86400:,.0f} articles/day of one core; store "
            f"{store / 2**20:.0f} MiB + index {index_bytes / 2**20:.0f} MiB "
            f"= per million articles {store * per_m / 2**30:.1f} GiB + "
            f"{index_bytes * per_m / 2**30:.1f} GiB (per million paragraphs "
            f"{store * per_mp / 2**30:.2f} + {index_bytes * per_mp / 2**30:.2f} GiB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.05, help="per-host delay, seconds")
    parser.add_argument(
        "--latency", type=float, default=0.1, help="seconds each answer takes (a far server)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="fetch workers per poller")
    parser.add_argument(
        "--pollers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4]
    )
    parser.add_argument("--reuters-files", type=int, default=22, help="of 22 (1000 each)")
    parser.add_argument("--skip-poll", action="store_true")
    parser.add_argument("--skip-reuters", action="store_true")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="dedup-bench-scale-") as tmp,
        postgres_server() as pg,
        redis_server() as redis_url,
    ):
        folder = Path(tmp)
        if not args.skip_poll:
            bench_poll(args, pg, folder)
        if not args.skip_reuters:
            bench_reuters(args, pg, redis_url, folder)


if __name__ == "__main__":
    main()
