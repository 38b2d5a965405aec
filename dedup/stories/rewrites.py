"""Rewritten sentences: one that says what another says in other words.

Pure: two sentences in, a probability out; and :func:`pair_sentences`, which pairs the origin
sentences a copy lacks with the copy's sentences that say them again (one to one, or two
merged into one and one split in two). A rewrite keeps the names, the numbers and most of
the content words (stemmed, so "rose" and "rising" meet only when the stemmer says so) and
changes the wording around them; it may share few word runs. :class:`PairFeatures` names what
is measured; the weights are a logistic regression (over the features and their pairwise
products) fitted on the Microsoft Research Paraphrase
Corpus by ``benchmarks/fit_rewrites.py`` and shipped as ``rewrite_model.json`` beside this
module (cross-validated accuracy is in that file; no scikit-learn at run time).

Ledgers call a pair a rewrite (:func:`rewrite_score`) when it shares three content words and
40% of the shorter sentence's, leaving aside the words that only say who said or published it
("according to", "told", outlet names such as "BuzzFeed News"), and the probability reaches
:data:`REWRITE_THRESHOLD` or the two share nearly all their content words both ways (or the
copy holds every one of the origin's). The model is fitted on MSRP's pairs, which all look
alike: on two news sentences that merely share a topic it is no judge, so the shared content
words come first. Whether
any sentence of a copy may be a rewrite at all is decided by the ledger
(:mod:`dedup.stories.align`): the copy must carry over some of the origin's own sentences,
because independent reports of one event say the same facts in their own words too. And in
:func:`pair_sentences` a copy sentence rewrites an origin sentence only if no other origin
sentence shares more of its content words: a report's sentence that shares a few facts with
one origin sentence and says another better is a second telling, not a rewrite. On MSRP
the whole decision scores ``decision_accuracy_cv`` in the model file (10-fold CV).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import resources
from itertools import combinations_with_replacement, pairwise
from typing import Any

import Stemmer

from dedup.stories.publishers import DISPLAY, KEY_ALIASES, MEDIA_WORDS, publisher_key
from dedup.stories.runs import AlignCache, Parsed, words

_PUBLISHERS = frozenset(DISPLAY) | frozenset(KEY_ALIASES) | frozenset(KEY_ALIASES.values())
_MEDIA = frozenset(MEDIA_WORDS)

REWRITE_THRESHOLD = 0.5
MIN_CONTENT = 4  # content words a sentence needs before it can be called a rewrite
REWRITE_MIN_OVERLAP = 0.4  # content words shared, over the shorter sentence's
MIN_SHARED = 3  # content words shared: two ("South Sudan") are the topic, not a statement
# Content words shared both ways (over each sentence's own) that make a rewrite by themselves:
# the same content words in other wording is what a rewrite is, however long the sentences
# (the model, fitted on MSRP's shorter pairs, grows wary of long ones).
SAME_CONTENT = 0.85
# Share of b's content words that must be a's, when b has every one of a's (see same_content).
KEPT_CONTENT = 0.6

# Function words, never evidence that two sentences say the same thing.
_STOP_WORDS = (
    "a about above after again against all also am an and any are as at be because been "
    "before being below between both but by can could did do does doing down during each "
    "few for from further had has have having he her here hers herself him himself his how "
    "i if in into is it its itself just me more most my myself no nor not now of off on "
    "once only or other our ours ourselves out over own same she should so some such than "
    "that the their theirs them themselves then there these they this those through to too "
    "under until up very was we were what when where which while who whom why will with "
    "would you your yours yourself said says say told mr mrs ms one new "
    # the function words a rewriter puts in place of those above ("around" for "about",
    # "alongside" for "with", "as well as" for "and"): no more content than what they replace
    "around toward towards within upon alongside however whereas amid well"
)
_STOP = frozenset(_STOP_WORDS.split())
# Words that say who said or published a thing, not what was said: two sentences that both
# credit one outlet ("according to BuzzFeed News", "told BuzzFeed News") are not paired by it.
_ATTRIBUTION_WORDS = (
    "according reported reporting reports reportedly stated explained added noted cited "
    "claimed tells telling spokesperson spokesman spokeswoman statement email interview"
)
_ATTRIBUTION = frozenset(_ATTRIBUTION_WORDS.split())

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+")


@cache
def _stemmer() -> Any:
    return Stemmer.Stemmer("english")


# Snowball's English stemmer, in C (PyStemmer: the same stems as the pure-Python
# snowballstemmer on all 54,697 words of Reuters and ECB+, ten times faster). News repeats its
# vocabulary, so each word is stemmed once per process as well.
@lru_cache(maxsize=1 << 17)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


@dataclass(frozen=True)
class SentenceTerms:
    """What a sentence is made of, as the rewrite test sees it."""

    keys: tuple[str, ...]  # every word's matching key
    content: frozenset[str]  # stems of the content words
    names: frozenset[str]  # capitalised words not starting the sentence, case-folded
    numbers: frozenset[str]
    # What pairing goes by: content stems and names less attribution words and publishers
    core: frozenset[str] = frozenset()
    core_names: frozenset[str] = frozenset()


def terms(sentence: str) -> SentenceTerms:
    keys = tuple(words(sentence))
    content = [k for k in keys if k not in _STOP and not k.isdigit() and len(k) > 1]
    stems = frozenset(map(_stem, content))
    names = frozenset(m.group(0).casefold() for m in _NAME.finditer(sentence.strip())) - _STOP
    numbers = frozenset(n.replace(",", "") for n in _NUMBER.findall(sentence))
    outlets = {k for k in keys if publisher_key(k) in _PUBLISHERS}
    if outlets:  # "BuzzFeed News": the media word goes with the outlet's name
        outlets |= _MEDIA & set(keys)
    skip = outlets | _ATTRIBUTION
    core = frozenset(_stem(k) for k in content if k not in skip)
    return SentenceTerms(keys, stems, names, numbers, core, names - skip)


def cached_terms(cache: AlignCache, sentence: str) -> SentenceTerms:
    """:func:`terms` of ``sentence``, kept in the story's ``cache`` (a sentence is read
    against every other member's)."""
    found = cache.terms.get(sentence)
    if found is None:
        found = cache.terms[sentence] = terms(sentence)
    return found


