"""URL identity: one canonical form per article URL, and the publisher's domain.

courlan (trafilatura's URL library) does the normalisation researchers expect: lower-case scheme
and host, default ports dropped, percent-encoding made uniform (``/ä`` and ``/%C3%A4`` are one
URL), query parameters sorted and its list of trackers removed. On top of it the fragment goes
(it never names another article) and so do a few feed and share parameters courlan keeps.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

# Feed, share and campaign parameters seen on news sites that courlan's tracker list lacks.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "hsa_", "oly_", "at_")
_TRACKING_NAMES = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "cmpid",
    "ncid",
    "ocid",
    "sr_share",
    "share",
    "ref",
    "ref_src",
    "rss",
    "feed",
    "output",
    "spm",
    "xtor",
    "smid",
    "smtyp",
}
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in _TRACKING_NAMES or lower.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The article's identity URL: normalised by courlan, no fragment, no tracking query.

    >>> canonical_url("HTTPS://Example.com:443/a/b/?utm_source=x&id=3&b=2#top")
    'https://example.com/a/b/?b=2&id=3'
    >>> canonical_url("http://example.com/ä") == canonical_url("http://example.com/%C3%A4")
    True
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        return url
    try:
        parts = urlsplit(normalize_url(url))
    except (ValueError, AttributeError):
        return url
    netloc = parts.netloc
    default = _DEFAULT_PORTS.get(parts.scheme)
    if default and netloc.endswith(f":{default}"):
        netloc = netloc[: -len(default) - 1]
    query = urlencode(
        sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
        )
    )
    return urlunsplit((parts.scheme, netloc, parts.path or "/", query, ""))


def domain_of(url: str | None) -> str | None:
    """The host of ``url`` without ``www.`` and port, or None when there is none.

    >>> domain_of("https://www.BuzzFeedNews.com:443/article/x")
    'buzzfeednews.com'
    """
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host
