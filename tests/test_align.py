from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from dedup.stories.align import (
    MIN_BLOCK,
    PARTIAL_MIN,
    AlignCache,
    align,
    sentences,
    similarity,
    word_diff,
    word_key,
    words,
)
from dedup.stories.runs import parse

ORIGIN = [
    "The city council voted on Tuesday to close the old bridge over the river for repairs "
    "that engineers say are long overdue.",
    "Traffic will be diverted to the northern crossing, adding about twenty minutes to the "
    "commute of thousands of residents who live on the east bank.",
    "The mayor said the decision was painful but necessary. She promised that the work would "
    "be finished before the winter. Critics called the plan rushed and poorly explained.",
    "Local businesses near the bridge fear a drop in customers during the months of closure "
    "and have asked the council for compensation.",
]


def _total(texts: list[str]) -> int:
    return sum(len(words(t)) for t in texts)


def test_verbatim_copy_keeps_everything() -> None:
    result = align(ORIGIN, list(ORIGIN))
    assert (result.kept, result.edited, result.dropped, result.added) == (1.0, 0.0, 0.0, 0.0)
    assert result.shared_paragraphs == len(ORIGIN)
    assert [line.op for line in result.lines] == ["kept"] * 4
    assert all(line.similarity == 1.0 and line.diff is None for line in result.lines)


def test_case_and_punctuation_do_not_make_an_edit() -> None:
    copy = [p.upper().replace(",", "") for p in ORIGIN]
    assert align(ORIGIN, copy).kept == 1.0


def test_dropped_paragraph_counts_its_share_of_words() -> None:
    result = align(ORIGIN, [ORIGIN[0], ORIGIN[1], ORIGIN[3]])
    assert result.dropped == pytest.approx(len(words(ORIGIN[2])) / _total(ORIGIN), abs=1e-6)
    assert result.kept + result.edited + result.dropped == pytest.approx(1.0)
    assert [line.op for line in result.lines] == ["kept", "kept", "dropped", "kept"]


def test_light_edit_is_edited_with_a_word_diff() -> None:
    edited = ORIGIN[1].replace("twenty minutes", "half an hour").replace("thousands", "many")
    result = align(ORIGIN, [ORIGIN[0], edited, ORIGIN[2], ORIGIN[3]])
    line = result.lines[1]
    assert line.op == "edited"
    assert 0.7 < (line.similarity or 0) < 1.0
    assert line.weight == pytest.approx(len(words(ORIGIN[1])) / _total(ORIGIN), abs=1e-6)
    assert line.diff is not None
    assert ("-", "twenty minutes") in line.diff and ("+", "half an hour") in line.diff
    assert result.edited == pytest.approx(line.weight)


def test_added_text_is_a_share_of_the_copy_and_templates_do_not_count() -> None:
    intro = "Readers have asked us what the closure means for them, so here is what we know."
    footer = "Copyright 2024 Example Daily. All rights reserved. Subscribe to our newsletter."
    copy = [intro, *ORIGIN, footer]
    result = align(ORIGIN, copy, template=[False, False, False, False, False, True])
    assert result.kept == 1.0
    expected = len(words(intro)) / (_total(ORIGIN) + len(words(intro)))
    assert result.added == pytest.approx(expected, abs=1e-6)
    ops = [line.op for line in result.lines]
    assert ops == ["kept"] * 4 + ["added", "template"]
    assert result.lines[-1].weight == 0.0


def test_reordered_paragraphs_are_marked_moved() -> None:
    copy = [ORIGIN[3], ORIGIN[0], ORIGIN[1], ORIGIN[2]]
    result = align(ORIGIN, copy)
    assert result.kept == 1.0
    assert result.moved == 1
    assert [line.moved for line in result.lines] == [False, False, False, True]


