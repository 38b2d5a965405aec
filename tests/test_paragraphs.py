from __future__ import annotations

from pathlib import Path

import pytest

from dedup.records import ParagraphRecord
from dedup.text.paragraph_kinds import (
    BODY,
    BOILERPLATE,
    COMMENT,
    HINT_COMMENT,
    HINT_END,
    HINT_FURNITURE,
)
from dedup.text.paragraphs import (
    Block,
    build_paragraphs,
    join_paragraphs,
    split_paragraphs,
    strip_bullet,
)


def _seed(seeds_dir: Path, prefix: str) -> tuple[ParagraphRecord, ...]:
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    return split_paragraphs(body, title)


def _kind_of(paragraphs: tuple[ParagraphRecord, ...], start: str) -> str:
    hits = [p.kind for p in paragraphs if p.text.startswith(start)]
    assert hits, f"no paragraph starts with {start!r}"
    return hits[0]


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in split_paragraphs(text)]


# ---------------------------------------------------------------- splitting


def test_offsets_index_into_the_joined_text() -> None:
    paragraphs = split_paragraphs("First one.\n\n\n  Second\u00a0one\u2019s.\n\nThird\none.\n")
    text = join_paragraphs(paragraphs)
    assert [p.text for p in paragraphs] == ["First one.", "Second one's.", "Third one."]
    assert [p.position for p in paragraphs] == [0, 1, 2]
    for p in paragraphs:
        assert text[p.start : p.end] == p.text
    assert paragraphs[1].norm_text == "second ones"
    assert paragraphs[2].words == 2


def test_hard_wrapped_lines_are_joined_and_indented_lines_start_paragraphs() -> None:
    text = "A wrapped line\ncontinues here.\n    An indented line starts\nanother paragraph."
    assert [p.text for p in split_paragraphs(text)] == [
        "A wrapped line continues here.",
        "An indented line starts another paragraph.",
    ]


def test_bullets_start_items_and_are_stripped() -> None:
    text = "Shopping list:\n\u2022 apples\n\u2022 pears\n- plums and\n  more plums\n* figs"
    assert [p.text for p in split_paragraphs(text)] == [
        "Shopping list:",
        "apples",
        "pears",
        "plums and more plums",
        "figs",
    ]


def test_separators_repeats_and_the_title_are_dropped() -> None:
    text = "My Title\n\n* * *\n\nImage via Agency.\nImage via Agency.\n\nBody text.\n\nBody text."
    paragraphs = split_paragraphs(text, title="My title")
    assert [p.text for p in paragraphs] == ["Image via Agency.", "Body text."]


def test_empty_text_has_no_paragraphs() -> None:
    assert split_paragraphs("") == ()
    assert split_paragraphs("\n \u200b\n\n\u00a0") == ()


def test_build_paragraphs_from_blocks() -> None:
    paragraphs = build_paragraphs([Block("  one\u2014two  "), Block("three", bullet=True)])
    assert [(p.text, p.start, p.end) for p in paragraphs] == [("one-two", 0, 7), ("three", 9, 14)]


# ---------------------------------------------------------------- the five seeds


def test_seed_000_promo_tail_is_boilerplate(seeds_dir: Path) -> None:
    paragraphs = _seed(seeds_dir, "000")
    for start in (
        "Sign the Amnesty International petition",
        "Featured image via",
        "About Matthew Silvan 283 Articles",
        "Please add us to your ad blocker",
        "Here at AmericanNewsX.Com",
    ):
        assert _kind_of(paragraphs, start) == BOILERPLATE, start
    assert _kind_of(paragraphs, "Update: Buzzfeed updated") == BODY
    assert _kind_of(paragraphs, '"In Canada and around the world') == BODY
    assert not [p for p in paragraphs if p.kind == COMMENT]


def test_seed_001_credit_line_stays_body(seeds_dir: Path) -> None:
    paragraphs = _seed(seeds_dir, "001")
    assert _kind_of(paragraphs, "Read the full story here.") == BODY
    assert {p.kind for p in paragraphs} == {BODY}
    # The caption scraped twice is kept once.
    assert sum(p.text == "Rex Tillerson Vladimir Putin" for p in paragraphs) == 1


