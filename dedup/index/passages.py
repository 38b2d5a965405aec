"""Candidate paragraph pairs -> verified reuse links with a measured similarity and a kind.

Pure: plain paragraphs in, links out. LSH only proposes candidates; every link is verified
on the exact shingle sets of both paragraphs (Jaccard similarity and containment), so the
stored figures are measurements, not estimates.

Kinds:

- ``template``: boilerplate — text a site repeats across its own articles (footers, bylines,
  newsletter boxes), short text many unrelated articles share, text that reads as a site
  appeal (ad blockers, subscriptions, sharing), or a formula filled in with other figures
  or about other subjects (no name in common);
- ``quote``: the shared text lies inside quotation marks in both paragraphs: independent
  reports share a statement, which does not make one a copy of the other;
- ``reuse``: everything else: text taken from another article.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from dedup.index.arrays import sort_pairs
from dedup.index.fingerprint import FingerprintSettings, WordHasher, unit_shingles
from dedup.text.normalize import norm_key
from dedup.text.quotes import quoted_spans

# A link is kept when the paragraphs are alike overall, when most of the smaller one is in
# the other (a trimmed copy), or when they share a long verbatim run (a copied sentence
# inside new text): MIN_SHARED 3-word shingles is a run of about a dozen words.
MIN_JACCARD = 0.2
MIN_CONTAINMENT = 0.5
MIN_SHARED = 10
# Share of the common shingles that must lie inside quotation marks for a quote link.
QUOTE_SHARE = 0.7
# A short paragraph met in this many articles of several sites, shared by articles that share
# nothing else, is a template (a syndicated lead is longer, and its copies share more); a
# site's own repeated text is a template from this many of its articles.
TEMPLATE_MIN_ARTICLES = 5
TEMPLATE_MIN_SITES = 3
TEMPLATE_MAX_WORDS = 25
SITE_TEMPLATE_MIN_ARTICLES = 3
# Wire formulas ("Shr 12 cts vs 10 cts", "The Fed arranged 1.5 billion dlrs of ...") share
# their wording and differ in their figures: below this similarity, mostly different figures
# make a link a template, not a copy (an edited copy that changes one figure stays above it).
FORMULA_MAX_SIMILARITY = 0.75
_FIGURE = re.compile(r"\d[\d,./-]*\d|\d")
# A capitalised word that does not open the text or a sentence: a name, roughly.
_NAME = re.compile(r"(?<![.!?:\"]\s)(?<!^)\b([A-Z][A-Za-z]+)")
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "It",
        "Its",
        "He",
        "She",
        "They",
        "We",
        "I",
        "But",
        "And",
        "Or",
        "Of",
        "For",
        "To",
        "By",
        "As",
        "With",
        "From",
        "This",
        "That",
        "These",
        "Those",
        "There",
        "Their",
        "His",
        "Her",
        "Our",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Inc",
        "Corp",
        "Co",
        "Ltd",
    ]
)

# Matched against the normalised text (lower case, no punctuation), which is cheaper.
_APPEAL = re.compile(
    r"\bad ?block|whitelist|allowlist|newsletter|subscribe|sign up for|all rights reserved|"
    r"copyright|follow (?:us|me) on|share this|click here|terms of (?:use|service)|"
    r"privacy policy|\bcookies?\b|support (?:our|us)|donate"
)
# A word every alternative of _APPEAL holds: a text with none of them cannot match, and
# looking for them is a few times cheaper than the search (one text in sixty has one).
_APPEAL_CUES = (
    "block",
    "whitelist",
    "allowlist",
    "newsletter",
    "subscribe",
    "sign up for",
    "all rights reserved",
    "copyright",
    "follow ",
    "share this",
    "click here",
    "terms of ",
    "privacy policy",
    "cookie",
    "support ",
    "donate",
)


SiteCounts = dict[tuple[str, int], int]


class Para(NamedTuple):
    """What verification needs to know about one paragraph.

    A named tuple, not a frozen dataclass: an analysis makes one per paragraph read (over
    100,000 on Reuters), and a frozen dataclass's ``__init__`` costs several times a tuple's.
    """

    id: int
    article_id: int
    source_id: int
    text: str
    norm: str
    norm_hash: str


@dataclass(frozen=True)
class Link:
    """A verified reuse link between two paragraphs of different articles (a < b)."""

    paragraph_a: int
    paragraph_b: int
    article_a: int
    article_b: int
    similarity: float
    containment: float
    shared: int
    kind: str


class ShingleSets:
    """Exact shingle sets of paragraphs and of their quoted parts, computed once each."""

    def __init__(self, settings: FingerprintSettings, hasher: WordHasher | None = None) -> None:
        self.settings = settings
        self.hasher = hasher or WordHasher()
        self._sets: dict[int, frozenset[int]] = {}
        self._quoted: dict[int, frozenset[int]] = {}
        self._given: dict[int, tuple[np.ndarray, int, int]] = {}

    def put(self, ids: np.ndarray, hashes: np.ndarray, offsets: np.ndarray) -> None:
        """Take sets computed elsewhere (a worker): paragraph ``ids[i]`` owns
        ``hashes[offsets[i]:offsets[i+1]]``; turned into sets only when asked for."""
        starts, ends = offsets[:-1].tolist(), offsets[1:].tolist()
        self._given.update(
            (pid, (hashes, s, e)) for pid, s, e in zip(ids.tolist(), starts, ends, strict=True)
        )

    def add(self, paras: Sequence[Para]) -> None:
        given = self._given
        for p in paras:
            if p.id not in self._sets and p.id in given:
                hashes, start, end = given.pop(p.id)
                self._sets[p.id] = frozenset(hashes[start:end].tolist())
        todo = [p for p in paras if p.id not in self._sets]
        if not todo:
            return
        for p, s in zip(todo, self._many([p.norm.split() for p in todo]), strict=True):
            self._sets[p.id] = s

    def _many(self, word_lists: list[list[str]]) -> list[frozenset[int]]:
        keep = [w if w else ["\x00"] for w in word_lists]
        hashes, offsets = unit_shingles(keep, self.hasher, self.settings)
        return [frozenset(hashes[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(keep))]

    def get(self, para_id: int) -> frozenset[int]:
        return self._sets[para_id]

    def quoted(self, para: Para) -> frozenset[int]:
        """Shingles of the text inside quotation marks (empty when nothing is quoted), with
        a quotation that runs on from or into the paragraphs around it."""
        hit = self._quoted.get(para.id)
        if hit is None:
            self.prepare_quoted([para])
            hit = self._quoted[para.id]
        return hit

    def prepare_quoted(self, paras: Iterable[Para]) -> None:
        """:meth:`quoted` of every one of ``paras`` in one hashing pass (one call per
        paragraph cost more in its set-up than in its hashing)."""
        owners: list[int] = []
        words: list[list[str]] = []
        for para in paras:
            if para.id in self._quoted:
                continue
            self._quoted[para.id] = frozenset()
            for span in quoted_spans(para.text):
                key = norm_key(span)
                if key:
                    owners.append(para.id)
                    words.append(key.split())
        if not words:
            return
        found: dict[int, set[int]] = defaultdict(set)
        for pid, part in zip(owners, self._many(words), strict=True):
            found[pid] |= part
        for pid, shingles in found.items():
            self._quoted[pid] = frozenset(shingles)


def measure(a: frozenset[int], b: frozenset[int]) -> tuple[float, float, int]:
    """(Jaccard similarity, containment of the smaller set, shared shingles)."""
    shared = len(a & b)
    if shared == 0:
        return 0.0, 0.0, 0
    union = len(a) + len(b) - shared
    return shared / union, shared / min(len(a), len(b)), shared


def accepted(similarity: float, containment: float, shared: int) -> bool:
    """Whether a measured pair is a link. :func:`measure_pairs` writes this and
    :func:`measure` out in its loop; a test holds the two to this rule."""
    return similarity >= MIN_JACCARD or containment >= MIN_CONTAINMENT or shared >= MIN_SHARED


Measured = tuple[Para, Para, float, float, int]


def measure_pairs(
    pairs: Iterable[tuple[int, int]], paras: dict[int, Para], sets: ShingleSets
) -> list[Measured]:
    """Candidate pairs of different articles measured on exact shingle sets; real links only."""
    # measure() and accepted() written out: this loop runs once per candidate pair (60,000
    # per Reuters import), where their calls cost as much as the set arithmetic.
    measured: list[Measured] = []
    get = sets.get
    for x, y in pairs:
        a, b = (paras[x], paras[y]) if x < y else (paras[y], paras[x])
        if a.article_id == b.article_id:
            continue
        set_a, set_b = get(a.id), get(b.id)
        shared = len(set_a & set_b)
        if shared == 0:
            continue  # measure() gives (0.0, 0.0, 0), which accepted() refuses
        size_a, size_b = len(set_a), len(set_b)
        sim = shared / (size_a + size_b - shared)
        cont = shared / (size_a if size_a < size_b else size_b)
        if sim >= MIN_JACCARD or cont >= MIN_CONTAINMENT or shared >= MIN_SHARED:
            measured.append((a, b, sim, cont, shared))
    return measured


def single_site_links(measured: Sequence[Measured]) -> list[Measured]:
    """Links between two articles of one site that share nothing else: footer suspects.

    Only for these does the site rule need to know how many stored articles carry the text.
    """
    shared = _pair_shared(measured)
    return [
        m
        for m in measured
        if m[0].source_id == m[1].source_id and shared[(m[0].article_id, m[1].article_id)] == 1
    ]


def _pair_shared(measured: Sequence[Measured]) -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for a, b, *_ in measured:
        counts[(a.article_id, b.article_id)] += 1
    return counts


def verify(
    pairs: Iterable[tuple[int, int]],
    paras: dict[int, Para],
    sets: ShingleSets,
    site_counts: SiteCounts | None = None,
) -> list[Link]:
    """Measure candidate pairs and keep the real links, each with its kind.

    ``site_counts`` gives, for a paragraph text (hash) and a source, how many of that source's
    stored articles carry it (beyond those in the pairs), so a footer is a template from its
    third article on even when the earlier ones were indexed in other runs.
    """
    return classify(measure_pairs(pairs, paras, sets), sets, site_counts)


def classify(
    measured: Sequence[Measured],
    sets: ShingleSets,
    site_counts: SiteCounts | None = None,
) -> list[Link]:
    """Give each verified pair its kind, looking at the whole batch for template evidence."""
    # How many articles each paragraph (by exact text) was found in, and how many paragraphs
    # each article pair shares: a paragraph shared by many articles that share nothing else
    # is boilerplate, not syndication.
    articles_by_text: dict[str, set[int]] = defaultdict(set)
    sources_by_text: dict[str, set[int]] = defaultdict(set)
    site_articles_by_text: dict[tuple[str, int], set[int]] = defaultdict(set)
    pair_shared = _pair_shared(measured)
    for a, b, *_ in measured:
        for p, q in ((a, b), (b, a)):
            articles_by_text[p.norm_hash].update((p.article_id, q.article_id))
            sources_by_text[p.norm_hash].update((p.source_id, q.source_id))
            if p.source_id == q.source_id:
                site_articles_by_text[(p.norm_hash, p.source_id)].update(
                    (p.article_id, q.article_id)
                )
    # How many of a source's articles carry a text: those the batch met, and the stored ones
    # it did not (counted, not listed: a footer may be on thousands of them).
    site_articles = {key: len(seen) for key, seen in site_articles_by_text.items()}
    for key, count in (site_counts or {}).items():
        site_articles[key] = site_articles.get(key, 0) + count
    sets.prepare_quoted({p.id: p for m in measured for p in m[:2]}.values())
    features = _Features()
    links = []
    for a, b, sim, cont, shared in measured:
        kind = _kind(
            a,
            b,
            sim,
            shared,
            sets,
            features,
            (articles_by_text, sources_by_text),
            site_articles,
            pair_shared,
        )
        links.append(
            Link(
                a.id, b.id, a.article_id, b.article_id, round(sim, 4), round(cont, 4), shared, kind
            )
        )
    return links


class _Features:
    """Per-paragraph text features, computed once however many links a paragraph has."""

    def __init__(self) -> None:
        self._appeal: dict[int, bool] = {}
        self._figures: dict[int, frozenset[str]] = {}
        self._names: dict[int, frozenset[str]] = {}

    def appeal(self, p: Para) -> bool:
        hit = self._appeal.get(p.id)
        if hit is None:
            norm = p.norm
            hit = self._appeal[p.id] = (
                any(cue in norm for cue in _APPEAL_CUES) and _APPEAL.search(norm) is not None
            )
        return hit

    def names(self, p: Para) -> frozenset[str]:
        hit = self._names.get(p.id)
        if hit is None:
            hit = self._names[p.id] = frozenset(
                m.group(1) for m in _NAME.finditer(p.text) if m.group(1) not in _NOT_NAMES
            )
        return hit

    def figures(self, p: Para) -> frozenset[str]:
        hit = self._figures.get(p.id)
        if hit is None:
            hit = self._figures[p.id] = frozenset(_FIGURE.findall(p.text))
        return hit


def _different_names(names_a: frozenset[str], names_b: frozenset[str]) -> bool:
    """Both texts name someone or something, and not one name in common: the same phrasing
    about other subjects ("X Corp said it completed the previously announced acquisition
    of Y"), which a copy, keeping its story's subjects, never is."""
    return bool(names_a) and bool(names_b) and not names_a & names_b


def _different_figures(figures_a: frozenset[str], figures_b: frozenset[str]) -> bool:
    """Both texts state figures, and mostly different ones: a formula filled in twice.

    A copy that keeps the figures and adds a sentence with more of its own is not a formula:
    one side's figures all standing in the other means the same facts.
    """
    if not figures_a or not figures_b or figures_a <= figures_b or figures_b <= figures_a:
        return False
    return len(figures_a & figures_b) < 0.5 * len(figures_a | figures_b)


def _kind(
    a: Para,
    b: Para,
    similarity: float,
    shared: int,
    sets: ShingleSets,
    features: _Features,
    by_text: tuple[dict[str, set[int]], dict[str, set[int]]],
    site_articles: dict[tuple[str, int], int],
    pair_shared: dict[tuple[int, int], int],
) -> str:
    if features.appeal(a) and features.appeal(b):
        return "template"
    only_link = pair_shared[(a.article_id, b.article_id)] == 1
    if (
        a.source_id == b.source_id
        and only_link
        and site_articles.get((a.norm_hash, a.source_id), 0) >= SITE_TEMPLATE_MIN_ARTICLES
    ):
        return "template"
    articles_by_text, sources_by_text = by_text
    if only_link and len(a.norm.split()) <= TEMPLATE_MAX_WORDS:
        seen = articles_by_text.get(a.norm_hash, set()) | articles_by_text.get(b.norm_hash, set())
        sites = sources_by_text.get(a.norm_hash, set()) | sources_by_text.get(b.norm_hash, set())
        if len(seen) >= TEMPLATE_MIN_ARTICLES and len(sites) >= TEMPLATE_MIN_SITES:
            return "template"
    if similarity < FORMULA_MAX_SIMILARITY and (
        _different_figures(features.figures(a), features.figures(b))
        or _different_names(features.names(a), features.names(b))
    ):
        return "template"
    quoted_a, quoted_b = sets.quoted(a), sets.quoted(b)
    if quoted_a and quoted_b:
        common = sets.get(a.id) & sets.get(b.id)
        in_quotes = len(common & quoted_a & quoted_b)
        if common and in_quotes >= QUOTE_SHARE * len(common):
            return "quote"
    return "reuse"


def cap_templates(links: Sequence[Link], per_paragraph: int) -> list[Link]:
    """Keep at most ``per_paragraph`` template links for each newer paragraph, the most alike.

    A template link is evidence that a text is boilerplate, not a reuse to follow; a few per
    paragraph carry that evidence, and storing every one of a footer's hundreds would make
    each later run pay for them.
    """
    kept: list[Link] = []
    templates: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        if link.kind == "template":
            templates[link.paragraph_b].append(link)
        else:
            kept.append(link)
    for group in templates.values():
        group.sort(key=lambda k: (-k.similarity, -k.paragraph_a))
        kept.extend(group[:per_paragraph])
    return kept


def pairs_from_buckets(
    keys: np.ndarray, owners: np.ndarray, cap: int, recent: int
) -> set[tuple[int, int]]:
    """Paragraph pairs that share a band key, from flat arrays of keys and owning paragraphs.

    A bucket of up to ``cap`` paragraphs pairs them all. A larger bucket is a common phrase,
    a template or a much-repeated text: each member is paired only with the ``recent``
    members before it (by id), so its cost stays linear while repeats stay connected.
    """
    # (sentence units of one paragraph can share a key: each (key, paragraph) counts once)
    return pairs_from_sorted(*sort_pairs(keys, owners), cap, recent)


def pairs_from_sorted(k: np.ndarray, o: np.ndarray, cap: int, recent: int) -> set[tuple[int, int]]:
    """:func:`pairs_from_buckets` of (key, paragraph) rows already sorted, each once."""
    pairs: set[tuple[int, int]] = set()
    if len(k) == 0:
        return pairs
    bounds = np.flatnonzero(np.diff(k)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(k)]])
    # Most buckets hold one paragraph: leave them out before the Python loop.
    shared = ends - starts >= 2
    for s, e in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
        members = o[s:e].tolist()
        window = len(members) if e - s <= cap else recent
        for i, y in enumerate(members):
            for x in members[max(0, i - window) : i]:
                pairs.add((x, y))
    return pairs
