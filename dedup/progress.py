"""Progress seam: the library reports steps, the CLI decides how (or whether) to show them.

Library code takes a :class:`Progress` and calls ``progress.task(...)``; the default does
nothing. The CLI passes a rich progress bar on a terminal, and nothing when the output is not
a terminal or ``--quiet`` is given, so cron mail holds results only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol


class Task(Protocol):
    def advance(self, amount: int = 1) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int | None = None) -> AbstractContextManager[Task]: ...


class _NullTask:
    def advance(self, amount: int = 1) -> None:
        return None


class NullProgress:
    """Shows nothing."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        yield _NullTask()


class _RichTask:
    def __init__(self, bar: Any, task_id: Any) -> None:
        self._bar = bar
        self._id = task_id

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._id, amount)


class RichProgress:
    """Progress bars on stderr, for a person at a terminal.

    Tasks may nest (an import that analyzes): the display starts with the first task and
    stops with the last, and a finished task's bar goes away instead of lingering.
    """

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as _Bar

        self._bar = _Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console if console is not None else Console(stderr=True),
            transient=True,
        )
        self._open = 0

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        task_id = self._bar.add_task(description, total=total)
        if self._open == 0:
            self._bar.start()  # after add_task, so even a short task is drawn once
        self._open += 1
        try:
            yield _RichTask(self._bar, task_id)
        finally:
            self._bar.refresh()  # draw the final count once before the bar goes
            self._bar.remove_task(task_id)
            self._open -= 1
            if self._open == 0:
                self._bar.stop()


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record.

    A progress display swaps ``sys.stderr`` for a proxy that prints above the bars; a handler
    bound to the original stream would tear through them.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        return None


def configure_logging(verbose: bool) -> None:
    """``--verbose``: dedup's INFO log lines on stderr; otherwise warnings only.

    Safe to call more than once in a process (tests invoke the CLI many times): the previous
    handler is replaced, not stacked.
    """
    logger = logging.getLogger("dedup")
    for handler in list(logger.handlers):
        if isinstance(handler, _CurrentStderrHandler):
            logger.removeHandler(handler)
    handler = _CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.addHandler(handler)
    # NOTSET inherits the root's WARNING; only --verbose lowers it (tests' caplog still works)
    logger.setLevel(logging.INFO if verbose else logging.NOTSET)
