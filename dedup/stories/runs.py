"""Word runs two texts share: the matching core of alignment, with its cache.

Pure. Texts are parsed once into sentence word keys and hashed runs of ``MIN_BLOCK`` words;
paragraph pairs are compared through their longest common runs, which give the same blocks
difflib would (:func:`_cover`), far faster.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate
from typing import TYPE_CHECKING

from dedup.text.sentences import sentences

if TYPE_CHECKING:
    from dedup.stories.rewrites import SentenceTerms

MIN_BLOCK = 3  # words in a run before it counts as reused (shorter runs are coincidence)
PRESENT = 0.5  # share of a sentence that must reappear for the whole sentence to count
# Share of a sentence's words in reused runs above which it is edited, never rewritten: below
# it, a copy sentence that says the same in other words makes it rewritten (else edited).
EDITED = 0.7
PARTIAL_MIN = 6  # a run this long counts for its own words even inside a rewritten sentence

_STRIP = re.compile(r"[\W_]+")
_DROP = re.compile(r"[^\w\s]|_")  # _STRIP's characters less whitespace
# A word character that no normalisation makes from another: sentences joined around it are
# split into words in one pass and cut apart again at it.
_MARK = "\u3007"

Diff = tuple[tuple[str, str], ...]


def word_key(token: str) -> str:
    """A word as matching sees it: Unicode-normalised, case-folded, punctuation dropped."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", token).casefold())


def words(text: str) -> list[str]:
    """The matching keys of ``text``'s words (punctuation-only tokens dropped)."""
    # Same keys as word_key on each whitespace token: what is dropped is never whitespace, so
    # one pass over the whole text keeps the token boundaries.
    return _DROP.sub("", unicodedata.normalize("NFKC", text).casefold()).split()


def _sentence_words(parts: list[str]) -> list[tuple[str, ...]]:
    """``words`` of each sentence, in one pass when the text lacks the marker."""
    if len(parts) < 2 or any(_MARK in part for part in parts):
        return [tuple(words(part)) for part in parts]
    flat = words(f" {_MARK} ".join(parts))
    out: list[tuple[str, ...]] = []
    start = 0
    for _ in range(len(parts) - 1):
        end = flat.index(_MARK, start)
        out.append(tuple(flat[start:end]))
        start = end + 1
    out.append(tuple(flat[start:]))
    return out


@dataclass(frozen=True)
class Parsed:
    text: str
    sentences: tuple[tuple[str, ...], ...]
    raw: tuple[str, ...]  # each sentence's text, as ``sentences`` holds its word keys
    keys: tuple[str, ...]
    joined: str  # " key key key " for contiguous containment tests
    runs: tuple[int, ...]  # hash of the MIN_BLOCK-word run starting at each word
    grams: frozenset[int]  # the same hashes as a set (a collision only costs time)
    starts: tuple[int, ...]  # where each sentence starts in ``keys``


def parse(text: str) -> Parsed:
    parts = sentences(text)
    kept = [(raw, t) for raw, t in zip(parts, _sentence_words(parts), strict=True) if t]
    sents = tuple(t for _, t in kept)
    keys = tuple(k for s in sents for k in s)
    runs = tuple(map(hash, zip(*(keys[i:] for i in range(MIN_BLOCK)), strict=False)))
    starts = tuple(accumulate((len(s) for s in sents[:-1]), initial=0)) if sents else ()
    return Parsed(
        text=text,
        sentences=sents,
        raw=tuple(raw for raw, _ in kept),
        keys=keys,
        joined=" " + " ".join(keys) + " ",
        runs=runs,
        grams=frozenset(runs),
        starts=starts,
    )


def contains(haystack: Parsed, needle: Sequence[str]) -> bool:
    return bool(needle) and (" " + " ".join(needle) + " ") in haystack.joined


Cover = tuple[int, int]  # words in runs of >= MIN_BLOCK words, words in runs of >= PARTIAL_MIN
# Per paragraph pair: best cover of each origin sentence, origin words covered, and best cover
# of each copy sentence.
_PairCover = tuple[tuple[Cover, ...], int, tuple[Cover, ...]]
Run = tuple[int, int, int]  # a common run of words: start in one text, start in the other, length


