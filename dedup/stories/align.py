"""Paragraph alignment of a copy against its origin: kept, edited, dropped, moved and added text.

Pure: two lists of paragraph texts in, an :class:`Alignment` out. Matching works on sentences
against whole paragraphs, so a copy paragraph that merges two origin paragraphs, splits one, or
keeps one sentence (or a quote) of an origin paragraph inside new text is still found.

Weights are words, so the fractions are shares of *text*, not of paragraph counts:

- an origin paragraph is **kept** when its words appear, in order and unbroken, in one copy
  paragraph that adds no words of the copier's own (case and punctuation aside);
- otherwise it is **edited** for the share of its text whose sentences survive (a sentence
  survives when at least half its words reappear in runs of three or more; in a sentence that
  does not survive, runs of at least six words, such as a kept quote, count for their own
  words), and **dropped** for the rest;
- a copy sentence is **added** text unless at least half of it comes from the origin; template
  paragraphs (footers, share boxes) are neither origin text nor added text.

So ``kept + edited + dropped == 1`` for every copy, and ``added`` is a share of the copy's own
(non-template) text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate

MIN_BLOCK = 3  # words in a run before it counts as reused (shorter runs are coincidence)
PRESENT = 0.5  # share of a sentence that must reappear for the whole sentence to count
PARTIAL_MIN = 6  # a run this long counts for its own words even inside a rewritten sentence

_STRIP = re.compile(r"[\W_]+")
_DROP = re.compile(r"[^\w\s]|_")  # _STRIP's characters less whitespace
# A sentence ends after . ! ? … (optionally closed by a quote or bracket): group 1 is the space.
_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]?(\s+)(?=\S)")
# A word character that no normalisation makes from another: sentences joined around it are
# split into words in one pass and cut apart again at it.
_MARK = "\u3007"

Diff = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LedgerLine:
    """What happened to one origin paragraph, or one copy paragraph of the copier's own.

    ``weight`` is the share this line contributes: of the origin's text for kept, edited and
    dropped lines (an edited line counts its surviving share; the rest of it is dropped), of
    the copy's own text for added lines, and 0 for template lines.
    """

    op: str  # kept | edited | dropped | added | template
    origin_index: int | None
    copy_index: int | None
    origin_text: str | None
    copy_text: str | None
    similarity: float | None
    moved: bool
    weight: float
    diff: Diff | None


@dataclass(frozen=True)
class Alignment:
    lines: tuple[LedgerLine, ...]
    kept: float
    edited: float
    dropped: float
    added: float
    moved: int
    shared_paragraphs: int  # copy paragraphs that hold kept or edited origin text
    origin_reused: tuple[float, ...] = ()  # per origin paragraph: share of it kept or edited


def word_key(token: str) -> str:
    """A word as matching sees it: Unicode-normalised, case-folded, punctuation dropped."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", token).casefold())


