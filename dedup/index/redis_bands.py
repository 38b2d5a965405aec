"""The paragraph index on Redis: one sorted set per band bucket, shared by every machine.

The same interface as the backends in :mod:`dedup.index.bands` and the same answers: a band
key's bucket is a sorted set of paragraph ids scored by id, so "the ``recent`` newest
members of an over-cap bucket" is one ``ZREVRANGE`` that reads at most ``cap + 1`` members,
however large the bucket has grown. A batch's keys go to the server packed, 8 bytes each, in
one script call per chunk of keys, which loops over them server-side: a batch costs a few
round trips, and no client-side work per key (a pipeline of one command per key spent
twenty times longer packing commands than Redis spent running them). Scripts touch keys
they are not given, so this needs a single Redis server (or a replica set), not Redis Cluster.

Why not ``datasketch.MinHashLSH`` with a Redis ``storage_config``: its buckets are Redis sets
or lists keyed by its own band hashing of whole MinHash objects, and neither gives a
bucket's size and newest members without reading all of it; dedup's band keys are computed
upstream from signatures that are bit-for-bit ``datasketch.MinHash`` ones, so only the bucket
storage differs.

Keys live under a prefix (``dedup:`` unless the URL says ``?prefix=...``) in the database the
URL names; one prefix holds one store's index. ``<prefix>index_id`` repeats the store's
``index_settings`` id: a mismatch (the store was replaced or reindexed) empties the prefix
first, as a segment manifest of another database is discarded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np

from dedup.errors import StoreError
from dedup.index.arrays import unique_sorted
from dedup.index.bands import _pair_up

_CHUNK = 10_000
DEFAULT_PREFIX = "dedup:"

# ARGV: prefix, keys packed 8 bytes each, cap, recent. Returns (key position, member) pairs.
_PROBE = """
local prefix, blob = ARGV[1], ARGV[2]
local cap, recent = tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
for i = 1, #blob, 8 do
    local members = redis.call('ZREVRANGE', prefix .. string.sub(blob, i, i + 7), 0, cap)
    local n = #members
    if n > cap then n = recent end
    for j = 1, n do
        out[#out + 1] = (i - 1) / 8
        out[#out + 1] = members[j]
    end
end
return out
"""

# ARGV: prefix, keys packed 8 bytes each, then one paragraph id per key.
_ADD = """
local prefix, blob = ARGV[1], ARGV[2]
for i = 1, #blob, 8 do
    local owner = ARGV[3 + (i - 1) / 8]
    redis.call('ZADD', prefix .. string.sub(blob, i, i + 7), owner, owner)
end
return #blob / 8
"""


def _connect(url: str) -> tuple[Any, str]:
    try:
        import redis
    except ImportError as exc:
        raise StoreError(
            "the paragraph index is on Redis but the redis client is not installed: "
            "pip install 'dedup[redis]'"
        ) from exc
    parts = urlsplit(url)
    prefix = parse_qs(parts.query).get("prefix", [DEFAULT_PREFIX])[0]
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("prefix="))
    client = redis.Redis.from_url(urlunsplit(parts._replace(query=query)))
    try:
        client.ping()
    except redis.RedisError as exc:
        # the address without its password, port included (what a user checks first)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        shown = urlunsplit(parts._replace(netloc=host, query=""))
        reason = str(exc).strip().rstrip(".")
        raise StoreError(
            f"cannot reach the Redis index at {shown}: {reason}; start it or check --index"
        ) from exc
    return client, prefix


class RedisBandIndex:
    """Band buckets as sorted sets in Redis (see the module docstring)."""

    def __init__(self, url: str, index_id: str, cap: int, recent: int, per_paragraph: int) -> None:
        self.client, self.prefix = _connect(url)
        self.index_id = index_id
        self.cap = cap
        self.recent = recent
        self.per_paragraph = per_paragraph
        self._probe = self.client.register_script(_PROBE)
        self._add = self.client.register_script(_ADD)
        marker = self.client.get(self.prefix + "index_id")
        if marker is None or marker.decode() != index_id:
            self.clear()  # built for another store, or before a reindex: worthless here

    def _packed(self, keys: list[int]) -> bytes:
        return np.asarray(keys, dtype=">i8").tobytes()

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        probe = unique_sorted(keys).tolist()
        if not probe:
            return set()
        found_keys: list[int] = []
        found_owners: list[int] = []
        bucket_prefix = self.prefix + "b:"
        for start in range(0, len(probe), _CHUNK):
            chunk = probe[start : start + _CHUNK]
            flat = self._probe(args=[bucket_prefix, self._packed(chunk), self.cap, self.recent])
            found_keys.extend(chunk[int(i)] for i in flat[0::2])
            found_owners.extend(int(m) for m in flat[1::2])
        if not found_keys:
            return set()
        return _pair_up(
            keys,
            owners,
            np.asarray(found_keys, dtype=np.int64),
            np.asarray(found_owners, dtype=np.int64),
            self.per_paragraph,
        )

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        bucket_prefix = self.prefix + "b:"
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK].tolist()
            ids = owners[start : start + _CHUNK].tolist()
            self._add(args=[bucket_prefix, self._packed(chunk), *ids])

    def clear(self) -> None:
        """Delete every key under the prefix, then claim it for this store's index id."""
        batch: list[bytes] = []
        for name in self.client.scan_iter(match=self.prefix + "*", count=_CHUNK):
            batch.append(name)
            if len(batch) >= _CHUNK:
                self.client.unlink(*batch)
                batch = []
        if batch:
            self.client.unlink(*batch)
        self.client.set(self.prefix + "index_id", self.index_id)

    def memory_bytes(self) -> int:
        """What the Redis server uses in all (``INFO memory``), for benchmarks and status."""
        return int(self.client.info("memory")["used_memory"])
