"""The simulator's edits: word swaps, rewrites in other words, sentence cuts and cut-and-paste.

Each edit says what it did to the origin's words in a :class:`Tally` (kept, edited, rewritten,
and the copy's own words), so the truth is known sentence by sentence.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from dedup.stories.runs import words
from dedup.text.sentences import sentences

_SUBSTITUTES = ("reportedly", "notably", "also", "still", "however", "meanwhile", "indeed")
# Rewrites keep the names, numbers and content words and change the wording around them.
_SYNONYMS = {
    "said": "stated",
    "says": "states",
    "company": "firm",
    "companies": "firms",
    "increase": "rise",
    "increased": "rose",
    "rose": "climbed",
    "fell": "dropped",
    "will": "is set to",
    "would": "was expected to",
    "expected": "forecast",
    "year": "twelve months",
    "also": "in addition",
    "about": "around",
    "but": "however",
    "and": "as well as",
    "the": "this",
    "a": "one",
    "of": "from",
    "to": "towards",
    "in": "within",
    "for": "on behalf of",
    "on": "upon",
    "it": "the group",
    "its": "the group's",
    "from": "out of",
    "by": "through",
    "with": "alongside",
    "that": "which",
    "has": "had",
    "have": "had",
    "is": "was",
    "was": "had been",
    "were": "had been",
}


@dataclass
class Tally:
    """Origin words by fate, and the copy's own words."""

    kept: int = 0
    edited: int = 0
    rewritten: int = 0
    own: int = 0


def swap_words(text: str, rng: random.Random) -> str:
    tokens = text.split()
    for i in range(rng.randrange(4), len(tokens), 8):
        tokens[i] = rng.choice(_SUBSTITUTES)
    return " ".join(tokens)


def synonyms(sentence: str) -> str:
    """Dev rewrite: function words and common verbs replaced, names and numbers kept."""
    out = []
    for token in sentence.split():
        core = token.rstrip(".,;:")
        tail = token[len(core) :]
        swap = _SYNONYMS.get(core.lower())
        out.append((swap if swap else core) + tail)
    return " ".join(out)


def clauses(sentence: str, rng: random.Random) -> str:
    """Held-out rewrite: clause order turned round, links reworded, content words kept."""
    body = sentence.rstrip(".")
    parts = [p.strip() for p in re.split(r",\s+|\s+(?:and|but|which|that)\s+", body) if p.strip()]
    if len(parts) < 2:
        half = len(body.split()) // 2
        tokens = body.split()
        parts = [" ".join(tokens[:half]), " ".join(tokens[half:])]
    rng.shuffle(parts)
    joiners = ("; in addition,", "- while", "; moreover", "; separately,")
    text = parts[0]
    for part in parts[1:]:
        text += f" {rng.choice(joiners)} {part}"
    text = synonyms(text)
    return "Put another way, " + text[0].lower() + text[1:] + "."


def edit_paragraph(
    paragraph: str, kind: str, rng: random.Random, pool: list[str], tally: Tally
) -> str:
    parts = sentences(paragraph)
    lengths = [len(words(p)) for p in parts]
    if kind == "swap":
        tally.edited += sum(lengths)
        return swap_words(paragraph, rng)
    if kind == "cut" and len(parts) > 1:
        cut = rng.randrange(len(parts))
        tally.kept += sum(n for i, n in enumerate(lengths) if i != cut)
        return " ".join(p for i, p in enumerate(parts) if i != cut)
    if kind in ("synonyms", "clauses"):
        pick = rng.randrange(len(parts))
        out = []
        for i, p in enumerate(parts):
            if i == pick and lengths[i] >= 8:
                out.append(synonyms(p) if kind == "synonyms" else clauses(p, rng))
                tally.rewritten += lengths[i]
            else:
                out.append(p)
                tally.kept += lengths[i]
        return " ".join(out)
    # append (and the edits that work on paragraph boundaries, applied by the copier)
    extra = sentences(pool.pop())[0]
    tally.kept += sum(lengths)
    tally.own += len(words(extra))
    return paragraph + " " + extra


def cut_and_paste(origin: list[str], keep: float, rng: random.Random, tally: Tally) -> list[str]:
    """Sentences taken from several origin paragraphs, regrouped into paragraphs of their own."""
    chosen = [s for p in origin for s in sentences(p) if rng.random() < keep]
    out: list[str] = []
    while chosen:
        size = rng.randint(1, 3)
        out.append(" ".join(chosen[:size]))
        tally.kept += sum(len(words(s)) for s in chosen[:size])
        chosen = chosen[size:]
    return out
