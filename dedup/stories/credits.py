"""Credit lines: who a text says it comes from ("told BuzzFeed News", "(AP) —", "via Reuters").

Pure: paragraph texts in, :class:`Credit` records out. Publisher names are normalised so the
spellings copiers use ("Buzzfeed", "BuzzFeed News", "buzzfeednews.com") meet under one key
(:func:`publisher_key`) and one display name (:func:`display_name`).

A credit is found from the sentence's structure, not from a list of credit phrases: every
publisher-like name of a sentence is a candidate (:mod:`dedup.stories.credit_features`), its
named features say how the credit cues stand to it, and a logistic regression fitted on the
labelled real sentences in ``tests/data/credits.jsonl`` (``benchmarks/fit_credits.py``, shipped
as ``credit_model.json`` beside this module, read without scikit-learn) says whether the
sentence credits that name as the source of its text. A name the model rejects but that the
sentence addresses ("told BuzzFeed News", "in an interview with Reuters") is kept as an
interview mention (pattern ``told``): the origin decision weighs those apart.

Two kinds of credit differ in what they mean when they sit in text the copies share with the
origin. A *self reference* ("told BuzzFeed News", a "(Reuters) -" dateline, a copyright line)
names the writer of the passage, so it points at the origin wherever it appears. Any other
credit ("according to Reuters", "via", "reports:") in the origin's own text names the origin's
sources; only in a copier's own text does it name the origin.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from itertools import combinations, pairwise

from dedup.stories.credit_cues import MASTHEAD_WORDS, PERIODICAL_SAYS
from dedup.stories.credit_features import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    Candidate,
    CreditFeatures,
    apposed,
    candidates,
    untokenised,
)
from dedup.stories.publishers import (
    DISPLAY,
    KEY_ALIASES,
    MEDIA_WORDS,
    display_name,
    publisher_key,
)
from dedup.text.sentences import sentences

__all__ = ["Credit", "display_name", "find_credits", "publisher_key"]

_READ_MORE = re.compile(
    r"(?i)\b(?:read\s+(?:the\s+)?(?:full|whole|entire|rest\s+of\s+the)\s+(?:story|article|report)"
    r"|continue\s+reading|read\s+more\s+(?:at|on)|h/t)\b"
)
# Cheap tests before any candidate is built. Most sentences credit no one; a credit needs both
# a cue of some feature and a name that could be an outlet. ``_ANY_CUE`` is the first;
# ``_may_credit`` the second, from one lower-cased tokenisation: a credit or interview cue
# word, an outlet-kind word ("newspaper", "news agency"), a capitalised media word or
# gazetteer name, a mark ("©", "(Reuters) -", ".com", "Source:"), or a publisher the caller
# knows. On Reuters it lets about a tenth of the sentences through, and no labelled credit of
# tests/data/credits.jsonl is lost.


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_ANY_CUE = re.compile(
    r"(?i)accord|via|h/t|hat tip|per\b|citing|report|publish|post|appear|print|syndicat|carri|"
    r"broadcast|aired|quot|cite|courtesy|by\b|credit|source|©|\(c\)|copyright|said|says|wrote|"
    r"writes|claim|learn|broke|reveal|disclos|stat|add|ran\b|specul|noted|contribut|\)\s*[-—–]|"
    r"told|tell|explain|confirm|spok|speak|talk|admit|interview|statement|mail|letter|speech|"
    r"remark|address|answer|comment|for\b|poll|survey|with\b|[”\"],?\s+[A-Z]|issue|edition|journal"
)
_GATE_WORDS = _word_set(
    "according via published republished appeared posted printed reprinted syndicated aired "
    "broadcast copyright courtesy quoted quoting cited citing contributed reporting "
    "reported reports learned scoop writes wrote newspaper "
    "newspapers daily weekly monthly magazine tabloid broadcaster television tv radio "
    "website blog news dpa reporter correspondent journalist columnist photographer paper "
    "newsletter journal journals edition editions issue writing appear appears proceedings annals"
)
# words of multi-word gazetteer names that are ordinary words ("New York", "Wall Street"):
# the name's media word or a cue lets its sentence through instead
_GATE_ORDINARY = _word_set(
    "the al angeles associated association beast canadian della der die e el entertainment "
    "financial jones kuwait la le lib o il 24 ore paulo do du da estado los memo mother "
    "national new points ration raw s "
    "saudi sera sports story street talking today us usa wall washington weekly york "
    "america china people tokyo moscow voice south morning straits jakarta hindustan am"
)
_GATE_NAMES = (
    frozenset(MEDIA_WORDS)
    | frozenset(
        w.lower()
        for name in DISPLAY.values()
        for w in re.findall(r"[A-Za-z0-9]+", name)
        if w.lower() not in _GATE_ORDINARY
    )
    | frozenset(k for k in KEY_ALIASES if k.isalpha())
)  # "Reuter", "AP", "WSJ"
_GATE_KEYS = frozenset(DISPLAY) | frozenset(KEY_ALIASES)
# a masthead word after "the" ("the Star said", "the Sunday Express"): alone, "Sun", "Star" and
# "Express" name companies too often ("Lone Star", "American Express") to let a sentence through
_GATE_MASTHEAD = re.compile(
    r"\b[Tt]he\s+(?:[A-Z][a-z]+\s+)?(?:"
    + "|".join(sorted(w.capitalize() for w in MASTHEAD_WORDS))
    + r")\b(?!\s+(?:Co|Corp|Inc|Ltd|Group|Oil)\b)"
)
_GATE_LOWER = re.compile(r"[a-z0-9]+")
_GATE_CAPITAL = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*")
_GATE_MARK = re.compile(
    r"©|\(c\)|h/t|\)\s*[-—–]|\.\s?(?:com|org|net)\b|\b(?:sources?|credit)\s*[:—–]", re.I
)


def _may_credit(sentence: str, known: frozenset[str]) -> bool:
    """Whether ``sentence`` could hold a credit or an interview mention at all."""
    lower = sentence.lower()
    tokens = _GATE_LOWER.findall(lower)
    if not _GATE_WORDS.isdisjoint(tokens):
        return True
    capitals = _GATE_CAPITAL.findall(sentence)
    if capitals:
        lowered = [c.lower() for c in capitals]
        if not _GATE_NAMES.isdisjoint(lowered):
            return True
        # a known name of two words the gazetteer keys as one ("Nihon Keizai")
        if any(a + b in _GATE_KEYS for a, b in pairwise(lowered)):
            return True
    if _GATE_MARK.search(sentence) or _GATE_MASTHEAD.search(sentence):
        return True
    if PERIODICAL_SAYS.search(sentence):
        return True
    if known:
        compact = "".join(tokens)
        return any((k in compact) if len(k) > 3 else (k in tokens) for k in known)
    return False


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


@dataclass(frozen=True)
class CreditModel:
    """The fitted decision: logistic regression over the features (and their pairwise
    products when ``interactions``)."""

    version: int
    features: tuple[str, ...]
    interactions: bool
    weights: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, features: CreditFeatures) -> float:
        vector = features.vector()
        base = expand(vector, False)
        z = self.intercept + sum(w * v for w, v in zip(self.weights, base, strict=False))
        if self.interactions:
            # the pairwise products in ``expand``'s order, of the nonzero features only: most
            # of a candidate's features are 0, and so are most of its ~1,000 products
            n, weights = len(vector), self.weights
            nonzero = [(i, v) for i, v in enumerate(vector) if v]
            for a, (i, vi) in enumerate(nonzero):
                row = len(base) + i * (2 * n - i - 1) // 2 - i - 1  # the pair (i, j) is row + j
                for j, vj in nonzero[a + 1 :]:
                    z += weights[row + j] * vi * vj
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


_OUTLET = tuple(
    FEATURE_NAMES.index(n)
    for n in ("known", "media_word", "masthead_word", "kind_near", "domain", "acronym")
)
_CUES = tuple(
    FEATURE_NAMES.index(n) for n in FEATURE_GROUPS["cue_before"] + FEATURE_GROUPS["cue_after"]
)
# "interview" is left out: it says the sentence mentions an interview somewhere, not that this
# name was given one ("told" says that), so it is no evidence against the name by itself.
_AGAINST = tuple(FEATURE_NAMES.index(n) for n in FEATURE_GROUPS["against"] if n != "interview")
DERIVED_NAMES = ("outlet", "credit_cue", "outlet_and_cue", "against_any", "cue_not_against")


def expand(vector: Sequence[float], interactions: bool) -> tuple[float, ...]:
    """The model's inputs: the features; what they add up to (the name reads as an outlet, a
    credit cue stands by it, both, a cue against); with ``interactions``, each pair's product."""
    outlet = max(vector[i] for i in _OUTLET)
    cue = max(vector[i] for i in _CUES)
    against = max(vector[i] for i in _AGAINST)
    base = (*vector, outlet, cue, outlet * cue, against, cue * (1.0 - against))
    if not interactions:
        return base
    return (*base, *(a * b for a, b in combinations(vector, 2)))


