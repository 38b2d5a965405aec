"""Publisher-like names in a sentence: the spans :mod:`dedup.stories.credit_features` reads
as credit candidates (capitalised name runs and their tails, domains, names the gazetteer or the
caller knows), the common-noun rule, ECB+'s tokenised spellings joined again, and the shapes
around a name that read it as a person's (a title beside it, a quotation in the first person).

Pure: strings in, spans and names out.
"""

from __future__ import annotations

import re

from dedup.stories.credit_cues import ROLE_NOUNS
from dedup.stories.publishers import COMMON_NOUNS, DISPLAY, SKIP_NAMES, publisher_key

# "10News", "7NEWS": a channel number opens some broadcasters' names
_WORD = (
    r"(?:[A-Z][\w&'’.!-]*|[a-z]+[A-Z][\w'’.-]*|(?:al|el)-[A-Z][\w'’-]*|\d{1,3}[A-Z][A-Za-z]{2,})"
)
# ECB+ is tokenised: "SKY - TV", "Agence - France Presse", "TMZ. com"
_JOIN = r"(?:\s+(?:of|de|del|della|du|des|la|le|do|da|dos|das|di|&|and|for)\s+|\s+-\s+|\s+)"
# a trailing number belongs to broadcasters' names ("AM 830", "WCCO-TV Channel 4"), after a
# call sign or a broadcasting word only: "Copyright 2017 Verbatim 0" is not a name with "0"
_NUMBERED = r"(?:(?<=[A-Z]{2})|(?<=Channel)|(?<=TV)|(?<=News)|(?<=Radio))\s\d{1,4}\b(?!\s*[,.]?\d)"
_NAME = re.compile(
    rf"(?<![\w’'.-]){_WORD}(?:{_JOIN}{_WORD}){{0,5}}(?:\.\s?(?:com|org|net)|{_NUMBERED})?"
)
# a periodical named head first, for what it serves ("Journal of the American Medical
# Association", "Proceedings of the National Academy of Sciences"): "of the" joins no other name
_PERIODICAL_OF = re.compile(
    rf"(?<![\w’'.-])(?:{_WORD}\s+)?(?:Journal|Proceedings|Annals|Bulletin|Transactions|Archives)"
    rf"\s+of\s+the\s+{_WORD}(?:{_JOIN}{_WORD}){{0,5}}"
)
# a staff noun inside a run ends the outlet's name: "Associated Press Writer Ken Ritter",
# "Courant Staff Writers Matt Eagan": the role and the person follow the outlet
_STAFF_WORD = re.compile(rf"\s+(?:Staff|{ROLE_NOUNS})\b")
# (not Sunday: "Welt am Sonntag", "Scotland on Sunday" are named so)
_DAY_LAST = re.compile(r"(?<=\S)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday)$")
_DOMAIN = re.compile(
    r"(?<![\w@/.-])(?:www\.)?[a-z0-9][\w-]*(?:\.[\w-]+)*\.(?:com|org|net|co\.uk)\b"
)
# Outlets that spell themselves in lower case; other lowercase words ("time", "people") are not
# read as the gazetteer's capitalised names.
_LOWER_KNOWN = re.compile(r"(?<![\w-])(?:dpa)(?![\w-])")


_AS_IGNORECASE = str.maketrans({"\u0130": "I", "\u0131": "i", "\u017f": "s", "\u00a0": " "})


ACRONYM = re.compile(r"[A-Z]{2,6}")

# a person's title with the name after it, no comma between: "CNN president Jim Walton", "CBS
# Television President Leslie Moonves": the name says whose title, the person speaks
TITLE_AFTER = re.compile(
    r"^\s+(?:(?-i:[A-Z][\w-]*)\s+)?(?:president|chairman|chairwoman|chief|spokes(?:man|woman|"
    r"person)|executive|director|owner|publisher|vice\s+president|co-founder|founder)"
    r"\s+(?-i:[A-Z][\w.'’-]+)",
    re.IGNORECASE,
)
# a title and given names before the name: "Mayor Michael R. Bloomberg", "Mr. Bloomberg"
PERSON_BEFORE = re.compile(
    r"\b(?:Mayor|Mr|Mrs|Ms|Dr|Sen|Senator|Rep|Gov|Governor|Gen|Judge|President|Minister|"
    r"Chairman|Secretary|Sheikh|Prince|Lord|Sir)\.?\s+(?:[A-Z][\w'’-]*\.?\s+){0,2}$"
)
# a quotation in the first person: the one who says it is a person (or a body speaking for
# itself), not an outlet relaying what it learned ("I didn't see either one today," X said)
FIRST_PERSON_QUOTE = re.compile(
    r"[\"“][^\"”]*?\b(?-i:I|I'm|I’m|I'll|I’ll|I've|I’ve|I'd|me|my|we|We|us|our|Our)\b[^\"”]*[\"”]?"
)


def clean(raw: str) -> str:
    name = re.sub(r"\s+-\s+", "-", raw.strip())
    name = re.sub(r"\.\s(com|org|net)$", r".\1", name)
    name = name.rstrip(".’'-,")
    name = re.sub(r"[’']s$", "", name)
    return re.sub(r"^the\s", "The ", name)


def name_words(name: str) -> list[str]:
    return [w.strip(".’'-") for w in re.split(r"[\s-]+", name.casefold()) if w.strip(".’'-")]


