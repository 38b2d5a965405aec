"""The cue patterns of the credit features (:mod:`dedup.stories.credit_features`): the words
that stand before or after a name when a sentence credits it as its source, or addresses it, or
speaks of it as a company. Compiled once, at import.
"""

from __future__ import annotations

import re

from dedup.stories.publishers import OUTLET_KINDS

# Media words that name companies and teams as often as outlets ("Lone Star said", "American
# Express said", "Sun Co said"): the features read them apart from the other media words (a
# weaker sign of an outlet). Those not in publishers.MEDIA_WORDS ("sun", "star", "globe",
# "monitor") do not let a sentence through the finder's cheap filter by themselves.
MASTHEAD_WORDS = frozenset(
    {
        *("sun", "star", "globe", "monitor", "express", "standard", "guardian", "telegraph"),
        *("independent", "mirror", "mail", "observer", "register", "review", "wire", "media"),
        *("insider", "dispatch", "examiner", "courier", "sentinel", "inquirer", "bulletin"),
        "feed",
    }
)


def cue(alternatives: str) -> str:
    return rf"(?:{alternatives})"


# Cues of the text's source that stand before the name; ``bridge`` lowercase words (articles,
# "official", "state news agency") may stand between.
# "reported", maybe with when: "first reported Friday by", "reported online in"
_REPORTED_WHEN = r"reported(?:\s+(?:today|yesterday|online|\w+day|earlier))?"
BEFORE_CUES: dict[str, str] = {
    "according": r"according\s+to|per|citing|reports?\s+(?:in|by|from|on)",
    "via": r"via|h/t|hat\s+tip\s+to",
    "published": (
        r"(?:originally|first|also)?\s*(?:published|posted|appeared|appears?|appearing|printed|"
        r"reprinted|republished|re-published|reproduced|syndicated|carried)"
        r"(?:\s+first)?(?:\s+(?:today|yesterday|\w+day|earlier|recently|this\s+week|last\s+week))?"
        r"(?:\s+with\s+(?:the\s+)?permission)?\s+(?:by|in|on|at|from)"
        r"|(?:first|originally)\s+" + _REPORTED_WHEN + r"\s+(?:by|in|on|at)"
        # what a text of the outlet made known: "his identity was revealed in Vanity Fair"
        r"|(?:revealed|disclosed)\s+in"
    ),
    # the text's first home, a claim about this very text ("was originally published in
    # Invironment on Medium", "first appeared on Raw Story"), apart from any "published in"
    "first_published": (
        r"(?:originally|first)\s+(?:published|posted|appeared|printed|ran|aired)"
        r"(?:\s+(?:here|first|online|today|earlier))?\s+(?:by|in|on|at)|"
        r"(?:published|posted|appeared|printed)\s+(?:first|originally)\s+(?:by|in|on|at)|"
        r"(?:first|originally)\s+reported\s+(?:by|in|on|at)|republished\s+(?:from|with)"
    ),
    # a programme on the air, not a text: "aired Tuesday on CBS", "a ceremony broadcast on CBS",
    # "a speech broadcast by Tehran Radio" (a monitored broadcast: sometimes the source)
    "broadcast_on": (
        r"(?:broadcast|aired|televised|screened|shown|filmed|carried\s+live)"
        r"(?:\s+(?:live|today|yesterday|tonight|\w+day|nationally))?\s+(?:by|on|over)"
    ),
    "reported_by": (
        # the outlet as the place of a text: "in an article for Vanity Fair", "an editorial in"
        _REPORTED_WHEN + r"\s+(?:by|in|on)|(?:story|article|report|scoop|editorial|column|piece|"
        r"commentary|episode|contribution|dispatch)\s+(?:by|in|from|for)|"
        # the outlet's own poll: "The poll in today's Sun tabloid showed" (a named firm's poll
        # published in it is the firm's: POLLSTER)
        r"(?:poll|survey)\s+(?:published\s+)?in|"
        # "in Monday's edition of the Miami Herald", "in the latest issue of Time"
        r"(?:editions?|issues?|pages?|columns)\s+of|"
        # "monitored by the BBC", "carried by the official Saudi Press Agency": the outlet
        # relayed the text; "obtained by" and "released to" are against (AGAINST_BEFORE)
        r"(?:compiled|gathered|released|issued|conducted|broadcast|monitored|carried|relayed)"
        r"\s+(?:early\s+)?by"
    ),
    "quoted": r"(?:quoted|cited)(?:\s+as\s+(?:saying|telling\s+\w+))?\s+(?:by|in)|quoting",
    "courtesy": r"courtesy(?:\s+of)?|(?:story|article|reporting)\s+by|credit\s*:",
    "source": r"sources?\s*[:—–-]",
    # the year (or years) may follow the sign as the word: "© 2019 Science X Network"
    "copyright": r"(?:©|\(c\)|copyright(?:\s+(?:\(c\)|©))?)(?:\s*\d{4}(?:\s*[-–]\s*\d{4})?)?|"
    r"\d{4}\s+©",
    "reports_before": r"reported|reports|reporting|writes\s+for|reports\s+(?:at|for)",
    # a person's words in an outlet: "wrote in the People's Daily", "said in a Miami Herald
    # article" (as against "wrote for X", their employer, and "said to X", an interview)
    "wrote_in": r"(?:wrote|writes|writing|written|argued|argues|said|says|stated)\s+in",
    "said_before": r"said|says|wrote|writes|claims|claimed",
}
AGAINST_BEFORE = (
    r"told|telling|tells|tell|explained\s+to|said\s+to|says\s+to|confirmed\s+(?:to|with)|"
    r"spoke\s+(?:to|with)|speaking\s+(?:to|with)|talked\s+to|talking\s+to|admitted\s+to|"
    r"(?:interview|statement|e-?mail|letter|speech|remarks|address|answers|comment|"
    r"comments|interviews)\s+(?:(?:given|provided|sent|released|put)\s+)?"
    r"(?:to|with|in|for)|(?:statement|e-?mail|letter|speech|remarks|address|answers|comment|"
    r"comments)\s+(?:published\s+)?(?:by|in)|(?:writing|wrote|appeared|appearing|working|works)\s+for|"
    r"(?:poll|survey)\s+(?:for|by|conducted\s+for)|on\s+(?:air\s+)?with|"
    # a document handed to the outlet: its author is the source ("records obtained by AP")
    # an answer to the outlet's questions ("said in reply to Reuters inquiries")
    r"in\s+(?:reply|response|answer)\s+to|replying\s+to|"
    r"obtained\s+by|(?:released|leaked|provided|sent|given|shown|made\s+available)"
    r"(?:\s+officially|\s+exclusively)?\s+to|"
    # a pronoun's letter or message to the outlet ("he wrote the AP on Wednesday")
    r"(?-i:\b(?:[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I))\s+(?:wrote|writes|e-?mailed|messaged|texted)"
)
AFTER_CUES: dict[str, str] = {
    "reported_after": (
        r"(?:has|had|have|was\s+first\s+to|first|originally|also|earlier|exclusively)?\s*"
        r"(?:(?:is|are|was|were)\s+(?:now\s+|also\s+)?reporting|reported|reports|reporting|broke\s+the\s+(?:news|story)|has\s+learned|"
        r"learned(?!\s+(?:of|about)\b)|revealed|disclosed)"
    ),
    # "Tehran Radio quoted Iran's top defence spokesman ... as saying": the outlet relays a
    # statement it reports, which "said" alone does not tell from the outlet speaking for itself
    "quoted_as": (
        r"(?:quoted|quotes|quoting|cited|cites)\s+[^.;]{1,120}?\bas\s+(?:saying|telling|"
        r"stating|having|describing|calling|writing)"
    ),
    "said_after": (
        r"(?:also\s+)?(?:said|says|quoted|quotes|cited|cites|wrote|writes|claimed|claims|"
        r"stated|states|carried|added|published|ran|speculated|speculates|noted|notes|"
        r"estimated|estimates|identified|called|described|"
        # an outlet's own voice: its editorials and commentary
        r"argued|argues|urged|urges|warned|warns|commented|editoriali[sz]ed|expressed|"
        r"branded|predicted|predicts|suggested|suggests|insisted|asserted|alleged|charged|"
        r"denounced|denounces|condemned|condemns|criticised|criticized|criticises|criticizes|"
        r"hailed|praised)"
    ),
    "contributed_after": r"contributed(?:\s+to)?\s+(?:this|the)\s+(?:report|story|article)",
}
DATELINE_AFTER = re.compile(r"^\s*\)\s*[-—–]")
REPORTED_FIGURES = re.compile(
    r"^\s*(?:\w+\s+){0,2}(?:reported|reports|report|said)\s+(?:an?\s+|its\s+|a\s+net\s+|net\s+|"
    r"record\s+|higher\s+|lower\s+|first\s+|second\s+|third\s+|fourth\s+|sharply\s+|"
    r"pre-?tax\s+|\d\S*\s+)*(?:loss|losses|profit|profits|earnings|income|revenues?|sales|"
    r"gain|stake|deficit|surplus|results|dividend|output|quarter|net|operating|shares?)\b",
    re.IGNORECASE,
)
# (unless what it says of itself is its newsgathering: "NBC News said it understood", "Radio
# DZRH said it was checking unconfirmed reports", "The Sunday Express said its poll ... found")
SAID_IT = re.compile(
    r"^\s*(?:said|says)\s+(?:it|its|that\s+it|in\s+a\s+statement)\b"
    r"(?!\s+(?:had\s+|has\s+|was\s+|could\s+not\s+|had\s+been\s+|was\s+)?(?:understood|"
    r"understands|learned|learnt|been\s+told|told|checking|confirmed|obtained|poll|survey|"
    r"correspondents?|reporters?|sources)\b)",
    re.I,
)
OWNS = re.compile(r"^(?:['’]s?)\s+(?:[\w-]+\s+){0,2}?(?:show|program|programme|blog|column|"
                   r"podcast|site|website|magazine|documentary|live|channel)\b", re.I)  # fmt: skip
