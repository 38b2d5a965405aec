from __future__ import annotations

import pytest

from dedup.stories.credits import display_name, find_credits, publisher_key


def _found(text: str, known: tuple[str, ...] = ()) -> list[tuple[str | None, str, bool]]:
    return [(c.publisher, c.pattern, c.self_reference) for c in find_credits([text], known)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zakharova told BuzzFeed News that talks were hard.", ("BuzzFeed News", "told", True)),
        ("Buzzfeed News reports:", ("BuzzFeed News", "reports", False)),
        ("J. Lester Feder reports at Buzzfeed:", ("BuzzFeed News", "reports_at", False)),
        ("The plant will close, according to Reuters.", ("Reuters", "according_to", False)),
        ("WASHINGTON (AP) — The Senate voted.", ("Associated Press", "dateline", True)),
        ("LONDON, March 3 (Reuters) - Shares rose.", ("Reuters", "dateline", True)),
        (
            "The abuse was first reported by Novaya Gazeta.",
            ("Novaya Gazeta", "first_reported", False),
        ),
        ("(via The Guardian)", ("The Guardian", "via", False)),
        ("she said in an email to BuzzFeed News on Tuesday", ("BuzzFeed News", "told", True)),
        (
            "Copyright 2017 The Associated Press. All rights reserved.",
            ("Associated Press", "copyright", True),
        ),
        ("This article first appeared on Raw Story.", ("Raw Story", "republished", False)),
    ],
)
def test_credit_patterns(text: str, expected: tuple[str, str, bool]) -> None:
    assert expected in _found(text)


def test_read_the_full_story_has_no_publisher_of_its_own() -> None:
    assert _found("Read the full story here.") == [(None, "read_more", False)]


@pytest.mark.parametrize(
    "text",
    [
        "Featured image via Wikimedia Commons.",
        "Image via Getty.",
        "The senator told Congress that the bill would pass.",
        "He told President Obama about it.",
        "The plan drew criticism, according to the organization Russia LGBT Network.",
        "Police reported no injuries.",
    ],
)
def test_not_credits(text: str) -> None:
    assert [f for f in _found(text) if f[0] is not None] == []


def test_known_sources_count_without_a_media_word() -> None:
    text = "The story was first reported by Towleroad and picked up by Queerty."
    assert ("Towleroad", "first_reported", False) in _found(text)
    assert not any(p == "Queerty" for p, _, _ in _found(text))
    assert any(p == "Queerty" for p, _, _ in _found("according to Queerty", ("queerty.com",)))


def test_spellings_meet_under_one_publisher() -> None:
    keys = {
        publisher_key(n)
        for n in (
            "Buzzfeed",
            "BuzzFeed News",
            "Buzzfeed News",
            "buzzfeednews.com",
            "www.buzzfeed.com",
        )
    }
    assert keys == {"buzzfeed"}
    assert display_name("buzzfeed") == "BuzzFeed News"
    assert (
        publisher_key("AP") == publisher_key("The Associated Press") == publisher_key("apnews.com")
    )
    assert publisher_key("The Hill") == publisher_key("thehill.com")
    assert publisher_key("The Independent") == publisher_key("www.independent.co.uk")
    assert display_name("examplepost", ["Example Post", "example post"]) == "Example Post"


def test_credit_remembers_its_paragraph_and_line() -> None:
    credits = find_credits(["Nothing here.", "Some text. Buzzfeed News reports: more."])
    assert [(c.paragraph, c.line) for c in credits] == [(1, "Buzzfeed News reports: more.")]


