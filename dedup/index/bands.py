"""The persistent LSH index: band keys <-> paragraphs, behind one small interface.

Two backends give the same answers:

- :class:`SegmentBandIndex`, for an SQLite store: immutable sorted segments of (key,
  paragraph) pairs in ``<database>.index/``, memory-mapped and searched with binary search,
  merged in the background of later runs like an LSM tree. Adding a run's keys writes one
  small segment; a query touches only the pages its keys fall on. No run loads, rebuilds or
  unpickles the whole index.
- :class:`SqlBandIndex`, for a server database (PostgreSQL): the ``band_keys`` table, probed
  through its primary key from a temporary table of the new keys.

Both cap what one bucket can cost: a bucket of up to ``cap`` paragraphs yields them all; a
larger one (a common phrase, a footer on every page) yields only its ``recent`` newest
members, so a repeated text stays connected while its cost stays flat. And a new paragraph
keeps at most ``per_paragraph`` stored candidates, those sharing the most keys with it: what
a run verifies follows what is new, not how much similar text the store holds.

A segment index and its database must belong together: the database's ``index_settings``
holds an ``index_id`` that the segment manifest repeats; a mismatch (the database was
replaced) discards the segments.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from dedup.errors import IndexSettingsChanged, StoreError
from dedup.index.fingerprint import FingerprintSettings
from dedup.store.engine import insert_many
from dedup.store.models import IndexSetting

_INSERT_CHUNK = 50_000
MAX_SEGMENTS = 8
MANIFEST = "manifest.json"


class BandIndex(Protocol):
    """What the analysis needs from an index backend."""

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        """Pairs (stored paragraph, new paragraph) that share a key; stored ids come first."""
        ...

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """Make the new (key, paragraph) rows part of the index."""
        ...

    def clear(self) -> None:
        """Forget every key (``dedup reindex``)."""
        ...


def _pair_up(
    new_keys: np.ndarray,
    new_owners: np.ndarray,
    old_keys: np.ndarray,
    old_owners: np.ndarray,
    per_paragraph: int,
) -> set[tuple[int, int]]:
    """(old, new) paragraph pairs with equal keys, at most ``per_paragraph`` per new paragraph.

    A new paragraph keeps the stored paragraphs it shares the most keys with (the likeliest
    near-duplicates), so its verification cost is bounded however much similar text is stored.
    """
    if len(old_keys) == 0 or len(new_keys) == 0:
        return set()
    order = np.argsort(new_keys, kind="stable")
    nk, no = new_keys[order], new_owners[order]
    lo = np.searchsorted(nk, old_keys, "left")
    hi = np.searchsorted(nk, old_keys, "right")
    lengths = hi - lo
    new_side = no[_ranges(lo, lengths)]
    old_side = np.repeat(old_owners, lengths)
    keep = new_side != old_side
    new_side, old_side = new_side[keep], old_side[keep]
    if len(new_side) == 0:
        return set()
    pair_codes, counts = np.unique(new_side * (1 << 32) + old_side, return_counts=True)
    new_ids, old_ids = pair_codes >> 32, pair_codes & 0xFFFFFFFF
    # Most shared keys first within each new paragraph; then keep the first `per_paragraph`.
    order = np.lexsort((-counts, new_ids))
    new_ids, old_ids = new_ids[order], old_ids[order]
    first = np.ones(len(new_ids), dtype=bool)
    first[1:] = new_ids[1:] != new_ids[:-1]
    starts = np.maximum.accumulate(np.where(first, np.arange(len(new_ids)), 0))
    chosen = (np.arange(len(new_ids)) - starts) < per_paragraph
    lows = np.minimum(new_ids[chosen], old_ids[chosen]).tolist()
    highs = np.maximum(new_ids[chosen], old_ids[chosen]).tolist()
    return set(zip(lows, highs, strict=True))


class SegmentBandIndex:
    """Sorted, memory-mapped key segments beside an SQLite database."""

    def __init__(
        self, directory: Path, index_id: str, cap: int, recent: int, per_paragraph: int
    ) -> None:
        self.directory = directory
        self.index_id = index_id
        self.cap = cap
        self.recent = recent
        self.per_paragraph = per_paragraph
        self._segments = self._open()

    # -- manifest ---------------------------------------------------------------------------

    def _open(self) -> list[str]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            manifest = self.directory / MANIFEST
            data = json.loads(manifest.read_text()) if manifest.exists() else {}
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"cannot read the paragraph index in {self.directory} ({exc}); "
                "run `dedup reindex` to rebuild it"
            ) from exc
        segments: list[str] = list(data.get("segments", []))
        if data.get("index_id") != self.index_id:
            segments = []  # built for another database: worthless here
            self._write_manifest(segments)
        self._remove_orphans(segments)
        return segments

    def _write_manifest(self, segments: list[str]) -> None:
        tmp = self.directory / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps({"index_id": self.index_id, "segments": segments}))
        os.replace(tmp, self.directory / MANIFEST)

    def _remove_orphans(self, segments: list[str]) -> None:
        """Delete segment files no manifest names (left by a run killed mid-write)."""
        live = {f"{name}.{part}.npy" for name in segments for part in ("keys", "owners")}
        for path in self.directory.glob("*.npy"):
            if path.name not in live:
                path.unlink(missing_ok=True)

    def _load(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        keys = np.load(self.directory / f"{name}.keys.npy", mmap_mode="r")
        owners = np.load(self.directory / f"{name}.owners.npy", mmap_mode="r")
        return keys, owners

    # -- the interface ------------------------------------------------------------------------

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        probe = np.unique(keys)
        if len(probe) == 0 or not self._segments:
            return set()
        found_keys: list[np.ndarray] = []
        found_owners: list[np.ndarray] = []
        spans = []
        sizes = np.zeros(len(probe), dtype=np.int64)
        for name in self._segments:
            seg_keys, seg_owners = self._load(name)
            lo = np.searchsorted(seg_keys, probe, "left")
            hi = np.searchsorted(seg_keys, probe, "right")
            sizes += hi - lo
            spans.append((seg_keys, seg_owners, lo, hi))
        big = sizes > self.cap
        for seg_keys, seg_owners, lo, hi in spans:
            # Over-cap buckets give only their newest members (segments are id-ordered).
            lo = np.where(big, np.maximum(lo, hi - self.recent), lo)
            lengths = hi - lo
            hit = lengths > 0
            if not hit.any():
                continue
            idx = _ranges(lo[hit], lengths[hit])
            found_keys.append(np.asarray(seg_keys[idx]))
            found_owners.append(np.asarray(seg_owners[idx]))
        if not found_keys:
            return set()
        old_keys = np.concatenate(found_keys)
        old_owners = np.concatenate(found_owners)
        # Over-cap buckets give at most `recent` members per segment: bounded, and the
        # newest copies of a repeated text are what links a new copy to the others.
        return _pair_up(keys, owners, old_keys, old_owners, self.per_paragraph)

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        if len(keys) == 0:
            return
        order = np.lexsort((owners, keys))
        name = f"seg-{uuid.uuid4().hex[:12]}"
        self._save(name, keys[order], owners[order])
        segments = [*self._segments, name]
        if len(segments) > MAX_SEGMENTS:
            segments = self._merge_smallest(segments)
        self._write_manifest(segments)
        self._segments = segments
        self._remove_orphans(segments)

    def _save(self, name: str, keys: np.ndarray, owners: np.ndarray) -> None:
        for part, data in (("keys", keys.astype(np.int64)), ("owners", owners.astype(np.int64))):
            path = self.directory / f"{name}.{part}.npy"
            with path.open("wb") as out:
                np.save(out, data)
                out.flush()
                os.fsync(out.fileno())

    def _merge_smallest(self, segments: list[str]) -> list[str]:
        """Merge the smaller half of the segments into one (tiered, like an LSM tree)."""
        sizes = {name: self._load(name)[0].shape[0] for name in segments}
        by_size = sorted(segments, key=lambda n: sizes[n])
        merge = by_size[: len(segments) // 2 + 1]
        parts = [self._load(name) for name in merge]
        keys = np.concatenate([np.asarray(k) for k, _ in parts])
        owners = np.concatenate([np.asarray(o) for _, o in parts])
        order = np.lexsort((owners, keys))
        keys, owners = keys[order], owners[order]
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
        name = f"seg-{uuid.uuid4().hex[:12]}"
        self._save(name, keys[keep], owners[keep])
        return [n for n in segments if n not in merge] + [name]

    def clear(self) -> None:
        self._segments = []
        self._write_manifest([])
        self._remove_orphans([])


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for every (s, n), without a Python loop."""
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    result: np.ndarray = np.arange(total, dtype=np.int64) + offsets
    return result