PERSON_AFTER = re.compile(
    r"^\s*,\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}(?:spokes(?:man|woman|person)|official|"
    r"director|chief|president|minister|chairman|manager|analyst|lawyer|attorney|"
    r"economist|officer|governor|executive|editor|publisher|anchor|host|producer)\b",
    re.IGNORECASE,
)
# an outlet's staff who contributed: "Associated Press Writer Ken Ritter in Las Vegas
# contributed to this article", "Courant Staff Writers Matt Eagan and Ken Davis contributed"
# the roles of an outlet's staff named after it
ROLE_NOUNS = r"Writers?|Correspondents?|Reporters?|Photographers?|Columnists?"
CONTRIBUTOR_AFTER = re.compile(
    rf"^\s+(?:Staff\s+)?(?:{ROLE_NOUNS})"
    # (a place's abbreviation may stand between: "in Birmingham, Ala., contributed")
    r"\s+(?-i:[A-Z])(?:[^.;]|\.(?=\s*,)|(?<=[A-Z])\.(?=[A-Z]))"
    r"{0,160}?\bcontributed\b",
    re.IGNORECASE,
)
# after an outlet's possessive, its own people: "CNN's Christine Romans and Emily Jane Fox
# contributed to this report"
OWN_PEOPLE_CONTRIBUTED = re.compile(
    r"^\s+(?-i:[A-Z][a-z])[^.;]{0,160}?\bcontributed(?:\s+to)?\s+(?:this|the)\s+"
    r"(?:report|story|article)",
    re.IGNORECASE,
)
TITLE_BEFORE = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|sen|rep|gov|gen|judge|president|minister|spokes(?:man|woman|person)|"
    r"secretary|chairman|director|officer|commissioner|chief|lawyer|attorney|analyst|"
    r"economist|sheikh|prince|king|queen)\.?\s*,?\s*)$",
    re.IGNORECASE,
)
# a title inside the name run, a person after it: "Tribune President Stanton Cook"
TITLE_INSIDE = re.compile(
    r"\s(?:President|Chairman|Chairwoman|Minister|Secretary|Director|Spokesman|Spokeswoman|"
    r"Governor|Senator|Chief\s+Executive|Editor|Publisher)\s+(?:[A-Z][\w.'’-]*\s*){1,3}$"
)
# (no preposition between: "in an article for Vanity Fair magazine" names the magazine)
INDEFINITE_BEFORE = re.compile(
    r"\b(?:a|an|one|another|some|several|other)\s+"
    r"(?:(?!(?:for|in|by|of|from|on|to|with|at)\s)[\w-]+\s+){0,2}$",
    re.I,
)
KIND = re.compile(
    rf"\b(?:{'|'.join(OUTLET_KINDS)})\b",
    re.IGNORECASE,
)
# a kind, singular or plural ("a leading news magazine", "leading news magazines")
KINDS = re.compile(rf"\b(?:{'|'.join(OUTLET_KINDS)})s?\b", re.IGNORECASE)
INTERVIEW = re.compile(r"\binterview", re.IGNORECASE)
KIND_AFTER = re.compile(rf"^\s*{KIND.pattern}(?:\s+(?:today|yesterday|also|earlier))?", re.I)
# "Indonesian newspapers", "the City Press and Free Sunday newspapers": more than one outlet
PLURAL_KIND = re.compile(
    r"^\s*(?:newspapers|papers|dailies|weeklies|magazines|agencies|news\s+agencies|stations|"
    r"networks|channels|media|press|outlets|websites|tabloids)\b",
    re.IGNORECASE,
)
# "the Communist Party newspaper Pravda": the name before the kind only says whose it is
# (or an Arabic article: "the Kuwait daily al-Qabas")
KIND_THEN_NAME = re.compile(
    rf"^\s*{KIND.pattern}\s+(?:the\s+)?(?-i:(?:al-|el-|an-|as-|ad-)?[A-Z])", re.I
)
# "The Milan daily, Il Giornale, said": the name apposed after the kind is the outlet's
KIND_THEN_APPOSED = re.compile(
    rf"^\s*{KIND.pattern}\s*,\s+(?-i:(?!The\b|An?\b)[A-Z][\w'’-]*)[^,;.]{{0,40}},", re.I
)
# "Cuban", "Iranian", "Korean", "German", "Japanese", "Iraqi", "Thai": not "Tehran", "Japan",
# "Sudan", "Taiwan", "Hanoi"
DEMONYM = re.compile(r"(?:ian|ean|can|ban|man|yan|ese|ish|[^aeiou]i|ai|ic)$")
PAREN_AFTER = re.compile(r"^\s*\([A-Z][A-Za-z.]{1,8}\)")
# (the kind heads the appositive: "Hugh Hefner, the magazine's founder," is a person)
APPOSITIVE = re.compile(
    rf"^\s*,\s+(?:the|a|an)\s+[^,;]{{0,60}}?{KIND.pattern}(?!['’])"
    # closed by a comma, or by the sentence's end ("in Circulation, a journal of the American
    # Heart Association.")
    rf"(?:[^,;]{{0,40}},|[^,;()]{{0,50}}(?:\([^)]*\))?\s*[.;!?]?\s*$)",
    re.I,
)
# a clause between the name and its verb: "IRNA, received in London, said", "The Jornal do
# Brasil newspaper, in an editorial today entitled ..., said"
CLAUSE = re.compile(r"^\s*,\s+[^,;:]{3,70},(?=\s*(?:said|says|reported|reports|quoted)\b)", re.I)
# The outlet's own people as the source: "a Reuters witness said", "an AFP journalist at the
# scene said", "The BBC's Frances Harrison in Tehran says"; the verb ends the clause they open.
STAFF = (
    r"(?:witness|journalist|reporter|correspondent|photographer|cameraman|cameramen|"
    r"columnist|commentator|editor|writer|crew|staff)s?"
)
# (a credit's own word is no person: "Courtesy of Forests News")
PERSON = (
    r"(?-i:(?!(?:Courtesy|Copyright|Credit|Source|Via)\b)[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})"
)
# a verb of telling, or of witnessing: the staff saw it ("Reuters journalists filmed bodies")
STAFF_VERB = (
    r"[^.;:!?]{0,60}?\b(?:said|says|reported|reports|reporting|wrote|writes|saw|counted|"
    r"filmed|photographed|witnessed|observed|heard|found|visited)\b"
)
STAFF_AFTER = re.compile(
    rf"^(?:\s+(?:[a-z][\w-]*\s+){{0,2}}?{STAFF}\b|['’]s?\s+(?:[a-z][\w-]*\s+){{0,2}}?{PERSON})"
    + STAFF_VERB,
    re.IGNORECASE,
)
# the outlet's staff as the agent: "were seen by Reuter correspondents"
STAFF_BY = re.compile(rf"^\s+{STAFF}\b", re.IGNORECASE)
BY_BEFORE = re.compile(r"\bby\s+(?:the\s+|an?\s+|two\s+|several\s+)?$", re.IGNORECASE)
# after a name whose span took its "'s" ("The BBC's"): its person follows at once
PERSON_AFTER_POSSESSIVE = re.compile(
    rf"^\s+(?:[a-z][\w-]*\s+){{0,2}}?{PERSON}" + STAFF_VERB, re.IGNORECASE
)
# "according to Michael Silverman of the Boston Herald", "(via Jeff Duncan of the Times-Picayune)"
STAFF_BEFORE = re.compile(
    rf"(?:according\s+to|via|by|reports?|reported|says|said|wrote|writes)\s+{PERSON}"
    r"\s*,?\s+(?:of|at|from)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# The reporting clause closing the sentence ("..., the official MTI news agency said."): the
# name is the source of all that came before it, not the subject of the news.
CLOSING_BEFORE = re.compile(r"[,”\"'’]\s*(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,6}$", re.I)
CLOSING_AFTER = re.compile(
    r"^(?:\s+(?:[a-z][\w-]*\s+){0,2}?(?:news\s+agency|newspaper|daily|weekly|agency|radio|"
    r"television|magazine|paper))?\s*(?:\([^)]{1,12}\)\s*)?,?\s*(?:has\s+|had\s+|also\s+)?"
    r"(?:said|says|reported|reports|quoted|added|wrote|writes|learned|claims|is\s+reporting)"
    r"(?:\s+(?:on|in|today|yesterday|last|this|late|earlier|citing|quoting)\b[^,.;]{0,40})?\s*[.;!?]?\s*$",
    re.I,
)
# ... or inverted, the verb before the name ("..., said the daily Gunes.", "..., reports this
# morning's Anchorage Daily News.", "..., said MENA."): the name closes the sentence
CLOSING_VERB_BEFORE = re.compile(
    r"[,”\"'’]\s*(?:said|says|reported|reports|wrote|writes|added|adds)\s+"
    r"(?:(?-i:[a-z][\w'’-]*|[A-Z][\w-]*['’]s)\s+){0,3}$",
    re.I,
)
CLOSING_NAME_LAST = re.compile(
    r"^(?:\s+(?:[a-z][\w-]*\s+){0,2}?(?:news\s+agency|newspaper|daily|weekly|agency|radio|"
    r"television|magazine|paper))?\s*(?:\([^)]{1,12}\)\s*)?"
    r"(?:\s+(?:on|in|today|yesterday|last|this|late|earlier)\b[^,.;]{0,40})?\s*[.;!?]?\s*$",
    re.I,
)
# the name as the agent of a passive ("reflected by the official People's Daily", "bought by
# Tribune Co"): which verb it is, the other features and the model say
PASSIVE_BY = re.compile(r"\b[a-z]{3,}ed\s+by\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
# A bibliographic citation: a quoted title, the outlet, then a date or a link ("“Google’s EU
# Fine Is a Small Price to Pay,” The Wall Street Journal, June 2017. http://on.wsj.com/...")
CITATION_BEFORE = re.compile(r"[^\s“\"]\s*[”\"]\s*,?\s*(?:the\s+)?$", re.I)
CITATION_AFTER = re.compile(
    r"^\s*[,.]\s*(?:(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+)?"
    r"(?:\d{1,2},?\s+)?\d{4}\b|https?://|www\.)"
)
# "CNN News aren't reporting": the name is said not to be a source
NEGATED = re.compile(
    r"^\s*(?:(?:is|are|was|were|has|have|had|do|does|did)\s*(?:n['’]t|not)|"
    r"(?:is|are|was|were|has|have|had|do|does|did)n['’]t|declined|refused|would\s+not)\b",
    re.IGNORECASE,
)
# The name as the modifier of a text ("the Vanity Fair article", "a 1972 Washington Post
# profile", "A Reuter survey", "the Times obituary"). It is the source of what is told when the
# text is where the words are ("according to the X article", "in a X profile") or when the
# text is the one saying ("A Reuter survey found", "the Times obituary points out"); not when it
# is only talked about ("no comment on the Post story", "use CNN reports").
TEXT_NOUN = re.compile(
    r"^(?:['’]s?)?\s+(?:(?:\d{4}|(?-i:[a-z][\w-]*))\s+){0,2}?(?:article|report|story|stories|"
    r"profile|editorial|column|obituary|poll|survey|study|dispatch|broadcast|commentary|piece|"
    r"analysis|calculations|investigation|estimate|tally|episode)s?\b",
    re.IGNORECASE,
)
TEXT_IN_BEFORE = re.compile(
    r"\b(?:in|according\s+to|from|cited\s+in|published\s+in|adapted\s+from|taken\s+from|"
    r"excerpted\s+from)\s+(?:(?:a|an|the|its|this|last|"
    r"recent|today['’]s|yesterday['’]s|\w+day['’]s|this\s+week['’]s|last\s+week['’]s)\s+)*"
    r"(?:\d{4}\s+)?$",
    re.IGNORECASE,
)
TEXT_SAYS = re.compile(
    r"^[^.;:,]{0,50}?\b(?:said|says|found|finds|showed|shows|points?\s+out|reported|reports|"
    r"estimated|estimates|noted|notes|produced|concluded|indicated|suggested|gave|put|called)\b",
    re.IGNORECASE,
)
# A public body, not an outlet: "the U.S. Environmental Protection Agency", "Bahrain Monetary
# Agency", "Manitoba Agriculture Department". The head of the name is an institution's and no
# word of it is a news word ("Kyodo News Service", "Saudi Press Agency" are outlets).
INSTITUTION = re.compile(
    r"\b(?:Agency|Agencies|Department|Dept|Ministry|Commission|Administration|Authority|Bureau|"
    r"Office|Council|Board|Institute|Institution|Organi[sz]ation|Fund|Committee|Association|"
    r"Federation|Union|Court|Centre|Center|Survey|University|Police|Service|Services|Corps|"
    r"Command|Force|Forces|Army|Navy|Program|Programme|Bank|Foundation|Society|Secretariat|"
    r"Directorate|Inspectorate|Agencia|Ministerio|Coalition|Party|Assembly|Parliament|"
    r"Congress|Senate|Government|Embassy|Mission|Relief|Exchange|Chamber|Pool|Pools|"
    r"Cooperative|Co-operative|Marketing)"
    # the head may be named for what it serves: "Department of Energy", "Ministry of Health"
    r"(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+(?:and\s+)?[A-Z][\w'’-]*){0,3})?$"
)
BROADCASTER = re.compile(r"(?i)\bbroadcasting\b")
NEWS_WORD = re.compile(
    r"(?i)\b(?:news|press|presse|prensa|radio|tv|television|broadcasting|broadcast|wire|"
    r"telegraph|telegraphic|information|journal)\b"
)
# "Christopher Gunness of the UN Relief and Works Agency", "Bob Woodward of The Washington
# Post said": a person named with their employer, who is the source ("according to Michael
# Silverman of the Boston Herald" is ``STAFF_BEFORE``, a cue before the person)
AFFILIATION = re.compile(
    rf"{PERSON}\s*,?\s+(?:of|from|at|with|for)\s+(?:the\s+)?$|"
    # a person's post at the outlet: "Theodore Cross, editor of Business and Society Review,"
    r"\b(?:editor|publisher|founder|owner|chairman|president|director|head|editor-in-chief)"
    r"\s+(?:of|at)\s+(?:the\s+)?$",
    re.I,
)
# a poll by a named polling firm ("The Harris poll published in the Observer"): the firm is the
# source, the outlet only prints it
# (a determiner opening the sentence is no firm: "The poll in today's Sun tabloid showed",
# "Another poll in the Times newspaper")
POLLSTER = re.compile(
    r"(?!(?-i:The|A|An|Another|This|That|Its|Their|One|Our|Each|Every|Latest|New)\b)"
    r"(?-i:[A-Z][\w&-]+)\s+(?:opinion\s+)?(?:poll|survey)\b[^.;]{0,60}$",
    re.IGNORECASE,
)
# a company, not an outlet: "Reuters Holdings Plc <RTRS.L> said", "Network Security Corp said"
COMPANY = re.compile(
    r"\b(?:Inc|Corp|Corporation|Co|Cos|Company|Companies|Ltd|Plc|PLC|LLC|Holdings?|Group|Bancorp|"
    r"Bank|Banking|"
    r"Industries|Securities|Capital|Partners|SA|AG|NV|BV|SpA)\b"
)
# suffixes only a company carries (broadcasters are "Corp", "Co" and "Group" too: "Canadian
# Broadcasting Corp reported"): a name with one, in it or right after it, is no candidate
COMPANY_ONLY = re.compile(
    r"^\s*,?\s*(?:(?-i:[A-Z][\w.&'-]*)\s+){0,3}?(?:<[A-Z0-9.]+>|(?:Inc|Ltd|Plc|PLC|LLC|"
    r"Holdings?|Bancorp|SA|AG|NV|BV|SpA)\b)"
)
COMPANY_AFTER = re.compile(
    r"^\s*,?\s*(?:(?-i:[A-Z][\w.&'-]*)\s+){0,3}?(?:<[A-Z0-9.]+>|(?:Inc|Corp|Co|Ltd|Plc|PLC|LLC|"
    r"Holdings?|Group|Bancorp|SA|AG|NV)\b)"
)
# a company's own affairs, which a company announces and an outlet only sometimes reports
CORPORATE = re.compile(
    r"\b(?:shares|merger|acquisition|subsidiary|dividend|shareholders|stockholders|facility|"
    r"facilities|debentures|preferred\s+(?:stock|shares)|share\s+index|board\s+"
    r"of\s+directors|chief\s+executive|takeover|tender\s+offer)\b",
    re.IGNORECASE,
)
# people asked by the outlet: "analysts polled by Reuters", "economists surveyed by Reuters"
POLLED = re.compile(
    r"\b(?:polled|surveyed|interviewed|contacted|questioned|queried|asked|canvassed|"
    r"approached|reached)\s*,?\s+(?:by|for)\s+"
    r"(?:the\s+)?$|\b(?:poll|survey)\s+(?:by|for|of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
PICTURE = re.compile(
    r"\b(?:image|images|photo|photos|photograph|picture|pictures|video|graphic|gif|"
    r"illustration|screenshot|screengrab|art|artwork|map|chart|figure)\b\W*(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)


def before_regex(cue: str, bridge: int) -> re.Pattern[str]:
    return re.compile(
        rf"(?:^|(?<=[\s(\[“\"'‘,—–-]))(?:{cue})(?:\s+the)?"
        # a quotation mark may open the name: 'According to"The Hollywood Reporter"'
        rf"(?-i:\s+(?:[a-z][\w'’-]*|[A-Z][\w'’.-]*['’]s)){{0,{bridge}}}\s*[\"“‘']?\s*$",
        re.IGNORECASE,
    )


def after_regex(cue: str, bridge: int) -> re.Pattern[str]:
    # lowercase words only in the bridge, matched case-sensitively: "Radio reported", "News
    # Agency said" belong to the name, "newspaper said" or "also reports" to the bridge
    return re.compile(
        rf"^(?:[,’'\"”]\s*)?\s*(?:(?-i:[a-z][\w'’-]*)\s+){{0,{bridge}}}(?:{cue})\b", re.I
    )


BEFORE = {name: (before_regex(cue, 0), before_regex(cue, 3)) for name, cue in BEFORE_CUES.items()}
AGAINST = (before_regex(AGAINST_BEFORE, 0), before_regex(AGAINST_BEFORE, 4))
AFTER = {name: (after_regex(cue, 0), after_regex(cue, 2)) for name, cue in AFTER_CUES.items()}
# One search for all the before-cues, and one match for all the after-cues, at their widest
# bridge: most names have none, and then the per-cue patterns are never run.
ANY_BEFORE = before_regex("|".join(BEFORE_CUES.values()), 3)
ANY_AFTER = after_regex("|".join(AFTER_CUES.values()), 2)
# for the candidate filter only: an after-cue a few words of any kind away ("SportsCenter 5
# has learned", "10News in San Diego is reporting")
ANY_AFTER_WIDE = re.compile(
    rf"^[^.;:!?]{{0,30}}?\b(?:{'|'.join(AFTER_CUES.values())})\b", re.IGNORECASE
)
# an official or state source: "the official MTI news agency", "the state-run daily X",
# "the Communist Party newspaper Pravda"
OFFICIAL_BEFORE = re.compile(
    r"\b(?:official|semi-official|state|state-run|state-owned|government|government-run|"
    r"government-owned|party|army|armed\s+forces)\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)


# A publication's head word in the name's last place ("Oil World", "Metal Bulletin", "Platow
# Brief", "Ward's Automotive Reports", "Middle East Economic Survey", "Lloyds Shipping
# Intelligence"): a trade newsletter's name, which the other media words do not cover
PERIODICAL_HEADS = frozenset(
    {
        *("world", "week", "weekly", "bulletin", "report", "reports", "review", "digest"),
        *("brief", "letter", "newsletter", "survey", "intelligence", "gazette", "chronicle"),
        *("record", "monitor", "outlook", "journal", "quarterly", "monthly", "daily", "wire"),
        *("news", "times", "post", "herald", "tribune", "magazine", "shimbun", "zeitung"),
        # heads of learned journals: "Physical Review Letters", "Annals of Internal Medicine"
        *("letters", "annals", "proceedings", "transactions", "archives"),
    }
)
# An outlet relays what others told it: "the Manila Bulletin newspaper said, quoting customs
# figures", "IRNA, quoting figures ..., said", "Quoting negotiation documents, Business Day
# said". People and companies say things; a publisher reports them with its sources attached.
QUOTING_AFTER = re.compile(
    r"^\s*,?\s*(?:(?:also|has|had|earlier|today)\s+)*"
    r"(?:(?:said|says|reported|reports|wrote|writes|added)\s*,?\s*)?(?:quoting|citing)\b",
    re.IGNORECASE,
)
QUOTING_BEFORE = re.compile(r"^\s*(?:Quoting|Citing)\b[^;:]{3,200},\s*(?:the\s+)?$")
# A publication's head word closing a capitalised name that is the subject of a reporting verb
# ("Lloyds Shipping Intelligence said", "Oil World said", "..., the Metal Bulletin reported"):
# the sentence may credit a trade service that names no media word. For the sentence gate
# only; the model decides with the name's other features.
PERIODICAL_SAYS = re.compile(
    r"(?-i:[A-Z][\w'’]*\s+)(?-i:"
    + "|".join(sorted(w.capitalize() for w in PERIODICAL_HEADS))
    + r")(?:\s+[Ss]ervices?)?\s*,?\s+(?:(?:has|had|also|earlier|today)\s+)*"
    r"(?:said|says|reported|reports|wrote|writes)\b"
)
# a kind after the name with a modifier before it: "The Platow Brief financial newsletter"
KIND_AFTER_MODIFIED = re.compile(rf"^\s*(?-i:[a-z][\w-]+)\s+(?:{KIND.pattern}|service)\b", re.I)

# a capitalised word touching the span on either side, of the same name run; not an article,
# a day or a month ("Reuters Monday"), nor a possessive ("NBC's Tom Brokaw")
NOT_RUN = frozenset(
    ["The", "A", "An", "In", "On", "At", "But", "And", "Monday", "Tuesday", "Wednesday",
     "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April",
     "May", "June", "July", "August", "September", "October", "November", "December",
     # a role after the name is no part of it: "Courant Staff Writer", "AP Writer Ken Ritter"
     "Staff", "Writer", "Writers", "Correspondent", "Correspondents", "Reporter", "Reporters"]
)  # fmt: skip
RUN_BEFORE = re.compile(r"(?<![\w'’.-])([A-Z][\w&'’-]*[\w&])\s$")
RUN_AFTER = re.compile(r"^\s([A-Z][a-z][\w&-]*)\b(?!['’])")
LOWER_WORD = re.compile(r"\b[a-z][\w-]*\b")
