"""Which paragraphs are the article's own text: body, comment or boilerplate.

Scraped pages carry more than the article: share boxes, newsletter and ad-blocker appeals,
author bios, photo credits, and reader comment threads. Kept as body they would make every
article of a site look like a copy of every other, so each paragraph gets a kind:

* ``boilerplate``: a paragraph matching a promotional or page-furniture pattern (on its
  normalised key, so case and punctuation do not matter), and what follows the end of the
  article when it is not a comment;
* ``comment``: a reader comment, found from a comment-section heading ("12 Comments",
  "Leave a reply"), from a thread of ``• username`` lines each followed by a deeper-indented
  comment and replies nested deeper, from a run of name lines each followed by text (flat, as
  feed HTML gives it, when the names look like users' rather than subheadings), from a
  comment header ("Jo says: May 5, 2017 at 3:14 pm", a name over "3 years ago", "Reply"
  buttons), or from a name line followed by text after the article has ended; once comments
  start, everything after is comment (or boilerplate);
* ``body``: everything else, including credit lines ("Read the full story here.",
  "This article originally appeared on ...") which a later stage reads.

The article is taken to end at a *strong* end marker (an author bio, "follow me on Twitter"
with a job title or handle, an ad-blocker appeal, a copyright line, a feed footer such as "The
post ... appeared first on ...") once at least two substantial body paragraphs came before it,
so a byline at the top ends nothing. Share boxes, newsletter boxes, photo credits and
"RELATED:" lines also occur mid-article: they are boilerplate without ending it. Comment rules
that could fire on article text (headers, "Reply") also need body paragraphs before them.
Patterns are general page furniture, never strings of particular sites.

HTML can say more than its text: a paragraph inside a comment list, a share box or an author
box carries a *hint* (:data:`HINT_COMMENT`, :data:`HINT_FURNITURE`, :data:`HINT_END`, read
from the markup by :mod:`dedup.text.extract`). After some article text, a comment hint makes it a
comment and opens the comment section (before any, it is boilerplate: a "3 comments" link in
an entry's header); furniture is boilerplate; an author box is boilerplate and ends the
article like a bio. Credit lines stay body whatever box they are in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

BODY, COMMENT, BOILERPLATE = "body", "comment", "boilerplate"
HINT_COMMENT, HINT_FURNITURE, HINT_END = "comment", "furniture", "end"
HINTS = frozenset({HINT_COMMENT, HINT_FURNITURE, HINT_END})

# Paragraph lengths (in words) above which a pattern is not even tried: furniture is short.
_SHORT = 30
_MEDIUM = 90
# A body paragraph long enough to count as article text when deciding where the article ends.
_SUBSTANTIAL = 15


class Candidate(NamedTuple):
    """What the classifier sees of a paragraph (a tuple: built once per paragraph, fast)."""

    text: str
    key: str  # normalize.norm_key(text)
    words: int
    indent: int = 0
    bullet: bool = False
    hint: str | None = None  # one of HINTS, from the markup


# Most patterns run on the normalised key: lower case, no punctuation, single spaces. The few
# that need punctuation (a colon after "Related", a comma after a job title) run on the text.
_JOB = r"(writer|editor|reporter|correspondent|columnist|contributor|blogger|journalist|author)"
_NETWORK = r"(twitter|facebook|instagram|x|threads|bluesky|mastodon|tiktok|youtube|linkedin)"

# Short page furniture, anchored at the start of the paragraph; none of these ends the article.
_FURNITURE = re.compile(
    r"(?:"
    # share boxes and the social buttons they are made of
    r"share (this|the) (story|article|post|page)\b"
    r"|share (on|via|with) \w+"
    r"|((share|tweet|email|e mail|print|pin( it)?|save|facebook|twitter|linkedin|reddit"
    r"|pinterest|whatsapp|flipboard|tumblr|telegram|messenger|copy link|sms)( |$)){1,12}$"
    r"|share this$|like this$|like loading"
    # newsletters and subscriptions
    r"|(get|sign up for|subscribe to|join|receive) (our|the|my|a) (\w+ ){0,4}"
    r"(newsletters?|mailing list|email list|daily digest)"
    r"|(sign up|subscribe)( (now|today|here|for free|for updates))?$"
    r"|enter your email"
    # calls to action
    r"|sign (the|our|this|a) (\w+ ){0,6}petition"
    rf"|(join|like|follow) (the|our|us on) (\w+ ){{0,4}}{_NETWORK} (page|group)"
    rf"|(follow|like) us on {_NETWORK}"
    r"|(click|tap) here (to|for)\b"
    r"|(please )?(donate|support us|become a (member|patron|subscriber))\b"
    # related-links boxes and page furniture
    r"|(related|related (articles|stories|posts|coverage)|you (may|might) also like"
    r"|recommended( for you)?|trending( now)?|most popular|most read|read next|see also"
    r"|also read|more stories|more from \w+( \w+)?|read more|continue reading|advertisement"
    r"|sponsored( content)?|story continues below|skip to (main )?content|loading)$"
    # link aggregators' entry footers
    r"|submitted by \S+( to \S+)?$|(link )?\d+ comments?$"
    r")"
)
# A photo credit: short, so "Photos by a bystander showed ..." in a long paragraph stays body.
_PHOTO_CREDIT = re.compile(
    r"(?:((featured|top|header|lead|cover|main) )?(image|photo|photograph|picture|video"
    r"|graphic|illustration|screenshot|screengrab)s? (via|by|credits?|courtesy|source)\b"
    r"|(photo|image|picture) (credit|courtesy)"
    r"|(credit|photo|image|source) (getty|ap|afp|reuters|shutterstock|wikimedia)\b)"
)
_PHOTO_CREDIT_WORDS = 16
# Inline link boxes: "RELATED: ...", "Read more: ...".
_LINK_BOX = re.compile(
    r"(related|related (articles|stories|posts|coverage)|read more|see also|also read"
    r"|more on this( story)?)\s*:",
    re.IGNORECASE,
)

# Markers that end the article: what follows is comments or page tail.
_END = re.compile(
    r"(?:"
    r"about (the )?(author|writer|editor)\b"
    r"|about [\w ]{2,60}? \d+ (articles|posts|stories)\b"
    r"|\d+ (articles|posts) by\b"
    r"|the post .* appeared first on\b"
    r"|all rights reserved$"
    r")"
)
_END_TEXT = re.compile(
    r"(?:(contributing|staff|senior|freelance|guest|associate|managing|deputy|executive)"
    rf" {_JOB}s?\s*(,|\||$|at\b|for\b)"
    r"|(tags|tagged with|filed under|categories|category)\s*:"
    r"|(copyright|\(c\)|©)\s*(©\s*)?\d{4}\b)",
    re.IGNORECASE,
)
_FOLLOW = re.compile(
    rf"\b(follow|find) (me|him|her|them) (on|at) {_NETWORK}\b|\ball rights reserved\b"
)
_JOB_WORD = re.compile(rf"\b{_JOB}s?\b|\babout\b")
# An appeal to switch off an ad blocker (and the paragraph pleading for it).
_AD_APPEAL = re.compile(r"\b(ad ?blockers?|adblock\w*|ad block(ing)?|whitelist\w*|allowlist\w*)\b")
_AD_APPEAL_ADDRESS = re.compile(r"\b(please|us|our|your ad)\b")

# Headings that open a comment section.
_COMMENT_HEADING = re.compile(
    r"(?:"
    # A bare "Discussion" or "Responses" is as likely a subheading of the article itself.
    r"(\d+ )?(comments?|reader comments|reader responses)$"
    r"|\d+ (responses?|replies|reactions)$"
    r"|\d+ (thoughts|responses|replies|comments) (on|to)\b"
    r"|(leave|post|add|write|submit) (a|your) (comment|reply|response)\b"
    r"|join the (discussion|conversation)\b"
    r"|(show|view|load|hide|see|read) (all |more )?(\d+ )?(comments|replies)\b"
    r"|comments (are|is) (closed|disabled)\b"
    r"|(have your say|what do you think)$"
    r"|(please )?enable javascript to view the comments\b"
    r")"
)
# Lines that only occur inside a comment thread (the buttons under each comment).
_COMMENT_LINE = re.compile(r"(?:(like )?reply( report)?|report abuse|(like|reply|flag)( \d+)?)$")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
# The header of one comment: "Jo says: May 5, 2017 at 3:14 pm" (WordPress), "Jo · 3 years ago".
_COMMENT_HEADER = re.compile(
    rf"(?:(\S+ ){{1,4}}says( on)? ({_MONTH} \d{{1,2}} \d{{4}}|\d{{1,2}} {_MONTH} \d{{4}})"
    r"|(\S+ ){1,4}(\d+|an?) (seconds?|minutes?|hours?|hrs?|days?|weeks?|months?|years?) ago$)"
)
# "Jo says:" on its own line, the date on the next (WordPress comment markup split by blocks).
_SAYS = re.compile(r"(\S+ ){1,4}says( on)?$")
# Labels of an article's own time stamp ("Updated" over "May 5, 2017"), not commenters' names.
_STAMP_LABEL = re.compile(
    r"(last |first )?(updated|published|posted|modified|edited|date|time|filed|issued)\b"
)
# A line giving when a comment was posted, under the commenter's name.
_POSTED = re.compile(
    r"(?:(\d+|an?) (seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago"
    rf"|(on )?{_MONTH} \d{{1,2}} \d{{4}}( at \d{{1,2}} \d{{2}}( am| pm)?)?"
    r"|yesterday at \d{1,2} \d{2}( am| pm)?)$"
)
# A credit line: evidence for the origin stage, always body even at the end of an article.
_CREDIT = re.compile(
    r"(?:read the (full|original|whole|rest of the) (story|article|report|post)\b"
    r"|(this|the) (article|story|post|piece) (was )?(originally|first) (appeared|published|ran)\b"
    r"|(originally|first) (appeared|published|posted) (on|in|at|by)\b"
    r"|(republished|reprinted|reposted|syndicated) (from|with|by|under)\b"
    r"|(h ?t|hat tip|via|source|sources) \w+"
    r")"
)
_SENTENCE_END = frozenset(".!?:;\"'")
_INITIAL = re.compile(r"\b[A-Z]\.$")


def _is_credit(c: Candidate) -> bool:
    return c.words <= _MEDIUM and _CREDIT.match(c.key) is not None


def _is_ad_appeal(c: Candidate) -> bool:
    # Substring tests first: a regex search over every paragraph would dominate imports.
    key = c.key
    return (
        c.words <= _MEDIUM
        and ("block" in key or "list" in key)
        and _AD_APPEAL.search(key) is not None
        and _AD_APPEAL_ADDRESS.search(key) is not None
    )


def _is_end_marker(c: Candidate) -> bool:
    """An author bio, ad-blocker appeal, copyright or feed footer: the article is over."""
    if c.words > _MEDIUM:
        return False
    if _END.match(c.key) or _END_TEXT.match(c.text) or _is_ad_appeal(c):
        return True
    # "Follow me on Twitter" ends the article only in a bio; alone it is a promo line.
    return _has_follow(c) and (_JOB_WORD.search(c.key) is not None or "@" in c.text)


def _has_follow(c: Candidate) -> bool:
    key = c.key
    return ("follow " in key or "find " in key or "reserved" in key) and _FOLLOW.search(
        key
    ) is not None


def _is_furniture(c: Candidate) -> bool:
    if c.words > _SHORT:
        return False
    if _FURNITURE.match(c.key) or _LINK_BOX.match(c.text) or _has_follow(c):
        return True
    return c.words <= _PHOTO_CREDIT_WORDS and _PHOTO_CREDIT.match(c.key) is not None


def _is_comment_heading(c: Candidate) -> bool:
    return c.words <= 12 and _COMMENT_HEADING.match(c.key) is not None


def _is_name_line(c: Candidate) -> bool:
    """A line that could be a commenter's name: a few words, no sentence punctuation (the
    full stop of an initial, "Anna K.", is none)."""
    if not (0 < c.words <= 4 and len(c.text) <= 40):
        return False
    return c.text[-1] not in _SENTENCE_END or _INITIAL.search(c.text) is not None


# A thread is judged on its first _THREAD_SCAN name lines, each followed by at most
# _THREAD_TEXTS paragraphs; without a nested reply it needs _THREAD_NAMES of them.
_THREAD_NAMES = 3
_THREAD_TEXTS = 4
_THREAD_SCAN = 6
# One token: "@name"; a letter followed somewhere by a digit, "_", "@", "#", a capital after a
# small letter, or a "." or "-" ("j.martindale"); or any token in lower case first.
_HANDLE = re.compile(r"(?:@\w+|[^\W\d_]\S*(?:[0-9_@#]|[a-z][A-Z])\S*|[^\W\d_]\S*[.-]\w+|[a-z]\S*)$")


def _looks_like_handle(text: str) -> bool:
    """A name a person picks for an account (``jimbo65``, ``another_steve``, ``TampaDink``),
    not a word or a year a subheading would be."""
    return " " not in text and _HANDLE.match(text) is not None


def _thread_names(items: Sequence[Candidate], i: int) -> list[Candidate]:
    """The name lines of the run from ``i``: each a name line, bulleted like the first and never
    less indented, followed by a few paragraphs of text (deeper than the name when the first
    name's text is deeper than it)."""
    first = items[i]
    nested = i + 1 < len(items) and items[i + 1].indent > first.indent
    names: list[Candidate] = []
    j = i
    while j < len(items) and len(names) < _THREAD_SCAN:
        name = items[j]
        if name.bullet != first.bullet or name.indent < first.indent or not _is_name_line(name):
            break
        k = j + 1
        while k < len(items) and k - j <= _THREAD_TEXTS:
            text = items[k]
            if text.bullet or _is_name_line(text) or (nested and text.indent <= name.indent):
                break
            k += 1
        if k == j + 1:
            break
        names.append(name)
        j = k
    return names


def _opens_thread(items: Sequence[Candidate], i: int, substantial: int) -> bool:
    """A run of commenters' names, each over its comment.

    ``• username`` over a deeper-indented comment, with a reply nested deeper still, is a
    thread wherever it is. Otherwise (a flat run, or no reply) the article must have begun and
    the names must look like users', not subheadings: with bullets a third of them handles or
    a name that comes back, without bullets two thirds handles.
    """
    c = items[i]
    if not _is_name_line(c) or i + 1 >= len(items):
        return False
    names = _thread_names(items, i)
    if not names:
        return False
    if c.bullet and items[i + 1].indent > c.indent and any(n.indent > c.indent for n in names):
        return True
    if substantial < 2 or len(names) < _THREAD_NAMES:
        return False
    handles = sum(_looks_like_handle(n.text) for n in names)
    if not c.bullet:
        return 3 * handles >= 2 * len(names)
    repeated = len({n.key for n in names}) < len(names)
    return repeated or 3 * handles >= len(names)


def _opens_comment(items: Sequence[Candidate], i: int) -> bool:
    """A comment header, or a name line followed by when it was posted."""
    c = items[i]
    if (
        c.words <= 14
        and (" says " in c.key or c.key.endswith(" ago"))
        and _COMMENT_HEADER.match(c.key)
    ):
        return True
    if i + 1 >= len(items) or _STAMP_LABEL.match(c.key):
        return False
    if not (_is_name_line(c) or (c.words <= 6 and _SAYS.match(c.key))):
        return False
    nxt = items[i + 1]
    return nxt.words <= 8 and _POSTED.match(nxt.key) is not None


def _opens_comment_after_end(items: Sequence[Candidate], i: int) -> bool:
    """After the article ended: a name line followed by a longer paragraph of text."""
    if not _is_name_line(items[i]) or i + 1 >= len(items):
        return False
    nxt = items[i + 1]
    return nxt.words > 4 and not (_is_furniture(nxt) or _is_end_marker(nxt))


def classify(items: Sequence[Candidate]) -> list[str]:
    """The kind of each paragraph, in order (see the module docstring for the rules)."""
    kinds: list[str] = []
    substantial = 0  # body paragraphs of some length seen so far
    ended = False  # the article's own text is over
    in_comments = False
    for i, c in enumerate(items):
        if _is_comment_heading(c) and (substantial or ended):
            kinds.append(BOILERPLATE)
            ended = in_comments = True
            continue
        if c.hint == HINT_COMMENT and not (substantial or ended):
            # Comment markup before any article text ("3 comments" in an entry's header).
            kinds.append(BOILERPLATE)
            continue
        if c.hint == HINT_COMMENT or in_comments:
            furniture = c.hint in (HINT_FURNITURE, HINT_END) or _is_furniture(c)
            kinds.append(BOILERPLATE if furniture or _is_ad_appeal(c) else COMMENT)
            ended = in_comments = True
            continue
        if _opens_thread(items, i, substantial) or (
            (substantial and c.words <= 6 and _COMMENT_LINE.match(c.key) is not None)
            or (substantial >= 2 and _opens_comment(items, i))
        ):
            kinds.append(COMMENT)
            ended = in_comments = True
            continue
        if _is_credit(c):
            kinds.append(BODY)
            continue
        if c.hint in (HINT_FURNITURE, HINT_END):
            kinds.append(BOILERPLATE)
            if c.hint == HINT_END and substantial >= 2:
                ended = True
            continue
        if _is_end_marker(c):
            kinds.append(BOILERPLATE)
            if substantial >= 2:
                ended = True
            continue
        if _is_furniture(c):
            kinds.append(BOILERPLATE)
            continue
        if ended:
            if _opens_comment_after_end(items, i):
                kinds.append(COMMENT)
                in_comments = True
            else:
                kinds.append(BOILERPLATE)
            continue
        kinds.append(BODY)
        if c.words >= _SUBSTANTIAL:
            substantial += 1
    return kinds
