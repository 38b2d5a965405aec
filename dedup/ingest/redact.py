"""What dedup shows of URLs and names: no passwords, no forged lines.

A feed URL may carry credentials (``http://user:secret@host/feed``); wherever a URL is shown
or logged (``dedup status``, poll summaries, logs, stored errors) the user info is masked.
A file name may hold a newline or a terminal escape; shown, it is escaped on one line so it
cannot forge a line in a cron log.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# scheme://userinfo@ inside any text; userinfo stops at the first '/', '@' or space.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/@\s]+)@")


def mask_url(url: str) -> str:
    """``url`` with its user info (name and password) replaced by ``***``.

    >>> mask_url("http://user:secret@feeds.example/rss?x=1")
    'http://***@feeds.example/rss?x=1'
    >>> mask_url("https://example.org/a")
    'https://example.org/a'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_urls_in(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def mask_urls_in(text: str) -> str:
    """Every URL's user info inside free text (an error message, a log line) masked.

    >>> mask_urls_in("cannot connect to ftp://bob:pw@10.0.0.1/x: refused")
    'cannot connect to ftp://***@10.0.0.1/x: refused'
    """
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)


def one_line(name: str) -> str:
    r"""A name from the file system (or a feed) shown escaped on one line.

    Control characters (newline, carriage return, escape, undecodable bytes) are escaped as
    in a Python string literal; printable text, accents included, is shown as it is.

    >>> one_line("evil\n2026-01-01 ok: forged")
    'evil\\n2026-01-01 ok: forged'
    >>> one_line("Zürich.txt")
    'Zürich.txt'
    """
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


class MaskingFilter(logging.Filter):
    """Masks credentials in URLs of every record a logger passes on (httpx logs whole URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_urls_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_logger(name: str) -> None:
    """Install :class:`MaskingFilter` on the logger ``name`` (once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