class SqlBandIndex:
    """Band keys in the ``band_keys`` table, for stores on a database server."""

    def __init__(self, session: Session, cap: int, recent: int, per_paragraph: int) -> None:
        self.session = session
        self.cap = cap
        self.recent = recent
        self.per_paragraph = per_paragraph

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        conn = self.session.connection()
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS new_band_keys (key BIGINT, paragraph_id BIGINT)"
        )
        conn.exec_driver_sql("DELETE FROM new_band_keys")
        _insert_keys(conn, "new_band_keys", keys, owners, ignore_conflicts=False)
        # Each probed key yields at most `cap` stored members, or its `recent` newest when the
        # bucket is larger (a server reads a large bucket's index range once to rank it).
        rows = conn.execute(
            text(
                """
                WITH probe AS (
                    SELECT d.key, (SELECT count(*) FROM (
                        SELECT 1 FROM band_keys b WHERE b.key = d.key LIMIT :cap_plus_one
                    ) c) AS size
                    FROM (SELECT DISTINCT key FROM new_band_keys) d
                ),
                ranked AS (
                    SELECT m.key, m.paragraph_id, p.size, ROW_NUMBER() OVER (
                        PARTITION BY m.key ORDER BY m.paragraph_id DESC
                    ) AS rn
                    FROM probe p JOIN band_keys m ON m.key = p.key
                    WHERE p.size > 0
                )
                SELECT paragraph_id, key FROM ranked
                WHERE rn <= CASE WHEN size > :cap THEN :recent ELSE :cap END
                """
            ),
            {"cap": self.cap, "cap_plus_one": self.cap + 1, "recent": self.recent},
        ).all()
        conn.exec_driver_sql("DELETE FROM new_band_keys")
        if not rows:
            return set()
        old_owners = np.array([r[0] for r in rows], dtype=np.int64)
        old_keys = np.array([r[1] for r in rows], dtype=np.int64)
        return _pair_up(keys, owners, old_keys, old_owners, self.per_paragraph)

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        if len(keys) == 0:
            return
        order = np.lexsort((owners, keys))
        _insert_keys(
            self.session.connection(),
            "band_keys",
            keys[order],
            owners[order],
            ignore_conflicts=True,
        )

    def clear(self) -> None:
        self.session.execute(text("DELETE FROM band_keys"))


