"""A second core for the pure stages: ordered maps over one small pool of worker processes.

The parsing, sketching and story stages are pure functions of plain data, so they can run in
another process while the main process stores and verifies what came back before.
:func:`ordered_map` hands tasks to the pool a few ahead of the consumer and yields the results
in task order, so the output is the same as a plain ``map`` whatever the timing; tasks and
results of the parse and sketch stages are plain bytes, numpy arrays and tuples of them.

A command that runs several stages (an import with its analysis) opens :func:`worker_pool`
once: every map inside it uses the same workers, started once and warmed with the modules the
later stages need while the earlier ones run, instead of each stage paying a process
start-up and its imports (about half a second of CPU per stage).

How many workers: ``DEDUP_WORKERS`` when set (0 runs everything in the calling process, as on
a machine of one core), otherwise one less than the usable cores, at most :data:`MAX_WORKERS`.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from dedup.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
HELPED = 2  # results :func:`ordered_map` may hold that this process computed ahead
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


class _Shared:
    """The pool of the innermost :func:`worker_pool`, started on first use."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = _new_pool(self.count)
        return self.pool


_shared: _Shared | None = None
# Maps (:func:`ordered_map`) on workers that have not yet handed out all their tasks.
_handing_out = 0


def _new_pool(count: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent may hold SQLite connections, locks and threads (progress
    # bars) that a forked child would inherit half-way.
    return ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
    )


def _start_worker() -> None:
    """In a worker, first: how it ends (:func:`_exit_with_parent`, :func:`_exit_now`)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    atexit.register(_exit_now)
    _exit_with_parent(parent)


def _exit_with_parent(parent: multiprocessing.process.BaseProcess) -> None:
    """In a worker: end this process as soon as the one that started it is gone.

    A worker waits for tasks on a queue whose write end it holds itself, so a parent killed
    with SIGKILL (a cron job's timeout, the OOM killer) never gives it an end of file: without
    this every killed run would leave its workers sleeping for good.
    """
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="dedup-parent-watch", daemon=True).start()


def _exit_now() -> None:
    """In a worker at its exit: end the process without tearing the interpreter down.

    By then every result has been sent and multiprocessing has flushed the standard
    streams; freeing each of the worker's objects one by one (a large import leaves
    millions) only keeps the command waiting for the pool to shut down (0.2 s of an import
    of Reuters-21578 at the end of the command, 0.02 s after).
    """
    os._exit(0)


@contextmanager
def worker_pool(workers: int | None = None) -> Iterator[None]:
    """Run the maps inside on one pool of ``workers`` processes (default: as
    :func:`default_workers`), started when a map first needs it and shut down on leaving.

    Inside another ``worker_pool`` it changes nothing: the outer pool serves.
    """
    global _shared
    if _shared is not None:
        yield
        return
    shared = _Shared(default_workers() if workers is None else workers)
    _shared = shared
    try:
        yield
    finally:
        _shared = None
        if shared.pool is not None:
            shared.pool.shutdown(wait=True, cancel_futures=True)


def warm(*modules: str) -> None:
    """Have the shared pool's workers import ``modules`` now, while this process works on
    something else, so the stage that needs them does not wait for the imports. Nothing
    happens outside :func:`worker_pool` or without workers."""
    shared = _shared
    if shared is None or shared.count <= 0:
        return
    pool = shared.get()
    for _ in range(shared.count):
        pool.submit(_import_modules, modules)


def _import_modules(modules: Sequence[str]) -> None:
    for name in modules:
        importlib.import_module(name)


@contextmanager
def _pool_for(count: int) -> Iterator[tuple[ProcessPoolExecutor, int]]:
    """The shared pool when one is open (and its size), else a pool of ``count`` of its own."""
    shared = _shared
    if shared is not None and shared.count > 0:
        yield shared.get(), shared.count
        return
    with _new_pool(count) as pool:
        yield pool, count


def _count(workers: int | None) -> int:
    if workers is not None:
        return workers
    if _shared is not None:
        return _shared.count
    return default_workers()


def submit(func: Callable[[T], R], task: T) -> Future[R] | None:
    """``func(task)`` started now in a worker of the open :func:`worker_pool`, when that pool
    has workers and has started them (None otherwise: the caller computes it later itself).

    For work a later stage will want whose inputs exist early (the first analysis batches,
    stored while an import still runs): the worker computes it in time the import leaves.
    """
    shared = _shared
    if shared is None or shared.count <= 0 or shared.pool is None:
        return None
    return shared.pool.submit(func, task)


def handing_out() -> bool:
    """Whether a map still hands tasks to the workers (work :func:`submit` adds then only
    makes them fall behind it)."""
    return _handing_out > 0


def ordered_map(
    func: Callable[[T], R],
    tasks: Iterable[T],
    workers: int | None = None,
    ahead: int = 2,
    help_out: bool = False,
    started: Sequence[Future[R]] = (),
) -> Iterator[R]:
    """``map(func, tasks)`` with ``func`` run in worker processes, results in task order.

    At most ``ahead`` tasks per worker are in flight, so memory stays bounded however many
    tasks there are; ``tasks`` is consumed lazily. ``func`` must be a module-level function
    (the workers import it). With ``workers=0`` it is a plain ``map`` in this process.

    With ``help_out``, when the next result is not ready this process runs a task of those
    not yet handed out itself instead of waiting (at most :data:`HELPED` such results held),
    so a consumer that is quicker than the workers (storing what one worker parses) keeps
    its core busy; the order of the results is the same.

    ``started`` are results of earlier tasks already handed out (by :func:`submit`): they
    come first, in their order, then those of ``tasks``, whose first tasks are handed out
    at once (the workers start on them while the caller consumes the started ones).
    """
    count = _count(workers)
    if count <= 0:
        yield from (future.result() for future in started)
        yield from map(func, tasks)
        return
    # a 1-tuple: a result computed here
    pending: deque[Future[R] | tuple[R]] = deque(started)
    queue = iter(tasks)
    exhausted = False
    in_flight = len(pending)  # futures in ``pending``
    early = len(pending)  # of them, ``started`` ones: beyond the ``ahead`` this map hands out

    def following() -> tuple[bool, T | None]:
        nonlocal exhausted
        if not exhausted:
            for task in queue:
                return True, task
            exhausted = True
            _handed_out()
        return False, None

    global _handing_out
    with _pool_for(count) as (pool, count):
        try:
            _handing_out += 1  # inside the try: the finally below takes it back
            while True:
                while in_flight - early < count * ahead:
                    got, task = following()
                    if not got:
                        break
                    pending.append(pool.submit(func, task))  # type: ignore[arg-type]
                    in_flight += 1
                if not pending:
                    return
                head = pending[0]
                idle = isinstance(head, Future) and not head.done()
                if help_out and idle and len(pending) - in_flight < HELPED:
                    got, task = following()
                    if got:
                        pending.append((func(task),))  # type: ignore[arg-type]
                        continue
                pending.popleft()
                if isinstance(head, Future):
                    in_flight -= 1
                    early = max(early - 1, 0)
                    yield head.result()
                else:
                    yield head[0]
        finally:
            if not exhausted:
                _handed_out()
            for item in pending:
                if isinstance(item, Future):
                    item.cancel()


def _handed_out() -> None:
    global _handing_out
    _handing_out -= 1


def shared_map(
    func: Callable[[T], R], tasks: Sequence[T], workers: int | None = None, ahead: int = 2
) -> list[R]:
    """``list(map(func, tasks))`` with the calling process doing its share of the work.

    For stages whose caller has nothing else to do meanwhile (the stories step): the workers
    take tasks from the front, a few ahead each, and this process takes the next one not yet
    handed out whenever it is free, so both cores are busy to the end whatever the tasks
    cost. Results come back in task order; with ``workers=0`` it is a plain ``map``.
    """
    count = _count(workers)
    if count <= 0 or len(tasks) < 2:
        return [func(task) for task in tasks]
    results: dict[int, R] = {}
    pending: dict[int, Future[R]] = {}
    following = 0  # the next task not yet handed out
    with _pool_for(count) as (pool, count):
        try:
            while following < len(tasks):
                for i in [i for i, f in pending.items() if f.done()]:
                    results[i] = pending.pop(i).result()
                while len(pending) < count * ahead and following < len(tasks):
                    pending[following] = pool.submit(func, tasks[following])
                    following += 1
                if following < len(tasks):
                    results[following] = func(tasks[following])
                    following += 1
            for i, future in pending.items():
                results[i] = future.result()
        finally:
            for future in pending.values():
                future.cancel()
    return [results[i] for i in range(len(tasks))]


def pool_started() -> bool:
    """Whether an open :func:`worker_pool` has started its workers (their start-up is paid)."""
    return _shared is not None and _shared.pool is not None


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
