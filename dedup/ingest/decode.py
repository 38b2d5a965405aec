"""Content-Encoding decoded incrementally under a byte cap: no compression bomb fills memory.

httpx decodes a whole network chunk per layer before a size cap can see the result, so a
6.8 KB body sent as ``Content-Encoding: gzip, gzip`` inflated to gigabytes. Here at most one
layer is accepted (gzip or deflate; nobody compresses twice on purpose), and zlib is asked for
no more output than the cap leaves room for, so memory stays within ``limit`` whatever the
ratio. Brotli and zstd are not requested (``Accept-Encoding: gzip, deflate``), and a server
that sends them anyway is refused: their decoders cannot bound one call's output.
"""

from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"
_GZIP = frozenset({"gzip", "x-gzip"})


class EncodingRefused(Exception):
    """The response's Content-Encoding is not one we decode; the message says why."""


class TooLarge(Exception):
    """The decoded body grew past the cap."""


class BoundedDecoder:
    """Feeds raw body chunks through the declared encoding; never holds more than ``limit``.

    >>> import gzip
    >>> d = BoundedDecoder("gzip", limit=10)
    >>> d.feed(gzip.compress(b"hello")) + d.flush()
    b'hello'
    >>> try:
    ...     BoundedDecoder("gzip, gzip", limit=10)
    ... except EncodingRefused as exc:
    ...     print(exc)
    stacked compression (Content-Encoding: gzip, gzip); only one layer is accepted
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        layers = [
            part.strip().lower()
            for part in content_encoding.split(",")
            if part.strip() and part.strip().lower() != "identity"
        ]
        if len(layers) > 1:
            raise EncodingRefused(
                f"stacked compression (Content-Encoding: {content_encoding.strip()}); "
                "only one layer is accepted"
            )
        self.encoding = layers[0] if layers else None
        if self.encoding is not None and self.encoding not in _GZIP | {"deflate"}:
            raise EncodingRefused(
                f"unsupported Content-Encoding {self.encoding!r}; dedup accepts gzip and deflate"
            )
        self.limit = limit
        self.size = 0
        self._zlib: zlib._Decompress | None = None
        self._raw_deflate = False
        if self.encoding is not None:
            self._zlib = self._new()

    def _new(self) -> zlib._Decompress:
        if self.encoding in _GZIP:
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLarge
        return piece

    def feed(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            return self._count(chunk)
        out: list[bytes] = []
        data = chunk
        while data:
            try:
                piece = self._zlib.decompress(data, self.limit - self.size + 1)
            except zlib.error:
                if self.encoding == "deflate" and not self._raw_deflate and self.size == 0:
                    # "deflate" is often sent as raw deflate without the zlib header.
                    self._raw_deflate = True
                    self._zlib = self._new()
                    continue
                raise
            out.append(self._count(piece))
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                rest = self._zlib.unused_data
                if not (rest and self.encoding in _GZIP):
                    break  # bytes after the end of the stream are ignored, as browsers do
                self._zlib = self._new()  # a gzip body may hold several members
                data = rest
        return b"".join(out)

    def flush(self) -> bytes:
        if self._zlib is None:
            return b""
        return self._count(self._zlib.flush(self.limit - self.size + 1))