def test_a_name_run_into_the_next_words_is_cut_at_the_known_publisher() -> None:
    found = _found("according to BuzzFeed News Svetlana Zakharova said")
    assert ("BuzzFeed News", "according_to", False) in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She TOLD\u00a0BuzzFeed News so.", ("BuzzFeed News", "told", True)),
        ("He tellſ BuzzFeed News so.", ("BuzzFeed News", "told", True)),
        ("ACCORDİNG  to\tReuters, it rose.", ("Reuters", "according_to", False)),
        ("In an E-MAIL WİTH The Post he said", ("The Post", "told", True)),
        ("LONDON (Reuters)\u2014Shares rose.", ("Reuters", "dateline", True)),
    ],
)
def test_credits_are_found_whatever_the_case_and_spacing(
    text: str, expected: tuple[str, str, bool]
) -> None:
    assert expected in _found(text)


def test_a_long_credit_line_keeps_the_words_that_make_it_a_credit() -> None:
    lead = "The regional council met on Tuesday and debated the budget at length, " * 5
    (credit,) = find_credits([lead + "according to The Associated Press, which first reported it."])
    assert credit.publisher is not None and "Associated Press" in credit.publisher
    assert len(credit.line) <= 240
    assert "according to The Associated Press" in credit.line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The pirates were Somali and Yemeni, the BBC reported.", ("BBC News", "reports")),
        ("Police believe the driver was drinking, WCCO-TV reported.", ("WCCO-TV", "reports")),
        ("Source: Reuters", ("Reuters", "source")),
        ("Copyright 2017 Reuters.", ("Reuters", "copyright")),
        ("Reporting by Jane Doe; additional reporting by AFP.", ("AFP", "courtesy")),
        (
            "Jane Doe of the Miami Herald contributed to this report.",
            ("Miami Herald", "contributed"),
        ),
        ("The actress checked in, TMZ. com reports.", ("TMZ", "reports")),
    ],
)
def test_wordings_no_rule_lists(text: str, expected: tuple[str, str]) -> None:
    """Wordings absent from the labelled set the model was fitted on, in any order."""
    assert expected in [(p, kind) for p, kind, _ in _found(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Press reports said the talks failed.",
        "Television reports said the army moved.",
        "Amalgamated reported net income of 10.65 dlrs per share.",
        "More than half of the banks broke the law, a leading Yugoslav newspaper said.",
    ],
)
def test_common_nouns_and_companies_are_no_publishers(text: str) -> None:
    assert _found(text) == []


def test_an_interview_given_to_an_outlet_is_kept_as_one() -> None:
    assert _found("He told NBC's morning show that he would run.") == [("NBC News", "told", True)]


def test_the_shipped_model_matches_the_features() -> None:
    from dedup.stories.credit_features import FEATURE_GROUPS, FEATURE_NAMES, is_common
    from dedup.stories.credits import expand, load_model

    model = load_model()
    assert model.features == FEATURE_NAMES
    assert len(model.weights) == len(expand((0.0,) * len(FEATURE_NAMES), model.interactions))
    assert sorted(n for g in FEATURE_GROUPS.values() for n in g) == sorted(FEATURE_NAMES)
    assert is_common("State Television") and not is_common("Tehran Radio")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A camp was hit on Thursday, a Reuters witness said.", "Reuters"),
        ("People ran out of buildings in panic, an AFP journalist at the scene said.", "AFP"),
        ("Hungary will devalue the forint, the official MTI news agency said.", "MTI"),
        ("ESPN is reporting that the Nationals have offered him a contract.", "ESPN"),
    ],
)
def test_structural_credits(text: str, expected: str) -> None:
    """The outlet's own staff as the source, a state agency closing the sentence, a
    progressive 'is reporting'."""
    assert expected in [p for p, kind, _ in _found(text) if kind != "told"]


@pytest.mark.parametrize(
    "text",
    [
        "Investment analysts polled by Reuters said the bank had a right to a board seat.",
        "Reuters Holdings Plc said it had reached agreement with the exchange.",
        "Growth slowed, a leading Yugoslav newspaper said.",
    ],
)
def test_people_the_outlet_asked_and_companies_are_no_credits(text: str) -> None:
    assert [f for f in _found(text) if f[1] != "told"] == []