def test_one_sentence_kept_inside_new_text_splits_the_paragraph_weight() -> None:
    kept_sentence = sentences(ORIGIN[2])[1]
    copy_para = (
        "In a radio interview on Wednesday morning the mayor was asked about the timing. "
        + kept_sentence
    )
    result = align(ORIGIN, [ORIGIN[0], copy_para])
    line = result.lines[2]
    assert line.op == "edited"
    assert line.weight == pytest.approx(len(words(kept_sentence)) / _total(ORIGIN), abs=1e-6)
    assert (line.similarity or 0) < 0.6
    # the copier's own sentence is added text, the kept one is not
    own = len(words(copy_para)) - len(words(kept_sentence))
    expected = own / (len(words(ORIGIN[0])) + len(words(copy_para)))
    assert result.added == pytest.approx(expected, abs=1e-6)
    assert result.kept + result.edited + result.dropped == pytest.approx(1.0)


def test_two_origin_paragraphs_merged_into_one_are_both_kept() -> None:
    result = align(ORIGIN, [ORIGIN[0] + " " + ORIGIN[1], ORIGIN[2], ORIGIN[3]])
    assert result.kept == 1.0
    assert result.lines[0].copy_index == result.lines[1].copy_index == 0
    assert result.shared_paragraphs == 3


def test_a_long_quote_within_new_text_counts_for_its_own_words() -> None:
    origin = [
        "Officials confirmed the plan in a statement on Monday, saying that the new rules "
        "would apply to all ships entering the harbour from the first day of next month.",
    ]
    copy = [
        "Ship owners are angry. Critics of the port authority pointed to one line, that the "
        "new rules would apply to all ships entering the harbour, as proof of overreach by "
        "officials who never consulted the industry before acting.",
    ]
    result = align(origin, copy)
    assert result.lines[0].op == "edited"
    assert 0.0 < result.edited < 0.6
    assert result.added > 0.3


def test_unrelated_text_shares_nothing() -> None:
    other = [
        "A new bakery opened on the high street and sold out of bread by noon on its first day.",
    ]
    result = align(ORIGIN, other)
    assert (result.kept, result.edited, result.dropped, result.added) == (0.0, 0.0, 1.0, 1.0)
    assert result.shared_paragraphs == 0


def test_short_coincidental_runs_are_not_reuse() -> None:
    copy = ["The council said on Tuesday that the mayor of the city would travel abroad."]
    result = align(ORIGIN, copy)
    assert result.kept == 0.0 and result.edited == 0.0


def test_fractions_always_sum_to_one() -> None:
    cases = [
        [ORIGIN[2]],
        [ORIGIN[1].replace("northern", "southern"), "Something new entirely here today."],
        [],
        [ORIGIN[3], ORIGIN[3]],
    ]
    for copy in cases:
        result = align(ORIGIN, copy)
        assert result.kept + result.edited + result.dropped == pytest.approx(1.0)
        assert all(
            0.0 <= x <= 1.0 for x in (result.kept, result.edited, result.dropped, result.added)
        )


def test_template_flags_must_match_the_copy() -> None:
    with pytest.raises(ValueError, match="one to one"):
        align(ORIGIN, ORIGIN, template=[False])


def test_word_diff_shape_is_pinned() -> None:
    assert word_diff("the quick brown fox jumps", "the slow brown fox leaps high") == (
        ("=", "the"),
        ("-", "quick"),
        ("+", "slow"),
        ("=", "brown fox"),
        ("-", "jumps"),
        ("+", "leaps high"),
    )
    assert word_diff("same words", "Same words.") == (("=", "Same words."),)


def test_similarity_bounds() -> None:
    assert similarity(ORIGIN[0], ORIGIN[0]) == 1.0
    assert similarity(ORIGIN[0], ORIGIN[3]) < 0.3
    assert similarity("", "") == 1.0


def test_sentences_do_not_break_after_initials() -> None:
    assert sentences("J. Lester Feder reports at Buzzfeed. The U.S. said no.") == [
        "J. Lester Feder reports at Buzzfeed.",
        "The U.S. said no.",
    ]


