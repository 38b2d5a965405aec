"""The one network seam: HTTP GET with conditional requests, timeouts, a size cap and politeness.

Everything dedup downloads (feeds and, with ``full_text``, article pages) goes through
:func:`fetch`. It never raises for a network or HTTP problem: the outcome, including the error
in one line, comes back in a :class:`FetchResult` so the poller can record it on the feed.
Local paths and ``file://`` URLs are read from disk with the same size cap (status ``None``),
so archived feeds and the bundled example poll like any other feed.

Redirects are followed by hand (up to :data:`MAX_REDIRECTS`) so a permanent move (301/308)
is reported and the feed's URL can be updated, and so a remote server can never redirect a
fetch to a local file.

Every hop is judged by the fetch policy (:mod:`dedup.ingest.policy`): private, loopback and
other non-global addresses are refused unless ``allow_private`` is set; a feed URL the user
wrote (``user_url=True``) is exempt for its first hop only. One deadline of ``timeout``
seconds covers the whole fetch (connect, headers, body, every redirect), and the body is
decoded under ``max_bytes`` whatever its Content-Encoding claims (:mod:`dedup.ingest.decode`).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from dedup.config import FetchSettings
from dedup.ingest.decode import ACCEPT_ENCODING, BoundedDecoder, EncodingRefused, TooLarge
from dedup.ingest.policy import (
    GUARD_EXTENSION,
    AddressRefused,
    PolicyTransport,
    host_refusal,
    request_deadline,
)
from dedup.ingest.redact import mask_logger, mask_url, mask_urls_in, one_line
from dedup.store.models import utcnow

MAX_REDIRECTS = 10
_PERMANENT = frozenset({301, 308})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTTP_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class FetchResult:
    """What one fetch returned. ``error`` is set when no usable content came back.

    ``status`` is the final HTTP status (``None`` for a local file or when no response came);
    ``permanent_redirect_url`` is the target of a 301/308 chain, the URL to use from now on.
    ``etag`` and ``last_modified`` are the validators to send next time.
    """

    url: str
    status: int | None = None
    final_url: str | None = None
    permanent_redirect_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_after_seconds: float | None = None
    error: str | None = None
    refused: str | None = None  # the fetch policy's reason, when it refused an address

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None

    @property
    def ok(self) -> bool:
        return self.error is None and self.content is not None

    @property
    def is_file(self) -> bool:
        return not is_http_url(self.url)


class HostScheduler:
    """Spaces the starts of requests to one host by a delay; shared by concurrent workers.

    Each call reserves the host's next free slot under a lock, then sleeps until it outside
    the lock, so workers fetching different hosts never wait for each other.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def wait(self, url: str, delay: float) -> None:
        if delay <= 0:
            return
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + delay
        if slot > now:
            self._sleep(slot - now)


def is_http_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in _HTTP_SCHEMES


def is_local(url: str) -> bool:
    """True for ``file://`` URLs and plain paths (a one-letter scheme is a Windows drive)."""
    scheme = urlsplit(url).scheme.lower()
    return scheme == "file" or scheme == "" or len(scheme) == 1