def test_the_outlet_filter_lets_through_only_what_could_credit() -> None:
    """The cheap test before any candidate: a sentence naming nothing that reads as an outlet
    is rejected; a publisher the caller knows lets it through."""
    from dedup.stories.credits import _may_credit

    assert not _may_credit("The company said profits rose sharply.", frozenset())
    assert not _may_credit("Queerty said the bill passed.", frozenset())
    assert _may_credit("Queerty said the bill passed.", frozenset({"queerty"}))
    assert _may_credit("Profits rose, the Tribune said.", frozenset())
    assert _may_credit("LONDON (Wire) - Shares rose.", frozenset())


def test_the_sparse_probability_is_the_dot_product_over_every_product() -> None:
    """``CreditModel.probability`` skips the zero features' products; it must give what the
    plain dot product over ``expand`` (what scikit-learn was fitted on) gives."""
    import math
    from dataclasses import replace

    from dedup.stories.credit_features import candidates
    from dedup.stories.credits import expand, load_model

    shipped = load_model()
    sentence = (
        "The radio, monitored by the BBC, said the official MTI news agency had quoted "
        "Reuters as saying, according to The Washington Post, which CNN reported."
    )
    found = candidates(sentence)
    assert len(found) >= 4
    for model in (replace(shipped, interactions=True), replace(shipped, interactions=False)):
        size = len(expand((0.0,) * len(found[0].features.vector()), model.interactions))
        weights = tuple(math.sin(k + 1.0) for k in range(size))  # every weight distinct
        model = replace(model, weights=weights)
        for c in found:
            x = expand(c.features.vector(), model.interactions)
            z = model.intercept + sum(w * v for w, v in zip(weights, x, strict=True))
            assert abs(model.probability(c.features) - 1 / (1 + math.exp(-z))) < 1e-9, c.name


def _features(sentence: str, name: str) -> dict[str, float]:
    from dedup.stories.credit_features import candidates

    (found,) = [c for c in candidates(sentence) if c.name == name]
    return {k: v for k, v in vars(found.features).items() if v}


def test_a_kind_word_between_the_cue_and_the_name_is_part_of_the_name() -> None:
    """ "said the daily Gunes", "published in the weekly X": the kind heads the name's phrase,
    so the cue touches the name (a bridge of other words would make it 0.5)."""
    got = _features('"Greece will stay," said the daily Gunes.', "Gunes")
    assert got["said_before"] == 1.0 and got["kind_near"] == 1.0
    got = _features(
        "Data published in the weekly Ekonomicheskaya Gazeta showed it.", "Ekonomicheskaya Gazeta"
    )
    assert got["published"] == 1.0
    got = _features("Asked by the newspaper Bild if rates could fall, he said no.", "Bild")
    assert got["polled"] == 1.0
    got = _features(
        "He was quoted by the Irish magazine Business and Finance as saying so.",
        "Business and Finance",
    )
    assert got["quoted"] == 1.0


def test_a_name_and_its_acronym_side_by_side_are_one_credit() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from eval_credits import score

    for text in (
        "Sudan rejected the demand, the official Sudan News Agency (SUNA) reported.",
        "The council met, the Emirates news agency, WAM, reported.",
        "Growth will slow, the official Kenya News Agency KNA said.",
    ):
        found = [c for c in find_credits([text]) if c.pattern != "told"]
        assert len(found) == 1, (text, found)
    # the scorer takes either name for the labelled one; a third name is still a false credit
    row = {"text": "Sudan rejected it, the official Sudan News Agency (SUNA) reported.",
           "credit": True, "publisher": "SUNA"}  # fmt: skip
    assert score([row], finder=lambda _: {"sudannewsagency"}).precision == 1.0
    assert score([row], finder=lambda _: {"suna"}).recall == 1.0
    assert score([row], finder=lambda _: {"sudan"}).recall == 0.0


