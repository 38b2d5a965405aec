"""Rewritten sentences are paired by what they say, not by whom they credit.

The sentences are the seeds' own (examples/seeds: BuzzFeed News's text as 002/003 carry it, and
the rewrites of 001 and 004). Seed 001's "According to BuzzFeed News, only two men have secured
visas to safe countries ..." once went beside a Zakharova sentence because both name BuzzFeed
News; it says what the "just two have managed to secure visas to safe countries" sentence says.
"""

from __future__ import annotations

import pytest

from dedup.stories.align import ANCHORS, align
from dedup.stories.rewrites import candidate, is_rewrite, terms

JUST_TWO = (
    "Since the independent Russian newspaper Novaya Gazeta first reported the abuse of dozens of "
    "gay Chechens in April, just two have managed to secure visas to safe countries despite the "
    "European Union and the United States expressing concern about the allegations, Zakharova "
    "said."
)
NEGOTIATIONS = (
    'Zakharova told BuzzFeed News that "negotiations have been difficult" with representatives '
    "of countries that could provide safe refuge for survivors of the violence."
)
GROUP_OF_40 = (
    "A group of around 40 Chechens are now in hiding in other parts of Russia, Russia LGBT "
    "Network spokesperson Svetlana Zakharova told BuzzFeed News, and are having difficulty "
    "securing visas that would allow them to flee the country."
)
DECLINED = (
    "The United States has declined visas to gay Chechens fleeing a wave of kidnappings, "
    "torture, and disappearances in the semi-autonomous Russian region, according to the "
    "organization Russia LGBT Network."
)
SEED_001 = (
    "According to BuzzFeed News, only two men have secured visas to safe countries, and cited "
    "that a group of about 40 are in hiding in various parts of Russian Federation in hopes of "
    "avoiding violence."
)
SEED_004 = (
    "A Russia LGBT Network spokesperson explained to BuzzFeed News that there are about 40 "
    "Chechens hiding in different areas of Russia, trying to secure visas so they can flee the "
    "country."
)
OWN = "Chechnya is a semi-autonomous republic within Russian Federation, and the refugees wait."


def _pairs(origin: list[str], copy: list[str], anchors: int = 1) -> list[tuple[str, str]]:
    # 001 and 004 credit BuzzFeed News: one sentence carried over anchors their rewrites
    return [pair for line in align(origin, copy, anchors=anchors).lines for pair in line.rewrites]


def test_a_shared_outlet_name_is_no_ground_for_a_pair() -> None:
    # The two share "BuzzFeed News" and the attribution around it, and little else.
    assert not candidate(terms(NEGOTIATIONS), terms(SEED_001))
    assert "buzzfeed" not in terms(SEED_001).core_names
    assert not {"accord", "buzzfe", "buzzfeed"} & terms(SEED_001).core


def test_seed_001_rewrites_the_just_two_sentence() -> None:
    origin = [DECLINED, f"{JUST_TWO} {NEGOTIATIONS}"]
    got = _pairs(origin, [DECLINED, SEED_001, OWN])
    assert got == [(JUST_TWO, SEED_001)]


def test_seed_001_never_pairs_with_the_negotiations_sentence_alone() -> None:
    got = _pairs([DECLINED, NEGOTIATIONS], [DECLINED, SEED_001])
    assert got == []


def test_seed_004_rewrites_the_group_of_40_sentence() -> None:
    origin = [DECLINED, GROUP_OF_40, f"{JUST_TWO} {NEGOTIATIONS}"]
    got = _pairs(origin, [SEED_004, DECLINED])
    assert got == [(GROUP_OF_40, SEED_004)]
    ledger = align(origin, [SEED_004, DECLINED], anchors=1)
    assert ledger.rewritten > 0
    assert ledger.kept + ledger.edited + ledger.rewritten + ledger.dropped == 1.0


def test_without_a_credit_one_shared_sentence_anchors_no_rewrite() -> None:
    """Independent reports of one event share a fact or two in their own words: a copy that
    credits no one needs a run of the origin's own sentences before anything is a rewrite."""
    origin = [DECLINED, f"{JUST_TWO} {NEGOTIATIONS}"]
    assert _pairs(origin, [DECLINED, SEED_001], anchors=ANCHORS) == []
    assert align(origin, [DECLINED, SEED_001]).rewritten == 0.0  # the default asks as much
    # two of the origin's own sentences carried over are still short of a run of three
    origin = [DECLINED, JUST_TWO, GROUP_OF_40]
    copy = [DECLINED, JUST_TWO, SEED_004]
    assert ANCHORS == 3
    assert _pairs(origin, copy, anchors=ANCHORS) == []
    assert _pairs(origin, copy, anchors=2) == [(GROUP_OF_40, SEED_004)]


