"""Bytes -> text: byte-order marks, declared charsets (HTTP header, ``<meta>``, XML) and a guess.

Feeds and pages are read as bytes; this is the one place that decides how they become text.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def charset_of(content_type: str | None) -> str | None:
    """The charset a ``Content-Type`` header declares, or None.

    >>> charset_of('text/html; charset="ISO-8859-1"')
    'ISO-8859-1'
    """
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
# Labels servers send by default; browsers read them as windows-1252, and a text that is
# valid UTF-8 under such a label was almost always UTF-8 mislabelled.
_WEAK_LABELS = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in ("ascii", "latin-1", "iso8859-1") else name


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` is no text at all: a NUL byte in its first 8 KB, as git and grep
    decide, unless a UTF-16 or UTF-32 byte-order mark says the zeros are half its characters.

    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    True
    >>> looks_binary("Über".encode("utf-16"))
    False
    """
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return False
    return b"\x00" in data[:8192]


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Bytes -> text: BOM, then the declared charset, then a ``<meta>``/XML declaration,
    then UTF-8, then charset-normalizer's guess. Never raises; undecodable bytes are replaced.
    """
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_encoding, errors="replace")
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    for label in (declared, match.group(1).decode("ascii") if match else None):
        encoding = _codec(label)
        if encoding is None:
            continue
        if encoding in _WEAK_LABELS:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _detect(data)


# How much more "chaos" (charset-normalizer's mess measure) windows-1252 may show than the
# best guess and still be preferred: on short Western text the detector often ranks a Baltic
# or Central European code page first, while undeclared legacy web text is overwhelmingly
# windows-1252.
_CP1252_TOLERANCE = 0.2


def _detect(data: bytes) -> str:
    results = charset_normalizer.from_bytes(data)
    best = results.best()
    if best is None:
        return data.decode("utf-8", errors="replace")
    for match in results:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + _CP1252_TOLERANCE:
            return str(match)
    return str(best)