@cache
def load_model() -> CreditModel:
    data = json.loads(resources.files("dedup.stories").joinpath("credit_model.json").read_text())
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError("credit_model.json was fitted on other features; rerun fit_credits.py")
    return CreditModel(
        version=int(data["version"]),
        features=tuple(data["features"]),
        interactions=bool(data["interactions"]),
        weights=tuple(float(w) for w in data["weights"]),
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
    )


# pattern name -> (self reference?, strength as evidence); the names are what
# :mod:`dedup.stories.origin` groups (syndication-style, "according to", interview)
_KINDS: dict[str, tuple[bool, float]] = {
    "dateline": (True, 1.0),
    "copyright": (True, 0.8),
    "told": (True, 0.7),  # usually the writer ("told BuzzFeed News"), sometimes a cited outlet
    "contributed": (False, 0.9),
    "source": (False, 0.9),
    "courtesy": (False, 0.9),
    "first_reported": (False, 1.0),
    "republished": (False, 1.0),
    "via": (False, 0.8),
    "reports": (False, 1.0),
    "reports_at": (False, 1.0),
    "quoted_by": (False, 0.8),
    "according_to": (False, 0.6),
    "outlet_said": (False, 0.8),
}
# the cue feature behind each wording, strongest claim first
_CUE_KINDS: tuple[tuple[str, str], ...] = (
    ("dateline", "dateline"),
    ("copyright", "copyright"),
    ("contributed_after", "contributed"),
    ("contributor", "contributed"),
    ("source", "source"),
    ("courtesy", "courtesy"),
    ("first_published", "republished"),
    ("published", "republished"),
    ("broadcast_on", "republished"),
    ("via", "via"),
    ("reported_after", "reports"),
    ("reports_before", "reports_at"),
    ("reported_by", "reports"),
    ("quoted", "quoted_by"),
    ("quoted_as", "outlet_said"),
    ("text_source", "reports"),
    ("according", "according_to"),
    ("wrote_in", "according_to"),
    ("said_after", "outlet_said"),
    ("said_before", "outlet_said"),
)


