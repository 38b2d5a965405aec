"""The first analysis batches sketched while an import still stores.

The analysis would start by waiting for its first batch's sketch while the worker, its last
files parsed, waits for work. So once an import has handed out the parsing of every file,
it reads each whole analysis batch stored so far between stored batches and hands its sketch
to the worker; the analysis takes those results for its first batches.

The results are the analysis's own: a batch is the same keyset page of unindexed paragraphs
(:func:`dedup.index.analysis.new_page`) and the same pure sketch of it, and the analysis
reads each page again and uses a prepared sketch only when the page holds the same
paragraphs (a later record of the import may have retired one of them); otherwise it
sketches that batch and the following ones itself. Only whole pages are prepared (a page
still being filled may grow), at most :data:`EARLY_BATCHES` of them, so memory stays bounded.
"""

from __future__ import annotations

from concurrent.futures import Future

from sqlalchemy import text

from dedup.index import analysis
from dedup.index.fingerprint import FingerprintSettings
from dedup.index.sketch import Sketch, sketch
from dedup.store.engine import Store
from dedup.workers import handing_out, pool_started, submit

# Enough to cover the analysis's start: while it checks the first two, the worker sketches
# the third (measured on Reuters: its batches take the two processes about as long).
EARLY_BATCHES = 2

_MAX_ID = text("SELECT max(id) FROM paragraphs")


class EarlySketches:
    """Sketches of the first whole analysis batches, started in a worker by :meth:`advance`."""

    def __init__(self, settings: FingerprintSettings | None = None) -> None:
        self.settings = settings or FingerprintSettings()
        self.after = 0
        self.prepared: list[tuple[list[int], Future[Sketch]]] = []

    def advance(self, store: Store) -> None:
        """Start the sketches of the batches wholly stored, up to :data:`EARLY_BATCHES`
        (called between stored batches). Not while the import's parsing is still being handed
        out: the worker parses what this process stores, and a sketch ahead of that would only
        move parsing onto this process."""
        if handing_out() or not pool_started():
            # Without workers (DEDUP_WORKERS=0, one core) nothing can be handed over: each
            # call would only read a page and drop it (over a third of such an import's CPU).
            return
        while len(self.prepared) < EARLY_BATCHES and self._next(store):
            pass

    def _next(self, store: Store) -> bool:
        size = analysis.BATCH_PARAGRAPHS
        with store.session() as session:
            # A page needs BATCH_PARAGRAPHS ids above ``after``: a cheap test before reading.
            highest = session.scalar(_MAX_ID) or 0
            if highest - self.after < size:
                return False
            page = analysis.new_page(session, self.after, size)
        if len(page) < size:
            return False  # not yet whole
        task = analysis.sketch_task(analysis.batch_of(page, self.settings), self.settings)
        future = submit(sketch, task)
        if future is None:
            return False
        self.prepared.append(([p.id for p in page], future))
        self.after = analysis.max_id(page)
        return True

    def take(self, settings: FingerprintSettings) -> list[tuple[list[int], Future[Sketch]]]:
        """The prepared batches (page ids in page order, sketch), if made with ``settings``."""
        prepared, self.prepared = self.prepared, []
        if settings != self.settings:
            for _, future in prepared:
                future.cancel()
            return []
        return prepared