@dataclass(frozen=True)
class PairFeatures:
    """The measured likeness of two sentences, each in [0, 1]."""

    content_a: float  # share of a's content stems found in b
    content_b: float  # share of b's content stems found in a
    names: float  # shared names over the names either has (1 when neither has any)
    numbers: float  # shared numbers over the numbers either has (1 when neither has any)
    number_clash: float  # 1 when both have numbers and share none
    length_ratio: float  # shorter over longer, in words
    bigrams: float  # word-pair overlap (Jaccard)
    sequence: float  # difflib ratio of the word keys
    words_a: float  # share of a's distinct words (function words too) found in b
    words_b: float
    trigrams: float  # word-triple overlap (Jaccard)
    longest_run: float  # longest common run of words over the shorter sentence
    length_gap: float  # difference in words, in tens
    only_a: float  # content stems of a missing from b, in tens
    only_b: float
    content_min: float  # the smaller of content_a and content_b
    content_max: float

    def vector(self) -> tuple[float, ...]:
        # not dataclasses.astuple, which deep-copies: this runs for every candidate
        return tuple(getattr(self, name) for name in FEATURE_NAMES)


FEATURE_NAMES = tuple(f.name for f in fields(PairFeatures))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def pair_features(a: SentenceTerms, b: SentenceTerms) -> PairFeatures:
    shared = len(a.content & b.content)
    bi_a = set(zip(a.keys, a.keys[1:], strict=False))
    bi_b = set(zip(b.keys, b.keys[1:], strict=False))
    tri_a = set(zip(a.keys, a.keys[1:], a.keys[2:], strict=False))
    tri_b = set(zip(b.keys, b.keys[1:], b.keys[2:], strict=False))
    keys_a, keys_b = set(a.keys), set(b.keys)
    matcher = SequenceMatcher(None, a.keys, b.keys, autojunk=False)
    run = matcher.find_longest_match(0, len(a.keys), 0, len(b.keys)).size
    content_a = shared / len(a.content) if a.content else 0.0
    content_b = shared / len(b.content) if b.content else 0.0
    return PairFeatures(
        content_a=content_a,
        content_b=content_b,
        names=_overlap(a.names, b.names),
        numbers=_overlap(a.numbers, b.numbers),
        number_clash=float(bool(a.numbers and b.numbers and not a.numbers & b.numbers)),
        length_ratio=min(len(a.keys), len(b.keys)) / max(1, len(a.keys), len(b.keys)),
        bigrams=len(bi_a & bi_b) / len(bi_a | bi_b) if bi_a | bi_b else 0.0,
        sequence=matcher.ratio(),
        words_a=len(keys_a & keys_b) / max(1, len(keys_a)),
        words_b=len(keys_a & keys_b) / max(1, len(keys_b)),
        trigrams=len(tri_a & tri_b) / max(1, len(tri_a | tri_b)),
        longest_run=run / max(1, min(len(a.keys), len(b.keys))),
        length_gap=abs(len(a.keys) - len(b.keys)) / 10,
        only_a=len(a.content - b.content) / 10,
        only_b=len(b.content - a.content) / 10,
        content_min=min(content_a, content_b),
        content_max=max(content_a, content_b),
    )