def test_citations_places_of_texts_and_national_agencies() -> None:
    got = _features(
        "(1:21) “Google’s EU Fine Is a Small Price,” The Wall Street Journal, June 2017. "
        "http://on.wsj.com/2wakRWL",
        "The Wall Street Journal",
    )
    assert got["citation"] == 1.0
    assert _features("It was revealed in Vanity Fair magazine.", "Vanity Fair")["published"] == 1.0
    got = _features(
        "Felt's family revealed it in an article for Vanity Fair magazine.", "Vanity Fair"
    )
    assert got["reported_by"] == 1.0
    got = _features("The scene was adapted from a 2005 Vanity Fair article.", "Vanity Fair")
    assert got["text_source"] == 1.0
    assert "Gulf News Agency" in [
        p for p, _, _ in _found("Bahrain opened an exchange, the Gulf News Agency reported.")
    ]


def test_modifiers_people_and_companies_are_read_apart() -> None:
    from dedup.stories.credit_features import candidates

    names = {c.name for c in candidates("The English-language daily said exports rose.")}
    assert not any("English" in n for n in names)
    names = {c.name for c in candidates("The Milan daily, Il Giornale, said a bond was planned.")}
    assert "Milan" not in names and "Il Giornale" in names
    assert _features("The Milan daily, Il Giornale, said a bond was planned.", "Il Giornale")[
        "kind_near"
    ]
    schmidt = _features(
        "According to the Boersen-Zeitung newspaper, Schmidt said VW would invest.", "Schmidt"
    )
    assert "kind_near" not in schmidt
    assert _features("After tax, Tribune President Stanton Cook said 1987 would be strong.",
                     "Tribune President Stanton Cook")["person_like"]  # fmt: skip
    assert _features("ABC said the final option gives Investcorp a facility.", "ABC")["corporate"]
    assert "corporate" not in _features(
        "Der Spiegel said Kohl would have preferred it.", "Der Spiegel"
    )
    got = _features(
        '"Bettie was one of the early Playmates," Hugh Hefner, the magazine\'s founder, said.',
        "Hugh Hefner",
    )
    assert "kind_near" not in got
    assert "institution" in _features(
        "The Department of Energy agency said stocks fell.", "Department of Energy"
    )


def test_roles_against_a_credit_speaker_on_air_business_asker_document() -> None:
    """The roles an outlet's name takes in ordinary wire text without crediting it (blind set
    4's false credits): the place of a speaker's appearance, the object of business or law, the
    organiser of an event, the place of a published rule; and a compound before a report."""
    on_air = [
        ('"No," Miller said on NBC\'s "Today" program.', "NBC"),
        ("Shad, appearing on Cable News Network's Moneyline program, said", "Cable News Network"),
        ("Kampelman said on the NBC television network a pact would be hard.", "NBC"),
    ]
    for text, name in on_air:
        assert _features(text, name)["on_air"] == 1.0, text
    assert "on_air" not in _features("The vote was held on Sunday, Tanjug said.", "Tanjug")
    # a text that appeared on an outlet is the outlet's text, not a speaker's appearance; and
    # "Daily" stays in the name ("Daily Ledger", not "Ledger", keys as its site does)
    first_home = "This story first appeared on Daily Ledger."
    assert "on_air" not in _features(first_home, "Daily Ledger")
    assert [credit.key for credit in find_credits([first_home])] == ["dailyledger"]
    on_programme = "The senator said it appeared on the BBC's Newsnight programme last week."
    assert _features(on_programme, "BBC")["on_air"] == 1.0
    business = [
        ("It sold some of its stake in the South China Morning Post.", "South China Morning Post"),
        ("A court threw out a libel award against The Washington Post.", "The Washington Post"),
        ("It was one of two systems acquired by Tribune on Sept 30.", "Tribune"),
    ]
    for text, name in business:
        assert _features(text, name)["business"] == 1.0, text
    assert "business" not in _features("Prices fell, the Washington Post said.", "Washington Post")
    got = _features("Mulford told a debt conference, organized by the Euromoney magazine.",
                    "Euromoney")  # fmt: skip
    assert got["organiser"] == 1.0
    assert _features("Banks queried by Reuters said much the same.", "Reuters")["polled"] == 1.0
    got = _features(
        "Proposals must be in by August, under guidelines published in the Federal Register.",
        "Federal Register",
    )
    assert got["gazette"] == 1.0
    got = _features("Crops were seeded, according to the Alberta wheat pool report.", "Alberta")
    assert got["text_far"] == 1.0
    got = _features("A recent Newsweek magazine poll found that 40 pct approved.", "Newsweek")
    assert "text_far" not in got and got["text_source"] == 1.0


