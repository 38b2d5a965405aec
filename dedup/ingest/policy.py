"""Fetch policy: which addresses dedup connects to, and one total deadline per request.

Feeds are written by strangers, so a link in one may point anywhere: at the machine dedup
runs on (``http://127.0.0.1:8080/admin``), at a cloud metadata service
(``http://169.254.169.254/``) or at the intranet. A *guarded* request refuses loopback,
private, link-local, unique-local, multicast, reserved and otherwise non-global addresses.

The rule is applied to the address actually connected to: :class:`PolicyBackend` resolves the
host once, checks every address it resolves to, and connects to the checked address, so a
name that resolves to a public address for a check and to 127.0.0.1 for the connection
(DNS rebinding) cannot slip through. Spellings such as ``2130706433``, ``0x7f.1``, ``[::1]``
or ``[::ffff:127.0.0.1]`` resolve to the same refused addresses; :func:`host_refusal` also
refuses them (and ``localhost``) before any connection, so the reason is clear.

The same backend enforces a request's total deadline: every connect, TLS handshake, read and
write gets at most the time left, so a server dripping its headers a byte a second is cut
off when the deadline passes instead of keeping the poll alive for hours.

:class:`PolicyTransport` keeps two connection pools, one guarded and one not (for a feed URL
the user wrote, or ``allow_private: true``), so a connection opened without the guard is
never reused by a guarded request.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

# Set around each request by fetch(); each worker thread has its own value.
_deadline: ContextVar[float | None] = ContextVar("dedup_request_deadline", default=None)
GUARD_EXTENSION = "dedup_guard"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(httpcore.ConnectError):
    """A guarded connection to a refused address; the message is the reason."""


@contextmanager
def request_deadline(deadline: float) -> Iterator[None]:
    """Every network operation inside gets at most ``deadline - time.monotonic()`` seconds."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def address_refusal(address: IPAddress) -> str | None:
    """Why a guarded request must not connect to ``address``, or None when it may.

    >>> address_refusal(ipaddress.ip_address("127.0.0.1"))
    'loopback address 127.0.0.1'
    >>> address_refusal(ipaddress.ip_address("::ffff:10.0.0.1"))
    'private address 10.0.0.1'
    >>> address_refusal(ipaddress.ip_address("93.184.215.14")) is None
    True
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_refusal(embedded)
    kinds = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        (
            "unique-local" if isinstance(address, ipaddress.IPv6Address) else "private",
            address.is_private,
        ),
        ("non-global", not address.is_global),
    )
    for kind, hit in kinds:
        if hit:
            return f"{kind} address {address}"
    return None


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an IP address in any spelling the C resolver accepts, else None.

    >>> str(parse_ip("2130706433")), str(parse_ip("0x7f.0.0.1")), str(parse_ip("0177.1"))
    ('127.0.0.1', '127.0.0.1', '127.0.0.1')
    >>> parse_ip("example.com") is None
    True
    """
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    if text and all(c in "0123456789abcdefxABCDEFX." for c in text) and text[0].isdigit():
        try:  # decimal, hex and octal forms: what getaddrinfo would connect to
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def host_refusal(host: str | None) -> str | None:
    """The refusal of a URL's host known without DNS: ``localhost`` and IP literals."""
    if not host:
        return "no host in the URL"
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return f"loopback name {host}"
    address = parse_ip(name)
    return address_refusal(address) if address is not None else None


def _clamp(timeout: float | None) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PolicyBackend(httpcore.SyncBackend):
    """httpcore's socket backend with the deadline and, when ``guard`` is set, the address rule."""

    def __init__(self, guard: bool) -> None:
        self.guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout)
        target = self._checked_address(host, port) if self.guard else host
        stream = super().connect_tcp(target, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    @staticmethod
    def _checked_address(host: str, port: int) -> str:
        """Resolve once; refuse if any address is refused; connect to the first one."""
        reason = host_refusal(host)
        if reason is not None:
            raise AddressRefused(reason)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise AddressRefused(f"{host} resolves to a {reason}")
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        return str(addresses[0])


def _pooled_transport(guard: bool) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no public way to give its pool a network backend; the pool is rebuilt with
    # the same defaults httpx uses, plus ours.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=PolicyBackend(guard=guard),
    )
    return transport


class PolicyTransport(httpx.BaseTransport):
    """Sends each request through the guarded pool unless it carries ``dedup_guard: False``."""

    def __init__(self) -> None:
        self._guarded = _pooled_transport(guard=True)
        self._open = _pooled_transport(guard=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        guard = request.extensions.get(GUARD_EXTENSION, True)
        return (self._guarded if guard else self._open).handle_request(request)

    def close(self) -> None:
        self._guarded.close()
        self._open.close()