def _expand(x: Sequence[float]) -> list[float]:
    """Degree-2 terms in scikit-learn's PolynomialFeatures order: 1, x_i, x_i * x_j (i <= j)."""
    return [1.0, *x, *(x[i] * x[j] for i, j in combinations_with_replacement(range(len(x)), 2))]


@dataclass(frozen=True)
class RewriteModel:
    """A logistic regression over standardised :class:`PairFeatures` and their pairwise
    products, loaded from JSON (fitted by ``benchmarks/fit_rewrites.py``)."""

    version: int
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    expanded_mean: tuple[float, ...]
    expanded_scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    accuracy_cv: float

    def probability(self, features: PairFeatures) -> float:
        x = [(v - m) / s for v, m, s in zip(features.vector(), self.mean, self.scale, strict=True)]
        terms = _expand(x)
        z = self.intercept + sum(
            w * (t - m) / s
            for w, t, m, s in zip(
                self.weights, terms, self.expanded_mean, self.expanded_scale, strict=True
            )
        )
        return 1.0 / (1.0 + math.exp(-z))


@cache
def load_model() -> RewriteModel:
    data = json.loads(resources.files("dedup.stories").joinpath("rewrite_model.json").read_text())
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError(
            "rewrite_model.json was fitted on other features; refit it with "
            "benchmarks/fit_rewrites.py"
        )

    def floats(name: str) -> tuple[float, ...]:
        return tuple(float(v) for v in data[name])

    return RewriteModel(
        version=int(data["version"]),
        mean=floats("mean"),
        scale=floats("scale"),
        expanded_mean=floats("expanded_mean"),
        expanded_scale=floats("expanded_scale"),
        weights=floats("weights"),
        intercept=float(data["intercept"]),
        accuracy_cv=float(data["accuracy_cv"]),
    )


def rewrite_probability(a: SentenceTerms, b: SentenceTerms) -> float:
    return load_model().probability(pair_features(a, b))


def core_overlap(a: SentenceTerms, b: SentenceTerms) -> float:
    """Shared content stems, attribution and publishers aside, over the shorter sentence's."""
    return len(a.core & b.core) / max(1, min(len(a.core), len(b.core)))


def candidate(a: SentenceTerms, b: SentenceTerms) -> float:
    """The cheap test before the model: 0 when ``b`` cannot be a rewrite of ``a``, else their
    core overlap. A rewrite keeps content words beyond who said or published them."""
    if len(a.core) < MIN_CONTENT or len(b.core) < MIN_CONTENT:
        return 0.0
    if len(a.core & b.core) < MIN_SHARED:
        return 0.0
    overlap = core_overlap(a, b)
    return overlap if overlap >= REWRITE_MIN_OVERLAP else 0.0


