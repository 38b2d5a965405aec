"""The persistent LSH index: band keys <-> paragraphs, behind one small interface.

:class:`SegmentBandIndex` keeps immutable sorted segments of (key, paragraph) pairs as
checksummed chunk rows in the database itself (see :mod:`dedup.index.segments`), on SQLite
and on PostgreSQL alike. A batch's keys are written in the batch's own transaction, with its
passages and its ``indexed`` marks, so the index and the marks cannot disagree after a kill,
a full disk or a restored backup of the database file: there is nothing beside the file.

What the backends promise: there is one implementation, so SQLite and PostgreSQL return the
same candidates for the same stored keys, at every bucket size (a test compares them). An
older dedup kept SQLite's keys in files (``<database>.index/``) and PostgreSQL's in a
``band_keys`` table, probed through a temporary table one row at a time; those answered
alike below the bucket cap and differed above it.

Lookups cap what one bucket can cost: a bucket of up to ``cap`` paragraphs yields them all; a
larger one (a common phrase, a footer on every page) yields only its ``recent`` newest
members, so a repeated text stays connected while its cost stays flat. Newest in the whole
index: the answer does not depend on how the segments happen to be cut or merged (the
segment files took ``recent`` per segment, so their answers for large buckets moved with the
merge history, and with where a killed run had stopped). And a new
paragraph keeps at most ``per_paragraph`` stored candidates, those sharing the most keys with
it: what a run verifies follows what is new, not how much similar text the store holds.

The index belongs to one ``index_id`` in ``index_settings``; ``dedup reindex`` makes a new id
and clears every segment in the transaction that clears the marks.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from dedup.errors import IndexSettingsChanged, StoreError
from dedup.index import segments as seg
from dedup.index.arrays import sort_pairs, unique_sorted
from dedup.index.fingerprint import FingerprintSettings
from dedup.store.models import IndexSetting


class BandIndex(Protocol):
    """What the analysis needs from an index backend."""

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        """Pairs (stored paragraph, new paragraph) that share a key; stored ids come first."""
        ...

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """Make the new (key, paragraph) rows part of the index when the session commits
        (in any order; rows already sorted, as a sketch gives them, cost least)."""
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
    """Sorted, checksummed key segments in the database, read through ``session``."""

    def __init__(
        self,
        session: Session,
        index_id: str,
        cap: int,
        recent: int,
        per_paragraph: int,
        where: str = "the store",
        cache: seg.ChunkCache | None = None,
    ) -> None:
        cache = cache or seg.ChunkCache()
        self.store = seg.SegmentStore(session.connection(), index_id, where, cache)
        self.cap = cap
        self.recent = recent
        self.per_paragraph = per_paragraph
        self._segments = self.store.segments()

    @property
    def segment_count(self) -> int:
        return len(self._segments)

    def candidates(self, keys: np.ndarray, owners: np.ndarray) -> set[tuple[int, int]]:
        probe = unique_sorted(keys)
        if len(probe) == 0 or not self._segments:
            return set()
        sizes = np.zeros(len(probe), dtype=np.int64)
        hit_probe: list[np.ndarray] = []
        hit_owner: list[np.ndarray] = []
        for segment in self._segments:
            # The probes each chunk's key range covers: a contiguous slice of the sorted probes.
            starts = np.searchsorted(probe, segment.first_keys, "left")
            ends = np.searchsorted(probe, segment.last_keys, "right")
            needed = [
                n
                for n in np.flatnonzero(ends > starts).tolist()
                if self.store.may_hold(segment, n, probe[starts[n] : ends[n]])
            ]
            for number, (ck, co) in self.store.chunks(segment, needed):
                a, b = int(starts[number]), int(ends[number])
                # One binary search per probe: most probes miss, and only the ones that hit
                # need the end of their bucket.
                lo = np.searchsorted(ck, probe[a:b], "left")
                at = np.flatnonzero(ck[np.minimum(lo, len(ck) - 1)] == probe[a:b])
                if not len(at):
                    continue
                lo = lo[at]
                hi = np.searchsorted(ck, probe[a + at], "right")
                sizes[a + at] += hi - lo
                # At most `cap` per bucket and chunk: all of a small bucket, and a superset
                # of the `recent` newest of a large one (ids ascend within a key; a pair
                # is in one segment only, each paragraph being indexed once).
                lo = np.maximum(lo, hi - self.cap)
                lengths = hi - lo
                hit_owner.append(co[_ranges(lo, lengths)].astype(np.int64))
                hit_probe.append(np.repeat(a + at, lengths))
        if not hit_owner:
            return set()
        found_probe = np.concatenate(hit_probe)
        found_owner = np.concatenate(hit_owner)
        big = sizes[found_probe] > self.cap
        if big.any():
            keep = ~big
            idx = np.flatnonzero(big)
            # Over-cap buckets give only their `recent` newest members in the whole index.
            order = idx[np.lexsort((-found_owner[idx], found_probe[idx]))]
            group = found_probe[order]
            first = np.ones(len(order), dtype=bool)
            first[1:] = group[1:] != group[:-1]
            starts_at = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
            keep[order[(np.arange(len(order)) - starts_at) < self.recent]] = True
            found_probe, found_owner = found_probe[keep], found_owner[keep]
        return _pair_up(keys, owners, probe[found_probe], found_owner, self.per_paragraph)

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        if len(keys) == 0:
            return
        pairs = sort_pairs(keys, owners)  # a sketch's rows come sorted: a quick pass then
        self.store.write([pairs], seg.level_for(len(pairs[0])))
        self.store.merge_tiers()
        self._segments = self.store.segments()


def remove_legacy_files(database: Path) -> None:
    """Delete the segment folder an older dedup kept beside an SQLite file (now unused)."""
    folder = database.with_name(database.name + ".index")
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for every (s, n), without a Python loop."""
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    result: np.ndarray = np.arange(total, dtype=np.int64) + offsets
    return result


# -- settings -----------------------------------------------------------------------------------


def check_settings(session: Session, settings: FingerprintSettings) -> str:
    """Adopt ``settings`` for a new index, or refuse to mix them with an index built otherwise.

    Returns the index id the segments belong to. A store whose settings are gone while
    paragraphs are marked indexed is refused: a fresh index would silently miss them.
    """
    stored: dict[str, str] = {
        str(k): str(v) for k, v in session.execute(text("SELECT key, value FROM index_settings"))
    }
    index_id = stored.pop("index_id", None)
    stored.pop(seg.ENTRIES_SETTING, None)
    stored.pop(seg.CHECKSUM_SETTING, None)
    wanted = settings.as_strings()
    if not stored:
        if session.execute(
            text("SELECT 1 FROM paragraphs WHERE indexed = :yes LIMIT 1"), {"yes": True}
        ).first():
            where = session.get_bind().engine.url.render_as_string(hide_password=True)
            raise StoreError(
                f"paragraphs of {where} are marked indexed but the index settings are gone; "
                f"{seg.REINDEX}"
            )
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
    """Record ``settings`` and a fresh, empty index (in the session's transaction)."""
    index_id = uuid.uuid4().hex
    session.execute(text("DELETE FROM index_settings"))
    session.add_all(IndexSetting(key=k, value=v) for k, v in settings.as_strings().items())
    session.add(IndexSetting(key="index_id", value=index_id))
    session.flush()
    seg.clear(session.connection())
    return index_id