def _kind(candidate: Candidate, sentence: str) -> str:
    """The credit wording a candidate the model accepted stands in."""
    f = candidate.features
    value, pattern = max(
        ((getattr(f, cue), -rank, pattern) for rank, (cue, pattern) in enumerate(_CUE_KINDS)),
    )[0::2]
    if not value:
        return "outlet_said"
    if pattern == "republished" and re.search(
        r"(?i)\b(?:first|originally)\s+reported\b[^.]{0,40}$", sentence[: candidate.start]
    ):
        return "first_reported"
    return pattern


def _addressed(f: CreditFeatures) -> bool:
    """An interview or statement given to a name that reads as an outlet."""
    outlet = f.known or f.media_word or f.kind_near or f.domain
    return f.told >= 0.5 and bool(outlet) and not (f.person_like or f.adjective_like)


def _known_keys(known: Iterable[str]) -> frozenset[str]:
    return frozenset(k for k in (publisher_key(n) for n in known if n) if k)


def _disjoint(chosen: list[tuple[float, Candidate]], c: Candidate, text: str) -> bool:
    return all(
        (c.end <= o.start or o.end <= c.start) and not apposed(text, c, o) for _, o in chosen
    )


def _best_per_overlap(
    scored: list[tuple[float, Candidate]], threshold: float, text: str
) -> list[tuple[float, Candidate]]:
    """Of candidates whose spans overlap ("BuzzFeed", "BuzzFeed News") or that name one outlet
    twice ("Sudan News Agency (SUNA)"), the likeliest credit; where none is a credit, the one
    an interview is given to ("told BuzzFeed News")."""
    chosen: list[tuple[float, Candidate]] = []
    ranked = sorted(scored, key=lambda pc: (-pc[0], pc[1].start - pc[1].end))
    for p, c in ranked:
        if p >= threshold and _disjoint(chosen, c, text):
            chosen.append((p, c))
    for p, c in ranked:
        if p < threshold and _addressed(c.features) and _disjoint(chosen, c, text):
            chosen.append((p, c))
    return sorted(chosen, key=lambda pc: pc[1].start)