def test_seed_002_is_all_body(seeds_dir: Path) -> None:
    assert {p.kind for p in _seed(seeds_dir, "002")} == {BODY}


def test_seed_003_comment_thread(seeds_dir: Path) -> None:
    paragraphs = _seed(seeds_dir, "003")
    first_comment = next(i for i, p in enumerate(paragraphs) if p.text == "MusicBear88")
    assert {p.kind for p in paragraphs[:first_comment]} == {BODY}
    assert {p.kind for p in paragraphs[first_comment:]} == {COMMENT}
    assert paragraphs[first_comment - 1].text.startswith("Left with no way to get out")
    assert paragraphs[-1].text.startswith("On the other story of the day")


def test_seed_004_bio_share_box_and_reader_comment(seeds_dir: Path) -> None:
    paragraphs = _seed(seeds_dir, "004")
    assert _kind_of(paragraphs, "Image via Getty.") == BOILERPLATE
    assert _kind_of(paragraphs, "Contributing Writer,") == BOILERPLATE
    assert _kind_of(paragraphs, "Share This Story") == BOILERPLATE
    assert _kind_of(paragraphs, "Get our newsletter") == BOILERPLATE
    renard = next(i for i, p in enumerate(paragraphs) if p.text == "The Noble Renard")
    assert {p.kind for p in paragraphs[renard:]} == {COMMENT}
    assert len(paragraphs) - renard > 5


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_quoted_buzzfeed_paragraphs_are_body(seeds_dir: Path, prefix: str) -> None:
    """Every paragraph of the article's own text citing BuzzFeed stays body."""
    paragraphs = _seed(seeds_dir, prefix)
    own = [p for p in paragraphs if p.kind != COMMENT]
    citing = [p for p in own if "buzzfeed" in p.norm_text]
    assert citing
    assert {p.kind for p in citing} == {BODY}
    # The BuzzFeed passage the copies share is body wherever it appears.
    for p in paragraphs:
        if p.text.startswith(("A group of around 40 Chechens", "The United States has declined")):
            assert p.kind == BODY


# ---------------------------------------------------------------- made-up pages

_BODY = (
    "The regional council voted on Tuesday to expand the tram network to the northern suburbs, "
    "ending a debate that lasted more than four years."
)
_BODY2 = (
    "Opponents had argued that the money would be better spent on buses, which can change "
    "their routes as the city grows, but the vote was not close."
)


def test_wordpress_comment_section() -> None:
    text = "\n\n".join(
        [
            _BODY,
            _BODY2,
            "12 Comments",
            "Anna K.",
            "I have waited for this tram for years, finally some good news for us here.",
            "Reply",
            "Tom",
            "Buses would have been cheaper and quicker to build, as everyone knows.",
        ]
    )
    kinds = [k for k, _ in _kinds(text)]
    assert kinds == [BODY, BODY, BOILERPLATE] + [COMMENT] * 5


def test_leave_a_reply_and_share_box_after_the_article() -> None:
    text = "\n\n".join(
        [
            _BODY,
            "Share this:",
            "Twitter",
            "Facebook",
            "Like this:",
            "Like Loading...",
            _BODY2,
            "Leave a Reply",
            "Your email address will not be published. Required fields are marked.",
        ]
    )
    assert _kinds(text) == [
        (BODY, _BODY),
        (BOILERPLATE, "Share this:"),
        (BOILERPLATE, "Twitter"),
        (BOILERPLATE, "Facebook"),
        (BOILERPLATE, "Like this:"),
        (BOILERPLATE, "Like Loading..."),
        (BODY, _BODY2),
        (BOILERPLATE, "Leave a Reply"),
        (COMMENT, "Your email address will not be published. Required fields are marked."),
    ]


def test_feed_footer_and_author_bio_end_the_article() -> None:
    text = "\n\n".join(
        [
            _BODY,
            _BODY2,
            "The post Tram line approved appeared first on City Times.",
            "Other headlines of the day are listed below for our readers to browse at leisure.",
        ]
    )
    assert [k for k, _ in _kinds(text)] == [BODY, BODY, BOILERPLATE, BOILERPLATE]
    bio = "Jo Writer is a staff reporter covering transport. Follow her on Twitter @jowriter"
    text = "\n\n".join([_BODY, _BODY2, bio, "Sam Reader", "Great piece, thanks for covering it."])
    assert [k for k, _ in _kinds(text)] == [BODY, BODY, BOILERPLATE, COMMENT, COMMENT]


