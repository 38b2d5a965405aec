"""Credit candidates and their features: which names in a sentence could be a publisher, and
how each one stands to the sentence.

Pure: a sentence in, :class:`Candidate` records out, each with named
:class:`CreditFeatures`. A candidate is a publisher-like span (a capitalised name run, a domain,
a name the gazetteer or the caller knows); a span made only of common nouns ("Press",
"State Television", "Officials") is never one. The features say where the credit cues stand
relative to the name: cues of the text's source before it ("according to", "via", "published
in", "Source:", "©", "said the ..."), after it ("reported", "said", "quoted", "contributed to
this report", "has learned"), a "(Name) -" dateline, and the cues against a credit: a
statement or interview given *to* the name, a name owning a show ("X's morning show"), a name
reporting its own figures, an indefinite "a Yugoslav newspaper". Which of these make a credit
is decided by the model in :mod:`dedup.stories.credits` (fitted by ``benchmarks/fit_credits.py``
on the labelled sentences in ``tests/data/credits.jsonl``), not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from dedup.stories import credit_cues as cues
from dedup.stories import credit_names as names
from dedup.stories import credit_places as places
from dedup.stories.credit_names import is_common, untokenised
from dedup.stories.publishers import MEDIA_WORDS, PRONOUNS, publisher_key

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "Candidate", "CreditFeatures", "apposed",
           "candidates", "is_common", "untokenised"]  # fmt: skip


@dataclass(frozen=True)
class CreditFeatures:
    """How one candidate name stands to its sentence; each value in [0, 1].

    Before-cues and after-cues are 1 when the cue touches the name and 0.5 when up to three
    lowercase words stand between ("according to the official IRNA", "TMZ also reports").
    """

    # the name reads as an outlet
    known: float  # in the gazetteer or known to the caller (the store's sources)
    media_word: float  # "News", "Times", "Radio", ... in the name
    masthead_word: float  # "Sun", "Star", "Express", "Standard": an outlet's or a company's
    kind_near: float  # "newspaper", "news agency", "daily", "station" right beside it
    domain: float  # a domain name ("MyFoxHouston.com")
    acronym: float  # an all-capitals short name (AP, AFP, IRNA)
    the_before: float  # "the Observer", "The Post"
    indefinite: float  # "a leading Yugoslav newspaper": a kind of outlet, not one outlet
    official: float  # "the official MTI news agency", "the state daily": a state source
    person_like: float  # a title before it or ", spokesman" after it: a person
    # "Cuban newspaper", "Indonesian newspapers", "the Communist Party newspaper Pravda": a
    # modifier of the kind, not the outlet's name
    adjective_like: float
    # a trade newsletter's head word last in the name ("Oil World", "Metal Bulletin", "Platow
    # Brief", "Lloyds Shipping Intelligence")
    periodical: float
    # the span is part of a longer capitalised run ("Atlantic" of "Bell Atlantic Corp",
    # "Fortune" of "Fortune Financial Group"): the run, not the span, is the name
    partial: float
    # credit cues before the name
    according: float
    via: float
    published: float
    broadcast_on: float  # "aired Tuesday on CBS", "a speech broadcast by Tehran Radio"
    first_published: float  # "was originally published in X": the text's first home
    reported_by: float
    quoted: float
    courtesy: float
    source: float
    copyright: float
    reports_before: float  # "reports AP", "J. Lester Feder reports at Buzzfeed"
    said_before: float  # "said the Press Democrat newspaper"
    wrote_in: float  # "an economist wrote in the People's Daily"
    # credit cues after the name
    reported_after: float
    said_after: float
    contributed_after: float
    quoted_as: float  # "Tehran Radio quoted the minister as saying"
    # the name says or reports something with its sources attached ("X said, quoting officials",
    # "Quoting documents, X said"): a publisher relaying what it was told
    quoting: float
    # the outlet's staff contributed: "Associated Press Writer Ken Ritter ... contributed"
    contributor: float
    dateline: float  # "(Reuters) -", "MOSCOU, 24 SET (ANSA) -"
    citation: float  # "“A Title,” The Wall Street Journal, June 2017.": a source list's entry
    staff: float  # "a Reuters witness said", "The BBC's Frances Harrison says"
    staff_of: float  # "according to Michael Silverman of the Boston Herald"
    passive_by: float  # "reflected by the official People's Daily", "bought by Tribune Co"
    closing: float  # "..., the official MTI news agency said.": the sentence's closing source
    # the name modifies a text: only talked about ("no comment on the Post story"), or where the
    # words are ("according to the X article") or saying them ("A Reuter survey found")
    text_noun: float
    text_source: float
    # cues against a credit of the text
    told: float  # "told X", "in an interview with X", "statement to X", "wrote for X"
    # the name says a quotation in the first person ("I didn't see it," X said): a speaker
    first_person: float
    owns: float  # "X's morning show", "CNN's Larry King Live"
    own_figures: float  # "Amalgamated reported net income": a company on its own figures
    said_it: float  # "CNN said it reached an agreement": the name speaks for itself
    interview: float  # the sentence speaks of an interview somewhere
    picture: float  # "Featured image via X", "Photo courtesy of X": a picture's credit
    polled: float  # "analysts polled by Reuters": people the outlet asked are the source
    company: float  # "Inc", "Corp", "Holdings", a ticker "<RTRS.L>": a company, not an outlet
    institution: float  # "Environmental Protection Agency", "Agriculture Department": a body
    affiliated: float  # "Christopher Gunness of the X": a person's employer, the person speaks
    negated: float  # "CNN News aren't reporting", "the Times declined to say"
    # the sentence is about a company's affairs ("ABC said the facility can be used", "The Wall
    # Street Journal said the stocks of ... will be dropped"): the name may be its subject
    corporate: float
    # a speaker on the air ("said on NBC's "Today" program", "appearing on Cable News
    # Network's Moneyline program", "said on the NBC television network")
    on_air: float
    # the outlet as the object of business or law ("a stake in the South China Morning Post",
    # "a libel award against The Washington Post", "systems acquired by Tribune")
    business: float
    # the outlet as the organiser of an event ("a conference sponsored by Euromoney magazine")
    organiser: float
    # a rule or notice published in a register or gazette: the document is the source
    gazette: float
    # the name modifies a compound before the text noun ("the Alberta wheat pool report",
    # "the Saskatchewan Wheat Pool's weekly crop report"): the name says whose, not which outlet
    text_far: float

    def vector(self) -> tuple[float, ...]:
        # not dataclasses.astuple, which deep-copies: this runs for every candidate
        return tuple(getattr(self, name) for name in FEATURE_NAMES)


FEATURE_NAMES = tuple(f.name for f in fields(CreditFeatures))
# Features by what they measure; the quality gate zeroes each group in turn.
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    # whether the name reads as one outlet, for and against
    "outlet": ("known", "media_word", "masthead_word", "kind_near", "domain", "acronym",
               "the_before", "indefinite", "official", "person_like", "adjective_like",
               "periodical", "partial"),
    "cue_before": (*cues.BEFORE_CUES, "staff_of", "passive_by"),
    "cue_after": (*cues.AFTER_CUES, "dateline", "citation", "quoting", "contributor", "staff",
                  "closing", "text_noun", "text_source"),
    "against": ("told", "first_person", "owns", "own_figures", "said_it", "interview",
                "picture", "polled", "company", "institution", "affiliated", "negated",
                "corporate", "on_air", "business", "organiser", "gazette", "text_far"),
}  # fmt: skip
assert sorted(n for g in FEATURE_GROUPS.values() for n in g) == sorted(FEATURE_NAMES)


@dataclass(frozen=True)
class Candidate:
    """A publisher-like span of one sentence."""

    name: str
    key: str
    start: int
    end: int
    features: CreditFeatures


# words no outlet's name starts with (days and months may: "Sunday Times"; a time adverb may
# not: "Yesterday's edition said" names the paper by its issue, not by its name)
_NOT_A_NAME_START = PRONOUNS | frozenset(
    ["in", "on", "at", "but", "and", "a", "an", "one", "another", "some", "several", "other",
     "yesterday", "today", "tonight", "tomorrow"]
)  # fmt: skip


def _near(regexes: tuple[re.Pattern[str], re.Pattern[str]], text: str, search: bool) -> float:
    touching, bridged = regexes
    if touching.search(text) if search else touching.match(text):
        return 1.0
    if bridged.search(text) if search else bridged.match(text):
        return 0.5
    return 0.0


_APPOSED_GAP = re.compile(rf"^\s*(?:{cues.KIND.pattern}\s*)?[,(]?\s*$", re.I)


def apposed(text: str, a: Candidate, b: Candidate) -> bool:
    """Whether two disjoint candidates of ``text`` name one outlet twice, a name and its
    acronym side by side ("the Sudan News Agency (SUNA)", "the Emirates news agency, WAM,",
    "Saudi Press Agency SPA"): one credit, not two."""
    first, second = (a, b) if a.end <= b.start else (b, a)
    if first.end > second.start or not (first.features.acronym or second.features.acronym):
        return False
    return bool(_APPOSED_GAP.match(text[first.end : second.start]))


# Compiled once: candidates() runs for every sentence with a cue word in every story.
_LEAD = re.compile(r"(?:the|The)\s+")
# (or apposed to a named kind: "The Milan daily, Il Giornale")
_KIND_BEFORE = re.compile(rf"{cues.KIND.pattern}\s*(?:the\s+)?$", re.I)
# a name apposed to a named kind, the apposition closed by a comma after it: "The Milan daily,
# Il Giornale, said" (not "According to the Boersen-Zeitung newspaper, Schmidt said")
# (its modifiers may be lowercase, and it may be one of several: "The financial daily,
# Boersenzeitung, wrote", "One of Sao Paulo's leading news magazines, Senhor, said")
_KIND_APPOSED_BEFORE = re.compile(
    rf"\b(?:[Tt]he|of)\s+(?:[\w'’-]+\s+){{0,3}}{cues.KINDS.pattern}\s*,\s*$", re.I
)
# kind words between a cue and the name ("said the daily Gunes", "published in the weekly X",
# "Asked by the newspaper Bild"): they head the name's phrase, so the cue touches the name
# with up to two modifiers of the kind ("quoted by the Irish magazine X", "in the conservative
# daily X"), but no article or preposition: those belong to the cue
_KIND_TAIL = re.compile(
    rf"(?:\b(?!(?:the|a|an|that|in|by|of|to|for|from|on|with|at)\s)[\w-]+\s+){{0,2}}?"
    rf"(?<![\w-])(?:{cues.KIND.pattern}\s+)+$",
    re.I,
)
# the last word of every outlet kind: only a name after one of these has a kind to strip
_KIND_LAST_WORDS = frozenset(
    {
        *("newspaper", "newspapers", "daily", "weekly", "monthly", "magazine", "tabloid"),
        *("journal", "paper", "agency", "service", "broadcaster", "television", "tv", "radio"),
        *("station", "network", "channel", "website", "site", "publication", "edition"),
        "newsletter",
    }
)
_KIND_AT_START = re.compile(rf"^\s*{cues.KIND.pattern}", re.I)
_COMPOUND_ADJECTIVE = re.compile(r"[A-Z][\w'’]*(?:-[a-z]+)+")
_KIND_AT_END = re.compile(rf"{cues.KIND.pattern}\s+$", re.I)
_DOMAIN_END = re.compile(r"\.(?:com|org|net|co\.uk)$")
_CAMEL = re.compile(r"[a-z][A-Z]")
_THE_BEFORE = re.compile(r"\bthe\s*$", re.I)
_SERVICE_AFTER = re.compile(r"^\s+service\b")


_AFFILIATE_REPORTS = re.compile(
    rf"{cues.AFTER['reported_after'][1].pattern}|{cues.AFTER['contributed_after'][1].pattern}",
    re.IGNORECASE,
)
# a span that runs a person into their outlet: "Bob Woodward of The Washington Post"
_PERSON_OF = re.compile(
    r"(?:[A-Z][a-z][\w.'’-]*\s+){1,3}(?:of|from|at)\s+(?:the\s+|The\s+)?"
    r"(?:[A-Z][\w'’.-]*\s+)*(?:News|Times|Post|Journal|Press|Herald|Tribune|Daily|Radio|TV)$"
)
_OFFICIAL_BEFORE = re.compile(r"\bOfficial\s+(?:[A-Z][\w'’]*\s+)?$")
_NO_BEFORE = dict.fromkeys(cues.BEFORE_CUES, 0.0)
_NO_AFTER = dict.fromkeys(cues.AFTER_CUES, 0.0)


def candidates(sentence: str, known: frozenset[str] = frozenset()) -> list[Candidate]:
    """Every publisher-like span of ``sentence`` with its features, in text order.

    Spans index ``untokenised(sentence)``.
    """
    sentence = untokenised(sentence)
    out: list[Candidate] = []
    interview = float(bool(cues.INTERVIEW.search(sentence)))
    first_person_quote = bool(names.FIRST_PERSON_QUOTE.search(sentence))
    corporate = float(bool(cues.CORPORATE.search(sentence)))
    for start, end in names.spans(sentence, known):
        raw = sentence[start:end]
        lead = _LEAD.match(raw)
        if lead:  # "The Post": shown with its article, measured from the name
            start += lead.end()
        name = names.clean(raw)
        key = publisher_key(name)
        words = [w for w in names.name_words(name) if w != "the"]
        if not key or len(key) < 2 or (words and words[0] in _NOT_A_NAME_START):
            continue
        # a source of the store may be called "Wire", and the gazetteer knows "Saudi Press Agency"
        if is_common(name) and not names.known_key(key, known):
            continue
        before, after = sentence[:start], sentence[end:]
        before_tail = before[-80:]
        last = before_tail[-16:].rsplit(None, 1)[-1:]
        cue_tail = (
            _KIND_TAIL.sub("", before_tail)
            if last and last[0].lower() in _KIND_LAST_WORDS
            else before_tail
        )
        is_known = names.known_key(key, known)
        kind_before = bool(_KIND_BEFORE.search(before_tail)) or bool(
            _KIND_APPOSED_BEFORE.search(before_tail) and after.lstrip().startswith(",")
        )
        kind_after = bool(_KIND_AT_START.match(after) or cues.KIND_AFTER_MODIFIED.match(after))
        # what follows the name once its kind and appositive are read as part of it: "the
        # MTI news agency said", "the Ghana News Agency (GNA) reported", "Granma, the official
        # Cuban newspaper, said"
        tail = cues.KIND_AFTER.sub("", after, count=1)
        tail = cues.PAREN_AFTER.sub("", tail, count=1)
        if words and words[-1] in cues.PERIODICAL_HEADS:
            # "Lloyds Shipping Intelligence service said": the service of a periodical
            tail = _SERVICE_AFTER.sub("", tail, count=1)
        # (read before the clause is stepped over: "IRNA, quoting figures ..., said")
        quoting = bool(cues.QUOTING_AFTER.match(tail))
        apposed = cues.APPOSITIVE.match(tail)
        if apposed:
            tail = tail[apposed.end() :]
        else:
            clause = cues.CLAUSE.match(tail)
            tail = tail[clause.end() :] if clause else tail
        # "agency" makes a news agency only beside a news word ("Saudi Press Agency"); alone it
        # is as often a public body ("Defense Logistics Agency"), which ``institution`` says
        news_word = bool(cues.NEWS_WORD.search(name))
        media_word = any(
            w in MEDIA_WORDS and w not in cues.MASTHEAD_WORDS and (w != "agency" or news_word)
            for w in names.word_parts(name)
        ) or (  # a periodical's title, head first: "Annals of Internal Medicine"
            len(words) > 2 and words[1] == "of" and words[0] in cues.PERIODICAL_HEADS
        )
        masthead = not media_word and any(w in cues.MASTHEAD_WORDS for w in words)
        # a kind word before the name says it is a publication ("the weekly newsletter Middle
        # East Economic Survey"); after it, not ("the Department of Energy agency")
        institution = (
            bool(cues.INSTITUTION.search(name))
            and not news_word
            and not is_known
            and not _KIND_AT_END.search(before_tail)
        )
        domain = bool(_DOMAIN_END.search(name))
        acronym = bool(names.ACRONYM.fullmatch(name))
        any_before = bool(cues.ANY_BEFORE.search(cue_tail))
        citation = bool(
            cues.CITATION_BEFORE.search(before_tail) and cues.CITATION_AFTER.match(after)
        )
        any_after = bool(cues.ANY_AFTER.match(tail))
        text_noun = cues.TEXT_NOUN.match(after)
        contributor = bool(cues.CONTRIBUTOR_AFTER.match(after)) or (
            raw.endswith(("'s", "’s")) and bool(cues.OWN_PEOPLE_CONTRIBUTED.match(after))
        )
        # a name that reads as no outlet and has no cue of a credit (or of an interview) on
        # either side is no candidate: most names of most sentences, skipped before the rest
        if not (
            is_known
            or media_word
            or masthead
            or domain
            or acronym
            or kind_before
            or kind_after
            or apposed
            or any_before
            or any_after
            or text_noun
            or contributor
            or citation
            or cues.AGAINST[1].search(cue_tail)
            or cues.KIND.search(before_tail[-30:])
            or cues.ANY_AFTER_WIDE.match(after)
        ):
            continue
        # "Cuban newspaper", "Indonesian newspapers", "the Communist Party newspaper Pravda", "a
        # leading Yugoslav newspaper": the name says whose or which kind of outlet, not which
        # outlet; unless it is a known outlet, it is no candidate
        adjective_like = bool(
            cues.PLURAL_KIND.match(after)
            or cues.KIND_THEN_NAME.match(after)
            or cues.KIND_THEN_APPOSED.match(after)
        ) or (
            kind_after
            and (
                # "The English-language daily", "the Paris-based weekly": a compound adjective
                bool(_COMPOUND_ADJECTIVE.fullmatch(_LEAD.sub("", name)))
                or (
                    len(words) == 1
                    and not name.isupper()
                    and not _CAMEL.search(name)  # "TheOregonian" is no demonym
                    and bool(cues.DEMONYM.search(words[0]))
                )
                or bool(cues.INDEFINITE_BEFORE.search(before_tail))
            )
        )
        if adjective_like and not is_known:
            continue
        # a copyright line names its holder as a company: "© 2013 Cable News Network, Inc."
        held = bool(cues.BEFORE["copyright"][0].search(cue_tail))
        if (cues.COMPANY_ONLY.match(after[:60]) or cues.COMPANY_ONLY.search(name)) and not held:
            continue
        text_source = bool(text_noun) and bool(
            cues.TEXT_IN_BEFORE.search(before_tail)
            or cues.TEXT_SAYS.match(after[text_noun.end() :])  # type: ignore[union-attr]
        )
        staff_of = bool(cues.STAFF_BEFORE.search(before_tail))
        dateline = bool(cues.DATELINE_AFTER.match(after) and before.rstrip().endswith("("))
        text_far = text_noun is not None and (
            len(cues.LOWER_WORD.findall(cues.KIND.sub("", text_noun.group(0)))) > 1
        )
        run_before = cues.RUN_BEFORE.search(before_tail)
        run_after = cues.RUN_AFTER.match(after)
        partial = bool(run_before and run_before.group(1) not in cues.NOT_RUN) or bool(
            run_after and run_after.group(1) not in cues.NOT_RUN
        )
        # on a programme of the name's, or a speaker's verb before "on" unless a text is what
        # appeared there (ON_AIR_BEFORE ends in "on", so it implies ON_BEFORE)
        if places.PROGRAMME_AFTER.match(after):
            on_air = bool(places.ON_BEFORE.search(before_tail))
        else:
            on_air = bool(places.ON_AIR_BEFORE.search(before_tail)) and not (
                places.TEXT_APPEARED_BEFORE.search(before_tail)
            )
        features = CreditFeatures(
            known=float(is_known),
            media_word=float(media_word),
            masthead_word=float(masthead),
            kind_near=float(kind_before or kind_after or bool(apposed)),
            domain=float(domain),
            acronym=float(acronym),
            the_before=float(bool(_THE_BEFORE.search(before_tail))),
            # "a Post story", "a 2005 Vanity Fair article": the article belongs to the text
            indefinite=float(not text_noun and bool(cues.INDEFINITE_BEFORE.search(before_tail))),
            official=float(bool(cues.OFFICIAL_BEFORE.search(before_tail[-50:]))),
            adjective_like=float(adjective_like),
            person_like=float(
                bool(
                    cues.TITLE_BEFORE.search(before_tail)
                    or names.PERSON_BEFORE.search(before_tail)
                    or cues.PERSON_AFTER.match(after)
                    or names.TITLE_AFTER.match(after)
                    or cues.TITLE_INSIDE.search(name)
                )
            ),
            **(
                {cue: _near(regexes, cue_tail, True) for cue, regexes in cues.BEFORE.items()}
                if any_before
                else _NO_BEFORE
            ),
            **(
                {cue: _near(regexes, tail, False) for cue, regexes in cues.AFTER.items()}
                if any_after
                else _NO_AFTER
            ),
            dateline=float(dateline),
            citation=float(citation),
            quoting=float(quoting or (bool(cues.QUOTING_BEFORE.search(before)) and any_after)),
            staff=float(
                bool(
                    cues.STAFF_AFTER.match(after)
                    or (raw.endswith(("'s", "’s")) and cues.PERSON_AFTER_POSSESSIVE.match(after))
                    or (cues.STAFF_BY.match(after) and cues.BY_BEFORE.search(before_tail))
                )
            ),
            staff_of=float(staff_of),
            passive_by=float(bool(cues.PASSIVE_BY.search(before_tail[-60:]))),
            closing=float(
                bool(cues.CLOSING_AFTER.match(after) and cues.CLOSING_BEFORE.search(before_tail))
                or bool(
                    cues.CLOSING_NAME_LAST.match(after)
                    and cues.CLOSING_VERB_BEFORE.search(before_tail)
                )
            ),
            text_noun=float(bool(text_noun) and not text_source),
            text_source=float(text_source),
            told=_near(cues.AGAINST, cue_tail, True),
            first_person=float(first_person_quote and (any_after or any_before)),
            contributor=float(contributor),
            owns=float(bool(cues.OWNS.match(sentence[end : end + 60]))),
            own_figures=float(bool(cues.REPORTED_FIGURES.match(tail))),
            said_it=float(bool(cues.SAID_IT.match(tail))),
            interview=interview,
            picture=float(bool(cues.PICTURE.search(before_tail[-40:]))),
            polled=float(
                bool(cues.POLLED.search(cue_tail[-40:]) or cues.POLLSTER.search(before_tail))
            ),
            # broadcasters are companies too ("Canadian Broadcasting Corp")
            company=float(
                not cues.BROADCASTER.search(name)
                and not held
                and bool(cues.COMPANY.search(name) or cues.COMPANY_AFTER.match(after[:60]))
            ),
            institution=float(institution),
            # "Ken Rosenthal of Fox Sports reports", "Jane Doe of the Miami Herald contributed
            # to this report": the outlet's own reporter, as staff_of
            affiliated=float(
                not staff_of
                and bool(cues.AFFILIATION.search(before_tail) or _PERSON_OF.match(name))
                and not _AFFILIATE_REPORTS.match(tail)
            ),
            negated=float(bool(cues.NEGATED.match(tail))),
            # a dateline names the text's source whatever the story is about
            corporate=0.0 if dateline else corporate,
            on_air=float(on_air),
            business=float(bool(places.BUSINESS_BEFORE.search(before_tail[-60:]))),
            organiser=float(bool(places.ORGANISER_BEFORE.search(before_tail[-50:]))),
            # (or its name says it: "the Official State Gazette", "the EC's Official Journal")
            gazette=float(
                bool(places.GAZETTE_BEFORE.search(before_tail))
                or (
                    ("official" in words[:-1] or bool(_OFFICIAL_BEFORE.search(before_tail)))
                    and words[-1] in cues.PERIODICAL_HEADS | {"register"}
                )
            ),
            text_far=float(text_far),
            # "Lloyds Shipping Intelligence Service": the service of a periodical head
            periodical=float(
                bool(words)
                and (
                    words[-1] in cues.PERIODICAL_HEADS
                    # head first: "Annals of Internal Medicine", "Journal of the ... Association"
                    or (len(words) > 2 and words[1] == "of" and words[0] in cues.PERIODICAL_HEADS)
                    or (
                        words[-1] in ("service", "services")
                        and len(words) > 1
                        and words[-2] in cues.PERIODICAL_HEADS
                    )
                )
            ),
            partial=float(partial),
        )
        out.append(Candidate(name, key, start, end, features))
    return out