class AlignCache:
    """Parsed paragraphs and paragraph-pair covers, kept across the alignments of one update.

    A story aligns its origin against every copy, and syndicated copies repeat the same
    paragraphs, so the same texts and pairs come back many times. Results do not depend on
    the cache; it only saves work.
    """

    def __init__(self) -> None:
        self._parsed: dict[str, Parsed] = {}
        self._pairs: dict[tuple[str, str], _PairCover] = {}
        self._keys: dict[str, str] = {}  # word_key of each token
        # Rewrite tests' view of each sentence, filled by alignment (rewrites import this module).
        self.terms: dict[str, SentenceTerms] = {}

    def word_key(self, token: str) -> str:
        key = self._keys.get(token)
        if key is None:
            key = self._keys[token] = word_key(token)
        return key

    def parse(self, text: str) -> Parsed:
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = parse(text)
        return parsed

    def pair(self, origin: Parsed, copy: Parsed) -> _PairCover:
        key = (origin.text, copy.text)
        found = self._pairs.get(key)
        if found is None:
            found = self._pairs[key] = self._pair(origin, copy)
        return found

    def _pair(self, origin: Parsed, copy: Parsed) -> _PairCover:
        """Each sentence's words found in the other paragraph, in runs of MIN_BLOCK and of
        PARTIAL_MIN words: difflib's matching blocks of the sentence against the paragraph.

        A sentence is a stretch of its paragraph, so its blocks come from the common runs of
        the two paragraphs, found once (:func:`_cover`). A sentence shorter than MIN_BLOCK
        counts when the other paragraph holds it whole.
        """
        runs = _common_runs(origin, copy)
        flipped = sorted((j, i, size) for i, j, size in runs)
        origin_covers = tuple(
            _cover(runs, start, start + len(sent), len(copy.keys))
            if len(sent) >= MIN_BLOCK
            else ((len(sent), 0) if contains(copy, sent) else (0, 0))
            for sent, start in zip(origin.sentences, origin.starts, strict=True)
        )
        copy_covers = tuple(
            _cover(flipped, start, start + len(sent), len(origin.keys))
            if len(sent) >= MIN_BLOCK
            else ((len(sent), 0) if contains(origin, sent) else (0, 0))
            for sent, start in zip(copy.sentences, copy.starts, strict=True)
        )
        return origin_covers, sum(c[0] for c in origin_covers), copy_covers


def _common_runs(a: Parsed, b: Parsed) -> list[Run]:
    """The longest common runs of MIN_BLOCK words or more of two texts, by start in ``a``."""
    common = a.grams & b.grams
    if not common:
        return []
    where: dict[int, list[int]] = {}
    for j, gram in enumerate(b.runs):
        if gram in common:
            where.setdefault(gram, []).append(j)
    found = sorted(
        (j - i, i)
        for i, gram in enumerate(a.runs)
        if gram in common
        for j in where[gram]
        if a.keys[i : i + MIN_BLOCK] == b.keys[j : j + MIN_BLOCK]
    )
    runs: list[Run] = []
    for diagonal, i in found:
        if (
            runs
            and runs[-1][1] - runs[-1][0] == diagonal
            and (runs[-1][0] + runs[-1][2] - MIN_BLOCK + 1 == i)
        ):
            start_a, start_b, size = runs[-1]
            runs[-1] = (start_a, start_b, size + 1)
        else:
            runs.append((i, i + diagonal, MIN_BLOCK))
    runs.sort()
    return runs


def _cover(runs: Sequence[Run], lo: int, hi: int, length: int) -> Cover:
    """Words of ``a[lo:hi]`` in matching blocks of MIN_BLOCK and of PARTIAL_MIN words against
    ``b`` (of ``length`` words), given the longest common runs of ``a`` and ``b``.

    The blocks are difflib's (``SequenceMatcher(None, a[lo:hi], b, autojunk=False)
    .get_matching_blocks()``): the longest match in the region, earliest in ``a`` then in
    ``b``, then the same again on each side of it. Without junk no two blocks touch, so only
    blocks of MIN_BLOCK words or more matter, and the longest match in a region is then the
    longest common run cut to the region.
    """
    covered = partial = 0
    regions = [(lo, hi, 0, length)]
    while regions:
        alo, ahi, blo, bhi = regions.pop()
        best = (0, 0, 0)
        for i, j, size in runs:
            if i >= ahi:
                break
            cut = max(alo - i, blo - j, 0)
            size = min(ahi - i, bhi - j, size) - cut
            if size > best[2] or (size == best[2] and size > 0 and (i + cut, j + cut) < best[:2]):
                best = (i + cut, j + cut, size)
        besti, bestj, size = best
        if size < MIN_BLOCK:
            continue
        covered += size
        if size >= PARTIAL_MIN:
            partial += size
        regions.append((alo, besti, blo, bestj))
        regions.append((besti + size, ahi, bestj + size, bhi))
    return covered, partial


def sentence_credit(length: int, cover: Cover) -> int:
    """Words of a sentence that count as reused, given how many reappear and in what runs."""
    if length and cover[0] / length >= PRESENT:
        return length
    return cover[1]


def similarity(a: str, b: str) -> float:
    """Word-level similarity of two texts in [0, 1] (difflib's ratio on word keys)."""
    return ratio(words(a), words(b))


def ratio(ka: Sequence[str], kb: Sequence[str]) -> float:
    if ka == kb:  # most compared variants are word for word: the matcher would say 1.0
        return 1.0
    return round(SequenceMatcher(None, ka, kb, autojunk=False).ratio(), 3)


def word_diff(old: str, new: str) -> Diff:
    """Word diff of ``old`` -> ``new``: ("=", words), ("-", removed), ("+", inserted) runs."""
    return keyed_word_diff(old, new, word_key)


def keyed_word_diff(old: str, new: str, key: Callable[[str], str]) -> Diff:
    old_tokens, new_tokens = old.split(), new.split()
    old_keys = [key(t) or t for t in old_tokens]
    new_keys = [key(t) or t for t in new_tokens]
    out: list[tuple[str, str]] = []

    def push(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = " ".join(tokens)
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + " " + text)
        else:
            out.append((op, text))

    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("=", new_tokens[j1:j2])
        else:
            push("-", old_tokens[i1:i2])
            push("+", new_tokens[j1:j2])
    return tuple(out)