def local_path(url: str) -> Path:
    """The path behind a ``file://`` URL or a plain path."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        return Path(url2pathname(parts.path))
    return Path(url).expanduser()


def resolve_location(url: str, base_dir: Path | None) -> str:
    """A feed URL as given, with a relative local path made absolute against ``base_dir``.

    Relative paths in ``feeds.yml`` mean "next to feeds.yml", wherever dedup is started from.
    """
    if not is_local(url) or urlsplit(url).scheme.lower() == "file":
        return url
    path = Path(url).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return str(path)


def make_client(
    settings: FetchSettings, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """An HTTP client for :func:`fetch`; redirects are handled by :func:`fetch` itself.

    The default transport applies the fetch policy at connect time; a ``transport`` given in
    tests (``httpx.MockTransport``) replaces the network, and only :func:`host_refusal`'s
    checks then apply. Proxy settings from the environment are not used: a proxy would be
    the address connected to, and the policy could not judge the real one.
    """
    mask_logger("httpx")  # httpx logs each request's full URL, password included
    return httpx.Client(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=settings.timeout,
        follow_redirects=False,
        transport=transport or PolicyTransport(),
        trust_env=False,
    )


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    settings: FetchSettings,
    client: httpx.Client,
    scheduler: HostScheduler | None = None,
    accept: str = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8",
    user_url: bool = False,
    run_deadline: float | None = None,
) -> FetchResult:
    """GET ``url`` (or read a local file), sending the validators back for a cheap 304.

    ``user_url`` says the URL was written by the user (a feed in ``feeds.yml``), so its first
    hop may be private; ``run_deadline`` (a ``time.monotonic()`` value) ends the fetch early
    when the poll's own deadline comes first.
    """
    if is_local(url):
        if not user_url:
            return FetchResult(url=url, error="a local path from feed content; refused")
        return _read_file(url, settings.max_bytes)
    if not is_http_url(url):
        scheme = urlsplit(url).scheme
        return FetchResult(
            url=url, error=f"unsupported URL scheme {scheme!r}; use http(s), file:// or a path"
        )
    headers = {"User-Agent": settings.user_agent, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # The request's own deadline; time spent waiting for politeness is not the server's.
    own_deadline = time.monotonic() + settings.timeout
    deadline = own_deadline
    current = url
    permanent: str | None = None
    only_permanent = True
    for hop in range(MAX_REDIRECTS + 1):
        guard = not settings.allow_private and not (user_url and hop == 0)
        refusal = host_refusal(urlsplit(current).hostname) if guard else None
        if refusal is not None:
            return _refused(url, current, permanent, refusal)
        if scheduler is not None:
            waiting = time.monotonic()
            scheduler.wait(current, settings.per_host_delay)
            own_deadline += time.monotonic() - waiting
        deadline = own_deadline if run_deadline is None else min(own_deadline, run_deadline)
        try:
            with (
                request_deadline(deadline),
                client.stream(
                    "GET",
                    current,
                    headers=headers,
                    timeout=settings.timeout,
                    extensions={GUARD_EXTENSION: guard},
                ) as resp,
            ):
                if resp.status_code in _REDIRECTS and "location" in resp.headers:
                    target = urljoin(str(resp.url), resp.headers["location"])
                    if not is_http_url(target):
                        return FetchResult(
                            url=url,
                            status=resp.status_code,
                            final_url=current,
                            error=f"redirected to a non-HTTP URL {mask_url(target)!r}; refused",
                        )
                    only_permanent = only_permanent and resp.status_code in _PERMANENT
                    if only_permanent:
                        permanent = target
                    current = target
                    continue
                return _response_result(
                    url, current, permanent, resp, settings, deadline, etag, last_modified
                )
        except httpx.TimeoutException:
            timed_out = (
                "stopped: the poll's run deadline passed"
                if deadline != own_deadline
                else f"timed out after {settings.timeout:g}s"
            )
            return FetchResult(
                url=url, final_url=current, permanent_redirect_url=permanent, error=timed_out
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if isinstance(exc.__cause__, AddressRefused):
                return _refused(url, current, permanent, str(exc.__cause__))
            return FetchResult(
                url=url,
                final_url=current,
                permanent_redirect_url=permanent,
                error=f"{_describe_http_error(exc)}",
            )
    return FetchResult(
        url=url, final_url=current, error=f"more than {MAX_REDIRECTS} redirects; giving up"
    )


def _refused(url: str, current: str, permanent: str | None, reason: str) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=current,
        permanent_redirect_url=permanent,
        refused=reason,
        error=(
            f"refused {mask_url(current)}: {reason} "
            "(set allow_private: true in feeds.yml to fetch private addresses)"
        ),
    )


def _describe_http_error(exc: httpx.HTTPError | httpx.InvalidURL) -> str:
    kind = {
        httpx.ConnectError: "cannot connect",
        httpx.RemoteProtocolError: "bad HTTP response",
        httpx.UnsupportedProtocol: "unsupported URL",
        httpx.DecodingError: "cannot decode the response",
        httpx.InvalidURL: "invalid URL",
    }
    for cls, label in kind.items():
        if isinstance(exc, cls):
            return f"{label}: {_one_line(exc)}"
    return f"{type(exc).__name__}: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return mask_urls_in(text.splitlines()[0]) if text else type(exc).__name__


def _response_result(
    url: str,
    final_url: str,
    permanent: str | None,
    resp: httpx.Response,
    settings: FetchSettings,
    deadline: float,
    sent_etag: str | None,
    sent_last_modified: str | None,
) -> FetchResult:
    status = resp.status_code
    headers = {k.lower(): v for k, v in resp.headers.items()}
    base = FetchResult(
        url=url,
        status=status,
        final_url=final_url,
        permanent_redirect_url=permanent,
        headers=headers,
    )
    if status == 304:
        return replace(
            base,
            etag=headers.get("etag") or sent_etag,
            last_modified=headers.get("last-modified") or sent_last_modified,
        )
    if not 200 <= status < 300:
        retry = headers.get("retry-after")
        return replace(
            base,
            retry_after_seconds=parse_retry_after(retry) if retry else None,
            error=f"HTTP {status} {_phrase(status, resp.reason_phrase)}".strip(),
        )
    too_big = (
        f"response larger than {settings.max_bytes} bytes; cut off "
        "(raise max_bytes in feeds.yml to accept it)"
    )
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        return replace(base, error=too_big)
    try:
        decoder = BoundedDecoder(headers.get("content-encoding", ""), settings.max_bytes)
    except EncodingRefused as exc:
        return replace(base, error=f"{exc}; refused")
    chunks: list[bytes] = []
    raw_size = 0
    # An in-memory response (a test's MockTransport) arrives read and decoded already.
    raws = [resp.content] if resp.is_stream_consumed else resp.iter_raw()
    if resp.is_stream_consumed:
        decoder = BoundedDecoder("", settings.max_bytes)
    try:
        for raw in raws:
            raw_size += len(raw)
            if raw_size > settings.max_bytes:
                return replace(base, error=too_big)
            if time.monotonic() > deadline:
                return replace(
                    base,
                    error=f"timed out after {settings.timeout:g}s while downloading",
                )
            chunks.append(decoder.feed(raw))
        chunks.append(decoder.flush())
    except TooLarge:
        return replace(base, error=too_big)
    except zlib.error as exc:
        return replace(base, error=f"cannot decode the response: {decoder.encoding}: {exc}")
    return replace(
        base,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        content=b"".join(chunks),
    )


def _phrase(status: int, sent: str) -> str:
    """The standard reason phrase (servers vary in case and wording), else what was sent."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return sent


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utcnow())).total_seconds())


def _read_file(url: str, max_bytes: int) -> FetchResult:
    path = local_path(url)
    shown = one_line(str(path))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FetchResult(
                url=url,
                final_url=url,
                error=f"{shown} is larger than {max_bytes} bytes; raise max_bytes to read it",
            )
        content = path.read_bytes()
    except FileNotFoundError:
        return FetchResult(url=url, final_url=url, error=f"no such file: {shown}")
    except IsADirectoryError:
        return FetchResult(url=url, final_url=url, error=f"{shown} is a folder, not a feed file")
    except OSError as exc:
        return FetchResult(
            url=url, final_url=url, error=f"cannot read {shown}: {exc.strerror or exc}"
        )
    return FetchResult(url=url, final_url=url, content=content[:max_bytes])
