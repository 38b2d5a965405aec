"""Rewritten sentences are paired by what they say, not by whom they credit.

The sentences are the seeds' own (examples/seeds: BuzzFeed News's text as 002/003 carry it, and
the rewrites of 001 and 004). Seed 001's "According to BuzzFeed News, only two men have secured
visas to safe countries ..." once went beside a Zakharova sentence because both name BuzzFeed
News; it says what the "just two have managed to secure visas to safe countries" sentence says.
"""

from __future__ import annotations

from dedup.stories.align import align
from dedup.stories.rewrites import candidate, terms

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


def _pairs(origin: list[str], copy: list[str]) -> list[tuple[str, str]]:
    return [pair for line in align(origin, copy).lines for pair in line.rewrites]


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
    ledger = align(origin, [SEED_004, DECLINED])
    assert ledger.rewritten > 0
    assert ledger.kept + ledger.edited + ledger.rewritten + ledger.dropped == 1.0
