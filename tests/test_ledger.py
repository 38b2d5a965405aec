from __future__ import annotations

import pytest

from dedup.stories.ledger import MemberText, build_ledgers, origin_from_member, reconstruct_origin

A = "The minister resigned on Friday after a week of pressure over the housing scandal."
B = "Opposition leaders had demanded her departure since the leaked emails were published."
B_EDIT = "Opposition leaders had called for her departure ever since the leaked emails came out."
C = "Her deputy will take over until a new minister is appointed later this month."
OWN_1 = "We have covered the scandal since it broke; here is what happened."
OWN_2 = "Readers can follow our live blog for more updates throughout the day."


def _member(
    article_id: int,
    paragraphs: list[str],
    title: str | None = None,
    template: list[bool] | None = None,
) -> MemberText:
    return MemberText(
        article_id,
        title,
        tuple(range(article_id * 100, article_id * 100 + len(paragraphs))),
        tuple(paragraphs),
        tuple(template or [False] * len(paragraphs)),
    )


def test_a_stored_origin_leaves_its_templates_out() -> None:
    origin = origin_from_member(_member(1, [A, B, "Subscribe now."], "T", [False, False, True]))
    assert origin.paragraphs == (A, B)
    assert origin.paragraph_ids == (100, 101)
    assert origin.article_id == 1


def test_reconstruction_takes_what_copies_share_in_story_order() -> None:
    one = _member(1, [OWN_1, A, B])
    two = _member(2, [A, B_EDIT, C])
    three = _member(3, [B, C, OWN_2])
    links = [
        ((1, 1), (2, 0)),
        ((1, 2), (2, 1)),
        ((2, 1), (3, 0)),
        ((1, 2), (3, 0)),
        ((2, 2), (3, 1)),
    ]
    origin = reconstruct_origin([one, two, three], links)
    assert origin.article_id is None
    # B appears verbatim in two copies, so B (not the edit) stands for the origin
    assert origin.paragraphs == (A, B, C)
    assert OWN_1 not in origin.paragraphs and OWN_2 not in origin.paragraphs
    assert origin.taken_from[1] in {(1, 2), (3, 0)}


def test_reconstruction_ignores_templates_and_same_article_links() -> None:
    one = _member(1, [A, "Share this story"], template=[False, True])
    two = _member(2, [A, "Share this story"], template=[False, True])
    origin = reconstruct_origin([one, two], [((1, 0), (2, 0)), ((1, 1), (2, 1)), ((1, 0), (1, 1))])
    assert origin.paragraphs == (A,)
    assert reconstruct_origin([one, two], []).paragraphs == ()


def test_ledgers_for_origin_and_copies() -> None:
    source = _member(1, [A, B, C], "Minister resigns")
    copy = _member(2, [OWN_1, A, B_EDIT], "Minister quits")
    same_title = _member(3, [A, B, C], "Minister Resigns!")
    ledgers = build_ledgers(
        origin_from_member(source), [source, copy, same_title], {2: "via Example"}
    )
    by_id = {led.article_id: led for led in ledgers}
    assert by_id[1].role == "origin" and by_id[1].kept == 1.0 and by_id[1].alignment is None
    assert by_id[1].shared_paragraphs == 3
    led = by_id[2]
    assert led.role == "copy" and led.credit == "via Example"
    assert led.headline_changed is True
    # B_EDIT keeps half of B's wording in runs, under 70%: a rewrite had the copy carried
    # over a sentence of 16 words of the origin's own (A has 14), so edited
    assert led.kept > 0 and led.edited > 0 and led.rewritten == 0.0
    assert led.dropped > 0 and led.added > 0
    assert led.kept + led.edited + led.rewritten + led.dropped == pytest.approx(1.0)
    assert led.shared_paragraphs == 2
    assert by_id[3].headline_changed is False and by_id[3].kept == 1.0


def test_an_external_origin_has_no_known_headline() -> None:
    one = _member(1, [A, B], "One")
    two = _member(2, [A, C], "Two")
    origin = reconstruct_origin([one, two], [((1, 0), (2, 0))])
    ledgers = build_ledgers(origin, [one, two])
    assert [led.role for led in ledgers] == ["copy", "copy"]
    assert all(led.headline_changed is None for led in ledgers)
    assert all(led.kept == 1.0 for led in ledgers)


def test_reconstruction_keeps_the_wire_dateline_that_copiers_strip() -> None:
    dated = f"LONDON (Reuters) - {A}"
    # two copiers stripped the dateline the same way: agreeing on that is no sign of the original
    one, two, three = _member(1, [A, B]), _member(2, [A, B]), _member(3, [dated, B])
    links = [((1, 0), (2, 0)), ((2, 0), (3, 0)), ((1, 1), (2, 1)), ((2, 1), (3, 1))]
    origin = reconstruct_origin([one, two, three], links)
    assert origin.paragraphs == (dated, B)
    ledgers = {led.article_id: led for led in build_ledgers(origin, [one, two, three])}
    assert ledgers[3].kept == 1.0
    assert ledgers[1].edited > 0 and ledgers[1].kept > 0 and ledgers[1].dropped == 0.0