def sentence_credits(
    sentence: str, known: frozenset[str] = frozenset(), model: CreditModel | None = None
) -> list[tuple[float, str, Candidate]]:
    """(probability, pattern, candidate) of each credit and interview mention of a sentence.

    ``model`` defaults to the shipped one; ``benchmarks/fit_credits.py`` passes its folds'.
    """
    if not _may_credit(sentence, known) or not _ANY_CUE.search(sentence):
        return []
    if model is None:
        return list(_shipped_sentence_credits(sentence, known))
    return _sentence_credits(sentence, known, model)


# A story's copies carry the same sentences, and a story is recomputed whenever it changes:
# the shipped model's answer for a sentence (and the story's known publishers) is kept.
@lru_cache(maxsize=1 << 15)
def _shipped_sentence_credits(
    sentence: str, known: frozenset[str]
) -> tuple[tuple[float, str, Candidate], ...]:
    return tuple(_sentence_credits(sentence, known, load_model()))


def _sentence_credits(
    sentence: str, known: frozenset[str], model: CreditModel
) -> list[tuple[float, str, Candidate]]:
    scored = [(model.probability(c.features), c) for c in candidates(sentence, known)]
    text = untokenised(sentence)
    out = []
    for p, c in _best_per_overlap(scored, model.threshold, text):
        if p >= model.threshold:
            out.append((p, _kind(c, text), c))
        elif _addressed(c.features):
            out.append((p, "told", c))
    return out


def find_credits(paragraphs: Sequence[str], known: Iterable[str] = ()) -> list[Credit]:
    """Every credit line in ``paragraphs``, in text order.

    ``known`` names publishers the caller knows (sources in the store, by name, display name
    or domain); they count as publishers even without a media word in their name.
    """
    known_keys = _known_keys(known)
    found: list[Credit] = []
    for index, paragraph in enumerate(paragraphs):
        found += (replace(c, paragraph=index) for c in _paragraph_credits(paragraph, known_keys))
    return found


# A story's copies repeat each other's paragraphs (a wire story's, word for word): a
# paragraph's credit lines are read once per story, not once per member that carries it.
@lru_cache(maxsize=1 << 14)
def _paragraph_credits(paragraph: str, known_keys: frozenset[str]) -> tuple[Credit, ...]:
    found: list[Credit] = []
    for sentence in sentences(paragraph):
        seen: set[tuple[str | None, str]] = set()
        found_here = sentence_credits(sentence, known_keys)
        text = untokenised(sentence) if found_here else sentence
        for _p, pattern, c in found_here:
            if (c.key, pattern) in seen:
                continue
            seen.add((c.key, pattern))
            self_ref, strength = _KINDS[pattern]
            line = _clip(text, around=(c.start, c.end))
            found.append(
                Credit(display_name(c.key, [c.name]), c.key, line, pattern, self_ref, strength, 0)
            )
        lower = sentence.lower()
        if ("read" in lower or "continue" in lower or "h/t" in lower) and _READ_MORE.search(
            sentence
        ):
            found.append(Credit(None, None, _clip(sentence), "read_more", False, 0.8, 0))
    return tuple(found)


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
