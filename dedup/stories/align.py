"""Alignment of a copy against its origin, sentence by sentence: kept, edited, rewritten,
dropped, moved and added text.

Pure: two lists of paragraph texts in, an :class:`Alignment` out. Each origin sentence is looked
for in the whole copy, so paragraphs merged, split or reordered, and sentences cut from several
paragraphs into one, still count. Weights are words, so the fractions are shares of *text*:

- an origin sentence is **kept** when its words appear, in order and unbroken, in a copy
  paragraph (case and punctuation aside), or across the break between two (what the splitter
  took for one sentence, "... Camden, N.J. The company said ...", a copy desk may split);
- otherwise it is **edited** when most of its wording survives (70% of its words reappear in
  runs of three or more);
- otherwise it is **rewritten**, as a whole, when a copy sentence of the copier's own says the
  same in other words (:mod:`dedup.stories.rewrites`: most content words, who said or
  published it aside; each copy sentence rewrites at most one origin sentence, or two read
  one after the other that it merges, and an origin sentence split in two is one rewrite),
  but only in a copy that carries over some of the origin's own sentences (not quotations):
  one when it credits the origin, a run of :data:`ANCHORS` when not, so that independent
  reports of one event, which share facts and quotes, are no rewrites of each other;
- otherwise it is still **edited** when half its words reappear in such runs; in a sentence
  that does not, runs of at least six words (a kept quote) count as edited for their own
  words;
- and **dropped** otherwise. A copy sentence is **added** text unless at least half of it comes
  from the origin or it is a rewrite; template paragraphs (footers, share boxes, a credit line
  standing alone: :mod:`dedup.stories.ledger` flags those) are neither origin text nor added
  text.

So ``kept + edited + rewritten + dropped == 1`` for every copy, and ``added`` is a share of the
copy's own (non-template) text. A paragraph's line is *kept* when all its sentences are, else
*edited* when any of it survives, else *rewritten* when any of it was rewritten, else *dropped*.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dedup.stories.rewrites import pair_sentences
from dedup.stories.runs import (
    EDITED,
    MIN_BLOCK,
    PARTIAL_MIN,
    PRESENT,
    AlignCache,
    Cover,
    Diff,
    Parsed,
    contains,
    keyed_word_diff,
    ratio,
    sentence_credit,
    similarity,
    word_diff,
    word_key,
    words,
)
from dedup.text.sentences import sentences

__all__ = [
    "MIN_BLOCK",
    "PARTIAL_MIN",
    "PRESENT",
    "AlignCache",
    "Alignment",
    "LedgerLine",
    "align",
    "sentences",
    "similarity",
    "word_diff",
    "word_key",
    "words",
]


@dataclass(frozen=True)
class LedgerLine:
    """What happened to one origin paragraph, or one copy paragraph of the copier's own.

    ``weight`` is the share this line contributes: of the origin's text for kept, edited and
    dropped lines (an edited line counts its surviving share; the rest of it is dropped), of
    the copy's own text for added lines, and 0 for template lines.
    """

    op: str  # kept | edited | rewritten | dropped | added | template
    origin_index: int | None
    copy_index: int | None
    origin_text: str | None
    copy_text: str | None
    similarity: float | None
    moved: bool
    weight: float
    diff: Diff | None
    rewrites: tuple[tuple[str, str], ...] = ()  # (origin sentence, copy sentence) said anew


@dataclass(frozen=True)
class Alignment:
    lines: tuple[LedgerLine, ...]
    kept: float
    edited: float
    rewritten: float
    dropped: float
    added: float
    moved: int
    shared_paragraphs: int  # copy paragraphs that hold kept or edited origin text
    origin_reused: tuple[float, ...] = ()  # per origin paragraph: share of it kept or edited
    # (rewritten text is no shared text: it does not count here)
    origin_words: int = 0  # the origin's words the shares are of
    own_words: int = 0  # the copy's own words (its added share is of these and the rest)

    def kept_upper(self) -> tuple[float, float]:
        """(kept, dropped) if every word of the copy's own were origin text, kept verbatim:
        against an origin rebuilt from what copies share, which may lack text one copy alone
        kept, the most the copy can have kept and the least it can have dropped."""
        total = self.origin_words + self.own_words
        if not total:
            return 0.0, 0.0
        kept = (self.kept * self.origin_words + self.own_words) / total
        return round(kept, 6), round(self.dropped * self.origin_words / total, 6)


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
    origin: list[Parsed], copy: list[Parsed], usable: list[bool], cache: AlignCache
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
            candidates |= {j for j, c in enumerate(copy) if usable[j] and contains(c, opara.keys)}
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


EDIT_SLACK = 3  # words of a sentence outside reused runs that still leave it edited
# Sentences of the origin's own words (not quotes) a rewriter must carry over; a copy that
# credits the origin needs one (the caller says so).
ANCHORS = 3
ANCHOR_MIN_WORDS = 16  # of the reporter's own, outside quotation marks
# A quoted statement: what independent reports share too ("...", “...”, ``...'', «...»).
_QUOTED = re.compile(r'"[^"]*"?|\u201c[^\u201d]*\u201d?|``.*?(?:\'\'|$)|\u00ab[^\u00bb]*\u00bb?')


def _edited(covered: int, length: int) -> bool:
    """Whether a sentence's wording survives: most of it in reused runs, or all but a word or
    two and the neighbours a change cuts out of the runs (one word changed in a short
    sentence is an edit, not a rewrite)."""
    return covered >= EDITED * length or (covered > 0 and length - covered <= EDIT_SLACK)


def _following(usable: Sequence[bool]) -> dict[int, int]:
    """Each usable copy paragraph's next usable one (template paragraphs between skipped)."""
    out: dict[int, int] = {}
    previous: int | None = None
    for j, ok in enumerate(usable):
        if ok:
            if previous is not None:
                out[previous] = j
            previous = j
    return out


