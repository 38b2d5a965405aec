"""Running the feeds' fetches on worker threads, within the poll's deadline.

A poll holds the writer lock, so a hung fetch must never keep it for long: when the deadline
(plus a short grace) has passed, :func:`run_until` stops waiting and reports the jobs still
unfinished, started or not. The workers are daemon threads, so a thread stuck in a system call
(a DNS lookup cannot be interrupted) never keeps the process alive after the run has exited.
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
) -> Iterator[Done[T, R]]:
    """Results in completion order; then, past ``deadline + grace``, the unfinished jobs.

    No job is started after ``deadline`` (a ``time.monotonic()`` value).
    """
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(jobs)):
        todo.put(index)
    done: queue.SimpleQueue[tuple[int, R | None, BaseException | None]] = queue.SimpleQueue()
    started: set[int] = set()
    lock = threading.Lock()

    def loop() -> None:
        while time.monotonic() < deadline:
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            with lock:
                started.add(index)
            try:
                done.put((index, work(jobs[index]), None))
            except BaseException as exc:  # noqa: BLE001 - the calling thread re-raises it
                done.put((index, None, exc))

    threads = [
        threading.Thread(target=loop, name=f"dedup-poll-{n}", daemon=True)
        for n in range(max(1, min(workers, len(jobs))))
    ]
    for thread in threads:
        thread.start()
    pending = set(range(len(jobs)))
    while pending:
        alive = any(thread.is_alive() for thread in threads)
        if not alive and done.empty():
            break  # every worker stopped at the deadline: the rest never started
        try:
            index, result, error = done.get(timeout=0.2)
        except queue.Empty:
            if time.monotonic() > deadline + grace:
                break
            continue
        pending.discard(index)
        if error is not None:
            raise error
        yield Done(jobs[index], result)
    with lock:
        begun = set(started)
    for index in sorted(pending):
        yield Done(jobs[index], None, started=index in begun)