def test_reconstruction_is_the_union_of_sentences_two_members_hold() -> None:
    # two copiers agree on "A B" word for word; a third has C too, and a fourth holds C alone:
    # C is origin text the agreeing pair cut; OWN_2, which only the third has, is not
    one, two = _member(1, [f"{A} {B}"]), _member(2, [f"{A} {B}"])
    three, four = _member(3, [f"{A} {B} {C} {OWN_2}"]), _member(4, [OWN_1, C])
    links = [((1, 0), (2, 0)), ((2, 0), (3, 0)), ((3, 0), (4, 1))]
    origin = reconstruct_origin([one, two, three, four], links)
    assert origin.paragraphs == (f"{A} {B} {C}",)
    assert origin.taken_from == ((1, 0),)
    ledgers = {led.article_id: led for led in build_ledgers(origin, [one, two, three, four])}
    assert ledgers[3].kept == 1.0 and ledgers[3].added > 0
    assert ledgers[1].dropped == pytest.approx(len(C.split()) / len(f"{A} {B} {C}".split()))


def test_reconstruction_keeps_a_sentence_the_others_cut_from_between_two_they_kept() -> None:
    # two copiers agree on "A C"; a third has "A B C": B, between two sentences the others keep
    # side by side, is origin text they cut, not the third's own (which it would have put
    # before or after the wire's sentences); OWN_2 after the paragraph's end is not
    one, two = _member(1, [f"{A} {C}"]), _member(2, [f"{A} {C}"])
    three = _member(3, [f"{A} {B} {C} {OWN_2}"])
    links = [((1, 0), (2, 0)), ((2, 0), (3, 0))]
    origin = reconstruct_origin([one, two, three], links)
    assert origin.paragraphs == (f"{A} {B} {C}",)
    ledgers = {led.article_id: led for led in build_ledgers(origin, [one, two, three])}
    assert ledgers[3].kept == 1.0
    assert ledgers[1].dropped == pytest.approx(len(B.split()) / len(f"{A} {B} {C}".split()))


def test_reconstruction_leaves_out_a_lone_sentence_whose_neighbours_the_others_split() -> None:
    # the others have a sentence between A and C (their own edit of the paragraph or not):
    # the third's B does not sit between two sentences that stand side by side there
    one, two = _member(1, [f"{A} {OWN_1} {C}"]), _member(2, [f"{A} {OWN_1} {C}"])
    three = _member(3, [f"{A} {B} {C}"])
    links = [((1, 0), (2, 0)), ((2, 0), (3, 0))]
    origin = reconstruct_origin([one, two, three], links)
    assert B not in origin.paragraphs[0]


def test_against_a_rebuilt_origin_a_ledger_carries_its_upper_bound() -> None:
    # both copies share A; the first also has B, which no other copy holds: against the
    # rebuilt text "A" it is the first's own (added), though it may be the origin's
    one, two = _member(1, [A, B]), _member(2, [A, OWN_1, C])
    origin = reconstruct_origin([one, two], [((1, 0), (2, 0))])
    assert origin.paragraphs == (A,)
    ledgers = {led.article_id: led for led in build_ledgers(origin, [one, two])}
    first = ledgers[1]
    assert first.kept == 1.0
    assert first.added == pytest.approx(len(B.split()) / len(f"{A} {B}".split()), abs=1e-6)
    # every word of its own counted as origin text: all kept, nothing dropped
    assert first.kept_upper == 1.0 and first.dropped_upper == 0.0
    # a copy that dropped origin text: the bound keeps the dropped words dropped
    short = _member(3, [OWN_2])
    (led,) = build_ledgers(origin, [short])
    own, total = len(OWN_2.split()), len(OWN_2.split()) + len(A.split())
    assert led.kept == 0.0 and led.dropped == 1.0
    assert led.kept_upper == pytest.approx(own / total, abs=1e-6)
    assert led.dropped_upper == pytest.approx(len(A.split()) / total, abs=1e-6)


def test_against_a_stored_origin_a_ledger_has_no_upper_bound() -> None:
    source, copy = _member(1, [A, B]), _member(2, [A, OWN_1])
    ledgers = build_ledgers(origin_from_member(source), [source, copy])
    assert all(led.kept_upper is None and led.dropped_upper is None for led in ledgers)