def same_content(a: SentenceTerms, b: SentenceTerms) -> bool:
    """Nearly the same content words both ways, or every one of ``a``'s in ``b`` and most of
    ``b``'s: a rewriter keeps the facts and adds wording of its own around them ("put another
    way", "in addition"), which the model, fitted on MSRP's pairs, reads as new content."""
    shared = len(a.core & b.core)
    if shared >= SAME_CONTENT * max(len(a.core), len(b.core)):
        return True
    return shared == len(a.core) and shared >= KEPT_CONTENT * len(b.core)


def rewrite_score(a: SentenceTerms, b: SentenceTerms) -> float:
    """How sure a rewrite ``b`` of ``a`` is, for ranking pairs: 0 when it is none."""
    overlap = candidate(a, b)
    if not overlap:
        return 0.0
    p = rewrite_probability(a, b)
    if p < REWRITE_THRESHOLD and not same_content(a, b):
        return 0.0
    # the model ranks sentences of MSRP's kind; among long news sentences the pair sharing
    # most content words (who said it aside) is the likelier rewrite
    return max(p, REWRITE_THRESHOLD) * overlap


def is_rewrite(a: SentenceTerms, b: SentenceTerms) -> bool:
    """Whether ``b`` says what ``a`` says in other words (see the module notes)."""
    return rewrite_score(a, b) > 0


Ref = tuple[int, int]  # (paragraph, sentence)
JOIN_GAIN = 2  # content words a merged or split sentence must add to a rewrite (one: chance)
Unit = tuple[Ref, ...]  # one sentence, or two read one after the other


