"""A second core for the pure stages: an ordered map over a small pool of worker processes.

The parsing and sketching stages are pure functions of plain data, so they can run in another
process while the main process stores and verifies what came back before. :func:`ordered_map`
hands tasks to the pool a few ahead of the consumer and yields the results in task order, so
the output is the same as a plain ``map`` whatever the timing. Tasks and results are plain
bytes, numpy arrays and tuples of them: no object graphs cross the process boundary.

How many workers: ``DEDUP_WORKERS`` when set (0 runs everything in the calling process, as on
a machine of one core), otherwise one less than the usable cores, at most :data:`MAX_WORKERS`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from dedup.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
ENV = "DEDUP_WORKERS"


def default_workers() -> int:
    """Worker processes: ``$DEDUP_WORKERS``, else the usable cores but one (0 on one core)."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(
                f"{ENV}={raw!r} is not a number; set it to 0 (no workers) or more"
            ) from None
        if value < 0:
            raise ConfigError(f"{ENV}={raw!r} is negative; set it to 0 (no workers) or more")
        return min(value, MAX_WORKERS)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, MAX_WORKERS))


def ordered_map(
    func: Callable[[T], R], tasks: Iterable[T], workers: int | None = None, ahead: int = 2
) -> Iterator[R]:
    """``map(func, tasks)`` with ``func`` run in worker processes, results in task order.

    At most ``ahead`` tasks per worker are in flight, so memory stays bounded however many
    tasks there are; ``tasks`` is consumed lazily. ``func`` must be a module-level function
    (the workers import it). With ``workers=0`` it is a plain ``map`` in this process.
    """
    count = default_workers() if workers is None else workers
    if count <= 0:
        yield from map(func, tasks)
        return
    # spawn, not fork: the parent may hold SQLite connections, locks and threads (progress
    # bars) that a forked child would inherit half-way.
    context = multiprocessing.get_context("spawn")
    pending: deque[Future[R]] = deque()
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        try:
            for task in tasks:
                pending.append(pool.submit(func, task))
                if len(pending) >= count * ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of allocation.

    Parsing and analysing make hundreds of thousands of small strings, tuples and sets with
    no reference cycles; each burst would start collections that walk every object of the
    process and free nothing (a fifth to a third of the time). Reference counting frees
    them as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
