"""Band-index segments kept in the database: sorted (key, paragraph) runs in checksummed chunks.

A segment is an immutable run of (band key, paragraph id) pairs sorted by key then id, cut
into chunks of :data:`CHUNK_ENTRIES` pairs, one ``index_chunks`` row each (two little-endian
arrays). A chunk row also carries its key range, so a lookup reads only the chunks its probe
keys fall in, and a checksum (XXH3-128; BLAKE2b in an index built before) over the index id,
its place (segment, number) and both arrays, so flipped bytes or a chunk copied from another
place are reported instead of silently answering wrong. Within a run, a chunk the cache
cannot keep decoded leaves a 32-bit digest of its keys (:class:`Digest`), so later batches
read it only when one of their probes may be in it (:mod:`dedup.index.chunk_cache`).
``index_settings.index_entries`` repeats the number of pairs the segments hold: a segment or
chunk deleted behind dedup's back is reported too.

Everything here is written through the caller's connection, inside the caller's transaction:
a segment becomes part of the index exactly when the batch whose paragraphs it indexes
commits, and a reindex clears it in the transaction that clears the marks.

Merging is tiered: segments of one size tier (level) are merged, by a streaming k-way merge
that holds one chunk per input, into one segment of the next level once there are
:data:`FANOUT` of them. Each pair is rewritten at most once per level, and a level holds at
most ``FANOUT - 1`` segments between runs, so with ``N`` pairs a lookup probes at most
``(FANOUT - 1) * (1 + log_FANOUT(N / BASE_ENTRIES))`` segments (4 for Reuters-21578's 2
million pairs, 12 for 100 million).
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash
from sqlalchemy import Connection, bindparam, text

from dedup.errors import StoreError
from dedup.index.arrays import sort_pairs
from dedup.index.chunk_cache import CACHE_BYTES as CACHE_BYTES
from dedup.index.chunk_cache import DIGEST_BYTES as DIGEST_BYTES
from dedup.index.chunk_cache import KEY, OWNER, Arrays
from dedup.index.chunk_cache import ChunkCache as ChunkCache
from dedup.index.chunk_cache import Digest as Digest

CHUNK_ENTRIES = 1 << 16
FANOUT = 4
BASE_ENTRIES = 1 << 20
_FETCH_CHUNKS = 16
ENTRIES_SETTING = "index_entries"
CHECKSUM_SETTING = "chunk_checksum"
CHECKSUM = "xxh3-128"  # of an index built now; one built before says nothing and is BLAKE2b
LEGACY_CHECKSUM = "blake2b-128"

REINDEX = "run `dedup reindex` to rebuild it"


@dataclass(frozen=True)
class Segment:
    id: int
    level: int
    entries: int
    first_keys: np.ndarray
    last_keys: np.ndarray
    checksums: tuple[str, ...]


def level_for(entries: int) -> int:
    """The size tier of a segment of ``entries`` pairs."""
    if entries <= BASE_ENTRIES:
        return 0
    return int(math.log(entries / BASE_ENTRIES, FANOUT))


def chunk_checksum(
    index_id: str,
    segment_id: int,
    number: int,
    keys: bytes,
    owners: bytes,
    algorithm: str = CHECKSUM,
) -> str:
    """A 128-bit hash of a chunk and its place; the key range is implied by the keys.

    The checksum guards against flipped bytes and chunks moved or copied by hand, not against
    someone who can write the database (they could rewrite the checksum too), so a fast
    non-cryptographic hash serves: XXH3 hashes a lookup's chunks at memory speed, where
    BLAKE2b was half of a lookup's time once the index outgrew the cache. Indexes built
    before XXH3 keep BLAKE2b (``index_settings.chunk_checksum`` absent) until a reindex.

    >>> chunk_checksum("i", 1, 0, b"", b"")
    'fcae2173da6f665389689cbd5f7a696a'
    >>> chunk_checksum("i", 1, 0, b"", b"", algorithm="blake2b-128")
    '4455f5dd4b83a0f1ee462ffcb2a6d868'
    """
    if algorithm == "xxh3-128":
        digest: Any = xxhash.xxh3_128()
    elif algorithm == "blake2b-128":
        digest = hashlib.blake2b(digest_size=16)
    else:
        raise StoreError(f"unknown index chunk checksum {algorithm!r} (a newer dedup wrote it)")
    digest.update(index_id.encode())
    digest.update(struct.pack("<qq", segment_id, number))
    digest.update(keys)
    digest.update(owners)
    return str(digest.hexdigest())


_CHUNKS = text(
    "SELECT number, entries, checksum, keys, owners FROM index_chunks "
    "WHERE segment_id = :segment AND number IN :numbers ORDER BY number"
).bindparams(bindparam("numbers", expanding=True))


class SegmentStore:
    """The segments of one index id, read and written through one connection."""

    def __init__(self, conn: Connection, index_id: str, where: str, cache: ChunkCache) -> None:
        self.conn = conn
        self.index_id = index_id
        self.where = where
        self.cache = cache
        recorded = conn.execute(
            text("SELECT value FROM index_settings WHERE key = :key"), {"key": CHECKSUM_SETTING}
        ).scalar()
        self.checksum = str(recorded) if recorded is not None else LEGACY_CHECKSUM
        if self.checksum not in (CHECKSUM, LEGACY_CHECKSUM):
            raise StoreError(
                f"the paragraph index in {where} was written by a newer dedup (chunk checksum "
                f"{self.checksum!r}); upgrade dedup, or {REINDEX}"
            )

    def damaged(self, what: str) -> StoreError:
        return StoreError(f"the paragraph index in {self.where} is damaged ({what}); {REINDEX}")

    # -- reading ---------------------------------------------------------------------------

    def segments(self) -> list[Segment]:
        """The live segments, checked against the recorded pair count."""
        rows = self.conn.execute(
            text(
                "SELECT id, level, entries, chunks FROM index_segments "
                "WHERE index_id = :index_id ORDER BY id"
            ),
            {"index_id": self.index_id},
        ).all()
        fences: dict[int, list[tuple[int, int, int, str]]] = {int(r[0]): [] for r in rows}
        for seg, number, first, last, checksum in self.conn.execute(
            text(
                "SELECT c.segment_id, c.number, c.first_key, c.last_key, c.checksum "
                "FROM index_chunks c JOIN index_segments s ON s.id = c.segment_id "
                "WHERE s.index_id = :index_id ORDER BY c.segment_id, c.number"
            ),
            {"index_id": self.index_id},
        ):
            fences[int(seg)].append((int(number), int(first), int(last), str(checksum)))
        segments = []
        for seg_id, level, entries, chunks in rows:
            parts = fences[int(seg_id)]
            if [p[0] for p in parts] != list(range(int(chunks))):
                raise self.damaged(f"segment {seg_id} has {len(parts)} of its {chunks} chunks")
            segments.append(
                Segment(
                    id=int(seg_id),
                    level=int(level),
                    entries=int(entries),
                    first_keys=np.array([p[1] for p in parts], dtype=np.int64),
                    last_keys=np.array([p[2] for p in parts], dtype=np.int64),
                    checksums=tuple(p[3] for p in parts),
                )
            )
        self._check_total(sum(s.entries for s in segments))
        return segments

    def _check_total(self, found: int) -> None:
        recorded = self.conn.execute(
            text("SELECT value FROM index_settings WHERE key = :key"), {"key": ENTRIES_SETTING}
        ).scalar()
        if recorded is None:
            # A store from before the index moved into the database: its marks point at
            # segment files this version no longer reads.
            marked = self.conn.execute(
                text("SELECT 1 FROM paragraphs WHERE indexed = :yes LIMIT 1"), {"yes": True}
            ).first()
            if found == 0 and marked is None:
                return
            raise StoreError(
                f"the paragraph index of {self.where} is not in the database (an older dedup "
                f"kept it in files beside it, or in band_keys on a server); {REINDEX}"
            )
        if not str(recorded).isdigit() or int(recorded) != found:
            raise self.damaged(f"{found} band keys found where {recorded} were written")

    def chunks(
        self, segment: Segment, numbers: Iterable[int], keep: bool = True
    ) -> Iterator[tuple[int, Arrays]]:
        """The decoded chunks ``numbers`` of ``segment``, in order, each checked once per run.

        ``keep=False`` leaves the cache as it was (a merge reads segments it then deletes)."""
        wanted = list(numbers)
        for start in range(0, len(wanted), _FETCH_CHUNKS):
            group = wanted[start : start + _FETCH_CHUNKS]
            # Taken now: decoding the missing ones may push cached ones out.
            fetched: dict[int, Arrays] = {}
            for n in group:
                cached = self.cache.get(self._key(segment, n))
                if cached is not None:
                    fetched[n] = cached
            missing = [n for n in group if n not in fetched]
            if missing:
                rows = self.conn.execute(_CHUNKS, {"segment": segment.id, "numbers": missing})
                for number, entries, checksum, keys, owners in rows:
                    fetched[int(number)] = self._decode(
                        segment, int(number), int(entries), str(checksum), keys, owners, keep
                    )
                if len(fetched) != len(group):
                    raise self.damaged(f"segment {segment.id} lost chunks while being read")
            for n in group:
                yield n, fetched[n]

    def may_hold(self, segment: Segment, number: int, probe: np.ndarray) -> bool:
        """Whether chunk ``number`` may hold one of ``probe``; False only if it cannot."""
        key = self._key(segment, number)
        if self.cache.holds(key):
            return True
        digest = self.cache.digest(key)
        return digest is None or digest.may_hold(probe)

    def _key(self, segment: Segment, number: int) -> tuple[int, int, str]:
        return (segment.id, number, segment.checksums[number])

    def _decode(
        self,
        segment: Segment,
        number: int,
        entries: int,
        checksum: str,
        keys: bytes,
        owners: bytes,
        keep: bool = True,
    ) -> Arrays:
        keys, owners = bytes(keys), bytes(owners)
        key = self._key(segment, number)
        again = key in self.cache.verified
        if not again:
            expected = chunk_checksum(
                self.index_id, segment.id, number, keys, owners, self.checksum
            )
            if checksum != expected:
                raise self.damaged(f"segment {segment.id}, chunk {number} fails its checksum")
        if (
            checksum != segment.checksums[number]
            or len(keys) != entries * KEY.itemsize
            or len(owners) != entries * OWNER.itemsize
        ):
            raise self.damaged(f"segment {segment.id}, chunk {number} fails its checksum")
        # Read-only views of the row's bytes, as stored (owners stay 4 bytes): a third less
        # memory per cached pair than int64 copies, and no copy at all.
        k = np.frombuffer(keys, dtype=KEY)
        o = np.frombuffer(owners, dtype=OWNER)
        if entries and (k[0] != segment.first_keys[number] or k[-1] != segment.last_keys[number]):
            raise self.damaged(f"segment {segment.id}, chunk {number} has another key range")
        self.cache.verified.add(key)
        if keep:
            self.cache.put(key, (k, o), again)
        return k, o

    def runs(self, segment: Segment) -> Iterator[Arrays]:
        """Every chunk of ``segment`` in key order (for a merge)."""
        for _, arrays in self.chunks(segment, range(len(segment.first_keys)), keep=False):
            yield arrays

    # -- writing ---------------------------------------------------------------------------

    def write(self, blocks: Iterable[Arrays], level: int) -> int:
        """A new segment from sorted, duplicate-free blocks; returns its pair count."""
        seg_id = self.conn.execute(
            text(
                "INSERT INTO index_segments (index_id, level, entries, chunks) "
                "VALUES (:index_id, :level, 0, 0) RETURNING id"
            ),
            {"index_id": self.index_id, "level": level},
        ).scalar_one()
        entries = chunks = 0
        for keys, owners in _rechunk(blocks, CHUNK_ENTRIES):
            if len(owners) and (owners.min() < 0 or owners.max() > np.iinfo(OWNER).max):
                raise StoreError(
                    f"paragraph ids in {self.where} exceed the index's 32-bit range; "
                    "the band index cannot hold them"
                )
            kb = keys.astype(KEY).tobytes()
            ob = owners.astype(OWNER).tobytes()
            checksum = chunk_checksum(self.index_id, int(seg_id), chunks, kb, ob, self.checksum)
            self.conn.execute(
                text(
                    "INSERT INTO index_chunks (segment_id, number, first_key, last_key, "
                    "entries, checksum, keys, owners) VALUES (:segment, :number, :first, "
                    ":last, :entries, :checksum, :keys, :owners)"
                ),
                {
                    "segment": seg_id,
                    "number": chunks,
                    "first": int(keys[0]),
                    "last": int(keys[-1]),
                    "entries": len(keys),
                    "checksum": checksum,
                    "keys": kb,
                    "owners": ob,
                },
            )
            # cached as a read would decode it: views of the stored bytes, 4-byte owners
            key = (int(seg_id), chunks, checksum)
            self.cache.verified.add(key)
            arrays = (np.frombuffer(kb, dtype=KEY), np.frombuffer(ob, dtype=OWNER))
            self.cache.put(key, arrays, again=False)
            entries += len(keys)
            chunks += 1
        self.conn.execute(
            text("UPDATE index_segments SET entries = :entries, chunks = :chunks WHERE id = :id"),
            {"entries": entries, "chunks": chunks, "id": seg_id},
        )
        self._add_to_total(entries)
        return entries

    def delete(self, segments: Iterable[Segment]) -> None:
        ids = [s.id for s in segments]
        if not ids:
            return
        removed = sum(s.entries for s in segments)
        for table, column in (("index_chunks", "segment_id"), ("index_segments", "id")):
            self.conn.execute(
                text(f"DELETE FROM {table} WHERE {column} IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
        self._add_to_total(-removed)
        for segment_id in ids:
            self.cache.discard(segment_id)

    def _add_to_total(self, delta: int) -> None:
        if not delta:
            return
        recorded = self.conn.execute(
            text("SELECT value FROM index_settings WHERE key = :key"), {"key": ENTRIES_SETTING}
        ).scalar()
        self.conn.execute(
            text("UPDATE index_settings SET value = :value WHERE key = :key"),
            {"value": str(int(recorded or 0) + delta), "key": ENTRIES_SETTING},
        )

    def merge_tiers(self) -> None:
        """Merge every level holding FANOUT segments or more, lowest first."""
        while True:
            by_level: dict[int, list[Segment]] = {}
            for seg in self.segments():
                by_level.setdefault(seg.level, []).append(seg)
            full = sorted(lvl for lvl, segs in by_level.items() if len(segs) >= FANOUT)
            if not full:
                return
            group = by_level[full[0]]
            total = sum(s.entries for s in group)
            merged = merge_runs([self.runs(s) for s in group])
            self.write(merged, max(full[0] + 1, level_for(total)))
            self.delete(group)


def clear(conn: Connection) -> None:
    """Forget every segment of every index id and record an empty index."""
    conn.execute(text("DELETE FROM index_chunks"))
    conn.execute(text("DELETE FROM index_segments"))
    conn.execute(
        text("DELETE FROM index_settings WHERE key IN (:entries, :checksum)"),
        {"entries": ENTRIES_SETTING, "checksum": CHECKSUM_SETTING},
    )
    conn.execute(
        text("INSERT INTO index_settings (key, value) VALUES (:entries, '0'), (:checksum, :algo)"),
        {"entries": ENTRIES_SETTING, "checksum": CHECKSUM_SETTING, "algo": CHECKSUM},
    )


def merge_runs(runs: list[Iterator[Arrays]]) -> Iterator[Arrays]:
    """Sorted blocks of the union of sorted runs (each given as sorted blocks), pairs once.

    Holds one block per run: everything below the smallest last key among the runs that
    have blocks to come is final and goes out; the runs that set that bound read on. A key
    is emitted whole in one block, so sorting each block sorts the output.

    >>> a = iter([(np.array([1, 3]), np.array([7, 7])), (np.array([5]), np.array([7]))])
    >>> b = iter([(np.array([3, 4]), np.array([2, 2]))])
    >>> [(k.tolist(), o.tolist()) for k, o in merge_runs([a, b])]
    [([1], [7]), ([3, 3], [2, 7]), ([4], [2]), ([5], [7])]
    """
    empty = np.zeros(0, dtype=np.int64)
    buffers: list[Arrays] = [(empty, empty) for _ in runs]
    live = [True] * len(runs)

    def refill(i: int) -> None:
        block = next(runs[i], None)
        if block is None:
            live[i] = False
        else:
            k, o = buffers[i]
            buffers[i] = (np.concatenate([k, block[0]]), np.concatenate([o, block[1]]))

    while True:
        for i in range(len(runs)):
            while live[i] and not len(buffers[i][0]):
                refill(i)
        waiting = [i for i in range(len(runs)) if live[i]]
        bound = min((int(buffers[i][0][-1]) for i in waiting), default=None)
        taken_k, taken_o = [], []
        for i, (k, o) in enumerate(buffers):
            cut = len(k) if bound is None else int(np.searchsorted(k, bound, "left"))
            if cut:
                taken_k.append(k[:cut])
                taken_o.append(o[:cut])
                buffers[i] = (k[cut:], o[cut:])
        if taken_k:
            yield sort_pairs(np.concatenate(taken_k), np.concatenate(taken_o), runs=True)
        if bound is None:
            return
        for i in waiting:
            if int(buffers[i][0][-1]) == bound:
                refill(i)


def _rechunk(blocks: Iterable[Arrays], size: int) -> Iterator[Arrays]:
    """Blocks of any length as blocks of exactly ``size`` pairs (the last may be shorter)."""
    pending_k: list[np.ndarray] = []
    pending_o: list[np.ndarray] = []
    held = 0
    for keys, owners in blocks:
        pending_k.append(keys)
        pending_o.append(owners)
        held += len(keys)
        if held >= size:
            k, o = np.concatenate(pending_k), np.concatenate(pending_o)
            whole = (len(k) // size) * size
            for start in range(0, whole, size):
                yield k[start : start + size], o[start : start + size]
            pending_k, pending_o, held = [k[whole:]], [o[whole:]], len(k) - whole
    if held:
        yield np.concatenate(pending_k), np.concatenate(pending_o)
