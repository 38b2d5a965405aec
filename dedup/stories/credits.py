"""Credit lines: who a text says it comes from ("told BuzzFeed News", "(AP) —", "via Reuters").

Pure: paragraph texts in, :class:`Credit` records out. Publisher names are normalised so the
spellings copiers use ("Buzzfeed", "BuzzFeed News", "buzzfeednews.com") meet under one key
(:func:`publisher_key`) and one display name (:func:`display_name`).

Two kinds of credit differ in what they mean when they sit in text the copies share with the
origin. A *self reference* ("told BuzzFeed News", a "(Reuters) -" dateline, a copyright line)
names the writer of the passage, so it points at the origin wherever it appears. Any other
credit ("according to Reuters", "via", "reports:") in the origin's own text names the origin's
sources; only in a copier's own text does it name the origin.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from dedup.stories.publishers import (
    COMMON_NOUNS,
    DISPLAY,
    MEDIA_WORDS,
    PICTURE_WORDS,
    SKIP_NAMES,
    display_name,
    publisher_key,
)
from dedup.text.sentences import sentences

__all__ = ["Credit", "display_name", "find_credits", "publisher_key"]

_NAME_WORD = r"(?:[A-Z][\w&'’.-]*|[a-z]+[A-Z][\w'’.-]*)"
_LINK_WORD = r"(?:of|de|del|della|du|des|la|le|do|da|dos|das|di|&|and)\s+"
_NAME = rf"(?:[Tt]he\s+)?{_NAME_WORD}(?:\s+(?:{_LINK_WORD})?{_NAME_WORD}){{0,4}}"

# (pattern name, regex with a group "name", self reference?, strength as evidence)
_PATTERNS: tuple[tuple[str, re.Pattern[str], bool, float], ...] = (
    ("dateline", re.compile(rf"\((?P<name>{_NAME})\)\s*[-—–]"), True, 1.0),
    (
        "told",
        re.compile(
            rf"(?i:\b(?:told|telling|tells|explained\s+to|said\s+to|confirmed\s+to|"
            rf"(?:in\s+an?\s+)?(?:e-?mail|statement|interview)\s+(?:to|with))\s+)(?P<name>{_NAME})"
        ),
        True,
        0.7,  # usually the writer ("told BuzzFeed News"), sometimes a cited outlet
    ),
    (
        "copyright",
        re.compile(rf"(?:©|\(c\)|(?i:copyright))\s*(?:\d{{4}}\s+)?(?P<name>{_NAME})"),
        True,
        0.8,
    ),
    (
        "reports_at",
        re.compile(rf"(?i:\breport(?:s|ed|ing)?\s+(?:at|for|in|on)\s+)(?P<name>{_NAME})"),
        False,
        1.0,
    ),
    (
        "reports",
        re.compile(
            rf"(?<![\w’'])(?P<name>{_NAME})(?i:\s+(?:has\s+|had\s+|first\s+|originally\s+)?"
            rf"(?:reports?|reported|broke\s+the\s+(?:news|story)|has\s+learned))\b"
        ),
        False,
        1.0,
    ),
    (
        "first_reported",
        re.compile(
            rf"(?i:\b(?:first|originally)\s+(?:reported|published|appeared)\s+(?:by|in|on|at)\s+)"
            rf"(?P<name>{_NAME})"
        ),
        False,
        1.0,
    ),
    (
        "according_to",
        re.compile(
            rf"(?i:\baccording\s+to\s+(?:(?:a|an|the)\s+(?:report|story|article)\s+(?:by|in|from)\s+"
            rf"|(?:this|that|a|an)\s+(?=[A-Z]))?)"
            rf"(?P<name>{_NAME})"
        ),
        False,
        0.6,
    ),
    (
        "via",
        re.compile(rf"(?i:\bvia\s+)(?P<name>{_NAME})"),
        False,
        0.8,
    ),
    (
        # "originally published by", "first published in", "republished (with permission)
        # from", "reprinted from", "appeared first on"
        "republished",
        re.compile(
            rf"(?i:\b(?:(?:originally|first)\s+(?:published|posted|appeared)|appeared\s+first|"
            rf"re-?published|reprinted|reproduced|syndicated)"
            rf"(?:\s+with\s+(?:the\s+)?permission)?\s+(?:by|in|on|at|from|of|courtesy\s+of)\s+)"
            rf"(?P<name>{_NAME})"
        ),
        False,
        1.0,
    ),
    (
        "courtesy",
        re.compile(rf"(?i:\b(?:courtesy\s+of|(?:story|article|report)\s+by)\s+)(?P<name>{_NAME})"),
        False,
        0.9,
    ),
    (
        # "Source: Reuters", "Source - AP", "Sources: Reuters, AFP"
        "source",
        re.compile(rf"(?i:\bsources?\s*[:\-—–]\s*)(?P<name>{_NAME})"),
        False,
        0.9,
    ),
    (
        # "the Spanish daily newspaper El Pais said", "state news agency IRNA quoted"
        "outlet_said",
        re.compile(
            rf"\b(?:newspaper|daily|weekly|magazine|news\s+agency|broadcaster|news\s+website)\s+"
            rf"(?P<name>{_NAME})\s+(?:said|says|reported|quoted|cited|wrote)\b"
        ),
        False,
        0.8,
    ),
    (
        # "The Jornal do Brasil newspaper, in an editorial today, said", "IRNA quoted X"
        "outlet_said",
        re.compile(
            rf"(?<![\w’'])(?P<name>{_NAME})\s+(?:newspaper|daily|news\s+agency|magazine|weekly)\b"
            # "Hungarian newspaper Nepszabadsag", "Hong Kong daily newspaper Ming Pao": the name
            # follows the kind word, which the first wording finds
            rf"(?!\s+(?:(?:newspaper|daily|weekly|magazine)\s+)?(?:[A-Z]|the\s+[A-Z]))"
            rf"[^.;]{{0,80}}?\b(?:said|reported|quoted|wrote)\b"
        ),
        False,
        0.8,
    ),
    (
        "quoted_by",
        re.compile(rf"(?i:\b(?:quoted|cited)\s+(?:by|in)\s+)(?P<name>{_NAME})"),
        False,
        0.8,
    ),
    (
        "contributed",
        re.compile(
            rf"(?<![\w’'])(?P<name>{_NAME})(?i:\s+contributed\s+(?:to\s+)?(?:this|the)\s+"
            rf"(?:report|story|article))"
        ),
        False,
        0.9,
    ),
)

# Text each pattern's match must contain, as :func:`_folded` spells it: a paragraph holding
# none of it is not searched for that pattern (most paragraphs credit no one).
_NEEDS: dict[str, tuple[str, ...]] = {
    "dateline": (")-", ") -", ")—", ") —", ")–", ") –"),
    "told": tuple(
        f"{verb} "
        for verb in (
            "told",
            "telling",
            "tells",
            "explained to",
            "said to",
            "confirmed to",
            "mail to",
            "mail with",
            "statement to",
            "statement with",
            "interview to",
            "interview with",
        )
    ),
    "copyright": ("©", "(c)", "copyright"),
    "reports_at": ("report",),
    "reports": ("report", "broke the news", "broke the story", "has learned"),
    "first_reported": tuple(
        f"{first} {verb} "
        for first in ("first", "originally")
        for verb in ("reported", "published", "appeared")
    ),
    "according_to": ("according to ",),
    "via": ("via ",),
    "republished": (
        "published ",
        "posted ",
        "appeared ",
        "republished",
        "re-published",
        "reprinted",
        "reproduced",
        "syndicated",
    ),
    "courtesy": ("courtesy of", "story by", "article by", "report by"),
    "source": ("source",),
    "contributed": (" contributed ",),
    "outlet_said": (
        "newspaper",
        "daily",
        "weekly",
        "magazine",
        "news agency",
        "broadcaster",
        "news website",
    ),
    "quoted_by": ("quoted by", "quoted in", "cited by", "cited in"),
    "read_more": ("read ", "continue reading", "h/t"),
}
# Besides case, a (?i) pattern's i also matches İ and ı, and its s matches ſ.
_AS_IGNORECASE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


# Each needle once, with the patterns that need it.
_NEEDLES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (needle, frozenset(name for name, needles in _NEEDS.items() if needle in needles))
    for needle in dict.fromkeys(n for needles in _NEEDS.values() for n in needles)
)


def _folded(paragraph: str) -> str:
    """Lower case as (?i) patterns match ASCII letters, each whitespace run one space."""
    if not paragraph.isascii():
        paragraph = paragraph.translate(_AS_IGNORECASE)
    return " ".join(paragraph.lower().split())


_READ_MORE = re.compile(
    r"(?i)\b(?:read\s+(?:the\s+)?(?:full|whole|entire|rest\s+of\s+the)\s+(?:story|article|report)"
    r"|continue\s+reading|read\s+more\s+(?:at|on)|h/t)\b"
)


@dataclass(frozen=True)
class Credit:
    """A credit line: the text names ``publisher`` as the source of its passage or story.

    ``publisher`` is None for a bare "Read the full story here": the publisher is then the
    target of the line's link, which only the caller knows.
    """

    publisher: str | None
    key: str | None
    line: str
    pattern: str
    self_reference: bool
    strength: float
    paragraph: int  # index of the paragraph the credit was found in


def _trim_name(raw: str) -> str:
    name = raw.strip().rstrip(".’'-")
    name = re.sub(r"[’']s$", "", name)
    return re.sub(r"^the\s", "The ", name)


# Wordings whose structure says the name is a publication, whatever the name looks like.
_NAMES_A_PUBLICATION = frozenset(
    {"first_reported", "republished", "outlet_said", "copyright", "source", "courtesy"}
)


def _is_publisher(name: str, key: str, known: frozenset[str], pattern: str) -> bool:
    if not key or name.casefold() in SKIP_NAMES or key in SKIP_NAMES:
        return False
    if key in known or key in DISPLAY:
        return True
    words = [w.strip(".’'") for w in name.casefold().split()]
    words = [w for w in words if w not in ("the", "a", "an")]
    if words and all(w in COMMON_NOUNS for w in words):
        # "Press reports said", "State Television", "Local Media": common nouns, no name
        return False
    if any(w in MEDIA_WORDS for w in words):
        return True
    if pattern in _NAMES_A_PUBLICATION:
        return True  # "originally published in Invironment", "the daily El Pais said"
    # A bare all-caps name in a dateline or after "via" is typically an agency (AP, AFP).
    return pattern in {"dateline", "via"} and bool(re.fullmatch(r"[A-Z]{2,6}", name))


def _is_picture_credit(sentence: str, start: int) -> bool:
    """'Featured image via Wikimedia Commons' credits a picture, not the story."""
    before = sentence[:start].split()
    return bool(before) and before[-1].casefold().strip(",;:") in PICTURE_WORDS


def _runs_on(sentence: str, end: int, known: frozenset[str], key: str) -> bool:
    """'via API reporting': an unknown short name that a lowercase word continues is a tool or
    a channel, not an outlet credited with the text."""
    if key in known or key in DISPLAY:
        return False
    rest = sentence[end:].lstrip()
    return bool(rest) and rest[0].islower()


def _known_keys(known: Iterable[str]) -> frozenset[str]:
    return frozenset(k for k in (publisher_key(n) for n in known if n) if k)


def _best_known_prefix(name: str, known: frozenset[str]) -> str:
    """Shorten a greedy capitalised match to its longest prefix that is a known publisher.

    "BuzzFeed News Svetlana Zakharova" (a name run into the next words) becomes "BuzzFeed News".
    """
    words = name.split()
    for end in range(len(words), 0, -1):
        candidate = " ".join(words[:end])
        key = publisher_key(candidate)
        if key in known or key in DISPLAY:
            return candidate
    return name


def _needs_met(paragraphs: Sequence[str]) -> list[set[str]]:
    """For each paragraph, the patterns whose needed text it holds (see ``_NEEDS``).

    The folded paragraphs are searched as one text, a NUL between two: no needle holds one,
    so no needle is found across two paragraphs.
    """
    folded = [_folded(p) for p in paragraphs]
    text = "\0".join(folded)
    starts = list(accumulate((len(f) + 1 for f in folded[:-1]), initial=0))
    needed: list[set[str]] = [set() for _ in paragraphs]
    for needle, names in _NEEDLES:
        at = text.find(needle)
        while at != -1:
            index = bisect_right(starts, at) - 1
            needed[index] |= names
            if index + 1 == len(starts):
                break
            at = text.find(needle, starts[index + 1])
    return needed


def find_credits(paragraphs: Sequence[str], known: Iterable[str] = ()) -> list[Credit]:
    """Every credit line in ``paragraphs``, in text order.

    ``known`` names publishers the caller knows (sources in the store, by name, display name
    or domain); they count as publishers even without a media word in their name.
    """
    known_keys = _known_keys(known)
    found: list[Credit] = []
    for index, (paragraph, needed) in enumerate(
        zip(paragraphs, _needs_met(paragraphs), strict=True)
    ):
        live = [p for p in _PATTERNS if p[0] in needed]
        read_more = "read_more" in needed
        if not live and not read_more:
            continue
        for sentence in sentences(paragraph):
            seen: set[tuple[str | None, str]] = set()
            for pattern, regex, self_ref, strength in live:
                for match in regex.finditer(sentence):
                    name = _best_known_prefix(_trim_name(match.group("name")), known_keys)
                    key = publisher_key(name)
                    if not _is_publisher(name, key, known_keys, pattern) and " of " in name:
                        # "Ken Rosenthal of Fox Sports reports": the reporter's outlet
                        name = name.rsplit(" of ", 1)[1]
                        key = publisher_key(name)
                    if (
                        not _is_publisher(name, key, known_keys, pattern)
                        or (key, pattern) in seen
                        or (pattern == "via" and _is_picture_credit(sentence, match.start()))
                        or (pattern == "via" and _runs_on(sentence, match.end(), known_keys, key))
                    ):
                        continue
                    seen.add((key, pattern))
                    found.append(
                        Credit(
                            display_name(key, [name]),
                            key,
                            _clip(sentence, around=(match.start(), match.end())),
                            pattern,
                            self_ref,
                            strength,
                            index,
                        )
                    )
            if (
                read_more
                and _READ_MORE.search(sentence)
                and not any(p == "read_more" for _, p in seen)
            ):
                seen.add((None, "read_more"))
                found.append(Credit(None, None, _clip(sentence), "read_more", False, 0.8, index))
    return found


def _clip(text: str, limit: int = 240, around: tuple[int, int] | None = None) -> str:
    """``text`` on one line, at most ``limit`` characters; a long one keeps the words that make
    it a credit (``around``: the match's span) rather than only its first 240 characters.

    >>> _clip("x " * 200 + "told Reuters", 30, around=(400, 412))
    '… x x x x x x x told Reuters'
    """
    if len(text) <= limit:
        return " ".join(text.split())
    if around is not None and around[1] > limit - 1:
        budget = limit - 2  # room for the two marks
        span = around[1] - around[0]
        start = max(0, min(around[0] - (budget - span) // 2, len(text) - budget))
        end = start + budget
        window = text[start:end]
        if start > 0 and " " in window[: around[0] - start]:
            window = window.split(" ", 1)[1]  # never begin inside a word
        window = " ".join(window.split())
        return ("… " if start > 0 else "") + window + ("…" if end < len(text) else "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