def word_parts(name: str) -> list[str]:
    """The words of a name and, of a word written in camel case, its parts: what kind of
    outlet "TechNewsWorld" is shows in "news".

    >>> word_parts("TechNewsWorld Online")
    ['technewsworld', 'online', 'tech', 'news', 'world']
    """
    camel = [
        part.casefold()
        for word in name.split()
        if re.search(r"[a-z][A-Z]", word)
        for part in re.findall(r"[A-Z][a-z]+", word)
    ]
    return name_words(name) + camel


def is_common(name: str) -> bool:
    """A name made only of common nouns (and articles) is never a publisher.

    >>> is_common("State Television"), is_common("Press"), is_common("Tehran Radio")
    (True, True, False)
    >>> is_common("Gulf News Agency"), is_common("State News Agency"), is_common("News Agency")
    (False, True, True)
    """
    words = [w for w in name_words(name) if w not in ("the", "a", "an")]
    if _AGENCY_HEAD.search(name) and not _KIND_ONLY.issuperset(words[:-2]):
        return False  # "Gulf News Agency", "Iraqi News Agency": a place's agency is its name
    return not words or all(w in COMMON_NOUNS or w in SKIP_NAMES or w.isdigit() for w in words)


# the head of a national news agency's name, capitalised: lowercase "the Iraqi news agency" is
# a kind of outlet, not its name
_AGENCY_HEAD = re.compile(r"(?<!^)\b(?:News|Press)\s+Agency$")
_KIND_ONLY = frozenset(
    [
        "state",
        "official",
        "government",
        "national",
        "local",
        "foreign",
        "international",
        "regional",
        "western",
        "domestic",
        "news",
        "press",
    ]
)


def spans(sentence: str, known: frozenset[str]) -> list[tuple[int, int]]:
    """Name runs, their parts after "of" or a possessive, domains and lowercase known names."""
    spans: set[tuple[int, int]] = set()
    for match in _NAME.finditer(sentence):
        start, end = match.span()
        # a weekday closing the run is its date, not its name: "wrote in the Post Monday"
        day = _DAY_LAST.search(match.group(0))
        if day:
            end = start + day.start()
        spans.add((start, end))
        text = sentence[start:end]
        # "Ken Rosenthal of Fox Sports", "Japan's Asahi Shimbun", "Thursday's New England ...":
        # the outlet may be the part after the joint
        # "Staff Writer Diane Lade and The Associated Press": a second name after "and"
        for joint in re.finditer(r"\s+of\s+(?:the\s+)?|['’]s\s+|\s+and\s+(?=The\s)", text):
            if re.match(r"[A-Z]", text[joint.end() :]):
                spans.add((start + joint.end(), end))
            if joint.group(0)[0] in "'’":  # "KYW’s Pat Loeb": the owner may be the outlet
                spans.add((start, start + joint.start() + 2))
        # the run may open with an ordinary word ("Earlier Reuters"), a place or people ("Greek
        # Sky TV", "Boston WCVB", "Egyptian MENA") or shouted cue words ("She TOLD BuzzFeed
        # News"): each of its tails is a candidate too
        for n, first in enumerate(re.finditer(r"\S+\s+", text)):
            if n > 3:
                break
            if re.match(r"[A-Z]", text[first.end() :]):
                spans.add((start + first.end(), end))
        # a greedy run into the next words: its longest known prefix ("BuzzFeed News Svetlana")
        words = list(re.finditer(r"\S+", text))
        # a name run into its acronym ("the official Kenya News Agency KNA said"): the name
        if (
            len(words) > 1
            and ACRONYM.fullmatch(words[-1].group(0))
            and not words[-2].group(0).isupper()
        ):
            spans.add((start, start + words[-2].end()))
        for n in range(len(words) - 1, 0, -1):
            prefix_end = start + words[n - 1].end()
            if known_key(publisher_key(clean(sentence[start:prefix_end])), known):
                spans.add((start, prefix_end))
                break
        staff = _STAFF_WORD.search(text)
        if staff and staff.start() > 0:
            spans.add((start, start + staff.start()))
    for match in _PERIODICAL_OF.finditer(sentence):
        spans.add(match.span())
    for match in _DOMAIN.finditer(sentence):
        spans.add(match.span())
    for match in _LOWER_KNOWN.finditer(sentence):
        spans.add(match.span())
    return sorted(spans)


def known_key(key: str, known: frozenset[str]) -> bool:
    return bool(key) and (key in known or key in DISPLAY)


def untokenised(sentence: str) -> str:
    """ECB+'s tokenised spellings joined again: "TMZ. com" -> "TMZ.com", "SKY - TV" -> "SKY-TV".

    >>> untokenised("the Times - Picayune, TMZ. com reports")
    'the Times-Picayune, TMZ.com reports'
    """
    if not sentence.isascii():  # as (?i) matches: İ is I, ı is i, ſ is s (one letter each)
        sentence = sentence.translate(_AS_IGNORECASE)
    sentence = re.sub(r"(?<=\w)\.\s(?=(?:com|org|net)\b)", ".", sentence)
    sentence = re.sub(r"(?<=\w)([’'])\s(?=s\b)", r"\1", sentence)  # "KYW’ s Pat Loeb"
    return re.sub(r"(?<=[A-Za-z])\s-\s(?=[A-Z])", "-", sentence)