def test_words_match_word_key_of_each_token() -> None:
    text = "Don't  stop—the U.S. e-mail, ½ Ŀ x_y … «quoted» ＡＢＣ\u00a0end"
    expected = [k for k in (word_key(t) for t in text.split()) if k]
    assert words(text) == expected
    assert words("said, -- “the” (x) ...") == ["said", "the", "x"]


def test_a_shared_cache_changes_no_result() -> None:
    edited = ORIGIN[1].replace("twenty minutes", "half an hour")
    copies = [
        [ORIGIN[0], edited, ORIGIN[3]],
        [ORIGIN[3], ORIGIN[0] + " " + ORIGIN[1], "A paragraph of the copier's very own words."],
        [sentences(ORIGIN[2])[1], ORIGIN[0]],
        list(ORIGIN),
    ]
    cache = AlignCache()
    for _ in range(2):
        for copy in copies:
            assert align(ORIGIN, copy, cache=cache) == align(ORIGIN, copy)
            assert align(copy, ORIGIN, cache=cache) == align(copy, ORIGIN)


def _difflib_cover(part: tuple[str, ...], whole: tuple[str, ...]) -> tuple[int, int]:
    if len(part) < MIN_BLOCK:
        text, found = " " + " ".join(whole) + " ", " " + " ".join(part) + " "
        return (len(part), 0) if found in text else (0, 0)
    sizes = [
        m.size for m in SequenceMatcher(None, part, whole, autojunk=False).get_matching_blocks()
    ]
    return sum(n for n in sizes if n >= MIN_BLOCK), sum(n for n in sizes if n >= PARTIAL_MIN)


def test_sentence_covers_are_difflibs_matching_blocks() -> None:
    rng = random.Random(11)

    def text() -> str:
        alphabet = rng.randint(1, 5)
        return " ".join(
            " ".join(f"w{rng.randrange(alphabet)}" for _ in range(rng.randint(1, 9))) + "."
            for _ in range(rng.randint(1, 4))
        )

    for _ in range(2000):
        origin, copy = parse(text()), parse(text())
        if rng.random() < 0.5:
            copy = parse(copy.text + " " + " ".join(origin.text.split()[2:9]))
        origin_covers, total, copy_covers = AlignCache().pair(origin, copy)
        assert origin_covers == tuple(_difflib_cover(s, copy.keys) for s in origin.sentences)
        assert copy_covers == tuple(_difflib_cover(s, origin.keys) for s in copy.sentences)
        assert total == sum(c[0] for c in origin_covers)


@pytest.mark.parametrize(
    "text",
    [
        "One two three. Four five! Six? “Seven eight.” Nine",
        "A sentence with the marker \u3007 in it. And another one.",
        "Ends with an initial J. Lester Feder. Then U.S. officials said... Done",
        "--- . Punctuation only; then words.",
    ],
)
def test_sentence_words_are_each_sentences_words(text: str) -> None:
    expected = tuple(t for t in (tuple(words(s)) for s in sentences(text)) if t)
    assert parse(text).sentences == expected
    assert parse(text).keys == tuple(words(text))


def test_an_origin_sentence_split_across_a_paragraph_break_is_kept() -> None:
    # the splitter reads no sentence end after "N.J.": one origin "sentence", which a copy
    # desk split into two paragraphs (with a promo box between them)
    origin = (
        "The company said the order was signed by U.S. District Court Judge John Gerry of "
        "Camden, N.J. The company said it would appeal the ruling to a higher court next week."
    )
    assert len(sentences(origin)) == 1
    copy = [
        "The company said the order was signed by U.S. District Court Judge John Gerry of "
        "Camden, N.J.",
        "Subscribe to our newsletter",
        "The company said it would appeal the ruling to a higher court next week.",
    ]
    result = align([origin], copy, [False, True, False])
    assert result.kept == 1.0
    assert result.edited == 0.0 and result.added == 0.0
