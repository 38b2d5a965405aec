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

from collections.abc import Sequence
from dataclasses import dataclass

from dedup.stories.runs import (
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
            credit = sentence_credit(len(sent), found.copy_sent[j][t])
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
            j for j in sorted(pairs) if contains(cpars[j], opara.keys) and not added_words[j]
        ]
        reused = sum(
            sentence_credit(len(sent), found.origin_sent[i][s])
            for s, sent in enumerate(opara.sentences)
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
            lines.append(
                LedgerLine(
                    op="dropped",
                    origin_index=i,
                    copy_index=None,
                    origin_text=opara.text,
                    copy_text=None,
                    similarity=None,
                    moved=False,
                    weight=share,
                    diff=None,
                )
            )
        else:
            ctext = cpars[target].text
            exact = opara.keys == cpars[target].keys
            sim = 1.0 if exact else ratio(opara.keys, cpars[target].keys)
            diff = None if exact else keyed_word_diff(opara.text, ctext, cache.word_key)
            weight = _share(reused_words[i], origin_total)
            lines.append(
                LedgerLine(
                    op=op_of[i],
                    origin_index=i,
                    copy_index=target,
                    origin_text=opara.text,
                    copy_text=ctext,
                    similarity=sim,
                    moved=i in moved_set,
                    weight=weight,
                    diff=diff,
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
        if is_template[j]:
            lines.append(
                LedgerLine(
                    op="template",
                    origin_index=None,
                    copy_index=j,
                    origin_text=None,
                    copy_text=cpara.text,
                    similarity=None,
                    moved=False,
                    weight=0.0,
                    diff=None,
                )
            )
        elif not carries[j]:
            lines.append(
                LedgerLine(
                    op="added",
                    origin_index=None,
                    copy_index=j,
                    origin_text=None,
                    copy_text=cpara.text,
                    similarity=None,
                    moved=False,
                    weight=_share(added_words[j], copy_total),
                    diff=None,
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
