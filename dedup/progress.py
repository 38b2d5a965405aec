"""Progress seam: the library reports steps, the CLI decides how (or whether) to show them.

Library code takes a :class:`Progress` and calls ``progress.task(...)``; the default does
nothing. The CLI passes a rich progress bar on a terminal, and nothing when the output is not
a terminal or ``--quiet`` is given, so cron mail holds results only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


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
    def __init__(self, bar: object, task_id: object) -> None:
        self._bar = bar
        self._id = task_id

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._id, amount)  # type: ignore[attr-defined]


class RichProgress:
    """Progress bars on stderr, for a person at a terminal."""

    def __init__(self) -> None:
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
            console=Console(stderr=True),
            transient=True,
        )

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        with self._bar:
            task_id = self._bar.add_task(description, total=total)
            yield _RichTask(self._bar, task_id)
