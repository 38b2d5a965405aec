"""Running the feeds' fetches on worker threads, within the poll's deadline.

A poll holds the writer lock (on a server, its feed leases), so a hung fetch must never keep
it for long: when the deadline (plus a short grace) has passed, :func:`run_until` stops waiting
and reports the jobs still unfinished, started or not. The workers are daemon threads, so a
thread stuck in a system call (a DNS lookup cannot be interrupted) never keeps the process
alive after the run has exited.
The work function must not raise; an exception from it is re-raised here.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Done(Generic[T, R]):
    """One job's end: its result, or None with ``started`` telling whether it began."""

    job: T
    result: R | None
    started: bool = True


def run_until(
    jobs: Sequence[T],
    work: Callable[[T], R],
    workers: int,
    deadline: float,
    grace: float,
    refill: Callable[[], Sequence[T]] | None = None,
) -> Iterator[Done[T, R]]:
    """Results in completion order; then, past ``deadline + grace``, the unfinished jobs.

    No job is started after ``deadline`` (a ``time.monotonic()`` value). ``refill``, when
    given, is asked for more jobs (on a worker thread, one caller at a time) whenever the
    queue runs dry before the deadline, until it returns none: several pollers claim their
    feeds a few at a time this way. An exception from it is re-raised here.
    """
    taken: list[T] = list(jobs)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(taken)):
        todo.put(index)
    done: queue.SimpleQueue[tuple[int, R | None, BaseException | None]] = queue.SimpleQueue()
    started: set[int] = set()
    lock = threading.Lock()
    refilling = threading.Lock()
    exhausted = refill is None

    def next_index() -> int | None:
        nonlocal exhausted
        while time.monotonic() < deadline:
            try:
                return todo.get_nowait()
            except queue.Empty:
                pass
            with refilling:
                if not todo.empty():
                    continue
                if exhausted or refill is None:
                    return None
                more = refill()
                if not more:
                    exhausted = True
                    return None
                with lock:
                    first = len(taken)
                    taken.extend(more)
                for index in range(first, first + len(more)):
                    todo.put(index)
        return None

    def loop() -> None:
        while True:
            try:
                index = next_index()
            except BaseException as exc:  # noqa: BLE001 - the calling thread re-raises it
                done.put((-1, None, exc))
                return
            if index is None:
                return
            with lock:
                started.add(index)
            try:
                done.put((index, work(taken[index]), None))
            except BaseException as exc:  # noqa: BLE001 - the calling thread re-raises it
                done.put((index, None, exc))

    count = max(1, workers if refill is not None else min(workers, len(taken)))
    threads = [
        threading.Thread(target=loop, name=f"dedup-poll-{n}", daemon=True) for n in range(count)
    ]
    for thread in threads:
        thread.start()
    finished: set[int] = set()
    while True:
        with lock:
            if len(finished) == len(taken) and exhausted:
                break
        alive = any(thread.is_alive() for thread in threads)
        if not alive and done.empty():
            break  # every worker stopped: at the deadline, or out of jobs
        try:
            index, result, error = done.get(timeout=0.2)
        except queue.Empty:
            if time.monotonic() > deadline + grace:
                break
            continue
        if error is not None:
            raise error
        finished.add(index)
        yield Done(taken[index], result)
    with lock:
        begun = set(started)
        left = [i for i in range(len(taken)) if i not in finished]
    for index in left:
        yield Done(taken[index], None, started=index in begun)
