"""Quoted text in a paragraph, including a quotation that runs on across paragraph breaks.

News style carries a long quotation over several paragraphs: each of them opens with a
quotation mark and only the last one closes ("... we will rebuild. / "The town ..., " he
said.). Read a paragraph at a time, the first paragraphs hold an opening mark that never
closes and the last a closing mark that never opened; both are quoted text all the same,
which two independent reports of one speech share without either copying the other.
"""

from __future__ import annotations

import re

# A closed quotation: the opening mark, at least three characters, the closing mark.
PAIRED = re.compile(r"[\"“«„]([^\"“”«»„]{3,}?)[\"”»“]")
_MARKS = re.compile(r"[\"“”«»„]")
_OPENING = "“«„"
_CLOSING = "”»"
# A straight mark's side is read from its neighbours: a closing one touches the quoted words
# before it ("first," he said), an opening one the words after it (said, "We). A mark with
# spaces on both sides (tokenised text: said , " We) tells nothing and is left to pairing.
_TOUCHES_BEFORE = re.compile(r"\S$")
_TOUCHES_AFTER = re.compile(r"^\S")


def quoted_spans(text: str) -> list[str]:
    """The quoted parts of ``text``: closed quotations, and the part before a closing mark
    that never opened here or after an opening mark that never closes.

    >>> quoted_spans('He said "we will rebuild the town" on Monday.')
    ['we will rebuild the town']
    >>> quoted_spans('"We will rebuild the town, every house of it.')
    ['We will rebuild the town, every house of it.']
    >>> quoted_spans('The school comes first," he said. "Then the')
    ['The school comes first,', 'Then the']
    >>> quoted_spans("„Wir bauen die Stadt wieder auf“, sagte sie.")
    ['Wir bauen die Stadt wieder auf']
    >>> quoted_spans("The mayor spoke for an hour.")
    []
    """
    head = tail = None
    start, end = 0, len(text)
    closer = _run_in(text)
    if closer is not None:
        head, start = text[:closer], closer + 1
    opener = _run_on(text, start)
    if opener is not None:
        tail, end = text[opener + 1 :], opener
    spans = [head, *PAIRED.findall(text[start:end]), tail]
    return [span for span in spans if span and span.strip()]


def _run_in(text: str) -> int | None:
    """Where a quotation that began in an earlier paragraph closes, if it does here."""
    first = _MARKS.search(text)
    if first is None:
        return None
    mark, at = first.group(), first.start()
    if mark in _CLOSING:
        return at
    if mark != '"' or at == 0:
        return None
    before, after = text[:at], text[at + 1 :]
    closes = _TOUCHES_BEFORE.search(before) and not _TOUCHES_AFTER.search(after)
    return at if closes else None


def _run_on(text: str, start: int) -> int | None:
    """Where a quotation that goes on into the next paragraph opens, if it does here."""
    marks = list(_MARKS.finditer(text, start))
    if not marks:
        return None
    last = marks[-1]
    if last.group() == "“" and any(m.group() == "„" for m in marks[:-1]):
        return None  # German style: „ opens and “ closes
    if last.group() in _OPENING:
        return last.start()
    at = last.start()
    if last.group() != '"' or sum(m.group() == '"' for m in marks) % 2 == 0:
        return None
    before, after = text[:at], text[at + 1 :]
    opens = _TOUCHES_AFTER.search(after) and not _TOUCHES_BEFORE.search(before)
    return at if opens else None
