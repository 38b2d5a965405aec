"""Array helpers the index needs faster than numpy gives them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def unique_sorted(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique(values)`` by sorting.

    numpy 2.3+ answers a plain ``np.unique`` of integers with a hash table, which on a
    million random 64-bit band keys is a hundred times slower than sorting them (0.65 s
    against 6 ms): it was the largest single cost of indexing Reuters.

    >>> unique_sorted(np.array([3, 1, 3, 2], dtype=np.int64)).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
