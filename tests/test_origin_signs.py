"""What an article says of itself decides against clocks and sizes: a dateline signs only the
text it opens, a copy's "according to" gives up its lead, a headline marks a later version.
(Split from tests/test_origin.py, whose member builder it shares.)"""

from __future__ import annotations

from datetime import timedelta

from dedup.stories.origin import decide_origin
from tests.test_origin import T0, _member


def test_a_dateline_signs_the_article_it_opens_only() -> None:
    """A round-up strings several stories' leads together, datelines and all: a dateline
    further down is an item's, not the digest's signature."""
    from dedup.stories.origin_features import candidates

    dateline = "NEW YORK (Reuters) - The company said on Monday that profits rose sharply."
    items = (
        "The central bank left its key rate unchanged at four percent on Tuesday.",
        "Grain exports fell for a third week as ports stayed closed by the strike.",
        "Oil prices rose in early trading on reports of lower stocks in the region.",
    )
    opening = _member(1, "Reuters", 1.0, shared=(dateline, *items))
    digest = _member(2, "Reuters", 1.0, own=(*items, dateline))
    assert any(u.credit.pattern == "dateline" for u in digest.credits)
    signed = {c.article_id: c.features.self_credit for c in candidates([opening, digest])}
    assert signed == {1: 1.0, 2: 0.0}
    # a digest that opens with another story's dated lead: the dateline opens text this
    # story's members do not share, so it signs that other story's item, not this text
    first_item = _member(3, "Reuters", 1.0, own=(dateline,), shared=items)
    signed = {c.article_id: c.features.self_credit for c in candidates([opening, first_item])}
    assert signed == {1: 1.0, 3: 0.0}


def test_a_member_crediting_another_publisher_has_no_lead_over_it() -> None:
    """ "According to Reuters" in a copy's own words: the copy came after Reuters, so being
    first among the members is no lead over the origin it names (Reuters, absent)."""
    from dedup.stories.origin_features import candidates

    facts = [
        _member(
            1,
            "Market Pulse",
            1.0,
            own=("According to Reuters, the details are as follows.",),
            published=T0,
            first_seen=T0,
        ),
        _member(
            2,
            "Harbor Business",
            1.0,
            published=T0 + timedelta(hours=6),
            first_seen=T0 + timedelta(hours=6),
        ),
    ]
    got = {c.article_id: c.features for c in candidates(facts)}
    assert got[1].declares_copy > 0
    assert got[1].published_first == got[1].first_seen_lead == got[1].published_lead == 0.0
    assert got[2].published_first == -1.0 and got[2].first_seen_lead < 0
    assert decide_origin(facts).name == "Reuters"


def test_a_headline_marking_a_later_version_is_not_the_origin() -> None:
    """An outlet sends a text and later an update of it ("UPDATE 1-", "CORRECTED - "): with no
    clock to order them and the same text in both, its own headline says which came second."""
    from dataclasses import replace

    from dedup.stories.origin_features import candidates

    first = _member(1, "Reuters", 1.0)
    update = replace(_member(2, "Reuters", 1.0), title="UPDATE 1-Wheat exports fall")
    marked = {c.article_id: c.features.later_version for c in candidates([first, update])}
    assert marked == {1: 0.0, 2: 1.0}
    for later in (update, replace(update, title="CORRECTED - WHEAT EXPORTS FALL")):
        decision = decide_origin([later, first])
        assert decision.article_id != 2
        assert decision.scores[0][0] == "article 1"
    # a headline that only uses the word is no mark
    plain = replace(update, title="GREECE REPEATS IT CAN DECIDE ON AEGEAN DRILLING")
    assert {c.features.later_version for c in candidates([first, plain])} == {0.0}


def test_an_outlets_own_order_holds_where_a_copy_claims_an_earlier_time() -> None:
    """An outlet's first text and its update, and a copy elsewhere stamped before both (a
    lying or shifted clock): being first among all the members says nothing of the outlet's
    two, but their order against each other still does."""
    from dedup.stories.origin_features import candidates

    facts = [
        _member(1, "Daily Ledger", 1.0, published=T0 + timedelta(hours=2)),
        _member(2, "Daily Ledger", 1.0, published=T0 + timedelta(hours=3)),
        _member(3, "Trade Wire Digest", 0.9, published=T0),
    ]
    got = {c.article_id: c.features for c in candidates(facts)}
    assert got[1].published_first == got[2].published_first == -1.0
    assert (got[1].source_first, got[2].source_first, got[3].source_first) == (1.0, -1.0, 0.0)
    decision = decide_origin(facts)
    assert decision.scores[0][0] == "article 1"