def test_markers_before_the_article_do_not_end_it() -> None:
    """A byline with a social handle or a share box at the top leaves the article body."""
    text = "\n\n".join(
        [
            "Senior writer, follow me on Twitter @someone",
            "Share This Story",
            _BODY,
            "Photo by Jo Camera",
            _BODY2,
            "RELATED: Buses get new colours",
            _BODY,
        ]
    )
    assert [k for k, _ in _kinds(text)] == [
        BOILERPLATE,
        BOILERPLATE,
        BODY,
        BOILERPLATE,
        BODY,
        BOILERPLATE,
        BODY,
    ]


def test_body_sentences_resembling_furniture_stay_body() -> None:
    paragraphs = [
        _BODY,
        "Photos by a bystander showed the suspect running from the scene towards the station "
        "car park, where a second car was waiting with its engine running for him.",
        "Many readers use an ad blocker, and publishers have seen their income fall as a result.",
        "Related research has found that trams raise house prices along their routes.",
        "Read the original report from the council here.",
        "Sign up sheets were handed out at the meeting.",
        _BODY2,
    ]
    assert [k for k, _ in _kinds("\n\n".join(paragraphs))] == [BODY] * len(paragraphs)


def test_a_list_in_the_body_is_not_a_comment_thread() -> None:
    text = "\n".join([_BODY, "", "\u2022 Line one", "\u2022 Line two", "", _BODY2])
    assert {k for k, _ in _kinds(text)} == {BODY}


def test_comment_headers_open_a_thread() -> None:
    wordpress = "\n\n".join(
        [
            _BODY,
            _BODY2,
            "Jo Bloggs says: May 5, 2017 at 3:14 pm",
            "I live on the northern line and this is welcome news.",
        ]
    )
    assert [k for k, _ in _kinds(wordpress)] == [BODY, BODY, COMMENT, COMMENT]
    disqus = "\n\n".join([_BODY, _BODY2, "tramfan", "3 years ago", "Finally, and about time too."])
    assert [k for k, _ in _kinds(disqus)] == [BODY, BODY, COMMENT, COMMENT, COMMENT]


def test_a_dated_line_in_the_body_does_not_open_comments() -> None:
    text = "\n\n".join(
        [
            _BODY,
            _BODY2,
            "Updated",
            "May 5, 2017 at 3:14 pm",
            _BODY2,
            "Two years ago",
            _BODY,
        ]
    )
    assert {k for k, _ in _kinds(text)} == {BODY}


def test_aggregator_footer_is_boilerplate() -> None:
    text = "\n\n".join([_BODY, "submitted by someone to funny", "[link] [275 comments]"])
    assert [k for k, _ in _kinds(text)] == [BODY, BOILERPLATE, BOILERPLATE]


def test_a_discussion_subheading_is_body() -> None:
    text = "\n\n".join([_BODY, _BODY2, "Discussion", _BODY, "Responses", _BODY2])
    assert {k for k, _ in _kinds(text)} == {BODY}


def test_strip_bullet() -> None:
    assert strip_bullet("\u2022 jimbo65") == ("jimbo65", True)
    assert strip_bullet("- item") == ("item", True)
    assert strip_bullet("\u2022") == ("", True)
    assert strip_bullet("\u2022not a bullet") == ("\u2022not a bullet", False)
    assert strip_bullet("-5 degrees") == ("-5 degrees", False)


# ---------------------------------------------------------------- threads

_THREAD_TEXT = [
    "I live on the northern line and this is welcome news for all of us.",
    "About time, the buses are always full in the morning.",
    "Finally. Now do the southern line too, please.",
]


