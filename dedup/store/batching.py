"""How many ids one ``IN (...)`` list may carry: the bounds every stage's bulk reads use.

SQLite compiled before 3.32 allows 999 bound parameters per statement; staying under it keeps
every query valid on any SQLite and costs nothing on PostgreSQL. The analysis's hot per-batch
reads (thousands of hashes) use the larger bound of SQLite 3.32+ (32,766), which every
supported Python ships.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

IN_LIST_CHUNK = 900
LARGE_IN_LIST_CHUNK = 5000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = IN_LIST_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``.

    >>> [list(c) for c in chunks([1, 2, 3, 4, 5], 2)]
    [[1, 2], [3, 4], [5]]
    """
    for start in range(0, len(items), size):
        yield items[start : start + size]
