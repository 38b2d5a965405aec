from __future__ import annotations

import random
import re

import numpy as np

from dedup.index import passages
from dedup.index.fingerprint import FingerprintSettings
from dedup.index.folding import SHORT_ARTICLE_WORDS, fold_short_articles
from dedup.index.passages import (
    Para,
    ShingleSets,
    accepted,
    measure,
    measure_pairs,
    pairs_from_buckets,
    verify,
)
from dedup.text.normalize import norm_key

SETTINGS = FingerprintSettings()
LEAD = (
    "The United States has declined visas to gay Chechens fleeing a wave of kidnappings, "
    "torture, and disappearances in the semi-autonomous Russian region, according to the "
    "organization Russia LGBT Network."
)


def para(pid: int, article: int, text: str, source: int | None = None) -> Para:
    norm = norm_key(text)
    return Para(pid, article, source if source is not None else article, text, norm, norm[:16])


def run(*paras: Para, pairs: list[tuple[int, int]] | None = None) -> list:
    by_id = {p.id: p for p in paras}
    sets = ShingleSets(SETTINGS)
    sets.add(list(paras))
    if pairs is None:
        ids = sorted(by_id)
        pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    return verify(pairs, by_id, sets)


def test_verbatim_copy_is_reuse_with_similarity_one() -> None:
    [link] = run(para(1, 10, LEAD), para(2, 20, LEAD))
    assert (link.kind, link.similarity, link.containment) == ("reuse", 1.0, 1.0)


def test_trimmed_copy_is_found_by_containment() -> None:
    trimmed = LEAD.split(", according")[0] + "."
    [link] = run(para(1, 10, LEAD), para(2, 20, trimmed))
    assert link.containment == 1.0
    assert link.similarity < 1.0


def test_copied_sentence_inside_new_text_is_found() -> None:
    rewritten = (
        "In a week of grim news from the Caucasus, one report stood out. "
        + LEAD
        + " Activists say the decision leaves dozens of men with nowhere to go and no support."
    )
    [link] = run(para(1, 10, LEAD), para(2, 20, rewritten))
    assert link.kind == "reuse"
    assert link.containment == 1.0


def test_same_article_and_unrelated_pairs_are_not_links() -> None:
    other = "Stock markets rose sharply on Tuesday after the central bank cut interest rates again."
    assert run(para(1, 10, LEAD), para(2, 10, LEAD)) == []
    assert run(para(1, 10, LEAD), para(2, 20, other)) == []


def test_shared_quote_in_independent_reports_is_a_quote() -> None:
    quote = (
        '"As visa records are confidential under U.S. law, we are unable to discuss '
        'individual cases."'
    )
    a = f"A spokesperson for the State Department declined to comment on Monday, saying, {quote}"
    b = f"Asked about the reports, the department issued a short statement: {quote}"
    [link] = run(para(1, 10, a), para(2, 20, b))
    assert link.kind == "quote"


def test_a_quotation_running_over_paragraphs_is_a_quote_in_each_of_them() -> None:
    # News style: each paragraph of a long quotation opens with a mark, only the last closes.
    opens = (
        '"We will rebuild every house on this coast, every school and every clinic, and we '
        "will do it before the winter comes."
    )
    closes = (
        "No family will spend the cold months in a tent while I hold this office, and the "
        'province has promised to pay for half of it," the governor said.'
    )
    links = run(
        para(1, 10, "The governor spoke at the harbour on Monday. " + opens),
        para(2, 10, '"' + closes),
        para(3, 20, opens),
        para(4, 20, '"' + closes.replace("the governor said", "she told the crowd")),
    )
    assert sorted((k.paragraph_a, k.paragraph_b, k.kind) for k in links) == [
        (1, 3, "quote"),
        (2, 4, "quote"),
    ]
    # the same sentences outside quotation marks are a copy's
    bare = opens.lstrip('"')
    [link] = run(para(1, 10, "The governor spoke on Monday. " + bare), para(3, 20, bare))
    assert link.kind == "reuse"


def test_site_footer_repeated_across_its_articles_is_a_template() -> None:
    footer = "Contributing writer for this site, writing a first book on travel and politics."
    paras = [para(i, 100 + i, footer, source=7) for i in range(1, 5)]
    links = run(*paras)
    assert links and {k.kind for k in links} == {"template"}


def test_ad_blocker_appeal_is_a_template_across_sites() -> None:
    appeal = "Please add us to your ad blocker's whitelist so that we can keep writing for you."
    [link] = run(para(1, 10, appeal), para(2, 20, appeal))
    assert link.kind == "template"


def test_measure() -> None:
    assert measure(frozenset({1, 2, 3, 4}), frozenset({3, 4, 5})) == (0.4, 2 / 3, 2)
    assert measure(frozenset({1}), frozenset({2})) == (0.0, 0.0, 0)


def test_measure_pairs_is_measure_and_accepted_written_out() -> None:
    """The hot loop inlines the rule: on random paragraphs of a small vocabulary (every degree
    of overlap, same-article pairs among them) it keeps exactly the pairs measure() and
    accepted() keep, with the same figures."""
    rng = random.Random(20261201)
    base = [f"w{n}" for n in range(300)]

    def excerpt() -> str:  # a run of one long text, a few words swapped
        start = rng.randrange(250)
        words = base[start : start + rng.randrange(8, 50)]
        for _ in range(rng.randrange(4)):
            words[rng.randrange(len(words))] = f"x{rng.randrange(1000)}"
        return " ".join(words)

    paras = {pid: para(pid, rng.randrange(12), excerpt()) for pid in range(1, 121)}
    sets = ShingleSets(SETTINGS)
    sets.add(list(paras.values()))
    pairs = [(x, y) for x in paras for y in paras if x != y and rng.random() < 0.2]
    want = []
    for x, y in pairs:
        a, b = (paras[x], paras[y]) if x < y else (paras[y], paras[x])
        figures = measure(sets.get(a.id), sets.get(b.id))
        if a.article_id != b.article_id and accepted(*figures):
            want.append((a, b, *figures))
    got = measure_pairs(pairs, paras, sets)
    assert got == want
    assert 0 < len(got) < len(pairs)


