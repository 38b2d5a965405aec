"""Where a credit feature finds the outlet placed otherwise than as a text's source
(:mod:`dedup.stories.credit_features`): on the air with a speaker, as the object of business
or law, as an event's organiser, as the register a rule was published in. Compiled once, at
import; split from :mod:`dedup.stories.credit_cues` for the module size limit.
"""

from __future__ import annotations

import re

# A speaker on the air of a broadcaster, not its report: "said on NBC's "Today" program",
# "appearing on Cable News Network's Moneyline program", "said on the NBC television network",
# "in an interview on CBS": the speaker is the source, the outlet the place of the statement.
ON_AIR_BEFORE = re.compile(
    r"\b(?:said|says|say|told|tells|appearing|appeared|appears|speaking|spoke|interviewed|"
    r"commented|stated|remarked|declared|added|argued|predicted|conceded|acknowledged|"
    r"insisted|warned|asserted|denied|guest|interview|interviews|remarks|comments)"
    r"\s+(?:[a-z][\w-]*\s+){0,2}?on\s+(?:the\s+)?$",
    re.I,
)
# a programme of the name's ("NBC's "Today" program", "ABC's "Good Morning America"", "the NBC
# television network")
PROGRAMME_AFTER = re.compile(
    r"^(?:['’]s?\s+(?:[\w-]+\s+){0,3}?[\"“]|(?:['’]s?)?\s+(?:[\w-]+\s+){0,3}?"
    r"(?:program|programme|show|broadcast|network|interview)s?\b)",
    re.I,
)
ON_BEFORE = re.compile(r"\bon\s+(?:the\s+)?$", re.I)
# ... unless what appeared there is a text: "This story first appeared on Daily Ledger" names
# the text's first home (a credit), as "Smith appeared on CNN" does not (nor "said it appeared
# on the BBC's Newsnight programme": a programme after the name keeps the appearance).
TEXT_APPEARED_BEFORE = re.compile(
    r"\b(?:first|originally|story|article|post|piece|report|column|essay|version)"
    r"\s+(?:[a-z][\w-]*\s+)?(?:appeared|appears|ran|runs)\s+on\s+(?:the\s+)?$",
    re.I,
)
# The outlet as the object of a verb of business or law: "the sale of its stake in the South
# China Morning Post", "a libel award against The Washington Post", "systems acquired by
# Tribune", "owners of the Herald of Free Enterprise": the outlet is what the news is about.
BUSINESS_BEFORE = re.compile(
    r"\b(?:(?:stake|interest|holding|holdings|shares|stock|investment)\s+in|"
    r"(?:sale|purchase|acquisition|takeover|ownership|control|owner|owners|publisher|parent|"
    r"unit|subsidiary|division|shareholder|shareholders|buyer|bidder)\s+of|against|"
    r"(?:sued|sues|suing|acquired|bought|buy|buys|buying|sold|sell|sells|selling|acquire|"
    r"acquires|acquiring|purchased|purchase|own|owns|owned|controls|controlled|merge|merged|"
    r"bid|offer|deal|agreement|contract|talks)(?:\s+(?:by|from|to|with|for))?)"
    r"(?:\s+(?:some|part|all|most|much|half|control)\s+of)?"
    r"(?:\s+(?:its|their|his|her|the|a|an))?(?:\s+(?:[a-z][\w-]*)){0,1}\s*$",
    re.I,
)
# An event the outlet organised, or people it asked: "a debt conference, organized by the
# Euromoney magazine", "a conference sponsored by Euromoney"
ORGANISER_BEFORE = re.compile(
    r"\b(?:sponsored|organi[sz]ed|hosted|arranged|convened|staged|co-sponsored|chaired)"
    r"\s*,?\s+by\s+(?:the\s+)?$|\b(?:conference|seminar|forum|symposium|summit|luncheon|"
    r"dinner|breakfast|meeting|awards?)\s+(?:of|by|at)\s+(?:the\s+)?$",
    re.I,
)
# A rule, notice or decree published in the name (a government gazette or register): the
# document, not the publication, is the source.
GAZETTE_BEFORE = re.compile(
    r"\b(?:rules?|regulations?|guidelines|notices?|proposals?|decrees?|orders?|laws?|"
    r"directives?|amendments?|changes|standards|requirements|tariffs?|quotas?|ruling)"
    r"\s+(?:[a-z][\w-]*\s+){0,3}?(?:published|printed|issued|listed|gazetted|announced|"
    r"appearing|appeared)\s+(?:[a-z][\w-]*\s+){0,2}?in\s+(?:the\s+)?$",
    re.I,
)