def test_a_flat_thread_of_bulleted_user_names_is_comments() -> None:
    """Feed HTML flattens a thread: ``• name`` and its comment, all at one indent."""
    names = ["jo_bloggs", "Sam", "tramfan99"]
    lines = [_BODY, _BODY2]
    for name, comment in zip(names, _THREAD_TEXT, strict=True):
        lines += [f"\u2022 {name}", comment]
    assert [k for k, _ in _kinds("\n\n".join(lines))] == [BODY, BODY] + [COMMENT] * 6


def test_a_name_that_comes_back_marks_a_thread_of_plain_names() -> None:
    lines = [_BODY, _BODY2]
    for name, comment in zip(["Anna", "Tom", "Anna"], _THREAD_TEXT, strict=True):
        lines += [f"\u2022 {name}", comment]
    assert [k for k, _ in _kinds("\n\n".join(lines))] == [BODY, BODY] + [COMMENT] * 6


def test_subheadings_over_text_are_not_a_thread() -> None:
    for bullet in ("\u2022 ", ""):
        lines = [_BODY, _BODY2]
        for heading in ("Tax cuts", "Spending", "Defence"):
            lines += [f"{bullet}{heading}", _BODY]
        assert {k for k, _ in _kinds("\n\n".join(lines))} == {BODY}, bullet


def test_user_handles_over_text_are_a_thread_even_without_bullets() -> None:
    lines = [_BODY, _BODY2]
    for name, comment in zip(["jo_bloggs", "SamTheMan", "tramfan99"], _THREAD_TEXT, strict=True):
        lines += [name, comment]
    assert [k for k, _ in _kinds("\n\n".join(lines))] == [BODY, BODY] + [COMMENT] * 6


def test_a_nested_list_item_over_text_needs_a_reply_to_be_a_thread() -> None:
    items = "\n\n".join(["\u2022 Tax cuts", "    " + _BODY, "\u2022 Spending", "    " + _BODY2])
    assert {k for k, _ in _kinds(f"{_BODY}\n\n{items}")} == {BODY}
    nested_list = f"{_BODY}\n\n\u2022 Fruits\n\n    \u2022 apples, pears and plums from the market"
    assert {k for k, _ in _kinds(nested_list)} == {BODY}
    thread = "\n\n".join(
        [
            "\u2022 Anna",
            "    " + _THREAD_TEXT[0],
            "    \u2022 Tom",
            "      " + _THREAD_TEXT[1],
        ]
    )
    assert [k for k, _ in _kinds(f"{_BODY}\n\n{thread}")] == [BODY] + [COMMENT] * 4


# ---------------------------------------------------------------- markup hints


def _hinted(*blocks: tuple[str, str | None]) -> list[str]:
    return [p.kind for p in build_paragraphs([Block(text, hint=hint) for text, hint in blocks])]


def test_a_comment_hint_after_the_article_opens_the_comments() -> None:
    assert _hinted(
        (_BODY, None),
        (_BODY2, None),
        ("Anna", HINT_COMMENT),
        (_THREAD_TEXT[0], HINT_COMMENT),
        ("Share this:", HINT_COMMENT),
        ("A last line after the comment list.", None),
    ) == [BODY, BODY, COMMENT, COMMENT, BOILERPLATE, COMMENT]


def test_a_comment_hint_before_the_article_is_boilerplate() -> None:
    assert _hinted(("Be the first to respond", HINT_COMMENT), (_BODY, None), (_BODY2, None)) == [
        BOILERPLATE,
        BODY,
        BODY,
    ]


def test_furniture_and_author_box_hints() -> None:
    assert _hinted(
        (_BODY, None),
        ("Tram line opens in May", HINT_FURNITURE),
        (_BODY2, None),
        ("Jo covers transport for the paper and lives in the north.", HINT_END),
        ("Sam Reader", None),
        ("Great piece, thanks for covering it.", None),
    ) == [BODY, BOILERPLATE, BODY, BOILERPLATE, COMMENT, COMMENT]
    # A credit line stays body whatever box it is in; a furniture box ends nothing.
    assert _hinted(
        (_BODY, None),
        (_BODY2, None),
        ("This article originally appeared on City Times.", HINT_END),
        ("Popular this week", HINT_FURNITURE),
        (_BODY, None),
    ) == [BODY, BODY, BODY, BOILERPLATE, BODY]
