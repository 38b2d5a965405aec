"""Analyze what is new: fingerprint unindexed paragraphs, find their reuse, store the links.

Runs in batches of whole articles, one transaction each: a batch's band keys, its passages
and its ``indexed`` flags commit together, so a killed run redoes at most one batch. Only
body paragraphs of articles' current versions are indexed; a run with nothing new does no
work beyond one indexed lookup.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from dedup.index import bands as index
from dedup.index.chunk_cache import ChunkCache
from dedup.index.fingerprint import (
    FingerprintSettings,
    WordHasher,
)
from dedup.index.folding import SHORT_ARTICLE_WORDS, fold_short_articles
from dedup.index.passages import (
    Link,
    Measured,
    Para,
    ShingleSets,
    cap_templates,
    classify,
    measure_pairs,
    single_site_links,
)
from dedup.index.sketch import Sketch, SketchTask, make_task, sketch, unit_keys
from dedup.progress import Progress
from dedup.store.batching import LARGE_IN_LIST_CHUNK, chunks
from dedup.store.engine import Store, insert_many, select_tuples
from dedup.store.models import utcnow
from dedup.workers import gc_paused, ordered_map

if TYPE_CHECKING:
    from concurrent.futures import Future

    from dedup.index.early import EarlySketches

log = logging.getLogger(__name__)

BATCH_PARAGRAPHS = 25_000
# A band bucket holding more paragraphs than this is a common phrase, a template or a much
# repeated text: it yields only its RECENT newest members, so a footer on ten thousand pages
# costs a few links per page, not ten thousand, while the copies stay connected.
BUCKET_CAP = 50
RECENT = 5
# Stored candidates verified per new paragraph, most shared band keys first.
CANDIDATES_PER_PARAGRAPH = 20
# Template links stored per paragraph: enough to show a text is boilerplate.
TEMPLATE_LINKS_PER_PARAGRAPH = 3


@dataclass
class AnalyzeSummary:
    paragraphs: int = 0
    indexed: int = 0
    units: int = 0
    candidates: int = 0
    passages: dict[str, int] = field(
        default_factory=lambda: {"reuse": 0, "quote": 0, "template": 0}
    )
    seconds: float = 0.0
    stories: dict[str, Any] | None = None
    stories_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.paragraphs == 0:
            line = "analyze: nothing new to index"
        else:
            kinds = ", ".join(f"{n} {k}" for k, n in self.passages.items())
            line = (
                f"analyze: indexed {self.indexed} of {self.paragraphs} new paragraph(s) "
                f"({self.units} units), {self.candidates} candidate pair(s), "
                f"{sum(self.passages.values())} passage(s): {kinds} in {self.seconds:.1f}s"
            )
        if self.stories:
            line += "\n" + str(self.stories.get("summary") or self.stories)
        return line


def index_new_paragraphs(
    store: Store,
    progress: Progress,
    settings: FingerprintSettings | None = None,
    workers: int | None = None,
    index_url: str | None = None,
    early: EarlySketches | None = None,
) -> AnalyzeSummary:
    """Index every body paragraph not yet indexed and store the reuse links it takes part in.

    Paragraphs are read a batch at a time (by id, never all at once), so memory follows the
    batch size, not the store. Sketching a batch (units, shingles, MinHash, band keys) runs in
    ``workers`` worker processes (default: :func:`dedup.workers.default_workers`) a batch or
    two ahead, while this process looks up, verifies and stores the batch before; the results
    are the same as with ``workers=0``, which does everything here. ``index_url``
    (``redis://...``) puts the band index on a shared server instead of the store.
    """
    settings = settings or FingerprintSettings()
    started = time.perf_counter()
    summary = AnalyzeSummary()
    with store.session() as session:
        index_id = index.check_settings(session, settings)
        # An index that disagrees stops the run here.
        open_band_index(store, session, index_id, index_url=index_url)
        summary.paragraphs = _count_new(session)
    if not summary.paragraphs:
        summary.seconds = time.perf_counter() - started
        return summary
    hasher = WordHasher()
    cache = ChunkCache()
    batches: deque[Batch] = deque()
    # Sketches an import started while it stored (see dedup.index.early), for as many first
    # batches as still read the same; the rest are read and sketched here.
    ready: list[Future[Sketch]] = []
    after, leftover = 0, None
    prepared = early.take(settings) if early is not None else []
    for i, (early_ids, future) in enumerate(prepared):
        with store.session() as session:
            page = new_page(session, after, BATCH_PARAGRAPHS)
        if [p.id for p in page] != early_ids:  # the store changed since: sketch it anew
            for _, unused in prepared[i:]:
                unused.cancel()
            leftover = page
            break
        batches.append(batch_of(page, settings))
        ready.append(future)
        after = max(early_ids)

    def pages() -> Iterator[list[Para]]:
        start = after
        if leftover is not None:
            if not leftover:
                return
            yield leftover
            start = max_id(leftover)
        yield from _new_batches(store, BATCH_PARAGRAPHS, start)

    def tasks() -> Iterator[SketchTask]:
        for page in pages():
            read = batch_of(page, settings)
            batches.append(read)
            yield sketch_task(read, settings)

    # One batch leaves nothing to overlap: a worker would only add its start-up.
    if summary.paragraphs <= BATCH_PARAGRAPHS:
        workers = 0
    # help_out: while the first batch is sketched, and whenever the worker falls behind,
    # this process sketches a later batch itself instead of waiting.
    sketched_batches = ordered_map(sketch, tasks(), workers, help_out=True, started=ready)
    with progress.task("indexing paragraphs", total=summary.paragraphs) as task, gc_paused():
        for sketched in sketched_batches:
            read = batches.popleft()
            with store.session() as session:
                band_index = open_band_index(store, session, index_id, cache, index_url)
                _index_batch(session, band_index, read, sketched, settings, hasher, summary)
            task.advance(len(read[0]))
    summary.seconds = round(time.perf_counter() - started, 3)
    log.info("analyze: %s", summary.describe())
    return summary


def open_band_index(
    store: Store,
    session: Session,
    index_id: str,
    cache: ChunkCache | None = None,
    index_url: str | None = None,
) -> index.BandIndex:
    """The band index in the store, read and written in ``session``'s transaction.

    With ``index_url`` it is on Redis instead, shared by every machine (issue 13). Redis is
    outside the batch's transaction: a batch killed between its Redis writes and its commit
    leaves keys of paragraphs still marked unindexed; the rerun adds them again (a bucket is
    a set, so nothing doubles), and only its choice among an over-cap bucket's newest
    members can differ from an uninterrupted run's.
    """
    if index_url is not None:
        from dedup.index.redis_bands import RedisBandIndex

        return RedisBandIndex(index_url, index_id, BUCKET_CAP, RECENT, CANDIDATES_PER_PARAGRAPH)
    return index.SegmentBandIndex(
        session,
        index_id,
        BUCKET_CAP,
        RECENT,
        CANDIDATES_PER_PARAGRAPH,
        where=store.display_url,
        cache=cache,
    )


def reset_index(
    store: Store, session: Session, settings: FingerprintSettings | None = None
) -> None:
    """Forget the index and every passage, and adopt ``settings`` (for ``dedup reindex``).

    One transaction: the marks, the passages and the segments go together.
    """
    session.execute(text("DELETE FROM passages"))
    session.execute(
        text("UPDATE paragraphs SET indexed = :no WHERE indexed = :yes"), {"no": False, "yes": True}
    )
    index.reset_settings(session, settings or FingerprintSettings())


_PARA_COLUMNS = (
    "SELECT p.id, p.article_id, a.source_id, p.text, p.norm_text, p.norm_hash, p.position "
    "FROM paragraphs p JOIN articles a ON a.current_version_id = p.version_id "
)


# Expanding IN lists: compiled once, however many ids a batch asks for.
_PARAS_BY_ID = text(_PARA_COLUMNS + "WHERE p.id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_BODY_BY_ARTICLE = text(
    _PARA_COLUMNS + "WHERE p.article_id IN :ids AND p.kind = 'body'"
).bindparams(bindparam("ids", expanding=True))
# ``indexed`` is tested in the count, not in WHERE: there, with thousands of hashes, SQLite
# plans the query on the unindexed index and walks every indexed paragraph of the store.
_SITE_COUNTS = text(
    "SELECT p.norm_hash, a.source_id, count(DISTINCT CASE WHEN p.indexed THEN p.article_id END) "
    "FROM paragraphs p JOIN articles a ON a.current_version_id = p.version_id "
    "WHERE p.norm_hash IN :hashes "
    "GROUP BY p.norm_hash, a.source_id"
).bindparams(bindparam("hashes", expanding=True))


_NEW_WHERE = "WHERE p.indexed = :no AND p.kind = 'body' "
_COUNT_NEW = text(
    "SELECT count(*) FROM paragraphs p JOIN articles a ON a.current_version_id = p.version_id "
    + _NEW_WHERE
)
# Keyset pages in id order: the unindexed index holds (indexed, kind, id), so a page costs
# its own rows whatever the size of the store, with no sort.
_NEW_PAGE = text(_PARA_COLUMNS + _NEW_WHERE + "AND p.id > :after ORDER BY p.id LIMIT :limit")
# One article's paragraphs, through its own index: a condition on ``indexed`` or ``id`` here
# could let the planner walk every paragraph after the page instead (filtered in Python).
_REST_OF_ARTICLE = text(
    _PARA_COLUMNS.replace(" FROM", ", p.indexed FROM", 1)
    + "WHERE p.article_id = :article AND p.kind = 'body'"
)


def _count_new(session: Session) -> int:
    return int(session.scalar(_COUNT_NEW, {"no": False}) or 0)


# a page row's (article id, position): the page in article order
_ARTICLE_ORDER = itemgetter(1, 6)


def new_page(session: Session, after: int, size: int) -> list[Para]:
    """About ``size`` unindexed body paragraphs with ids above ``after``, whole articles, in
    article order (an article the page ends inside is read to its end)."""
    conn = session.connection()
    # 25,000 rows and tuples with no cycles: collections during the read would free nothing
    with gc_paused():
        rows = select_tuples(conn, _NEW_PAGE, {"no": False, "after": after, "limit": size})
        if len(rows) == size:
            last = rows[-1]
            rest = select_tuples(conn, _REST_OF_ARTICLE, {"article": last[1]})
            rows.extend(row for row in rest if row[0] > last[0] and not row[7])
        # itemgetter and _make: C-level key and constructor for a page of 25,000 rows.
        rows.sort(key=_ARTICLE_ORDER)
        make = Para._make
        return [make(row[:6]) for row in rows]


Batch = tuple[list[int], list[Para], set[int]]


def max_id(page: list[Para]) -> int:
    return max(p.id for p in page)


def batch_of(page: list[Para], settings: FingerprintSettings) -> Batch:
    """A page as a batch: the ids read, the page with short articles folded, and the ids
    that own a folded text."""
    unfolded = {p.id: p for p in page}
    folded_batch = fold_short_articles(page, settings.min_unit_words)
    folded = {p.id for p in folded_batch if p is not unfolded[p.id]}
    return [p.id for p in page], folded_batch, folded


def sketch_task(batch: Batch, settings: FingerprintSettings) -> SketchTask:
    folded_batch = batch[1]
    return make_task(
        settings,
        [p.id for p in folded_batch],
        [p.text for p in folded_batch],
        [p.norm for p in folded_batch],
        BUCKET_CAP,
        RECENT,
    )


def _new_batches(store: Store, size: int, after: int = 0) -> Iterator[list[Para]]:
    """Batches of about ``size`` unindexed body paragraphs, whole articles, by id.

    Each page is read in a short session of its own, so a batch being written never waits
    on one being read (SQLite's WAL lets a reader run beside the writer).
    """
    while True:
        with store.session() as session:
            batch = new_page(session, after, size)
        if not batch:
            return
        after = max_id(batch)
        yield batch


def paragraph_keys(
    paras: Iterable[Para], settings: FingerprintSettings, hasher: WordHasher
) -> tuple[np.ndarray, np.ndarray]:
    """Flat arrays of the band keys of every unit of ``paras`` and the paragraph owning each."""
    paras = list(paras)
    keys, owners, _ = unit_keys(
        [p.id for p in paras], [p.text for p in paras], [p.norm for p in paras], settings, hasher
    )
    return keys, owners


def _index_batch(
    session: Session,
    band_index: index.BandIndex,
    read: tuple[list[int], list[Para], set[int]],
    sketched: Sketch,
    settings: FingerprintSettings,
    hasher: WordHasher,
    summary: AnalyzeSummary,
) -> None:
    """Look up, verify and store one sketched batch: ``read`` holds the ids read, the batch
    with short articles folded, and the ids that own a folded text."""
    batch_ids, batch, folded = read
    flat_keys, flat_owners = sketched.keys, sketched.owners
    summary.units += sketched.units

    pairs = set(map(tuple, sketched.pairs.tolist()))
    pairs |= band_index.candidates(flat_keys, flat_owners)

    paras = {p.id: p for p in batch}
    missing = {x for pair in pairs for x in pair if x not in paras}
    # A stored paragraph met by a new folded text may own a folded text of its own.
    met_by_folded = {x for pair in pairs if folded & set(pair) for x in pair} & missing
    paras.update(_load_paragraphs(session, missing, settings.min_unit_words, met_by_folded))
    pairs = {pair for pair in pairs if pair[0] in paras and pair[1] in paras}
    summary.candidates += len(pairs)

    sets = ShingleSets(settings, hasher)
    sets.put(sketched.shingle_ids, sketched.shingles, sketched.shingle_offsets)
    sets.add([paras[x] for x in {x for pair in pairs for x in pair}])
    measured = measure_pairs(pairs, paras, sets)
    new_articles = {p.article_id for p in batch}
    site_counts = _site_counts(session, single_site_links(measured), new_articles)
    links = cap_templates(classify(measured, sets, site_counts), TEMPLATE_LINKS_PER_PARAGRAPH)
    _store_links(session, links)
    for link in links:
        summary.passages[link.kind] += 1

    # The segment is written in this transaction, with the links and the marks: a run
    # killed at any moment leaves all three or none.
    band_index.add(sketched.sorted_keys, sketched.sorted_owners)
    summary.indexed += sketched.indexed
    _mark_indexed(session, batch_ids)


def _mark_indexed(session: Session, ids: list[int]) -> None:
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE paragraphs SET indexed = 1 WHERE id = ?", [(i,) for i in ids])
        return
    # One statement with an array, not one per row: a server pays a round trip per statement.
    conn.exec_driver_sql("UPDATE paragraphs SET indexed = true WHERE id = ANY(%s)", (ids,))


def _site_counts(
    session: Session, suspects: list[Measured], new_articles: set[int]
) -> dict[tuple[str, int], int]:
    """Stored articles of a source that carry a text two of its articles share, beyond those
    the batch's links already name (so nothing is counted twice)."""
    named: dict[tuple[str, int], set[int]] = defaultdict(set)
    for a, b, *_ in suspects:
        for p in (a, b):
            if p.article_id not in new_articles:
                named[(p.norm_hash, p.source_id)].add(p.article_id)
        named.setdefault((a.norm_hash, a.source_id), set())
    wanted = set(named)
    counts: dict[tuple[str, int], int] = {}
    hashes = sorted({h for h, _ in wanted})
    for chunk in chunks(hashes, LARGE_IN_LIST_CHUNK):
        rows = session.execute(_SITE_COUNTS, {"hashes": list(chunk)})
        for norm_hash, source_id, count in rows:
            if (norm_hash, source_id) in wanted:
                unnamed = int(count) - len(named[(norm_hash, source_id)])
                if unnamed > 0:
                    counts[(norm_hash, source_id)] = unnamed
    return counts


def _load_paragraphs(
    session: Session,
    ids: set[int],
    min_words: int | None = None,
    maybe_folded: set[int] | None = None,
) -> dict[int, Para]:
    """Stored paragraphs still current (a retired version's paragraphs are left out).

    With ``min_words``, a paragraph that owns its article's folded text (see
    :func:`fold_short_articles`) is loaded as that text: every paragraph too short to be
    indexed alone is checked, and those in ``maybe_folded`` (met by a new folded text).
    """
    found: dict[int, Para] = {}
    id_list = sorted(ids)
    for chunk in chunks(id_list, LARGE_IN_LIST_CHUNK):
        rows = session.execute(_PARAS_BY_ID, {"ids": list(chunk)})
        for row in rows:
            found[row[0]] = Para._make(row[:6])
    if min_words is not None:
        maybe = maybe_folded or set()
        short = {
            p.article_id
            for p in found.values()
            if len(p.norm.split()) < min_words
            or (p.id in maybe and len(p.norm.split()) < SHORT_ARTICLE_WORDS)
        }
        if short:
            for folded in _folded_articles(session, short, min_words):
                if folded.id in found:
                    found[folded.id] = folded
    return found


def _folded_articles(session: Session, article_ids: set[int], min_words: int) -> list[Para]:
    rows = sorted(
        session.execute(_BODY_BY_ARTICLE, {"ids": sorted(article_ids)}), key=lambda r: (r[1], r[6])
    )
    return fold_short_articles([Para._make(r[:6]) for r in rows], min_words)


_PASSAGE_COLUMNS = (
    "paragraph_a",
    "paragraph_b",
    "article_a",
    "article_b",
    "similarity",
    "containment",
    "kind",
    "created_at",
)


def _store_links(session: Session, links: list[Link]) -> None:
    now = _utc_text()
    rows = [
        (
            k.paragraph_a,
            k.paragraph_b,
            k.article_a,
            k.article_b,
            k.similarity,
            k.containment,
            k.kind,
            now,
        )
        for k in links
    ]
    insert_many(session.connection(), "passages", _PASSAGE_COLUMNS, rows, ignore_conflicts=True)


def _utc_text() -> str:
    """Now, in the naive-UTC text form the ``UTCDateTime`` columns store in SQLite."""
    return utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
