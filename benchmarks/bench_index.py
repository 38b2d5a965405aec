"""The band index inside the database against the segment files it replaced, on Reuters-21578.

Run from the repository root (reads ../shared/data/reuters21578, never copies it):

    .venv/bin/python benchmarks/bench_index.py               # SQLite: both designs
    .venv/bin/python benchmarks/bench_index.py --postgres    # and a throwaway local PostgreSQL
    .venv/bin/python benchmarks/bench_index.py --lookups KEPT/growth.sqlite   # lookups alone

Both designs analyse copies of one imported store, each step in its own subprocess (so its
peak memory is its own), measured in the same run: a full build of Reuters, then 1,000 new
stories into a store of the other 18,000 (best of 3 on fresh copies). The old design is
kept here only, as it was committed (``LegacySegmentBandIndex``: memory-mapped ``.npy``
segments and a JSON manifest beside the database). ``--postgres`` analyses the same import on
a local PostgreSQL (Debian's binaries, as root) against SQLite in the same run; the old
PostgreSQL figure (band_keys rows through a temporary table) is the committed one of
issue 12 (73-78 s against 7.2-7.6 s), not re-measured.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
NEW = 1000
REPEATS = 3
FULL_REPEATS = 2


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _files() -> list[Path]:
    files = sorted(REUTERS.glob("reut2-*.sgm"))
    if not files:
        sys.exit(f"bench_index: no reut2-*.sgm under {REUTERS}; put ../shared beside the clone")
    return files


# ----------------------------------------------------------------------------- the old design

from steps import run_step, write_jsonl  # noqa: E402

from dedup.errors import StoreError  # noqa: E402
from dedup.index.arrays import unique_sorted  # noqa: E402
from dedup.index.bands import _pair_up, _ranges  # noqa: E402

MANIFEST = "manifest.json"
MAX_SEGMENTS = 8


class LegacySegmentBandIndex:
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
        probe = unique_sorted(keys)
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


def use_legacy_design() -> None:
    """Make the analysis write and read segment files beside the database, as before."""
    from dedup.index import analysis
    from dedup.store.engine import sqlite_path

    def open_files(
        store: Any, session: Any, index_id: str, cache: Any = None, index_url: Any = None
    ) -> Any:
        path = sqlite_path(store.url)
        assert path is not None
        return LegacySegmentBandIndex(
            path.with_name(path.name + ".index"),
            index_id,
            analysis.BUCKET_CAP,
            analysis.RECENT,
            analysis.CANDIDATES_PER_PARAGRAPH,
        )

    analysis.open_band_index = open_files  # type: ignore[assignment]


# ----------------------------------------------------------------------------- steps


def _passages_digest(url: str) -> tuple[int, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = sorted(
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT aa.key, pa.position, ab.key, pb.position, s.kind, "
                    "round(CAST(s.similarity AS NUMERIC), 6) FROM passages s "
                    "JOIN paragraphs pa ON pa.id = s.paragraph_a "
                    "JOIN paragraphs pb ON pb.id = s.paragraph_b "
                    "JOIN articles aa ON aa.id = s.article_a "
                    "JOIN articles ab ON ab.id = s.article_b"
                )
            )
        )
    engine.dispose()
    return len(rows), hashlib.sha256(
        repr([(*r[:5], float(r[5])) for r in rows]).encode()
    ).hexdigest()[:12]


def _index_bytes(db: str, design: str) -> int:
    if design == "legacy":
        return sum(p.stat().st_size for p in Path(f"{db}.index").glob("*"))
    with sqlite3.connect(db) as con:
        return int(
            con.execute(
                "SELECT coalesce(sum(length(keys) + length(owners)), 0) FROM index_chunks"
            ).fetchone()[0]
        )


def step_import(url: str, stories: str) -> dict[str, Any]:
    """Import Reuters (all, or all but the last NEW stories as JSON lines) without analysing."""
    from dedup import pipeline
    from dedup.config import Settings

    paths = _files() if stories == "all" else [_reuters_jsonl(Path(stories), base=True)]
    t0 = time.perf_counter()
    summary = pipeline.import_paths(Settings(db_url=url), paths, analyze=False)
    return {"articles": summary.new, "seconds": time.perf_counter() - t0}


def _reuters_jsonl(folder: Path, base: bool) -> Path:
    from dedup.ingest.importer import BadRecord, read_files

    records = [r for r in read_files(_files()) if not isinstance(r, BadRecord)]
    chosen = records[:-NEW] if base else records[-NEW:]
    return write_jsonl(chosen, folder / ("base.jsonl" if base else "new.jsonl"))


def step_analyze(design: str, url: str) -> dict[str, Any]:
    from dedup import pipeline
    from dedup.config import Settings

    if design == "legacy":
        use_legacy_design()
    t0 = time.perf_counter()
    summary = pipeline.analyze(Settings(db_url=url))
    seconds = time.perf_counter() - t0
    count, digest = _passages_digest(url)
    result = {
        "seconds": seconds,
        "index_s": summary.seconds,
        "candidates": summary.candidates,
        "passages": count,
        "digest": digest,
        "peak_mb": _peak_mb(),
    }
    if url.startswith("sqlite"):
        result["index_mb"] = _index_bytes(url.removeprefix("sqlite:///"), design) / 2**20
    return result


def step_incremental(design: str, db: str, new: str) -> dict[str, Any]:
    from dedup import pipeline
    from dedup.config import Settings

    if design == "legacy":
        use_legacy_design()
    best: dict[str, Any] | None = None
    for attempt in range(REPEATS):
        copy = f"{db}.run{attempt}.sqlite"
        shutil.copy(db, copy)
        if design == "legacy":
            shutil.copytree(f"{db}.index", f"{copy}.index")
        t0 = time.perf_counter()
        summary = pipeline.import_paths(Settings(db_url=f"sqlite:///{copy}"), [Path(new)])
        seconds = time.perf_counter() - t0
        assert summary.analysis is not None
        if best is None or seconds < best["seconds"]:
            best = {
                "seconds": seconds,
                "index_s": summary.analysis.seconds,
                "passages": sum(summary.analysis.passages.values()),
            }
    assert best is not None
    best["peak_mb"] = _peak_mb()
    return best


def _sub(*args: str) -> dict[str, Any]:
    return run_step(__file__, *args)


# ----------------------------------------------------------------------------- PostgreSQL


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free local port (root runs it as the
    ``postgres`` user Debian's package makes)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            sys.exit("bench_index: PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.data = Path(tempfile.mkdtemp(prefix="dedup-bench-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            prefix + list(args), check=True, capture_output=True, stdin=subprocess.DEVNULL
        )

    def __enter__(self) -> ThrowawayPostgres:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data / "db"), "-A", "trust", "-U", "dedup"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data / "db"),
            "-l",
            str(self.data / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.data} -h 127.0.0.1",
            "start",
        )
        return self

    def new_database(self) -> str:
        name = f"b{uuid.uuid4().hex[:8]}"
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "dedup", name
        )
        return f"postgresql+psycopg://dedup@127.0.0.1:{self.port}/{name}"

    def __exit__(self, *exc: object) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data / "db"), "-m", "fast", "stop")
        shutil.rmtree(self.data, ignore_errors=True)


# ----------------------------------------------------------------------------- lookups alone


def time_lookups(db: Path, seed: int = 1) -> None:
    """CPU of the band index's lookups on a kept store, the rest of a run left out.

    Two shapes: 1,000 new stories that repeat stored ones (100,000 keys, all stored, sampled
    from every fifth chunk), each a run of its own with a fresh cache; and a bulk import's
    batches (500,000 keys, 1% stored) sharing one cache, as an import's batches do.
    """
    from dedup.index import bands
    from dedup.index.analysis import BUCKET_CAP, CANDIDATES_PER_PARAGRAPH, RECENT
    from dedup.index.segments import ChunkCache  # where an older dedup kept it too
    from dedup.store.engine import open_store

    rng = np.random.default_rng(seed)
    with sqlite3.connect(db) as con:
        stored = np.concatenate(
            [
                np.frombuffer(k, dtype="<i8")
                for (k,) in con.execute("SELECT keys FROM index_chunks WHERE rowid % 5 = 0")
            ]
        )
        (index_id,) = con.execute(
            "SELECT value FROM index_settings WHERE key = 'index_id'"
        ).fetchone()
        (top,) = con.execute("SELECT max(id) FROM paragraphs").fetchone()
        segments, chunks, pairs = con.execute(
            "SELECT count(*), sum(chunks), sum(entries) FROM index_segments"
        ).fetchone()
    store = open_store(f"sqlite:///{db}", create=False)
    print(f"lookups on {db}: {pairs} pairs in {segments} segments, {chunks} chunks")

    def lookup(keys: np.ndarray, cache: Any) -> tuple[float, int]:
        owners = top + 1 + np.arange(len(keys)) // 20
        with store.session() as session:
            index = bands.SegmentBandIndex(
                session, index_id, BUCKET_CAP, RECENT, CANDIDATES_PER_PARAGRAPH, cache=cache
            )
            cpu = time.process_time()
            found = index.candidates(keys, owners)
            return time.process_time() - cpu, len(found)

    hits = rng.choice(stored, 100_000)
    for _ in range(2):
        cpu, found = lookup(hits, ChunkCache())
        print(
            f"  1,000 new stories (100,000 stored keys, fresh cache): CPU {cpu:.3f} s, "
            f"{found} candidate pairs"
        )
    cache = ChunkCache()
    for batch in range(4):
        keys = np.concatenate(
            [rng.integers(-(2**63), 2**63 - 1, 495_000, dtype=np.int64), rng.choice(stored, 5_000)]
        )
        cpu, found = lookup(keys, cache)
        print(
            f"  bulk batch {batch} (500,000 keys, 1% stored, one cache): CPU {cpu:.3f} s, "
            f"{found} candidate pairs"
        )
    store.close()


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", action="store_true", help="also analyse on PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true", help="only the PostgreSQL line")
    parser.add_argument(
        "--lookups",
        type=Path,
        metavar="SQLITE",
        help="time lookups alone on a kept store (bench_growth.py --keep) and stop",
    )
    args = parser.parse_args()
    if args.lookups:
        time_lookups(args.lookups)
        return
    if args.step:
        name, *rest = args.step
        steps = {"import": step_import, "analyze": step_analyze, "incremental": step_incremental}
        print(json.dumps(steps[name](*rest)))
        return
    _files()
    with tempfile.TemporaryDirectory(prefix="dedup-bench-index-") as tmp:
        base = f"{tmp}/imported.sqlite"
        imported = _sub("import", f"sqlite:///{base}", "all")
        print(f"reuters: {imported['articles']} stories imported in {imported['seconds']:.1f} s")
        results: dict[str, dict[str, Any]] = {}
        if not args.skip_sqlite:
            # Alternating, best of FULL_REPEATS: the machine is shared.
            for attempt in range(FULL_REPEATS):
                for design in ("legacy", "database"):
                    db = f"{tmp}/{design}-{attempt}.sqlite"
                    shutil.copy(base, db)
                    r = _sub("analyze", design, f"sqlite:///{db}")
                    if design not in results or r["seconds"] < results[design]["seconds"]:
                        results[design] = r
            for design, r in results.items():
                print(
                    f"full build (best of {FULL_REPEATS}), {design:8}: analyze "
                    f"{r['seconds']:.2f} s (index {r['index_s']:.2f} s), "
                    f"peak {r['peak_mb']:.0f} MB, index {r['index_mb']:.1f} MB, "
                    f"{r['candidates']} candidates, {r['passages']} passages [{r['digest']}]"
                )
            old, new = results["legacy"], results["database"]
            print(
                f"full build: database / files = {new['seconds'] / old['seconds']:.2f} (analyze), "
                f"same passages: {old['digest'] == new['digest']}"
            )
            inc_dir = Path(tmp) / "inc"
            inc_dir.mkdir()
            new_path = _reuters_jsonl(inc_dir, base=False)
            timings = {}
            for design in ("legacy", "database"):
                db = f"{inc_dir}/{design}-base.sqlite"
                _sub("import", f"sqlite:///{db}", str(inc_dir))
                _sub("analyze", design, f"sqlite:///{db}")
                timings[design] = r = _sub("incremental", design, db, str(new_path))
                print(
                    f"incremental (best of {REPEATS}), {design:8}: {NEW} new stories into "
                    f"{imported['articles'] - NEW}: import+analyze {r['seconds']:.2f} s "
                    f"(index {r['index_s']:.2f} s), {r['passages']} passages, "
                    f"peak {r['peak_mb']:.0f} MB"
                )
            print(
                "incremental: database / files = "
                f"{timings['database']['seconds'] / timings['legacy']['seconds']:.2f}"
            )
        if args.postgres:
            lite: dict[str, Any] | None = None
            pg: dict[str, Any] | None = None
            with ThrowawayPostgres() as server:
                for attempt in range(FULL_REPEATS):  # alternating, best of each
                    sqlite_db = f"{tmp}/for-pg-{attempt}.sqlite"
                    shutil.copy(base, sqlite_db)
                    r = _sub("analyze", "database", f"sqlite:///{sqlite_db}")
                    lite = r if lite is None or r["seconds"] < lite["seconds"] else lite
                    pg_url = server.new_database()
                    _sub("import", pg_url, "all")
                    r = _sub("analyze", "database", pg_url)
                    pg = r if pg is None or r["seconds"] < pg["seconds"] else pg
            assert lite is not None and pg is not None
            print(
                f"postgresql (best of {FULL_REPEATS}): analyze {pg['seconds']:.1f} s "
                f"(index {pg['index_s']:.1f} s), sqlite "
                f"{lite['seconds']:.1f} s in the same run: "
                f"ratio {pg['seconds'] / lite['seconds']:.2f} "
                f"(target <= 2); passages {pg['passages']} vs {lite['passages']}, same: "
                f"{pg['digest'] == lite['digest']}"
            )


if __name__ == "__main__":
    main()
