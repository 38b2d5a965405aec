"""URL identity: canonical form (tracking parameters dropped) and the publisher's domain."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never the article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "hsa_", "oly_")
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
    "at_medium",
    "at_campaign",
    "smid",
    "smtyp",
}


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in _TRACKING_NAMES or lower.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The article's identity URL: lower-case scheme and host, no fragment, no tracking query.

    >>> canonical_url("HTTPS://Example.com/a/b/?utm_source=x&id=3#top")
    'https://example.com/a/b/?id=3'
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.netloc.lower()
    scheme = parts.scheme.lower()
    if (scheme == "http" and host.endswith(":80")) or (scheme == "https" and host.endswith(":443")):
        host = host.rsplit(":", 1)[0]
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def domain_of(url: str | None) -> str | None:
    """The host of ``url`` without ``www.`` and port, or None when there is none."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host