def _across(
    copy: Sequence[Parsed],
    homes: Sequence[int],
    following: dict[int, int],
    sent: Sequence[str],
    cache: AlignCache,
) -> bool:
    """Whether an origin sentence stands word for word across a copy's paragraph break.

    The sentence splitter reads no end of sentence after an abbreviation or before a ticker
    ("... Camden, N.J. The company said"), so what it gives as one origin sentence may be two,
    and a copy desk that splits the paragraph between them keeps both, in two paragraphs.
    """
    for j in homes:
        k = following.get(j)
        if k is not None and contains(cache.parse(copy[j].text + " " + copy[k].text), sent):
            return True
    return False


def _anchor(raw: str, keys: Sequence[str]) -> bool:
    """Whether a shared sentence shows copying: enough words of the reporter's own in it."""
    return len(keys) >= ANCHOR_MIN_WORDS and len(words(_QUOTED.sub(" ", raw))) >= ANCHOR_MIN_WORDS


def align(
    origin: Sequence[str],
    copy: Sequence[str],
    template: Sequence[bool] | None = None,
    cache: AlignCache | None = None,
    anchors: int = ANCHORS,
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

    # Copy side: each sentence's words that come from the origin.
    copy_credit = [
        [sentence_credit(len(sent), found.copy_sent[j][t]) for t, sent in enumerate(p.sentences)]
        if usable[j]
        else [0] * len(p.sentences)
        for j, p in enumerate(cpars)
    ]

    # Origin side, sentence by sentence: verbatim somewhere (kept), its wording mostly still
    # there (edited), or not; the last may be said again in other words (rewritten).
    kept_words = [0] * len(opars)
    edited_words = [0] * len(opars)
    lacking: list[tuple[int, int]] = []
    fallback: dict[tuple[int, int], int] = {}  # words that count as edited if no rewrite is found
    needed, anchors = anchors, 0  # origin sentences of the reporter's own words carried over
    following = _following(usable)
    for i, opara in enumerate(opars):
        homes = sorted(found.by_origin[i])
        for s, sent in enumerate(opara.sentences):
            if any(contains(cpars[j], sent) for j in homes) or _across(
                cpars, homes, following, sent, cache
            ):
                kept_words[i] += len(sent)
                anchors += _anchor(opara.raw[s], sent)
                continue
            cover = found.origin_sent[i][s]
            if _edited(cover[0], len(sent)):
                edited_words[i] += len(sent)
                anchors += _anchor(opara.raw[s], sent)
                continue
            lacking.append((i, s))
            fallback[(i, s)] = sentence_credit(len(sent), cover)
    free = [
        (j, t)
        for j, p in enumerate(cpars)
        if usable[j]
        for t, sent in enumerate(p.sentences)
        if not _edited(found.copy_sent[j][t][0], len(sent))
    ]
    # Independent reports of one event say the same facts in their own words and share
    # quoted statements, never the reporter's own sentences: without such an anchor, no
    # sentence is a rewrite.
    rewrites = pair_sentences(opars, cpars, lacking, free, cache) if anchors >= needed else []
    rewritten_words = [0] * len(opars)
    rewrites_of: dict[int, list[tuple[int, int, str]]] = {}  # i -> (s, j, copy text)
    rewritten_copy: set[tuple[int, int]] = set()
    rewritten_origin = {ref for ounit, _ in rewrites for ref in ounit}
    for i, s in lacking:
        if (i, s) not in rewritten_origin:
            edited_words[i] += fallback[(i, s)]
    for ounit, cunit in rewrites:
        said = " ".join(cpars[j].raw[t] for j, t in cunit)
        for i, s in ounit:
            # a sentence said again is rewritten as a whole, quoted runs inside it included
            rewritten_words[i] += len(opars[i].sentences[s])
            rewrites_of.setdefault(i, []).append((s, cunit[0][0], said))
        rewritten_copy.update(cunit)

    added_words = [
        sum(
            0 if (j, t) in rewritten_copy else len(sent) - copy_credit[j][t]
            for t, sent in enumerate(p.sentences)
        )
        if usable[j]
        else 0
        for j, p in enumerate(cpars)
    ]
    carries = [
        usable[j] and (any(copy_credit[j]) or any((j, t) in rewritten_copy for t in range(len(c))))
        for j, c in enumerate(copy_credit)
    ]

    op_of: list[str] = []
    primary: list[int | None] = []
    for i, opara in enumerate(opars):
        pairs = found.by_origin[i]
        if kept_words[i] + edited_words[i]:
            op_of.append("kept" if kept_words[i] == len(opara.keys) else "edited")
            primary.append(max(sorted(pairs), key=lambda j: pairs[j]))
        elif rewritten_words[i]:
            op_of.append("rewritten")
            primary.append(rewrites_of[i][0][1])
        else:
            op_of.append("dropped")
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
            held_by = dict(found.by_copy[j])
            for i, held in rewrites_of.items():
                if any(c == j for _, c, _ in held):
                    held_by.setdefault(i, 0)
            if held_by:
                secondary.setdefault(max(sorted(held_by), key=lambda i: held_by[i]), []).append(j)
            else:
                carries[j] = False

    lines: list[LedgerLine] = []
    for i, opara in enumerate(opars):
        target = primary[i]
        pairs_shown = tuple((opara.raw[s], said) for s, _, said in rewrites_of.get(i, ()))
        if target is None:
            lines.append(
                LedgerLine(
                    op="dropped",
                    origin_index=i,
                    copy_index=None,
                    origin_text=opara.text,
                    copy_text=None,
                    similarity=None,
                    moved=False,
                    weight=_share(len(opara.keys), origin_total),
                    diff=None,
                )
            )
        else:
            ctext = cpars[target].text
            exact = opara.keys == cpars[target].keys
            reused = kept_words[i] + edited_words[i] + rewritten_words[i]
            lines.append(
                LedgerLine(
                    op=op_of[i],
                    origin_index=i,
                    copy_index=target,
                    origin_text=opara.text,
                    copy_text=ctext,
                    similarity=1.0 if exact else ratio(opara.keys, cpars[target].keys),
                    moved=i in moved_set,
                    weight=_share(reused, origin_total),
                    diff=None if exact else keyed_word_diff(opara.text, ctext, cache.word_key),
                    rewrites=pairs_shown,
                )
            )
        for sj in secondary.get(i, []):
            ctext = cpars[sj].text
            lines.append(
                LedgerLine(
                    op="edited",
                    origin_index=i,
                    copy_index=sj,
                    origin_text=opara.text,
                    copy_text=ctext,
                    similarity=ratio(opara.keys, cpars[sj].keys),
                    moved=False,
                    weight=0.0,
                    diff=keyed_word_diff(opara.text, ctext, cache.word_key),
                )
            )
    for j, cpara in enumerate(cpars):
        if is_template[j] or not carries[j]:
            # the copy's own paragraphs: a template line weighs nothing, added text its words
            lines.append(
                LedgerLine(
                    op="template" if is_template[j] else "added",
                    origin_index=None,
                    copy_index=j,
                    origin_text=None,
                    copy_text=cpara.text,
                    similarity=None,
                    moved=False,
                    weight=0.0 if is_template[j] else _share(added_words[j], copy_total),
                    diff=None,
                )
            )

    kept = _share(sum(kept_words), origin_total)
    edited = _share(sum(edited_words), origin_total)
    rewritten = _share(sum(rewritten_words), origin_total)
    dropped = max(0.0, round(1.0 - kept - edited - rewritten, 6)) if origin_total else 0.0
    return Alignment(
        lines=tuple(lines),
        kept=kept,
        edited=edited,
        rewritten=rewritten,
        dropped=dropped,
        added=_share(sum(added_words), copy_total),
        moved=len(moved_set),
        shared_paragraphs=sum(1 for j in range(len(cpars)) if carries[j]),
        origin_reused=tuple(
            _share(kept_words[i] + edited_words[i], len(p.keys)) for i, p in enumerate(opars)
        ),
        origin_words=origin_total,
        own_words=sum(added_words),
    )


def _share(part: int, total: int) -> float:
    return round(part / total, 6) if total else 0.0
