"""What one run keeps of the band index in memory: decoded chunks, and digests of the rest.

Chunks are immutable, so a run may keep what it read; how much it keeps is bounded by
:data:`CACHE_BYTES` and :data:`DIGEST_BYTES`, whatever the size of the store.
"""

from __future__ import annotations

import numpy as np

KEY = np.dtype("<i8")
OWNER = np.dtype("<u4")
_SIGN = np.uint64(1 << 63)
# Decoded chunks (12 bytes a pair) and digests of the others (4 bytes a pair) kept per run:
# together the 256 MB one run may spend, whatever the size of the store.
CACHE_BYTES = 96 << 20
DIGEST_BYTES = 160 << 20

Arrays = tuple[np.ndarray, np.ndarray]


class Digest:
    """A chunk's keys cut to 32 bits, sorted: answers "might a probe be here?" with no read.

    A chunk's keys lie in ``[first, last]``; measured from ``first`` and shifted right until
    the span fits 32 bits, they stay sorted and a third the size of the pairs. A probe whose
    digest is absent cannot be in the chunk; one present almost surely is (a chunk of
    ``n`` pairs matches a foreign probe with chance at most ``n / 2**32``, 1 in 65,000 for a
    full chunk), and is then looked up in the chunk itself, so answers are exact.

    >>> d = Digest(np.array([0, 2**40, 2**41], dtype=np.int64))
    >>> d.may_hold(np.array([2**40], dtype=np.int64)), d.may_hold(np.array([2**20], dtype=np.int64))
    (True, False)
    """

    __slots__ = ("base", "shift", "values")

    def __init__(self, keys: np.ndarray) -> None:
        order = _unsigned(keys)
        self.base = order[0] if len(order) else np.uint64(0)
        span = int(order[-1] - self.base) if len(order) else 0
        self.shift = np.uint64(max(0, span.bit_length() - 32))
        self.values = ((order - self.base) >> self.shift).astype(np.uint32)

    @property
    def nbytes(self) -> int:
        return int(self.values.nbytes)

    def may_hold(self, probe: np.ndarray) -> bool:
        """Whether any of ``probe`` (keys within the chunk's range) may be in the chunk."""
        if not len(self.values):
            return False
        wanted = ((_unsigned(probe) - self.base) >> self.shift).astype(np.uint32)
        at = np.minimum(np.searchsorted(self.values, wanted), len(self.values) - 1)
        return bool((self.values[at] == wanted).any())


def _unsigned(keys: np.ndarray) -> np.ndarray:
    """Signed keys as unsigned ones in the same order (the sign bit flipped)."""
    flipped: np.ndarray = np.ascontiguousarray(keys, dtype=KEY).view(np.uint64) ^ _SIGN
    return flipped


class ChunkCache:
    """Decoded chunks of one run (they are immutable), and digests of the rest, while they fit.

    A lookup of a batch of random band keys reads every chunk of every segment in key order,
    batch after batch. Least-recently-used eviction would throw each chunk out just before the
    next batch needs it, so once the index outgrew the budget every batch read and checked the
    whole index again. Decoded chunks are kept while they fit, the newest segments' first
    (new text is what the next batch's text repeats, so their chunks are the ones with hits);
    a chunk that does not fit and is read a second time in the run leaves its
    :class:`Digest` (a third of its size), so a later batch reads it only if one of its probes
    may be there: a batch of new text whose probes all miss the old index reads none of it.
    A merged-away segment's chunks leave (:meth:`discard`), so the space goes to live ones.

    Keyed by checksum as well as place: a row id SQLite hands out again after a merge can
    never return another segment's pairs. A chunk's checksum is verified once per run, even
    if the chunk did not fit.
    """

    def __init__(self, budget: int = CACHE_BYTES, digest_budget: int = DIGEST_BYTES) -> None:
        self.budget = budget
        self.used = 0
        self.digest_budget = digest_budget
        self.digest_used = 0
        self._items: dict[tuple[int, int, str], Arrays] = {}
        self._digests: dict[tuple[int, int, str], Digest] = {}
        self.verified: set[tuple[int, int, str]] = set()

    def get(self, key: tuple[int, int, str]) -> Arrays | None:
        return self._items.get(key)

    def holds(self, key: tuple[int, int, str]) -> bool:
        return key in self._items

    def digest(self, key: tuple[int, int, str]) -> Digest | None:
        return self._digests.get(key)

    def put(self, key: tuple[int, int, str], arrays: Arrays, again: bool = True) -> None:
        """Keep a chunk decoded if it fits (pushing out older segments' chunks), else its digest.

        ``again``: the chunk was read before in this run. A digest is made only then: a run
        that reads each chunk once (a cron run's single batch) would pay for digests it never
        consults.
        """
        if key in self._items:
            return
        size = arrays[0].nbytes + arrays[1].nbytes
        if self.used + size > self.budget:
            # Older segments' chunks make way for a newer one's (their digest comes if they
            # are read again).
            for old in sorted(k for k in self._items if k[0] < key[0]):
                k, o = self._items.pop(old)
                self.used -= k.nbytes + o.nbytes
                if self.used + size <= self.budget:
                    break
        if self.used + size <= self.budget:
            self._items[key] = arrays
            self.used += size
        elif again:
            self._keep_digest(key, arrays[0])

    def _keep_digest(self, key: tuple[int, int, str], keys: np.ndarray) -> None:
        if key in self._digests or self.digest_used + len(keys) * 4 > self.digest_budget:
            return
        digest = Digest(keys)
        self._digests[key] = digest
        self.digest_used += digest.nbytes

    def discard(self, segment_id: int) -> None:
        for key in [k for k in self._items if k[0] == segment_id]:
            k, o = self._items.pop(key)
            self.used -= k.nbytes + o.nbytes
        for key in [k for k in self._digests if k[0] == segment_id]:
            self.digest_used -= self._digests.pop(key).nbytes
        self.verified = {k for k in self.verified if k[0] != segment_id}