def test_a_shared_quotation_is_no_anchor() -> None:
    quoted = f'"{DECLINED}," the network said.'
    origin = [quoted, GROUP_OF_40]
    assert _pairs(origin, [quoted, SEED_004], anchors=1) == []
    assert _pairs([DECLINED, GROUP_OF_40], [DECLINED, SEED_004], anchors=1) != []


def test_the_text_report_shows_a_rewrite_beside_its_origin_sentence() -> None:
    from rich.console import Console

    from dedup.report.model import LedgerLine
    from dedup.report.table import _ledger_text

    line = LedgerLine.from_dict(
        {"op": "rewritten", "copy_text": SEED_001, "rewrites": [[JUST_TWO, SEED_001]]}
    )
    console = Console(width=400, record=True)
    console.print(_ledger_text(line))
    shown = console.export_text()
    assert f"origin sentence: {JUST_TWO}" in shown
    assert f"rewritten as:    {SEED_001}" in shown


def test_a_rewrite_that_keeps_every_fact_and_adds_wording_of_its_own_is_one() -> None:
    # every content word of the origin's sentence is there, in other order and phrasing, with
    # a few of the rewriter's own ("put another way", "in addition", "set"): the model, fitted
    # on MSRP's shorter pairs, doubts it (about 0.4); the content words settle it
    origin = (
        "Shareholders will vote at the annual meeting in April on a proposal to limit the "
        "liability of directors and to double the authorized common shares."
    )
    rewrite = (
        "Put another way, at the annual meeting in April shareholders are set to vote on one "
        "proposal which would limit directors' liability; in addition, the authorized common "
        "shares would double, the firm stated."
    )
    assert is_rewrite(terms(origin), terms(rewrite))
    # half the facts and more of its own is no rewrite of it
    other = (
        "Put another way, at the annual meeting in April shareholders are set to hear the "
        "chairman defend the new factory plans and the dividend cut, the firm stated."
    )
    assert not is_rewrite(terms(origin), terms(other))


def test_two_origin_sentences_merged_into_one_are_both_rewritten() -> None:
    # seed 001's sentence says what two of BuzzFeed's say: with the two read one after the
    # other, both are rewritten by it (apart, only the likelier of the two is)
    origin = [DECLINED, f"{JUST_TWO} {GROUP_OF_40}"]
    got = _pairs(origin, [DECLINED, SEED_001, OWN])
    assert got == [(JUST_TWO, SEED_001), (GROUP_OF_40, SEED_001)]
    ledger = align(origin, [DECLINED, SEED_001, OWN], anchors=1)
    merged = len(f"{JUST_TWO} {GROUP_OF_40}".split())
    assert ledger.rewritten == pytest.approx(merged / len(" ".join(origin).split()), abs=0.01)
    # a neighbour that says nothing of the copy sentence is not merged in
    assert _pairs([DECLINED, f"{JUST_TWO} {NEGOTIATIONS}"], [DECLINED, SEED_001]) == [
        (JUST_TWO, SEED_001)
    ]


SPLIT = (
    "Some 40 Chechens remain hidden across Russia, said Svetlana Zakharova, who speaks for the "
    "Russia LGBT Network. Securing visas to flee the country has proved difficult for them."
)


def test_one_origin_sentence_split_in_two_is_one_rewrite() -> None:
    # neither half alone says enough of GROUP_OF_40 to be its rewrite; together they do
    first, second = SPLIT.split(". ")
    assert not _pairs([DECLINED, GROUP_OF_40], [DECLINED, f"{first}."])
    got = _pairs([DECLINED, GROUP_OF_40], [DECLINED, SPLIT])
    assert got == [(GROUP_OF_40, SPLIT)]
    ledger = align([DECLINED, GROUP_OF_40], [DECLINED, SPLIT], anchors=1)
    assert ledger.dropped == 0.0 and ledger.added == 0.0 and ledger.rewritten > 0.5
    # the halves in two paragraphs are no split of one sentence
    assert not _pairs([DECLINED, GROUP_OF_40], [DECLINED, f"{first}.", second])


def test_two_news_sentences_sharing_the_topic_are_no_rewrite() -> None:
    # ECB+ (odd topic 41): two independent reports of one bombing; the model, fitted on MSRP's
    # look-alike pairs, gives this pair 0.53, but all they share is "South Sudan"
    said = '"South Sudan is a state in the United Nations.'
    other = (
        '"The regime in Khartoum is attempting to provoke South Sudan into restarting a war," '
        "said Enough Project Co-Founder John Prendergast."
    )
    assert not candidate(terms(said), terms(other))
