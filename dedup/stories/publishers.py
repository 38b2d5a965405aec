"""Publishers: the gazetteer of known outlets, the words that make a name read as one (or as a
common noun), and the keys that let copiers' spellings meet.

Pure data and two functions; :mod:`dedup.stories.credits` finds credits with them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

# Outlets whose names carry no media word; the key -> display name of well-known publishers.
DISPLAY: dict[str, str] = {
    "buzzfeed": "BuzzFeed News",
    "associatedpress": "Associated Press",
    "reuters": "Reuters",
    "agencefrancepresse": "AFP",
    "newyorktimes": "The New York Times",
    "washingtonpost": "The Washington Post",
    "wallstreetjournal": "The Wall Street Journal",
    "independent": "The Independent",
    "guardian": "The Guardian",
    "telegraph": "The Telegraph",
    "cnn": "CNN",
    "bbc": "BBC News",
    "npr": "NPR",
    "nbc": "NBC News",
    "cbs": "CBS News",
    "abc": "ABC News",
    "fox": "Fox News",
    "foxsports": "Fox Sports",
    "espn": "ESPN",
    "tmz": "TMZ",
    "ansa": "ANSA",
    "irna": "IRNA",
    "efe": "EFE",
    "msnbc": "MSNBC",
    "pbs": "PBS",
    "bloomberg": "Bloomberg",
    "politico": "Politico",
    "axios": "Axios",
    "hill": "The Hill",
    "huffpost": "HuffPost",
    "dailybeast": "The Daily Beast",
    "vox": "Vox",
    "slate": "Slate",
    "salon": "Salon",
    "vice": "Vice",
    "fusion": "Fusion",
    "gizmodo": "Gizmodo",
    "jezebel": "Jezebel",
    "gawker": "Gawker",
    "mediaite": "Mediaite",
    "breitbart": "Breitbart",
    "rawstory": "Raw Story",
    "motherjones": "Mother Jones",
    "thinkprogress": "ThinkProgress",
    "talkingpointsmemo": "Talking Points Memo",
    "advocate": "The Advocate",
    "towleroad": "Towleroad",
    "joemygod": "JoeMyGod",
    "newsweek": "Newsweek",
    "time": "Time",
    "forbes": "Forbes",
    "xinhua": "Xinhua",
    "interfax": "Interfax",
    "tass": "TASS",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "upi": "UPI",
    "novayagazeta": "Novaya Gazeta",
    # wire services and agencies beyond the English-language ones
    "dpa": "dpa",
    "jijipress": "Jiji Press",
    "tanjug": "Tanjug",
    "antara": "Antara",
    "bernama": "Bernama",
    "isna": "ISNA",
    "irib": "IRIB",
    "suna": "SUNA",
    "saba": "SABA",
    "wafa": "WAFA",
    "mena": "MENA",
    "pti": "PTI",
    "aap": "AAP",
    "canadianpress": "The Canadian Press",
    "pressassociation": "Press Association",
    "saudipressagency": "Saudi Press Agency",
    "kuwaitnewsagency": "Kuwait News Agency",
    "emiratesnewsagency": "WAM",
    "ria": "RIA Novosti",
    "novosti": "RIA Novosti",
    "itartass": "ITAR-TASS",
    "anadolu": "Anadolu",
    "xinhuanewsagency": "Xinhua",
    "newchinanewsagency": "Xinhua",
    "kyodonewsservice": "Kyodo",
    "kyodonewsagency": "Kyodo",
    # broadcasters and papers whose names carry no media word
    "aljazeera": "Al Jazeera",
    "sky": "Sky News",
    "itv": "ITV",
    "cbc": "CBC",
    "rte": "RTÉ",
    "lemonde": "Le Monde",
    "lefigaro": "Le Figaro",
    "liberation": "Libération",
    "diewelt": "Die Welt",
    "derspiegel": "Der Spiegel",
    "spiegel": "Der Spiegel",
    "elpais": "El País",
    "elmundo": "El Mundo",
    "larepubblica": "La Repubblica",
    "corrieredellasera": "Corriere della Sera",
    "asahishimbun": "Asahi Shimbun",
    "yomiurishimbun": "Yomiuri Shimbun",
    "mainichishimbun": "Mainichi Shimbun",
    "nikkei": "Nikkei",
    "pravda": "Pravda",
    "izvestia": "Izvestia",
    "kommersant": "Kommersant",
    "haaretz": "Haaretz",
    "kathimerini": "Kathimerini",
    "economist": "The Economist",
    "financialtimes": "Financial Times",
    "ft": "Financial Times",
    "usatoday": "USA Today",
    "latimes": "Los Angeles Times",
    "losangelestimes": "Los Angeles Times",
    "thr": "The Hollywood Reporter",
    "hollywoodreporter": "The Hollywood Reporter",
    "variety": "Variety",
    "ew": "Entertainment Weekly",
    "entertainmentweekly": "Entertainment Weekly",
    "usmagazine": "Us Weekly",
    "eonline": "E! News",
    "wired": "Wired",
    "verge": "The Verge",
    "techcrunch": "TechCrunch",
    "engadget": "Engadget",
    "cnet": "CNET",
    "zdnet": "ZDNet",
    "recode": "Recode",
    "cnbc": "CNBC",
    "fortune": "Fortune",
    "marketwatch": "MarketWatch",
    "yahoo": "Yahoo News",
    "atlantic": "The Atlantic",
    "newyorker": "The New Yorker",
    "nationalreview": "National Review",
    "propublica": "ProPublica",
    "newsday": "Newsday",
}

# Short forms and former names -> key.
KEY_ALIASES: dict[str, str] = {
    "ap": "associatedpress",
    "apnews": "associatedpress",
    "afp": "agencefrancepresse",
    "nyt": "newyorktimes",
    "nytimes": "newyorktimes",
    "wapo": "washingtonpost",
    "wsj": "wallstreetjournal",
    "thomsonreuters": "reuters",
    "huffingtonpost": "huffpost",
    "thedailybeast": "dailybeast",
    "tpm": "talkingpointsmemo",
    "agencefrance": "agencefrancepresse",
    "agencefrancepress": "agencefrancepresse",
    "ansanewsagency": "ansa",
    "washingtonpostcom": "washingtonpost",
    "nydn": "newyorkdaily",
    "nydaily": "newyorkdaily",
    "lat": "latimes",
    "reuter": "reuters",
    # the full names the wires of the 1980s use
    "britishbroadcastingcorp": "bbc",
    "britishbroadcastingcorporation": "bbc",
    "cablenewsnetwork": "cnn",
    "newchina": "xinhua",  # "the New China news Agency": its kind is read apart
    "anatolianagency": "anadolu",
    "anatolia": "anadolu",
    "middleeastnewsagency": "mena",
    "nihonkeizai": "nikkei",
    "nihonkeizaishimbun": "nikkei",
    "radiotehran": "tehranradio",
}


# A capitalised name without a media word is a publisher only when it is one of these, or
# the caller knows it (a source in the store); "told Congress" is no credit.
MEDIA_WORDS = (
    "news",
    "times",
    "post",
    "journal",
    "press",
    "herald",
    "tribune",
    "guardian",
    "independent",
    "telegraph",
    "gazette",
    "daily",
    "magazine",
    "radio",
    "tv",
    "television",
    "wire",
    "media",
    "reporter",
    "observer",
    "chronicle",
    "insider",
    "mail",
    "mirror",
    "express",
    "agency",
    "bulletin",
    "dispatch",
    "examiner",
    "courier",
    "sentinel",
    "inquirer",
    "register",
    "standard",
    "blog",
    "feed",
    "review",
    # mastheads of other languages ("Tokyo Shimbun", "Jornal do Brasil")
    "weekly",
    "shimbun",
    "zeitung",
    "nouvelles",
    "jornal",
    "diario",
    "gazeta",
    "gazzetta",
)

# Words that say the name beside them is an outlet ("the daily El Pais", "Ethnos newspaper").
OUTLET_KINDS = (
    "newspapers?",
    "daily",
    "weekly",
    "monthly",
    "magazine",
    "tabloid",
    "journal",
    "paper",
    "(?:news\\s+)?agency",
    "news\\s+service",
    "wire\\s+service",
    "broadcaster",
    "(?:television|tv|radio)(?:\\s+(?:station|network|channel))?",
    "network",
    "station",
    "channel",
    "website",
    "web\\s+site",
    "news\\s+site",
    "publication",
    "trade\\s+(?:paper|publication|journal|weekly)",
    "edition",
    "newsletter",
)

# Words that name a kind of outlet or source, never one outlet: a name made only of these (and
# media words) is a common noun however it is capitalised ("Press", "State Television").
COMMON_NOUNS = frozenset(
    {
        "state",
        "local",
        "national",
        "official",
        "government",
        "foreign",
        "western",
        "domestic",
        "international",
        "regional",
        "financial",
        "industry",
        "trade",
        "newspaper",
        "newspapers",
        "reports",
        "report",
        "sources",
        "source",
        "analysts",
        "officials",
        "police",
        "witnesses",
        "diplomats",
        "television",
        "radio",
        "wire",
        "agency",
        "agencies",
        "press",
        "media",
        "news",
        "japanese",
        "chinese",
        "soviet",
        "british",
        "french",
        "german",
        "american",
        "iranian",
        "iraqi",
        "arab",
        "israeli",
        "indian",
        "pakistani",
        "kuwaiti",
        "saudi",
        "gulf",
        "brazilian",
        "mexican",
        "italian",
        "spanish",
        "dutch",
        "swiss",
        "west",
        "east",
        "north",
        "south",
        "several",
        "some",
        "many",
        "other",
        "earlier",
        "recent",
        "unconfirmed",
        "published",
        "tv",
        "authorities",
        "reporters",
        "journalists",
        "network",
        "networks",
        "station",
        "stations",
        "channel",
        "website",
        "broadcaster",
        "daily",
        "weekly",
        "magazine",
        "state-run",
        "state-owned",
        "run",
        "outlets",
        "wires",
        "ministry",
        "spokesman",
        "court",
        "records",
        "informed",
        "business",
        "evening",
        "morning",
    }
)

PICTURE_WORDS = frozenset(
    {
        "image",
        "images",
        "photo",
        "photos",
        "picture",
        "pictures",
        "video",
        "graphic",
        "gif",
        "illustration",
        "screenshot",
        "screengrab",
        "art",
        "artwork",
        "map",
        "chart",
    }
)

# Words that start a clause, never an outlet's name.
PRONOUNS = frozenset(
    [
        "he",
        "she",
        "they",
        "it",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "this",
        "that",
        "these",
        "those",
    ]
)

SKIP_NAMES = PRONOUNS | frozenset(
    {
        "the",
        "a",
        "an",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "in",
        "on",
        "at",
        "but",
        "and",
    }
)


@lru_cache(maxsize=1 << 16)
def publisher_key(name: str) -> str:
    """The matching key of a publisher name or domain: 'Buzzfeed' and 'BuzzFeed News' meet.

    >>> publisher_key("BuzzFeed News"), publisher_key("buzzfeednews.com"), publisher_key("AP")
    ('buzzfeed', 'buzzfeed', 'associatedpress')
    """
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    domain = "." in text and " " not in text
    if domain:  # the registered name: no www., no suffix (.com, .co.uk, .net.au, ...)
        text = _registered_name(text)
    text = re.sub(r"^the\s+", "", text)
    compact = re.sub(r"[^\w]|_", "", text)
    if domain and compact.startswith("the") and len(compact) > 6:
        compact = compact[3:]  # thehill.com, theguardian.com
    for suffix in ("news", "com"):
        if compact.endswith(suffix) and len(compact) > len(suffix) + 1:
            compact = compact[: -len(suffix)]
    return KEY_ALIASES.get(compact, compact)


def display_name(key: str, variants: Iterable[str] = ()) -> str:
    """The name shown for a publisher key: the known name, else the fullest variant seen."""
    if key in DISPLAY:
        return DISPLAY[key]
    names = sorted({v.strip() for v in variants if v.strip()}, key=lambda v: (-len(v), v))
    return names[0] if names else key


def _registered_name(host: str) -> str:
    """``news.bbc.co.uk`` -> ``bbc``, by the Public Suffix List that ``tld`` ships (courlan's
    own dependency); a host the list does not know keeps its second-to-last label.

    >>> [_registered_name(h) for h in ("news.bbc.co.uk", "abc.net.au", "x.local")]
    ['bbc', 'abc', 'x']
    """
    from tld import get_tld

    found = get_tld(host, fix_protocol=True, as_object=True, fail_silently=True)
    if found is not None and not isinstance(found, str) and found.domain:
        return str(found.domain)
    parts = [p for p in host.split(".") if p and p != "www"]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else host)


def _more_outlets() -> None:
    """The rest of the gazetteer, kept as data (``outlets.json``): names shown as written."""
    text = resources.files("dedup.stories").joinpath("outlets.json").read_text(encoding="utf-8")
    for name in json.loads(text)["outlets"]:
        DISPLAY.setdefault(publisher_key(name), name)


_more_outlets()