def test_reconstruction_stands_in_the_variant_whose_sentences_others_have_word_for_word() -> None:
    # no two variants of the paragraph are the same: one copier swapped words throughout,
    # one appended a sentence of its own, one cut a sentence. The original's sentences are
    # each another copy's word for word; the swapped variant's are nobody's.
    swapped = (
        "The minister quit on Friday after a week of pressure over the housing affair. "
        "Opposition leaders had sought her exit since the leaked emails came out. "
        "Her deputy is to take over until a new minister is named later this month."
    )
    one = _member(1, [swapped], "One")
    two = _member(2, [f"{A} {B} {C} {OWN_2}"], "Two")
    three = _member(3, [f"{A} {C}"], "Three")
    four = _member(4, [f"{A} {B} {C}"], "Four")
    links = [((1, 0), (2, 0)), ((2, 0), (3, 0)), ((3, 0), (4, 0))]
    origin = reconstruct_origin([one, two, three, four], links)
    assert origin.paragraphs == (f"{A} {B} {C}",)
    assert origin.taken_from == ((4, 0),)


def test_every_credit_line_standing_alone_is_no_text_of_the_copys_own() -> None:
    source = _member(1, [A, B, C])
    # the copy names the origin twice: in a sentence of its own text and in a line at its foot
    credit = "We have the story from the Ledger Wire."
    footer = "Source: Ledger Wire"
    copy = _member(2, [f"{credit} {A}", B, C, footer])
    strongest = {2: credit}
    (led,) = build_ledgers(origin_from_member(source), [copy], strongest)
    assert led.added > 0  # with only the strongest line known, the footer is the copy's own
    (led,) = build_ledgers(
        origin_from_member(source), [copy], strongest, credit_lines={2: [credit, footer]}
    )
    own = len(credit.split()) / len(f"{credit} {A} {B} {C}".split())
    assert led.added == pytest.approx(own, abs=1e-6)
    assert led.credit == credit and led.credit_lines == (credit, footer)
    assert [line.op for line in led.alignment.lines if line.copy_index == 3] == ["template"]


D = "Officials said the inquiry into the contracts would report its findings before the summer."
D_SWAPPED = (
    "Officials notably the inquiry into the contracts indeed report its findings still the summer."
)
D_REWORDED = (
    "The inquiry into the contracts is set to report its findings ahead of summer, "
    "officials stated."
)


def test_a_paragraph_one_copy_alone_keeps_between_shared_ones_is_origin_text() -> None:
    # copy 2 cut D from between B and C; copy 1 kept it, and appended its own paragraph
    one = _member(1, [OWN_1, A, B, D, C, OWN_2])
    two = _member(2, [A, B, C])
    links = [((1, 1), (2, 0)), ((1, 2), (2, 1)), ((1, 4), (2, 2))]
    origin = reconstruct_origin([one, two], links)
    assert origin.paragraphs == (A, B, D, C)
    assert origin.taken_from[2] == (1, 3)
    full, trimmed = build_ledgers(origin, [one, two])
    assert full.kept == 1.0
    assert trimmed.dropped == pytest.approx(len(D.split()) / len(" ".join((A, B, D, C)).split()))


def test_a_sandwiched_paragraph_needs_both_neighbours_side_by_side_in_the_other_copies() -> None:
    # copy 2 has B and C apart (another shared paragraph between): D may be copy 1's own
    one = _member(1, [A, B, D, C])
    two = _member(2, [A, B, OWN_1, C])
    three = _member(3, [OWN_1, C])
    links = [((1, 0), (2, 0)), ((1, 1), (2, 1)), ((1, 3), (2, 3)), ((2, 2), (3, 0))]
    origin = reconstruct_origin([one, two, three], links)
    assert D not in origin.paragraphs
    # nor at the start or the end of a copy: that is where copiers put their own text
    origin = reconstruct_origin(
        [_member(1, [D, A, B]), _member(2, [A, B, OWN_2])], [((1, 1), (2, 0)), ((1, 2), (2, 1))]
    )
    assert origin.paragraphs == (A, B)


def test_two_copies_variants_of_one_cut_paragraph_stand_in_once() -> None:
    # both kept D, in wordings the passage links did not join: one paragraph of the origin
    one = _member(1, [A, B, D, C])
    two = _member(2, [A, B, D_SWAPPED, C])
    three = _member(3, [A, B, D_REWORDED, C])
    four = _member(4, [A, B, C])
    links = [((k, i), (4, j)) for k in (1, 2, 3) for i, j in ((0, 0), (1, 1), (3, 2))]
    origin = reconstruct_origin([one, two, three, four], links)
    assert len(origin.paragraphs) == 4
    assert origin.paragraphs[:2] == (A, B) and origin.paragraphs[3] == C


def test_no_sandwich_where_another_copy_has_a_shared_paragraph_between() -> None:
    # copy 3 cut B; copy 2 has its own text where copies 1 and 4 have B: a variant of B
    # (or the copier's own), not text the others cut
    one = _member(1, [A, B, C])
    two = _member(2, [A, D, C])
    three = _member(3, [A, C])
    four = _member(4, [A, B, C])
    links = [((k, 0), (3, 0)) for k in (1, 2, 4)] + [((k, 2), (3, 1)) for k in (1, 2, 4)]
    links.append(((1, 1), (4, 1)))
    origin = reconstruct_origin([one, two, three, four], links)
    assert origin.paragraphs == (A, B, C)