def test_a_name_inside_a_longer_run_a_periodical_head_and_demonyms() -> None:
    from dedup.stories.credit_features import candidates

    got = _features("Fortune Financial Group Inc said its Fortune Savings Bank grew.", "Fortune")
    assert got["partial"] == 1.0
    assert "partial" not in _features("Shares rose on Monday, Tass said.", "Tass")
    assert _features("Oil World said Soviet purchases rose.", "Oil World")["periodical"] == 1.0
    got = _features("The Platow Brief financial newsletter said banks erred.", "Platow Brief")
    assert got["kind_near"] == 1.0 and got["periodical"] == 1.0
    names = {c.key for c in candidates("He said in a speech carried by Libyan television.")}
    assert "libyan" not in names
    names = {c.key for c in candidates("OPEC faces scrutiny, the Kuwait daily al-Qabas said.")}
    assert "kuwait" not in names
    got = _features("Tass commentator Mikhail Krutikhin said the plan failed.", "Tass")
    assert got["staff"] == 1.0
    got = _features(
        "Mikulic spoke in an interview published yesterday by the Tanjug news agency.", "Tanjug"
    )
    assert "told" not in got and got["published"] > 0
    got = _features(
        "In an article in Monday's edition of the Miami Herald, Baker criticised it.",
        "Miami Herald",
    )
    assert got["reported_by"] == 1.0


def test_quoting_sources_a_periodical_service_and_an_outlets_own_poll() -> None:
    """Blind set 5's misses, by structure: a name reporting with its sources attached, a trade
    service named after a periodical head, and a poll printed in an outlet with no firm."""
    from dedup.stories.credits import _may_credit

    got = _features("Growth slowed, the Manila Bulletin newspaper said, quoting officials.",
                    "Manila Bulletin")  # fmt: skip
    assert got["quoting"] == 1.0
    got = _features("IRNA, quoting figures supplied by the committee, said spending rose.", "IRNA")
    assert got["quoting"] == 1.0
    got = _features("Quoting negotiation documents, Business Day said the notes will run.",
                    "Business Day")  # fmt: skip
    assert got["quoting"] == 1.0
    assert "quoting" not in _features("Business Day said the notes will run.", "Business Day")
    got = _features("Lloyds Shipping Intelligence service said the carrier ran aground.",
                    "Lloyds Shipping Intelligence")  # fmt: skip
    assert got["periodical"] == 1.0 and got["said_after"] == 1.0
    got = _features("The carrier was refloated, Lloyds Shipping Intelligence Service said.",
                    "Lloyds Shipping Intelligence Service")  # fmt: skip
    assert got["periodical"] == 1.0
    # the gate lets a periodical head through only as the subject of a reporting verb
    assert _may_credit("The carrier sank, Lloyds Shipping Intelligence said.", frozenset())
    assert not _may_credit("The carrier sank near the Shipping Intelligence office.", frozenset())
    got = _features("The poll in today's Sun tabloid showed the Conservatives ahead.", "Sun")
    assert "polled" not in got and got["reported_by"] > 0
    got = _features("A Harris poll published in The Observer showed Labour ahead.", "The Observer")
    assert got["polled"] == 1.0
