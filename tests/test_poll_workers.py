"""run_until, the poller's worker threads: fixed jobs, jobs claimed as the queue runs dry."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pytest

from dedup.ingest.workers import run_until


def _batches(*batches: Sequence[int]) -> tuple[list[int], Callable[[], list[int]]]:
    asked: list[int] = []
    pending = [list(b) for b in batches]

    def refill() -> list[int]:
        asked.append(len(pending))
        return pending.pop(0) if pending else []

    return asked, refill


def test_refill_is_asked_until_it_has_nothing_more() -> None:
    asked, refill = _batches([1, 2], [3], [4, 5, 6])
    later = time.monotonic() + 3600
    done = list(run_until([0], lambda n: n * 10, 3, later, 1.0, refill=refill))
    assert sorted(d.job for d in done) == [0, 1, 2, 3, 4, 5, 6]
    assert all(d.result == d.job * 10 for d in done)
    assert asked[-1] == 0  # the last call found nothing left and ended the run


def test_an_error_while_claiming_reaches_the_caller() -> None:
    def refill() -> list[int]:
        raise RuntimeError("claim failed")

    later = time.monotonic() + 3600
    with pytest.raises(RuntimeError, match="claim failed"):
        list(run_until([], lambda n: n, 2, later, 1.0, refill=refill))


def test_past_the_deadline_nothing_starts_and_nothing_more_is_claimed() -> None:
    asked, refill = _batches([9])
    gone = time.monotonic() - 1
    done = list(run_until([1, 2], lambda n: n, 2, gone, 0.0, refill=refill))
    assert [(d.job, d.result, d.started) for d in done] == [(1, None, False), (2, None, False)]
    assert asked == []