def words(text: str) -> list[str]:
    """The matching keys of ``text``'s words (punctuation-only tokens dropped)."""
    # Same keys as word_key on each whitespace token: what is dropped is never whitespace, so
    # one pass over the whole text keeps the token boundaries.
    return _DROP.sub("", unicodedata.normalize("NFKC", text).casefold()).split()


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after . ! ? … (or one closing mark after them)
    followed by space, but not after a capital initial ("J. Lester Feder", "U.S. said")."""
    text = text.strip()
    found: list[str] = []
    last = 0
    for end in _SENTENCE_END.finditer(text):
        at = end.start(1)
        # no break after a capital initial: a capital letter starting a word, then a period
        if (
            text[at - 1] == "."
            and at >= 2
            and "A" <= text[at - 2] <= "Z"
            and (at == 2 or not (text[at - 3].isalnum() or text[at - 3] == "_"))
        ):
            continue
        found.append(text[last:at])
        last = end.end(1)
    found.append(text[last:])
    return [s for s in found if s.strip()]


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
class _Parsed:
    text: str
    sentences: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]
    joined: str  # " key key key " for contiguous containment tests
    runs: tuple[int, ...]  # hash of the MIN_BLOCK-word run starting at each word
    grams: frozenset[int]  # the same hashes as a set (a collision only costs time)
    starts: tuple[int, ...]  # where each sentence starts in ``keys``


def _parse(text: str) -> _Parsed:
    sents = tuple(t for t in _sentence_words(sentences(text)) if t)
    keys = tuple(k for s in sents for k in s)
    runs = tuple(map(hash, zip(*(keys[i:] for i in range(MIN_BLOCK)), strict=False)))
    starts = tuple(accumulate((len(s) for s in sents[:-1]), initial=0)) if sents else ()
    return _Parsed(text, sents, keys, " " + " ".join(keys) + " ", runs, frozenset(runs), starts)


def _contains(haystack: _Parsed, needle: Sequence[str]) -> bool:
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
        self._parsed: dict[str, _Parsed] = {}
        self._pairs: dict[tuple[str, str], _PairCover] = {}
        self._keys: dict[str, str] = {}  # word_key of each token

    def word_key(self, token: str) -> str:
        key = self._keys.get(token)
        if key is None:
            key = self._keys[token] = word_key(token)
        return key

    def parse(self, text: str) -> _Parsed:
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = _parse(text)
        return parsed

    def pair(self, origin: _Parsed, copy: _Parsed) -> _PairCover:
        key = (origin.text, copy.text)
        found = self._pairs.get(key)
        if found is None:
            found = self._pairs[key] = self._pair(origin, copy)
        return found

    def _pair(self, origin: _Parsed, copy: _Parsed) -> _PairCover:
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
            else ((len(sent), 0) if _contains(copy, sent) else (0, 0))
            for sent, start in zip(origin.sentences, origin.starts, strict=True)
        )
        copy_covers = tuple(
            _cover(flipped, start, start + len(sent), len(origin.keys))
            if len(sent) >= MIN_BLOCK
            else ((len(sent), 0) if _contains(origin, sent) else (0, 0))
            for sent, start in zip(copy.sentences, copy.starts, strict=True)
        )
        return origin_covers, sum(c[0] for c in origin_covers), copy_covers


def _common_runs(a: _Parsed, b: _Parsed) -> list[Run]:
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


def _credit(length: int, cover: Cover) -> int:
    """Words of a sentence that count as reused, given how many reappear and in what runs."""
    if length and cover[0] / length >= PRESENT:
        return length
    return cover[1]


def similarity(a: str, b: str) -> float:
    """Word-level similarity of two texts in [0, 1] (difflib's ratio on word keys)."""
    return _ratio(words(a), words(b))


def _ratio(ka: Sequence[str], kb: Sequence[str]) -> float:
    if not ka and not kb:
        return 1.0
    return round(SequenceMatcher(None, ka, kb, autojunk=False).ratio(), 3)


def word_diff(old: str, new: str) -> Diff:
    """Word diff of ``old`` -> ``new``: ("=", words), ("-", removed), ("+", inserted) runs."""
    return _word_diff(old, new, word_key)


def _word_diff(old: str, new: str, key: Callable[[str], str]) -> Diff:
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


def _stable_positions(seq: Sequence[int]) -> set[int]:
    """Indexes of a longest non-decreasing subsequence: the paragraphs that did not move."""
    if not seq:
        return set()
    tails: list[int] = []  # index into seq of the smallest tail of each length
    prev = [-1] * len(seq)
    for idx, value in enumerate(seq):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if seq[tails[mid]] <= value:
                lo = mid + 1
            else:
                hi = mid
        prev[idx] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(idx)
        else:
            tails[lo] = idx
    keep: set[int] = set()
    cursor = tails[-1]
    while cursor >= 0:
        keep.add(cursor)
        cursor = prev[cursor]
    return keep


@dataclass
class _Match:
    """Sentence coverage between the two texts, computed once."""

    origin_sent: list[list[Cover]]  # [i][s] best cover of origin sentence s
    copy_sent: list[list[Cover]]  # [j][t] best cover of copy sentence t
    by_origin: list[dict[int, int]]  # [i] copy paragraph j -> origin words of i covered by j
    by_copy: list[dict[int, int]]  # [j] origin paragraph i -> the same words


def _match(
    origin: list[_Parsed], copy: list[_Parsed], usable: list[bool], cache: AlignCache
) -> _Match:
    found = _Match(
        [[(0, 0)] * len(p.sentences) for p in origin],
        [[(0, 0)] * len(p.sentences) for p in copy],
        [{} for _ in origin],
        [{} for _ in copy],
    )
    by_gram: dict[int, list[int]] = {}
    for j, para in enumerate(copy):
        if usable[j]:
            for gram in para.grams:
                by_gram.setdefault(gram, []).append(j)
    for i, opara in enumerate(origin):
        candidates = {j for gram in opara.grams & by_gram.keys() for j in by_gram[gram]}
        if len(opara.keys) < MIN_BLOCK:
            candidates |= {j for j, c in enumerate(copy) if usable[j] and _contains(c, opara.keys)}
        best_origin = found.origin_sent[i]
        for j in sorted(candidates):
            origin_covers, total, copy_covers = cache.pair(opara, copy[j])
            for s, got in enumerate(origin_covers):
                if got > best_origin[s]:
                    best_origin[s] = got
            if total:
                found.by_origin[i][j] = found.by_copy[j][i] = total
            best_copy = found.copy_sent[j]
            for t, got in enumerate(copy_covers):
                if got > best_copy[t]:
                    best_copy[t] = got
    return found


def align(
    origin: Sequence[str],
    copy: Sequence[str],
    template: Sequence[bool] | None = None,
    cache: AlignCache | None = None,
) -> Alignment:
    """Align a copy's paragraphs against the origin's; ``template`` flags the copy's boilerplate.

    Lines come in origin order (dropped paragraphs included), then the copy's own paragraphs
    (added and template) in copy order. ``cache`` carries parsed texts between calls.
    """
    cache = cache or AlignCache()
    opars = [cache.parse(t) for t in origin]
    cpars = [cache.parse(t) for t in copy]
    is_template = list(template) if template is not None else [False] * len(cpars)
    if len(is_template) != len(cpars):
        raise ValueError("template flags must match the copy's paragraphs one to one")
    usable = [not flag for flag in is_template]
    found = _match(opars, cpars, usable, cache)

    origin_total = sum(len(p.keys) for p in opars)
    copy_total = sum(len(p.keys) for j, p in enumerate(cpars) if usable[j])

    # Copy side: words of the copier's own, and which paragraphs carry origin text.
    added_words: list[int] = []
    carries: list[bool] = []
    for j, cpara in enumerate(cpars):
        if not usable[j]:
            added_words.append(0)
            carries.append(False)
            continue
        own = 0
        reused_any = False
        for t, sent in enumerate(cpara.sentences):
            credit = _credit(len(sent), found.copy_sent[j][t])
            reused_any = reused_any or credit > 0
            own += len(sent) - credit
        added_words.append(own)
        carries.append(reused_any)

    # Origin side: kept, edited (surviving share) or dropped.
    op_of: list[str] = []
    reused_words: list[int] = []
    primary: list[int | None] = []
    for i, opara in enumerate(opars):
        pairs = found.by_origin[i]
        # Kept: unbroken in a copy paragraph that adds nothing of the copier's own (it may
        # hold other origin text too, when the copier merged paragraphs).
        kept_in = [
            j for j in sorted(pairs) if _contains(cpars[j], opara.keys) and not added_words[j]
        ]
        reused = sum(
            _credit(len(sent), found.origin_sent[i][s]) for s, sent in enumerate(opara.sentences)
        )
        if kept_in:
            op_of.append("kept")
            reused_words.append(len(opara.keys))
            primary.append(kept_in[0])
        elif reused:
            op_of.append("edited")
            reused_words.append(reused)
            primary.append(max(sorted(pairs), key=lambda j: pairs[j]))
        else:
            op_of.append("dropped")
            reused_words.append(0)
            primary.append(None)

    for target in primary:
        if target is not None:
            carries[target] = True

    order = [i for i in range(len(opars)) if primary[i] is not None]
    stable = _stable_positions([primary[i] or 0 for i in order])
    moved_set = {i for pos, i in enumerate(order) if pos not in stable}

    # Copy paragraphs with origin text that are no origin paragraph's primary: shown after the
    # origin paragraph they hold most of.
    secondary: dict[int, list[int]] = {}
    for j in range(len(cpars)):
        if carries[j] and j not in primary:
            homes = found.by_copy[j]
            if homes:
                secondary.setdefault(max(sorted(homes), key=lambda i: homes[i]), []).append(j)
            else:
                carries[j] = False

    lines: list[LedgerLine] = []
    for i, opara in enumerate(opars):
        target = primary[i]
        share = _share(len(opara.keys), origin_total)
        if target is None:
            lines.append(LedgerLine("dropped", i, None, opara.text, None, None, False, share, None))
        else:
            ctext = cpars[target].text
            exact = opara.keys == cpars[target].keys
            sim = 1.0 if exact else _ratio(opara.keys, cpars[target].keys)
            diff = None if exact else _word_diff(opara.text, ctext, cache.word_key)
            weight = _share(reused_words[i], origin_total)
            lines.append(
                LedgerLine(
                    op_of[i], i, target, opara.text, ctext, sim, i in moved_set, weight, diff
                )
            )
        for sj in secondary.get(i, []):
            ctext = cpars[sj].text
            lines.append(
                LedgerLine(
                    "edited",
                    i,
                    sj,
                    opara.text,
                    ctext,
                    _ratio(opara.keys, cpars[sj].keys),
                    False,
                    0.0,
                    _word_diff(opara.text, ctext, cache.word_key),
                )
            )
    for j, cpara in enumerate(cpars):
        if is_template[j]:
            lines.append(LedgerLine("template", None, j, None, cpara.text, None, False, 0.0, None))
        elif not carries[j]:
            lines.append(
                LedgerLine(
                    "added",
                    None,
                    j,
                    None,
                    cpara.text,
                    None,
                    False,
                    _share(added_words[j], copy_total),
                    None,
                )
            )

    kept = _share(
        sum(len(opars[i].keys) for i in range(len(opars)) if op_of[i] == "kept"), origin_total
    )
    edited = _share(
        sum(reused_words[i] for i in range(len(opars)) if op_of[i] == "edited"), origin_total
    )
    dropped = max(0.0, round(1.0 - kept - edited, 6)) if origin_total else 0.0
    return Alignment(
        lines=tuple(lines),
        kept=kept,
        edited=edited,
        dropped=dropped,
        added=_share(sum(added_words), copy_total),
        moved=len(moved_set),
        shared_paragraphs=sum(1 for j in range(len(cpars)) if carries[j]),
        origin_reused=tuple(_share(reused_words[i], len(p.keys)) for i, p in enumerate(opars)),
    )


def _share(part: int, total: int) -> float:
    return round(part / total, 6) if total else 0.0