def test_bucket_pairs_link_small_buckets_fully_and_large_ones_to_recent_members() -> None:
    keys = np.array([5, 5, 5, 5, 9, 9, 7], dtype=np.int64)
    owners = np.array([1, 2, 3, 4, 6, 6, 8], dtype=np.int64)
    full = {(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)}
    assert pairs_from_buckets(keys, owners, cap=4, recent=1) == full
    assert pairs_from_buckets(keys, owners, cap=3, recent=1) == {(1, 2), (2, 3), (3, 4)}


def test_a_formula_filled_in_with_other_figures_is_a_template() -> None:
    a = (
        "The Federal Reserve entered the government securities market to arrange 1.5 billion "
        "dlrs of customer repurchase agreements, a Fed spokesman said."
    )
    b = a.replace("1.5 billion", "2.25 billion")
    [link] = run(para(1, 10, a), para(2, 20, b))
    assert link.kind == "template"
    edited = LEAD.replace("semi-autonomous", "semi-autonomous, 40-strong") + " In 2017, 40 men."
    [copy] = run(para(1, 10, LEAD + " In 2017, 40 men."), para(2, 20, edited))
    assert copy.kind == "reuse"


def test_an_article_of_short_lines_is_folded_into_one_paragraph() -> None:
    table = ["MINNEAPOLIS WHEAT", "MAY7 285 UP 1 1/2", "JUL7 281 1/4 UP 1/2", "SEP7 276 1/2 UP 1/2"]
    paras = [para(i, 10, t) for i, t in enumerate(table, 1)] + [para(9, 20, LEAD)]
    folded = fold_short_articles(paras, SETTINGS.min_unit_words)
    assert [p.id for p in folded] == [1, 9]
    assert folded[0].norm.split()[:3] == ["minneapolis", "wheat", "may7"]
    # An article with one long paragraph is left as it is.
    assert fold_short_articles(paras[-1:], SETTINGS.min_unit_words) == paras[-1:]


def test_the_same_phrasing_about_other_subjects_is_a_template() -> None:
    a = (
        "Shares rose after Chubb Corp said it completed the previously announced acquisition "
        "of Sovereign Corp."
    )
    b = (
        "Shares rose after Primerica Corp said it completed the previously announced acquisition "
        "of Smith Barney Inc for cash."
    )
    [link] = run(para(1, 10, a), para(2, 20, b))
    assert link.kind == "template"
    copy = a.replace("Shares rose after", "Stock in the insurer climbed after")
    [kept] = run(para(1, 10, a), para(2, 20, copy))
    assert kept.kind == "reuse"


def test_a_short_notice_is_folded_but_an_article_of_two_full_paragraphs_is_not() -> None:
    notice = ["Qtly div five cts vs five cts prior", "Pay July 15", "Record June 30"]
    folded = fold_short_articles(
        [para(i, 10, t) for i, t in enumerate(notice, 1)], SETTINGS.min_unit_words
    )
    assert len(folded) == 1 and folded[0].norm.endswith("record june 30")
    story = [
        "The harbour authority approved a new ferry terminal after years of delay.",
        "Example Daily has been reporting from the field since its founding.",
    ]
    paras = [para(i, 20, t) for i, t in enumerate(story, 1)]
    assert fold_short_articles(paras, SETTINGS.min_unit_words) == paras


def test_folding_stops_counting_words_early_but_decides_as_the_whole_rule() -> None:
    """The fold decision counts words only until it is known; on random articles it is the
    rule over every paragraph's words (fewer than ``min_words`` in all never folds; no
    indexable paragraph, or one in a short article, folds)."""
    rng = random.Random(12)
    for _ in range(3000):
        words = [rng.choice([0, 1, 3, 7, 8, 9, 15, 21, 29, 31]) for _ in range(rng.randint(2, 6))]
        min_words = rng.choice([1, 3, 8, 10])
        paras = [para(i, 10, " ".join(["w"] * n)) for i, n in enumerate(words, 1)]
        indexable, total = sum(n >= min_words for n in words), sum(words)
        expected = min_words <= total and (
            indexable == 0 or (indexable == 1 and total < SHORT_ARTICLE_WORDS)
        )
        assert (len(fold_short_articles(paras, min_words)) == 1) == expected, (words, min_words)


def test_every_appeal_phrase_has_a_cue_the_prefilter_finds() -> None:
    """The cue check before the appeal search may only skip texts the search cannot match:
    each alternative of the pattern has a sample here, and a new alternative fails the count."""
    samples = [
        "adblock", "ad block", "whitelist", "allowlist", "newsletter", "subscribe",
        "sign up for", "all rights reserved", "copyright", "follow us on", "follow me on",
        "share this", "click here", "terms of use", "terms of service", "privacy policy",
        "cookie", "cookies", "support our", "support us", "donate",
    ]  # fmt: skip
    top_level = re.sub(r"\(\?:[^)]*\)", "", passages._APPEAL.pattern).split("|")
    assert len(top_level) == len(passages._APPEAL_CUES) == 16
    for sample in samples:
        text = f"please {sample} today"
        assert passages._APPEAL.search(text), sample
        assert any(cue in text for cue in passages._APPEAL_CUES), sample
