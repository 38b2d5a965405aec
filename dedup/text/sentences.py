"""The one sentence splitter: alignment, credits and fingerprints cut text the same way.

A sentence ends after ``.``, ``!`` or ``?`` (and one closing quote or bracket after it) when
whitespace follows and the next sentence starts with a capital or a digit (an opening quote or
bracket may come first). "e.g. the", "3.5 million" and "said: the" stay whole.

One exception, on by default: no break after a capital initial ("J. Lester Feder", "the
U.S. Senate"). Fingerprints are persisted, and their units were cut without that exception,
so :mod:`dedup.index.fingerprint` asks for ``initials=False``; changing it there changes stored
signatures and needs a new fingerprint version.

>>> sentences("J. Lester Feder reports at Buzzfeed. The U.S. Senate said no.")
['J. Lester Feder reports at Buzzfeed.', 'The U.S. Senate said no.']
>>> sentences("J. Lester Feder reports. The U.S. Senate said no.", initials=False)
['J.', 'Lester Feder reports.', 'The U.S.', 'Senate said no.']
"""

from __future__ import annotations

import re

# The end mark is matched, not looked behind for: a lookbehind is tried at every character,
# and this split runs on every paragraph a worker fingerprints (3x faster, same spans on all
# of Reuters-21578, ECB+ and the seeds).
_END = re.compile(r"([.!?][\"'”’)\]]?)\s+(?=[\"“‘(\[]?[A-Z0-9])")


def _after_initial(text: str, at: int) -> bool:
    """Whether the break at ``at`` follows a capital initial: a lone capital letter and '.'."""
    return (
        at >= 2
        and text[at - 1] == "."
        and "A" <= text[at - 2] <= "Z"
        and (at == 2 or not (text[at - 3].isalnum() or text[at - 3] == "_"))
    )


def sentence_spans(text: str, *, initials: bool = True) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (blank spans left out)."""
    spans = []
    start = 0
    for match in _END.finditer(text):
        at = match.end(1)
        if initials and _after_initial(text, at):
            continue
        spans.append((start, at))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentences(text: str, *, initials: bool = True) -> list[str]:
    """The sentences of ``text``, stripped."""
    return [text[s:e].strip() for s, e in sentence_spans(text, initials=initials)]
