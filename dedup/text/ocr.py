"""Hard-wrapped text as scanned archives have it: lines joined into paragraphs, hyphenation undone.

OCR'd newspapers keep the column's line breaks, and words broken across them ("abonne-" /
"ment"). Joined with a plain space, such a word becomes two ("abonne- ment") and the shingles
around it no longer meet those of a reprint set in another column width. :func:`join_lines`
joins a paragraph's lines with spaces and a line-end hyphen by deciding, for each break,
whether the hyphen belongs to the word:

- the text's own words decide first: the joined word appearing whole elsewhere in the text
  ("abonnement") joins it; the hyphenated form appearing elsewhere ("well-known") keeps it;
- otherwise a break before a lower-case letter is a typesetter's (joined), and one before a
  capital is a compound's ("Anglo-" / "American" stays "Anglo-American").

Pure functions on strings; :func:`dedup.text.paragraphs.text_blocks` calls them for every plain
text (.txt, JSON lines), where a line break inside a paragraph is a hard wrap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# A line ending in a word fragment and a hyphen (or OCR's "¬"), not a dash after a space.
_TAIL = re.compile(r"([^\W\d_]+)[-¬]$")
_HEAD = re.compile(r"^([^\W\d_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def vocabulary(text: str) -> frozenset[str]:
    """The words of ``text``, case-folded, hyphenated compounds both whole and in parts.

    Words broken at a line end are not in it as wholes (the break splits them), which is what
    lets a whole occurrence elsewhere vouch for joining them.

    >>> sorted(vocabulary("A well-known\\nabonne-\\nment"))
    ['a', 'abonne', 'known', 'ment', 'well', 'well-known']
    """
    words: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group(0).casefold()
        words.add(word)
        if "-" in word:
            words.update(word.split("-"))
    return frozenset(words)


def _join_pair(left: str, right: str, words: frozenset[str]) -> str | None:
    """How the fragment ending ``left`` and the one opening ``right`` join; None: not a break."""
    tail, head = _TAIL.search(left[-80:]), _HEAD.match(right)
    if tail is None or head is None:
        return None
    first, second = tail.group(1), head.group(1)
    whole = (first + second).casefold()
    if whole in words:
        return ""
    if f"{first}-{second}".casefold() in words:
        return "-"
    return "" if second[0].islower() else "-"


def has_breaks(lines: Sequence[str]) -> bool:
    """Whether any line but the last ends in a hyphen, i.e. :func:`join_lines` has work."""
    return any(line.endswith(("-", "¬")) for line in lines[:-1])


def join_lines(lines: Sequence[str], words: Iterable[str] | None = None) -> str:
    """One paragraph from its hard-wrapped ``lines`` (already stripped).

    ``words`` is the vocabulary of the whole text (:func:`vocabulary`); without it, only the
    lines given are used.

    >>> join_lines(["Le prix de l'abonne-", "ment est de dix francs;", "l'abonnement court"])
    "Le prix de l'abonnement est de dix francs; l'abonnement court"
    >>> join_lines(["an Anglo-", "American firm, a well-", "known one"], {"well-known"})
    'an Anglo-American firm, a well-known one'
    >>> join_lines(["prices rose 5 pct -", "the most since"])
    'prices rose 5 pct - the most since'
    """
    vocab = frozenset(words) if words is not None else vocabulary("\n".join(lines))
    out = ""
    for line in lines:
        if not out:
            out = line
            continue
        joint = _join_pair(out, line, vocab)
        # the line's last character is the hyphen: dropped, or kept as a plain "-"
        out = f"{out} {line}" if joint is None else f"{out[:-1]}{joint}{line}"
    return out