def _insert_keys(
    conn: Connection, table: str, keys: np.ndarray, owners: np.ndarray, ignore_conflicts: bool
) -> None:
    """(key, paragraph_id) rows, in chunks that keep one executemany's memory small."""
    rows = list(zip(keys.tolist(), owners.tolist(), strict=True))
    for start in range(0, len(rows), _INSERT_CHUNK):
        insert_many(
            conn,
            table,
            ("key", "paragraph_id"),
            rows[start : start + _INSERT_CHUNK],
            ignore_conflicts=ignore_conflicts,
        )


# -- settings -----------------------------------------------------------------------------------


def check_settings(session: Session, settings: FingerprintSettings) -> str:
    """Adopt ``settings`` for a new index, or refuse to mix them with an index built otherwise.

    Returns the index id that ties segment files to this database.
    """
    stored: dict[str, str] = {
        str(k): str(v) for k, v in session.execute(text("SELECT key, value FROM index_settings"))
    }
    index_id = stored.pop("index_id", None)
    wanted = settings.as_strings()
    if not stored:
        return reset_settings(session, settings)
    changed = _differences(stored, wanted)
    if changed:
        raise IndexSettingsChanged(
            f"the paragraph index was built with other fingerprint settings ({changed}); "
            "signatures of two settings are never mixed: run `dedup reindex` to rebuild it"
        )
    if index_id is None:
        index_id = uuid.uuid4().hex
        session.add(IndexSetting(key="index_id", value=index_id))
        session.flush()
    return index_id


def _differences(stored: dict[str, str], wanted: dict[str, str]) -> str:
    keys: Sequence[str] = sorted(set(stored) | set(wanted))
    return ", ".join(
        f"{k}: {stored.get(k, '-')} -> {wanted.get(k, '-')}"
        for k in keys
        if stored.get(k) != wanted.get(k)
    )


def reset_settings(session: Session, settings: FingerprintSettings) -> str:
    """Record ``settings`` and a fresh index id (the old index is void from now on)."""
    index_id = uuid.uuid4().hex
    session.execute(text("DELETE FROM index_settings"))
    session.add_all(IndexSetting(key=k, value=v) for k, v in settings.as_strings().items())
    session.add(IndexSetting(key="index_id", value=index_id))
    session.flush()
    return index_id
