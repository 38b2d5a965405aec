"""How a share (0..1) reads to a person: the one percentage format of evidence and reports."""

from __future__ import annotations


def percent(value: object) -> str:
    """``0.914`` -> ``'91%'``; anything that is not a number -> ``'–'``.

    >>> percent(0.914), percent(1), percent(None)
    ('91%', '100%', '–')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–"
    return f"{round(100 * value)}%"