def pair_sentences(
    origin: list[Parsed],
    copy: list[Parsed],
    lacking: list[Ref],
    free: list[Ref],
    cache: AlignCache,
) -> list[tuple[Unit, Unit]]:
    """Origin sentences said again in a copy sentence's own words, one to one, best first.

    ``lacking`` are the origin sentences (paragraph, sentence) whose words did not survive;
    ``free`` the copy sentences that are none of the origin's text. A cheap test (shared
    content words: :func:`candidate`) picks the pairs worth the model's look.

    Rewriters also merge two sentences into one and split one into two. So once the pairs
    are made, an origin sentence left unpaired joins the pair of the sentence read just before
    or after it (across a paragraph break too) when the two together are a likelier rewrite
    when it passes the cheap test against that copy sentence, the two together are still a
    rewrite of it and share :data:`JOIN_GAIN` more of its content words than the paired one
    alone; a copy sentence left unpaired joins the pair of its neighbour in its paragraph the
    same way. Last, two sentences left unpaired on one side (read one after the other) may be
    a rewrite together of one left unpaired on the other, each passing the cheap test.
    Only what would otherwise count as dropped or added is joined: no pair is undone.
    """

    # every pair, merge and split below pairs a lacking origin sentence with a free copy one
    if not lacking or not free:
        return []

    def terms_of(text: str) -> SentenceTerms:
        return cached_terms(cache, text)

    def text_of(parsed: list[Parsed], unit: Unit) -> str:
        return " ".join(parsed[i].raw[s] for i, s in sorted(unit))

    everyone = [
        ((i, s), terms_of(p.raw[s])) for i, p in enumerate(origin) for s in range(len(p.sentences))
    ]

    def says_best(unit: Unit, said: SentenceTerms) -> bool:
        """Whether no origin sentence outside ``unit`` shares more of ``said``'s content words:
        a report of one event tells facts that run through several of the origin's sentences
        in sentences of its own, and a sentence that says another origin sentence better (one
        the copy may have kept) rewrites none of them."""
        mine = core_overlap(terms_of(text_of(origin, unit)), said)
        return all(core_overlap(t, said) <= mine for ref, t in everyone if ref not in unit)

    scored: list[tuple[float, Ref, Ref]] = []
    copy_terms = [(ref, terms_of(copy[ref[0]].raw[ref[1]])) for ref in free]
    for ref in lacking:
        a = terms_of(origin[ref[0]].raw[ref[1]])
        for cref, b in copy_terms:
            score = rewrite_score(a, b)
            if score and says_best((ref,), b):
                scored.append((score, ref, cref))
    pairs: dict[Ref, tuple[float, Unit, Unit]] = {}  # by the pair's first origin sentence
    taken: set[Ref] = set()  # origin sentences paired
    said: set[Ref] = set()  # copy sentences paired
    for score, ref, cref in sorted(scored, key=lambda x: (-x[0], x[1], x[2])):
        if ref not in taken and cref not in said:
            pairs[ref] = (score, (ref,), (cref,))
            taken.add(ref)
            said.add(cref)
    reading = [(i, s) for i, p in enumerate(origin) for s in range(len(p.sentences))]
    place = {ref: n for n, ref in enumerate(reading)}
    lacking_set, free_set = set(lacking), set(free)
    for key in sorted(pairs):
        score, ounit, cunit = pairs[key]
        if len(ounit) == 1:  # a merge: a neighbour in reading order
            n = place[ounit[0]]
            for other in (
                reading[n + 1] if n + 1 < len(reading) else None,
                reading[n - 1] if n else None,
            ):
                if other is None or other in taken or other not in lacking_set:
                    continue
                joined = tuple(sorted((*ounit, other)))
                cterms = terms_of(text_of(copy, cunit))
                if candidate(terms_of(origin[other[0]].raw[other[1]]), cterms):
                    together = terms_of(text_of(origin, joined))
                    gain = _shared(together, cterms) - _shared(
                        terms_of(text_of(origin, ounit)), cterms
                    )
                    if (
                        gain >= JOIN_GAIN
                        and rewrite_score(together, cterms)
                        and says_best(joined, cterms)
                    ):
                        ounit = joined
                        taken.add(other)
                        break
        if len(cunit) == 1:  # a split: a neighbour in the copy paragraph
            j, t = cunit[0]
            oterms = terms_of(text_of(origin, ounit))
            for other in ((j, t + 1), (j, t - 1)):
                if other in said or other not in free_set:
                    continue
                joined = tuple(sorted((*cunit, other)))
                if candidate(oterms, terms_of(copy[j].raw[other[1]])):
                    together = terms_of(text_of(copy, joined))
                    gain = _shared(oterms, together) - _shared(
                        oterms, terms_of(text_of(copy, cunit))
                    )
                    if (
                        gain >= JOIN_GAIN
                        and rewrite_score(oterms, together)
                        and says_best(ounit, together)
                    ):
                        cunit = joined
                        said.add(other)
                        break
        pairs[key] = (score, ounit, cunit)
    # What is still unpaired: two sentences that are a rewrite only together.
    origin_left = [ref for ref in reading if ref in lacking_set and ref not in taken]
    copy_left = [ref for ref in free if ref not in said]
    joins: list[tuple[float, Unit, Unit]] = []
    for ref in origin_left:
        a = terms_of(origin[ref[0]].raw[ref[1]])
        for x, y in pairwise(copy_left):
            if y == (x[0], x[1] + 1) and all(
                candidate(a, terms_of(copy[c[0]].raw[c[1]])) for c in (x, y)
            ):
                said_xy = terms_of(text_of(copy, (x, y)))
                score = rewrite_score(a, said_xy)
                if score and says_best((ref,), said_xy):
                    joins.append((score, (ref,), (x, y)))
    for x, y in pairwise(origin_left):
        if place[y] != place[x] + 1:
            continue
        together = terms_of(text_of(origin, (x, y)))
        for cref in copy_left:
            b = terms_of(copy[cref[0]].raw[cref[1]])
            if all(candidate(terms_of(origin[o[0]].raw[o[1]]), b) for o in (x, y)):
                score = rewrite_score(together, b)
                if score and says_best((x, y), b):
                    joins.append((score, (x, y), (cref,)))
    for score, ounit, cunit in sorted(joins, key=lambda x: (-x[0], x[1], x[2])):
        if not taken.intersection(ounit) and not said.intersection(cunit):
            pairs[ounit[0]] = (score, ounit, cunit)
            taken.update(ounit)
            said.update(cunit)
    return sorted((ounit, cunit) for _, ounit, cunit in pairs.values())


def _shared(a: SentenceTerms, b: SentenceTerms) -> int:
    return len(a.core & b.core)
