"""The band index in the database: merges, lookups against a reference, and damage reported.

Every damage the old segment files let through (issue 10, item 8) is tried on a real store:
each gives a one-line store error naming the store, and ``dedup reindex`` recovers the clean
run's passages.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.errors import StoreError
from dedup.index import arrays, bands, segments
from dedup.index.fingerprint import FingerprintSettings
from dedup.store.engine import Store

CAP, RECENT, PER = 6, 2, 4


def _blocks(k: np.ndarray, o: np.ndarray, rng: np.random.Generator) -> list:
    cuts = sorted(rng.choice(np.arange(1, len(k)), size=min(4, len(k) - 1), replace=False))
    return list(zip(np.split(k, cuts), np.split(o, cuts), strict=True))


def test_streaming_merge_equals_sorting_the_union() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        runs, all_k, all_o = [], [], []
        for _ in range(rng.integers(1, 5)):
            k, o = arrays.sort_pairs(rng.integers(0, 30, 40), rng.integers(0, 9, 40))
            runs.append(iter(_blocks(k, o, rng)))
            all_k.append(k)
            all_o.append(o)
        merged = list(segments.merge_runs(runs))
        got_k = np.concatenate([b[0] for b in merged])
        got_o = np.concatenate([b[1] for b in merged])
        want_k, want_o = arrays.sort_pairs(np.concatenate(all_k), np.concatenate(all_o))
        assert got_k.tolist() == want_k.tolist() and got_o.tolist() == want_o.tolist()


def _reference(
    stored: list[tuple[np.ndarray, np.ndarray]], keys: np.ndarray, owners: np.ndarray
) -> set[tuple[int, int]]:
    """The lookup over whole in-memory segments, bucket by bucket in plain Python."""
    probe = np.unique(keys)
    sizes = np.zeros(len(probe), dtype=np.int64)
    spans = []
    for k, o in stored:
        lo, hi = np.searchsorted(k, probe, "left"), np.searchsorted(k, probe, "right")
        sizes += hi - lo
        spans.append((k, o, lo, hi))
    old_k, old_o = [], []
    for i, key in enumerate(probe.tolist()):
        members = sorted(o for k, o_, lo, hi in spans for o in o_[lo[i] : hi[i]].tolist())
        if sizes[i] > CAP:
            members = members[-RECENT:]  # the newest in the whole index
        old_k += [key] * len(members)
        old_o += members
    return bands._pair_up(keys, owners, np.array(old_k), np.array(old_o), PER)


@pytest.mark.parametrize(
    ("budget", "digest_budget", "spread"),
    [
        (segments.CACHE_BYTES, segments.DIGEST_BYTES, 1),  # everything decoded stays
        (0, segments.DIGEST_BYTES, 1),  # every lookup goes through the chunks' digests
        (0, segments.DIGEST_BYTES, 1 << 40),  # keys far apart: digests shifted
        (3 * 12 * 16, 5 * 4 * 16, (1 << 60) + 1),  # some of each, some with neither
    ],
)
def test_lookups_match_the_whole_segment_reference(
    store: Store, monkeypatch: pytest.MonkeyPatch, budget: int, digest_budget: int, spread: int
) -> None:
    # Tiny chunks and tiers: buckets straddle chunks, and merges happen every few adds.
    monkeypatch.setattr(segments, "CHUNK_ENTRIES", 16)
    monkeypatch.setattr(segments, "BASE_ENTRIES", 40)
    monkeypatch.setattr(segments, "FANOUT", 3)
    rng = np.random.default_rng(11)
    next_id = 1
    with store.session() as session:
        index_id = bands.reset_settings(session, _settings())
    # One cache for the whole run, as an analysis keeps it across its batches.
    cache = segments.ChunkCache(budget, digest_budget)
    for _ in range(12):
        n = int(rng.integers(5, 30))
        owners = np.repeat(np.arange(next_id, next_id + n), 4)
        # Few keys: over-cap buckets are common; some differ by 1 (one digest for both when
        # the keys are spread over more than 32 bits), some are negative.
        keys = rng.integers(-12, 13, len(owners)) * spread + rng.integers(0, 2, len(owners))
        next_id += n
        with store.session() as session:
            index = bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER, cache=cache)
            stored = [
                (np.concatenate([a[0] for a in parts]), np.concatenate([a[1] for a in parts]))
                for parts in (list(index.store.runs(s)) for s in index._segments)
            ]
            assert index.candidates(keys, owners) == _reference(stored, keys, owners)
            index.add(keys, owners)
            assert index.segment_count <= 2 * (segments.FANOUT - 1) + 1
    with store.session() as session:
        levels = session.connection().exec_driver_sql("SELECT level FROM index_segments").all()
    assert max(level for (level,) in levels) >= 1  # merges went up the tiers


def _settings() -> FingerprintSettings:
    return FingerprintSettings()


# -- damage on a real store, through the command line -------------------------------------------


@pytest.fixture
def analysed(tmp_path: Path, seeds_dir: Path) -> tuple[Path, list[tuple]]:
    db = tmp_path / "clean.sqlite"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(seeds_dir)])
    assert result.exit_code == 0, result.output
    return db, passage_rows(db)


def passage_rows(db: Path) -> list[tuple]:
    """Every passage by article key and paragraph position (ids differ between stores)."""
    with sqlite3.connect(db) as con:
        return sorted(
            con.execute(
                "SELECT aa.key, pa.position, ab.key, pb.position, s.kind, round(s.similarity, 6) "
                "FROM passages s JOIN paragraphs pa ON pa.id = s.paragraph_a "
                "JOIN paragraphs pb ON pb.id = s.paragraph_b "
                "JOIN articles aa ON aa.id = s.article_a JOIN articles ab ON ab.id = s.article_b"
            ).fetchall()
        )


def _flip(con: sqlite3.Connection) -> None:
    (blob,) = con.execute("SELECT keys FROM index_chunks LIMIT 1").fetchone()
    flipped = bytes(b ^ 0xFF for b in blob[:64]) + blob[64:]
    con.execute(
        "UPDATE index_chunks SET keys = ? WHERE rowid = (SELECT min(rowid) FROM index_chunks)",
        (flipped,),
    )


def _swap(con: sqlite3.Connection) -> None:
    # A valid chunk (right checksum for where it came from) put in another chunk's place.
    rows = con.execute(
        "SELECT segment_id, number, keys, owners, checksum FROM index_chunks"
    ).fetchall()
    assert len(rows) >= 2, "the seeds index has a single chunk: nothing to swap"
    (s1, n1, *_), (_, _, k2, o2, c2) = rows[0], rows[1]
    con.execute(
        "UPDATE index_chunks SET keys = ?, owners = ?, checksum = ? "
        "WHERE segment_id = ? AND number = ?",
        (k2, o2, c2, s1, n1),
    )


def _drop_segment(con: sqlite3.Connection) -> None:
    con.execute("DELETE FROM index_chunks")
    con.execute("DELETE FROM index_segments")


def _drop_chunk(con: sqlite3.Connection) -> None:
    con.execute("DELETE FROM index_chunks WHERE rowid = (SELECT max(rowid) FROM index_chunks)")


def _drop_settings(con: sqlite3.Connection) -> None:
    con.execute("DELETE FROM index_settings")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_flip, "fails its checksum"),
        (_swap, "fails its checksum"),
        (_drop_segment, "band keys found where"),
        (_drop_chunk, "of its"),
        (_drop_settings, "index settings are gone"),
    ],
)
def test_damage_is_reported_in_one_line_and_reindex_recovers(
    analysed: tuple[Path, list[tuple]],
    tmp_path: Path,
    seeds_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[sqlite3.Connection], None],
    message: str,
) -> None:
    clean_db, clean = analysed
    db = tmp_path / "damaged.sqlite"
    if damage is _swap:
        # Small chunks so that the seeds' index has several to swap.
        monkeypatch.setattr(segments, "CHUNK_ENTRIES", 256)
        result = CliRunner().invoke(cli, ["--db", str(db), "import", str(seeds_dir)])
        assert result.exit_code == 0, result.output
    else:
        shutil.copy(clean_db, db)
    with sqlite3.connect(db) as con:
        damage(con)
    # New text that meets every stored paragraph's keys makes analyze read the whole index.
    extra = tmp_path / "extra"
    extra.mkdir()
    for seed in sorted(seeds_dir.glob("*.txt")):
        (extra / f"again-{seed.name}").write_text(seed.read_text() + "\n\nOne more line of ours.")
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "import", str(extra)])
    assert result.exit_code == 5, result.output
    assert message in result.output and "dedup reindex" in result.output
    assert str(db) in result.output and len(result.output.strip().splitlines()) == 1
    rebuilt = runner.invoke(cli, ["--db", str(db), "reindex", "--yes"])
    assert rebuilt.exit_code == 0, rebuilt.output
    reference = tmp_path / "reference.sqlite"
    shutil.copy(clean_db, reference)
    for target in (reference,):
        assert runner.invoke(cli, ["--db", str(target), "import", str(extra)]).exit_code == 0
    assert passage_rows(db) == passage_rows(reference)
    assert len(clean) >= 6


def test_a_store_whose_index_was_in_files_says_so_and_reindex_recovers(
    analysed: tuple[Path, list[tuple]], tmp_path: Path
) -> None:
    """A store of the segment-file era, migrated: marks without an index in the database."""
    clean_db, clean = analysed
    db = tmp_path / "old.sqlite"
    shutil.copy(clean_db, db)
    from conftest import downgrade

    from dedup.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    downgrade(engine, "0005")
    engine.dispose()
    folder = tmp_path / "old.sqlite.index"
    folder.mkdir()
    (folder / "manifest.json").write_text("{not json")
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "analyze"])
    assert result.exit_code == 5, result.output
    assert "not in the database (an older dedup kept it in files beside it" in result.output
    assert "dedup reindex" in result.output and len(result.output.strip().splitlines()) == 1
    rebuilt = runner.invoke(cli, ["--db", str(db), "reindex", "--yes"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert not folder.exists()
    assert passage_rows(db) == clean


def test_a_copy_of_the_database_file_is_a_copy_of_its_index(
    analysed: tuple[Path, list[tuple]], tmp_path: Path, seeds_dir: Path
) -> None:
    clean_db, clean = analysed
    backup = tmp_path / "elsewhere" / "backup.sqlite"
    backup.parent.mkdir()
    with sqlite3.connect(clean_db) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    assert not list(tmp_path.glob("*.index"))
    late = tmp_path / "late"
    late.mkdir()
    seed = sorted(seeds_dir.glob("*.txt"))[3]
    (late / "copy.txt").write_text(seed.read_text())
    for db in (clean_db, backup):
        result = CliRunner().invoke(cli, ["--db", str(db), "import", str(late)])
        assert result.exit_code == 0, result.output
    assert passage_rows(backup) == passage_rows(clean_db) != clean


def test_segment_store_refuses_to_write_ids_beyond_32_bits(store: Store) -> None:
    with store.session() as session:
        index_id = bands.reset_settings(session, _settings())
        index = bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER)
        with pytest.raises(StoreError, match="32-bit"):
            index.add(np.array([1, 2]), np.array([1, 1 << 33]))


def test_tiered_merges_bound_write_amplification_and_segments_probed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "CHUNK_ENTRIES", 64)
    monkeypatch.setattr(segments, "BASE_ENTRIES", 200)
    written = {"pairs": 0}
    original = segments.SegmentStore.write

    def counting(self: segments.SegmentStore, blocks: Any, level: int) -> int:
        n = original(self, blocks, level)
        written["pairs"] += n
        return n

    monkeypatch.setattr(segments.SegmentStore, "write", counting)
    with store.session() as session:
        index_id = bands.reset_settings(session, _settings())
    rng = np.random.default_rng(5)
    most = 0
    for batch in range(300):
        owners = np.arange(batch * 50, batch * 50 + 50).repeat(2)
        with store.session() as session:
            index = bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER)
            index.add(rng.integers(0, 1 << 40, len(owners)), owners)
            most = max(most, index.segment_count)
    total = 300 * 100
    levels = 1 + np.log(total / 200) / np.log(segments.FANOUT)
    # Each pair is written once new and once per level it is merged into.
    assert written["pairs"] <= total * (levels + 1)
    assert most <= (segments.FANOUT - 1) * np.ceil(levels) + 1


def test_a_digest_never_rules_out_a_key_the_chunk_holds() -> None:
    rng = np.random.default_rng(5)
    info = np.iinfo(np.int64)
    for span in (10, 1 << 20, 1 << 33, 1 << 62, None):
        if span is None:  # the whole signed range, both ends included
            keys = np.sort(
                np.concatenate([rng.integers(info.min, info.max, 500), [info.min, info.max]])
            )
        else:
            keys = np.sort(rng.integers(-span, span, 500))
        digest = segments.Digest(keys)
        assert all(digest.may_hold(keys[i : i + 1]) for i in range(len(keys)))
        assert digest.may_hold(keys)
        absent = np.setdiff1d(rng.integers(int(keys[0]), int(keys[-1]), 2000), keys)
        wrong = sum(digest.may_hold(absent[i : i + 1]) for i in range(len(absent)))
        # A foreign key matches with chance about n / 2**32 (exactly 0 while the span fits).
        assert wrong <= (0 if span is not None and span < 1 << 31 else 2)


def test_the_cache_keeps_newer_segments_decoded_and_older_ones_as_digests() -> None:
    from dedup.index.segments import ChunkCache

    def arrays(n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.uint32)

    cache = ChunkCache(budget=2 * 12 * 100, digest_budget=3 * 4 * 100)
    for segment in (1, 2, 3):
        cache.put((segment, 0, "c"), arrays(100), again=False)
    assert [cache.holds((s, 0, "c")) for s in (1, 2, 3)] == [False, True, True]
    assert cache.digest((1, 0, "c")) is None  # made way; read once, so no digest yet
    cache.put((1, 0, "c"), arrays(100))  # read again: an older segment's chunk stays a digest
    assert not cache.holds((1, 0, "c")) and cache.digest((1, 0, "c")) is not None
    cache.put((1, 1, "c"), arrays(100), again=False)  # a first read makes no digest
    assert cache.digest((1, 1, "c")) is None
    cache.put((1, 2, "c"), arrays(100))
    cache.put((1, 3, "c"), arrays(100))
    cache.put((1, 4, "c"), arrays(100))  # the digest budget is spent: neither is kept
    assert cache.digest((1, 3, "c")) is not None
    assert cache.digest((1, 4, "c")) is None and not cache.holds((1, 4, "c"))
    cache.discard(1)
    assert cache.digest_used == 0 and cache.used == 2 * 12 * 100


def test_the_chunk_cache_keeps_what_fits_and_frees_merged_away_segments() -> None:
    from dedup.index.segments import ChunkCache

    def arrays(n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.uint32)

    cache = ChunkCache(budget=3 * 12 * 100)  # three chunks of 100 pairs
    for number in range(5):
        cache.put((1, number, "c"), arrays(100))
    # A lookup reads the chunks in key order every batch: the first ones stay, none is
    # pushed out by a later one that the next batch would evict in turn.
    assert [cache.get((1, n, "c")) is not None for n in range(5)] == [True] * 3 + [False] * 2
    cache.discard(1)  # the segment was merged away
    assert cache.used == 0 and cache.get((1, 0, "c")) is None
    cache.put((2, 0, "c"), arrays(100))
    assert cache.get((2, 0, "c")) is not None


@pytest.mark.parametrize("legacy", [False, True], ids=["xxh3", "blake2b-before-xxh3"])
def test_an_index_is_read_and_checked_with_the_checksum_it_was_built_with(
    store: Store, legacy: bool
) -> None:
    """An index built before XXH3 (no ``chunk_checksum`` setting) keeps BLAKE2b: it answers
    as before, new segments join it with BLAKE2b, and a flipped byte is still caught."""
    rng = np.random.default_rng(3)
    keys, owners = rng.integers(-(2**40), 2**40, 3000), np.arange(3000)
    with store.session() as session:
        index_id = bands.reset_settings(session, _settings())
        if legacy:
            session.execute(
                segments.text("DELETE FROM index_settings WHERE key = :k"),
                {"k": segments.CHECKSUM_SETTING},
            )
        index = bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER)
        assert index.store.checksum == ("blake2b-128" if legacy else "xxh3-128")
        index.add(keys[:2000], owners[:2000])
        index.add(keys[2000:], owners[2000:])
    with store.session() as session:
        fresh = bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER)
        assert fresh.store.checksum == ("blake2b-128" if legacy else "xxh3-128")
        assert fresh.candidates(keys[:50], owners[:50] + 10_000)
        conn = session.connection()
        seg_id, number, checksum = conn.execute(
            segments.text("SELECT segment_id, number, checksum FROM index_chunks LIMIT 1")
        ).one()
        row = conn.execute(
            segments.text(
                "SELECT keys, owners FROM index_chunks WHERE segment_id = :s AND number = :n"
            ),
            {"s": seg_id, "n": number},
        ).one()
        algorithm = "blake2b-128" if legacy else "xxh3-128"
        assert checksum == segments.chunk_checksum(
            index_id, seg_id, number, bytes(row[0]), bytes(row[1]), algorithm
        )
        flipped = bytearray(row[0])
        flipped[5] ^= 0x10
        conn.execute(
            segments.text(
                "UPDATE index_chunks SET keys = :k WHERE segment_id = :s AND number = :n"
            ),
            {"k": bytes(flipped), "s": seg_id, "n": number},
        )
        damaged = bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER)
        with pytest.raises(StoreError, match="fails its checksum"):
            damaged.candidates(keys, owners + 10_000)


def test_an_unknown_chunk_checksum_is_refused_in_one_line(store: Store) -> None:
    with store.session() as session:
        index_id = bands.reset_settings(session, _settings())
        session.execute(
            segments.text("UPDATE index_settings SET value = 'sha3-999' WHERE key = :k"),
            {"k": segments.CHECKSUM_SETTING},
        )
        with pytest.raises(StoreError, match="written by a newer dedup"):
            bands.SegmentBandIndex(session, index_id, CAP, RECENT, PER)
