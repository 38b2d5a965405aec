"""Text normalisation: the display form of a paragraph and the key it is matched by.

``normalize_text`` tidies what a reader sees (typographic quotes and dashes made plain,
invisible characters removed, whitespace collapsed). ``norm_key`` is the form fingerprints are
built from: case-folded, punctuation gone, digits kept, single spaces. Both run once per
paragraph on every import, so ASCII input takes a fast path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Characters a reader cannot see or that only typesetting put there: removed outright.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"

# Typographic variants mapped to their plain ASCII form, so two copies of a text that differ
# only in the publisher's typesetting read (and match) the same.
_PLAIN = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2039": "'",
    "\u203a": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\ufe58": "-",
    "\ufe63": "-",
    "\uff0d": "-",
    "\u2026": "...",
    "\u2024": ".",
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
}
_TABLE = str.maketrans({**_PLAIN, **dict.fromkeys(_INVISIBLE, None)})
# Control characters (C0, DEL, C1) and bidirectional formatting marks: never text.
_CONTROL = str.maketrans(
    dict.fromkeys(
        [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    )
)

# In the matching key an apostrophe joins ("don't" -> "dont"); any other non-word run
# (punctuation, symbols, underscores, whitespace) becomes one space. ASCII text, the common
# case, goes through a one-to-one translation table, about three times faster than the regex.
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_PUNCT = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def clean_chars(s: str) -> str:
    """``s`` with Unicode composed and typographic characters made plain; whitespace kept."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", s).translate(_TABLE)


def normalize_text(s: str) -> str:
    """Display text: plain quotes and dashes, no invisible characters, single spaces.

    >>> normalize_text("\u201cIt\u2019s\u00a0here\u201d \u2014 now\u00ad")
    '"It\\'s here" - now'
    """
    text = " ".join(clean_chars(s).split())
    # isprintable() is one fast scan; control and bidi characters are rare enough that the
    # second pass almost never runs.
    if not text.isprintable():
        text = " ".join(text.translate(_CONTROL).split())
    return text


def norm_key(s: str) -> str:
    """Matching form: case-folded, punctuation removed, digits kept, single spaces.

    >>> norm_key("U.S. Denies 40 Visas -- \u201cWe\u2019re\u201d told")
    'u s denies 40 visas were told'
    """
    if s.isascii():
        return " ".join(s.lower().replace("'", "").translate(_ASCII_PUNCT).split())
    s = unicodedata.normalize("NFKC", s).translate(_TABLE)
    return _NON_WORD.sub(" ", s.casefold().replace("'", "")).strip()


def word_count(s: str) -> int:
    """Number of whitespace-separated words."""
    return len(s.split())


def norm_hash(norm_text: str) -> str:
    """Short stable hash of a normalised text, for grouping exact repeats."""
    return hashlib.blake2b(norm_text.encode(), digest_size=8).hexdigest()
