"""Throwaway PostgreSQL and Redis servers for the tests and benchmarks.

Each server runs from a temporary folder on a free loopback port and is stopped afterwards.
Debian's ``postgresql`` and ``redis-server`` packages are installed with apt-get when missing
(as root, like the browser test's Chromium). Where that cannot be done the caller skips with
the reason, except under ``CI=true``, where it fails: CI must exercise the server paths.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ServerUnavailable(Exception):
    """A server could not be installed or started; the message says why."""


def unavailable(reason: str) -> None:
    """Skip the test with ``reason``, or fail under ``CI=true``."""
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the server tests to run")
    pytest.skip(reason)


def apt_install(package: str) -> None:
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise ServerUnavailable(
            f"{package} is not installed and apt-get (as root) is not available"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
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
            raise ServerUnavailable(f"{' '.join(args)} exited {proc.returncode}: {' '.join(tail)}")


def free_port() -> int:
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


def _pg_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_server(max_connections: int = 100) -> Iterator[str]:
    """A fresh cluster with one empty database; yields its SQLAlchemy URL."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise ServerUnavailable(
            "the psycopg driver is not installed (pip install -e '.[test]')"
        ) from exc
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        apt_install("postgresql")
        bin_dir = _pg_bin_dir()
        if bin_dir is None:
            raise ServerUnavailable("PostgreSQL did not install")
    # Not under pytest's tmp folder: the postgres user cannot enter root's private folders.
    data = Path(tempfile.mkdtemp(prefix="dedup-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    try:
        init = _as_postgres(
            [str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "dedup"]
        )
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {init.stderr.strip().splitlines()[-1:]}")
        port = free_port()
        options = f"-p {port} -k {data} -h 127.0.0.1 -c max_connections={max_connections}"
        start = _as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                *("-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o", options),
                "start",
            ]
        )
        if start.returncode != 0:
            raise ServerUnavailable(
                f"PostgreSQL did not start: {start.stderr.strip().splitlines()[-1:]}"
            )
        try:
            created = _as_postgres(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dedup", "t"]
            )
            if created.returncode != 0:
                raise ServerUnavailable(f"createdb failed: {created.stderr.strip()}")
            yield f"postgresql+psycopg://dedup@127.0.0.1:{port}/t"
        finally:
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "stop"])
    finally:
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis server without persistence on a free loopback port; yields its URL."""
    try:
        import redis
    except ImportError as exc:
        raise ServerUnavailable(
            "the redis client is not installed (pip install -e '.[test]')"
        ) from exc
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        apt_install("redis-server")
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise ServerUnavailable("redis-server did not install")
    folder = Path(tempfile.mkdtemp(prefix="dedup-redis-"))
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    log = (folder / "log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = (folder / "log").read_text(errors="replace").strip()[-300:]
                    raise ServerUnavailable(f"redis-server did not start: {tail}") from exc
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


class FeedFarm:
    """RSS feeds served from several loopback hosts (127.0.0.2, 127.0.0.3, ...), one port each.

    Feed ``i`` lives on host ``i % hosts`` and carries ``items`` articles of its own plus one
    wire article that every feed carries (the same link everywhere: stored once). Every
    request is logged as (host, path, user agent, monotonic time). ``hold_after`` makes
    requests from one user agent hang, once that agent has had so many answers, until
    :meth:`release` (to kill a poller mid-run); ``gate`` makes every answer wait until that
    many distinct user agents have asked (so concurrent pollers both start before any
    finishes). ``latency`` delays every answer, as a distant server would.
    """

    def __init__(self, feeds: int, hosts: int, items: int = 2, latency: float = 0.0) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.feeds, self.hosts, self.items = feeds, hosts, items
        self.latency = latency  # seconds before each answer, like a server far away
        self.log: list[tuple[str, str, str, float]] = []
        self.hold_after: dict[str, int] = {}
        self.gate = 0
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._agents_seen = threading.Condition(self._lock)
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                farm._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a poller killed or done mid-answer: nothing to report

        self._servers = []
        for h in range(hosts):
            server = Server((f"127.0.0.{h + 2}", 0), Handler)
            self._servers.append(server)
        self._threads = [
            threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers
        ]
        for thread in self._threads:
            thread.start()

    def host(self, i: int) -> str:
        server = self._servers[i % self.hosts]
        return f"127.0.0.{i % self.hosts + 2}:{server.server_address[1]}"

    def feed_url(self, i: int) -> str:
        return f"http://{self.host(i)}/feed/{i}.xml"

    def feeds_yml(self, user_agent: str, fetch: str = "", poll: str = "") -> str:
        lines = ["fetch:", f"  user_agent: {user_agent}"]
        lines += [f"  {line.strip()}" for line in fetch.split(";") if line.strip()]
        if poll:
            lines += ["poll:"] + [f"  {line.strip()}" for line in poll.split(";") if line.strip()]
        lines.append("feeds:")
        for i in range(self.feeds):
            lines += [f"  - name: f{i:05d}", f"    url: {self.feed_url(i)}"]
        return "\n".join(lines) + "\n"

    def expected_articles(self) -> int:
        return self.feeds * self.items + 1

    def _rss(self, i: int) -> bytes:
        items = []
        wire = f"http://{self.host(0)}/wire/1"
        own = [
            (f"http://{self.host(i)}/a/{i}-{k}", f"Story {k} of feed {i}")
            for k in range(self.items)
        ]
        for link, title in [*own, (wire, "The wire story")]:
            text = f"{title}: a paragraph long enough to be a body paragraph of an article here."
            items.append(
                f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                f"<description>{text}</description>"
                "<pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate></item>"
            )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel>'
            f"<title>Feed {i}</title><link>http://{self.host(i)}/</link>"
            f"{''.join(items)}</channel></rss>"
        ).encode()

    def _handle(self, request: object) -> None:
        from http.server import BaseHTTPRequestHandler

        assert isinstance(request, BaseHTTPRequestHandler)
        agent = request.headers.get("User-Agent", "")
        host = request.headers.get("Host", "")
        with self._lock:
            self.log.append((host, request.path, agent, time.monotonic()))
            self._agents_seen.notify_all()
            self._agents_seen.wait_for(
                lambda: len({a for *_, a, _ in self.log}) >= self.gate, timeout=60
            )
            served = self._served.get(agent, 0)
            hold = agent in self.hold_after and served >= self.hold_after[agent]
            if not hold:
                self._served[agent] = served + 1
        if hold:
            self._released.wait(timeout=120)
            return  # the poller is dead by now; drop the connection without an answer
        if self.latency:
            time.sleep(self.latency)
        if request.path.startswith("/feed/"):
            body = self._rss(int(request.path.split("/")[-1].split(".")[0]))
            request.send_response(200)
            request.send_header("Content-Type", "application/rss+xml")
        else:
            body = b"not here"
            request.send_response(404)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def served(self, agent: str) -> int:
        with self._lock:
            return self._served.get(agent, 0)

    def feed_requests(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for _, path, _, _ in self.log:
                counts[path] = counts.get(path, 0) + 1
        return counts

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self.release()
        for server in self._servers:
            server.shutdown()
            server.server_close()
