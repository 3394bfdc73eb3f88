"""What an article says, reduced to what story detection compares: terms, numbers, tickers."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.article import Article
from bot.stories.entities import Named, named
from bot.stories.followups import (
    appeals,
    clock_times,
    label,
    lead_moment,
    lead_weekday,
    market_wide,
    markets,
    opinion,
    own_word,
    reported,
    speech_preview,
    weekly,
)
from bot.stories.reference import reference

# Wire conventions appended to or prepended to headlines: they name the desk or the version,
# never the event (`— Update`, `— WSJ`, `— Barrons.com`, `: report`, `>SHOP`).
_TITLE_TAIL = re.compile(
    r"""(?ix)
    \s*(?:[\u2014\u2013]|\s-|\s--|:)\s*
    (?:update|\d+(?:st|nd|rd|th)\s+update|wsj|barrons\.com|barron's|market\s+talk|data\s+talk
      |opis|reports?|sources?|media|commodities\s+roundup|dj|mt\s+newswires|eia|api)
    \s*$"""
)
_TICKER_TAIL = re.compile(r"\s*>([A-Z][A-Z0-9.]{0,9})\s*$")
_BRIEF = re.compile(r"^\s*BRIEF\s*[-:\u2014]\s*")
# A corrected repost says so before or after the headline (`Correction: Stora Enso …`,
# `Repeat & Correct: Orange …`, `CORRECTED-BRIEF-…`, `… (CORRECTED)`): the same report
# (rule 1). `Correction to … Article` is a notice of its own and keeps its words.
_CORRECTED = re.compile(
    r"(?i)^\s*(?:corrected(?:\s+headline)?|correction|repeat\s*&\s*correct)\s*"
    r"(?::|-{1,2}|[\u2014\u2013])\s*"
)
_CORRECTED_TAIL = re.compile(r"(?i)\s*\((?:corrected|correction)\)\s*$")
_EARNINGS_FLASH = re.compile(r"^\s*earnings\s+flash\s*\(([A-Z0-9.]{1,10})\)\s*", re.I)
# Column names that repeat with new content every day: the headline says nothing by itself.
_ANALYSIS_TAG = re.compile(r"(?i)(?:[\u2014\u2013:]|\s-)\s*(?:market|data)\s+talk\b")
# Reuters' labels for its columns and analysis (`COMMENT-Comforting US PPI might not …`).
_ANALYSIS_LABEL = re.compile(r"(?i)^\s*(?:comment|analysis|column|breakingviews)\s*-")
_MONTHS_NAMES = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Digests and columns (`News Highlights: Top Energy News of the Day`, `Sector Update: Tech`):
# many events under one recurring headline, never one event.
_DIGEST = re.compile(
    r"(?i)\b(?:roundup|round-up|highlights|top\s+(?:\w+\s+)?news|news\s+of\s+the\s+day"
    r"|morning\s+(?:call|bid|briefing)|sector\s+update|what\s+to\s+watch|things\s+to\s+know"
    r"|market\s+wrap|stock\s+market\s+today|live\s+(?:updates|score|blog)|52-week\s+highs"
    r"|closing\s+(?:stock\s+)?prices|press\s+digests?|markets\s+today|must[\s-]reads?)\b"
    # A newspaper's day (`Wall Street Journal - February 11`): its stories, none alone.
    rf"|^\s*(?:the\s+)?(?:wall\s+street\s+journal|financial\s+times|new\s+york\s+times)"
    rf"\s*[-\u2013\u2014:]\s*{_MONTHS_NAMES}\.?\s+\d{{1,2}}\s*$"
)
# Recurring templated items: market tables, screens, listicles, filings digests and notices
# that come every day for another company, exchange or day under one headline. Each is its
# own item (reposts aside), whatever words the template shares.
_TEMPLATED = re.compile(
    r"(?i)\b(?:most\s+actives?|most\s+active\s+issues|gainers\s*(?:&|and)\s*losers"
    # `Top Midday Gainers`, `Top Premarket Decliners`: a movers' list, each its own item.
    r"|top\s+(?:\w+\s+){0,2}(?:gainers|decliners|losers)"
    r"|cftc\b.{0,30}\bcommitments|expert\s+outlook|earnings\s+summary|options\s+trading|through\s+the\s+eyes\s+of|analyst\s+ratings|anticipated\s+adjustment|first\s+tick|stocks?\s+moving\b|penny\s+stocks?|undiscovered\s+gems?"
    r"|hidden\s+(?:gems?|small\s+caps?)|(?:small|mid|large)[\s-]caps?\b.{0,40}\bpotential"
    r"|stocks?\s+to\s+(?:watch|consider|buy)|dividend\s+stocks|growth\s+companies"
    r"|insider\s+ownership|options?\s+activity|options\s+market\s+tells"
    r"|price\s+over\s+earnings|p/e\s+ratio|invested\s+(?:\$[\d,.]+\s+)?in\b.{0,60}\bago"
    r"|insiders?\s+(?:sold|bought|buys|sells)\s+shares|managers'\s+transactions"
    r"|earnings\s+call\s+presentation|earnings\s+call\s+transcript|slide\s+deck"
    r"|shareholder\s+(?:reminder|alert)|lead\s+plaintiff|class\s+action|investors?\s+(?:who|with)"
    r"\s+(?:lost|losses)|commentary|short\s+interest|(?:stock|shares?)\s+price\s+today"
    r"|return\s+trends|shareholders\s+have\s+(?:earned|lost)|(?:sec\s+)?10-[qk]\s+report"
    r"|schedules?\b.{0,60}\b(?:call|results|release|webcast)"
    r"|(?:to\s+)?(?:announce|report|release)\b.{0,60}\bresults\s+on\b"
    r"|\bto\s+(?:announce|report|release|host)\b.{0,80}\b(?:results|earnings|call)"
    r"|technical\s+(?:analysis|outlook)|earnings\s+(?:report|overview):\s+q\d\s+overview"
    r"|options\s+frenzy|how\s+is\s+the\s+market\s+feeling|fund\b.{0,60}\breview\b"
    r"|to\s+(?:present|participate)\s+at\b|investor\s+(?:day|conference)\b"
    r"|earnings\s+(?:scorecard|breakdown)|betting\s+big\s+in\b.{0,30}\boptions|invitation\s+to"
    r"|deadline\s+alert|investigates\s+claims|how\s+much\s+you\s+would\s+have\s+made|announces\s+investigation|investors?\s+who\s+have\s+lost|what\s+whales\s+are\s+doing"
    r"|whale\s+(?:activity|alerts?)|options\s+market\s+dynamics|stock\s+movers|biggest\s+movers"
    r"|earnings\s+snapshot|analyst\s+verdict|traded\s+in\s+the\s+us\s+as\s+american\s+depositary|market\s+diary|continues\s+(?:share\s+)?buy[\s-]?back"
    r"|transactions?\s+in\s+own\s+shares|files?\s+(?:form\s+)?(?:8|10|6)-?[kq]\b|ipo\s+day\s+\d|non-competitive\s+bids"
    # `Kraft Heinz, Lyft fall premarket; CVS Health, DoorDash … rise`: a movers' list.
    r"|\b(?:premarket|pre-market|after[\s-]hours)\s*;"
    # `India stocks, rupee, swaps, call at close`: a table of several markets.
    r"|\bstocks,\s+\w+,\s+\w+)"
)
# Written before the event: it states none of the event's facts.
_PREVIEW = re.compile(
    r"(?i)\b(?:preview|previews|ahead\s+of|what\s+to\s+expect|what\s+to\s+watch"
    r"|awaits?|awaiting|on\s+deck|gears?\s+up|set\s+to\s+report|to\s+report|due\s+to\s+report"
    r"|before\s+(?:earnings|results|the\s+bell)|results?\s+comes?\s+soon|(?:results|earnings)\s+(?:are\s+)?due"
    r"|to\s+post\s+(?:earnings|results)|next\s+hurdle"
    # `Will Palo Alto's Q2 Earnings Validate …?`: a question put before the results
    r"|^\s*will(?=\s[^?]*\b(?:earnings|results)\b[^?]*\?\s*$)"
    r"|reports?\s+(?:earnings|results)\s+(?:on|this|next|today|tomorrow)"
    r"|\bto\s+(?:rise|fall|slow|accelerate|ease|climb|increase|decrease|drop)\s+at\b"
    r"|approach\w*\s+(?:q[1-4]\s+|its\s+)?(?:earnings|results)|expected\s+to\s+(?!be\b)\w+"
    r"|reports?\s+(?:earnings|results)\s+(?:mon|tues|wednes|thurs|fri)day"
    r"|week\s+ahead|on\s+tap|looming|in\s+focus|in\s+the\s+spotlight|likely\s+to"
    r"|to\s+(?:plunge|plummet|tumble|slump|surge|soar|skyrocket|crash)"
    r"|set\s+to\s+(?:update|announce|unveil|decide|report|meet|vote|rule)|to\s+be\s+(?:released|published)"
    r"|faces?\b.{0,40}\b(?:earnings|results)\b.{0,20}\btest|looks\s+to\b.{0,60}\b(?:earnings|results))\b"
)
# The deed and its announcement are two stories (rule 5): `Trump signs order imposing …`
# after `Trump says he will announce …`.
# `Trump Orders Federal Agencies to Study …` is the deed too (a signed memo).
_SIGNED = re.compile(
    r"(?i)\bsign(?:s|ed|ing)?\b"
    r"|\border(?:s|ed)\s+(?!(?:rise|rose|fall|fell|jump|drop|climb|surge|slump|declin|increas|grow)"
    r"\w*)(?:\w+\s+){0,3}to\s+[a-z]"
)
_ANNOUNCED = re.compile(
    r"(?i)\b(?:will|to\s+(?:announce|sign|impose)|plans?\s+to|set\s+to|expected\s+to|coming|wants)\b"
)
# An act a headline says is to come (`CATL plans to file …`, `Musk will pull his bid if …`):
# the headline that reports it done (`CATL Files for Hong Kong Listing`) is a follow-up.
_INTENT = re.compile(
    r"(?i)\b(?:plans?|planning|intends?|intending|aims?|aiming|prepares?|preparing|mulls?"
    r"|mulling|considers?|considering|weighs?|weighing|set|poised)\s+to\s+(?P<verb>[a-z]+)\b"
    r"|\bwill\s+(?P<will>[a-z]+)\b"
    r"|\bto\s+(?P<soon>[a-z]+)\b(?=.{0,80}\b(?:(?:this|next)\s+(?:week|month)|soon)\b)"
)
# The two sides of a market an agency's report estimates: its supply (or output) and its
# demand are two indicators (rule 2: OPEC output beside OPEC's demand forecast).
_MEASURES = (
    ("supply", re.compile(r"(?i)\b(?:supply|supplies|output|production)\b")),
    ("demand", re.compile(r"(?i)\bdemand\b")),
)
# A day named in a headline (`February 12`, `Feb. 7`, `12 Feb`): another day, another item.
_MONTHS = _MONTHS_NAMES
_DAY = re.compile(
    rf"(?i)\b(?:(?P<month>{_MONTHS})\.?\s+(?P<day>\d{{1,2}})(?!\d|,\s*\d{{4}}\s*\d)"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>{_MONTHS})\b)"
)
# Remarks on a call or in an interview add facts of their own (rule 3): they are not the
# results release, nor its reports.
_REMARKS = re.compile(
    r"(?i)\b(?:on\s+(?:a|the|an|earnings|its)\s+(?:\w+\s+)?call|earnings\s+call|conference\s+call"
    r"|interview|speaking\s+(?:on|at|to)|told\s+(?:analysts|investors))\b"
)
_CALL_PIECE = re.compile(r"(?i)^\W*earnings\s+call\s+insights")
# An official confirmation of a report is a follow-up with a new fact (rule 5).
_CONFIRMS = re.compile(r"(?i)\bconfirm(?:s|ed|ing)?\b")
# A priced offering follows the proposed one (rule 5): `… Prices Public Offering at $4.00`.
_PRICED = re.compile(
    r"(?i)\bpric(?:es|ed|ing)\b.{0,80}\b(?:offering|placement|notes)"
    r"|\b(?:offering|placement)\b.{0,60}\bpric(?:es|ed|ing)\b"
    # `Successfully completed private placement` after `Contemplated private placement`.
    r"|\bcomplet(?:es|ed|ion)\b.{0,40}\b(?:offering|placement)"
)
# A closed offering follows its announcement and its pricing (rule 5): `… Announces Closing
# of $1.05 Million Registered Direct Offering`, `… Conditionally Raises GBP2 Million via
# Share Placing` after `… Plans GBP2 Million Fundraise via Share Placement`.
_CLOSED = re.compile(
    r"(?i)\bclos(?:es|ed|ing)\b.{0,60}\b(?:offering|placement|placing)"
    r"|\bcomplet(?:es|ed|ion)\b.{0,40}\b(?:offering|placement|placing)"
    r"|\b(?:conditionally|successfully)\s+rais(?:es|ed)\b.{0,60}\b(?:offering|placement|placing)"
)
# What kind of company event a headline reports. Two events of one company on one day
# (results and a buyback, results and a new CFO, a restructuring and a rejected bid) are
# two stories, however many words they share: headlines of two kinds and none in common
# never join. A headline of no kind (`X shares jump`) can join any.
_KINDS = (
    (
        "buyback",
        re.compile(
            r"(?i)\b(?:buy[\s-]?backs?|buy\s+back|repurchas\w*|own\s+shares"
            r"|(?:normal\s+course\s+)?issuer\s+bid|ncib)\b"
        ),
    ),
    (
        "management",
        re.compile(
            r"(?i)\bappointments?\b|\b(?:new|interim|acting)\s+(?:ceo|cfo|coo|cto|chief|chair\w*|president)\b"
            r"|\b(?:appoint\w*|names?|named|hires?|hired|retire\w*|resign\w*|steps?\s+down"
            r"|successor|succeed\w*|depart\w*|taps?|picks?)\b.{0,60}"
            r"\b(?:ceo|cfo|coo|cto|chief|chair\w*|president|directors?|board)\b"
            r"|\b(?:ceo|cfo|coo|chief\s+\w+\s+officer|chair\w*|president|director)\b.{0,40}"
            r"\b(?:to\s+retire|retire\w*|resign\w*|steps?\s+down|(?:to|will)\s+leave|leav\w+|depart\w*|exit\w*)"
        ),
    ),
    (
        "insider",
        re.compile(
            r"(?i)\b(?:executives?|directors?|insiders?|ceo|cfo|chair\w*|pdmrs?)\b.{0,30}"
            r"\b(?:reinvest\w*|acquires?\s+(?:additional\s+|more\s+)?shares|buys?\s+shares|bought\s+shares|sells?\s+shares|sold\s+shares"
            r"|purchas\w*\s+(?:of\s+)?shares|dealings?|shareholding)\b"
        ),
    ),
    (
        "deal",
        re.compile(
            r"(?i)\b(?:acquir\w*(?!\s+(?:additional\s+|more\s+|own\s+)?shares)|acquisitions?|merger|merge|takeover|buyout|(?<!issuer\s)bids?|to\s+buy(?!\s+back)"
            r"|divest\w*|stake|(?:sell|sells|sale\s+of)\s+(?:\w+\s+){0,4}(?:unit|business|division))\b"
        ),
    ),
    (
        "financing",
        re.compile(
            r"(?i)\b(?:offerings?|placements?|raises?\s+\$|capital\s+raise"
            r"|share\s+sale|convertible|notes\s+due|bond\s+issue|ipo"
            # `To Issue $350 Million Senior Bonds`.
            r"|issu(?:es?|ing)\s+(?:\S+\s+){0,4}(?:bonds|notes|debentures))\b"
        ),
    ),
    # A halt of trading in a company's shares, and its resumption, are two notices.
    ("halt", re.compile(r"(?i)\bhalt\w*\b|\bsuspen\w+\s+(?:of\s+)?trading\b")),
    (
        "resume",
        re.compile(r"(?i)\b(?:resum\w+|restarts?)\s+trading\b|\breturns?\s+to\s+trading\b"),
    ),
    # A shareholders' meeting notice is not the deal or the financing it may vote on.
    (
        "meeting",
        re.compile(
            r"(?i)\b(?:extraordinary|annual|special)\s+general\s+meeting|\b(?:egm|agm)\b"
            r"|\bnotice\s+of\s+(?:\w+\s+){0,2}meeting|\bmeeting\s+results\b"
        ),
    ),
    ("debut", re.compile(r"(?i)\bdebut\w*|\bfirst\s+day\s+of\s+trading\b")),
    # A holder's notices: crossing the threshold up, down, or moving above it.
    # A major holder's notification (`Major shareholder notification - X`), whatever else
    # the holder's company announces.
    (
        "holder-notice",
        re.compile(
            r"(?i)\b(?:major|substantial)\s+(?:share)?holder(?:ing)?s?\s+(?:notifications?|notices?"
            r"|announcements?|disclosures?)|\bnotification\s+of\s+major\s+(?:share)?holdings?"
        ),
    ),
    ("holder-in", re.compile(r"(?i)\bbecom\w*\s+(?:a\s+)?substantial\s+(?:share)?holder")),
    ("holder-out", re.compile(r"(?i)\bceas\w*\s+(?:to\s+be\s+(?:a\s+)?)?substantial")),
    ("restructuring", re.compile(r"(?i)\b(?:restructur\w*|bankruptcy|chapter\s+11|insolven\w*)\b")),
    ("layoffs", re.compile(r"(?i)\b(?:layoffs?|lay\s+off|job\s+cuts|cut\w*\s+[\d,]+\s+jobs)\b")),
    (
        "trial",
        re.compile(r"(?i)\b(?:trial|phase\s+(?:[1-3]|i{1,3})\w*|fda|endpoint|data\s+readout)\b"),
    ),
    # An executive's remark (`…, CEO Says`, `Kering CEO: …`) is a call remark, not the
    # release it comments (rule 3).
    (
        "remark",
        re.compile(
            r"(?i)\b(?:ceo|cfo|chief\s+executive|chair(?:man|woman)?)(?:\s+[\w.'-]+){0,3}?"
            r"\s+(?:says|said|tells)\b|\b(?:ceo|cfo)\s*:|,\s*(?:ceo|cfo)\s+says$"
        ),
    ),
)


_EBIT = re.compile(r"(?i)\bebit(?:da)?\b")


def _kinds(title: str, results: bool) -> frozenset[str]:
    """The kinds of company event a headline reports (`results` among them)."""
    found = {name for name, pattern in _KINDS if pattern.search(title)}
    if results or _EBIT.search(title):
        found.add("results")
    return frozenset(found)


# `(SHSE:600346)`, `(NYSE:GME)`, `(TSE:4053)`: the listing a headline is about.
_EXCHANGE_SYMBOL = re.compile(r"\((?:[A-Z]{2,8}):\s?([A-Za-z0-9.]{1,12})\)")
# Capitalised words inside a sentence: names, in a summary written in sentence case.
_CAPITALISED = re.compile(r"(?<![\w'])[A-Z][\w&'.-]*")

# Sentences that publishers attach to every item: they are no evidence of a shared event.
# Each comes with a lower-case needle, so that the pattern runs only where it can match.
_BOILERPLATE = tuple(
    (needle, re.compile(pattern, re.IGNORECASE | re.DOTALL))
    for needle, pattern in (
        ("maximize your portfolio", r"maximize\s+your\s+portfolio.*?your\s+smart\s+portfolio"),
        ("not verified", r"[^.]{0,80}has\s+not\s+verified\s+th(?:is|ese)\s+stor(?:y|ies)[^.]*\.?"),
        ("breaking news story", r"this\s+is\s+a\s+breaking\s+news\s+story.*$"),
        ("this content was created", r"this\s+content\s+was\s+created\s+by.*$"),
        ("read the full article", r"read\s+the\s+full\s+article.*$"),
        ("live coverage", r"this\s+item\s+is\s+part\s+of\s+a\s+wall\s+street\s+journal.*$"),
        ("dow jones newswires", r"\(end\)\s+dow\s+jones\s+newswires.*$"),
        ("investing.com", r"investing\.com\s*[-\u2013\u2014]+"),
        ("(reuters)", r"\(reuters\)\s*[-\u2013\u2014]*"),
    )
)
# `By Paul Hannon` (DJ glues the byline to the first sentence: `By Paul HannonThe ...`).
_BYLINE = re.compile(
    r"^\s*[Bb]y\s+[A-Z][a-z'.-]+\s+(?:[A-Z]\.\s+)?[A-Z][a-z'-]+"
    r"(?:\s+and\s+[A-Z][a-z'.-]+\s+[A-Z][a-z'-]+)?"
)

# Amounts: an optional currency, a number, an optional scale or unit.
_AMOUNT = re.compile(
    r"""(?ix)
    (?<![\w.])
    (?P<currency>[$€£¥₹]|us\$|eur|usd|gbp|c\$|a\$)?\s?
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?:\s?(?P<unit>%|percent|per\s+cent|bps|basis\s+points
        |trillion|tn|billion|bln|bn|b|million|mln|mn|m|crore|cr|lakh|thousand|k)(?![a-z]))?
    """
)
_SCALES = {
    "trillion": 1e12,
    "tn": 1e12,
    "billion": 1e9,
    "bln": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mln": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
    "crore": 1e7,  # Indian reports: `Rs 1,170.5 crore` is `11.7 bln rupees`
    "cr": 1e7,
    "lakh": 1e5,
}
_PERCENT = frozenset({"%", "percent", "per cent", "bps", "basis points"})

# Quarter and half-year names in every house style: Q4, 4Q, fourth-quarter, fiscal Q1.
_QUARTER = re.compile(
    r"(?i)\b(?:q([1-4])|([1-4])q|(first|second|third|fourth)[\s-]quarter|(h[12])|([12])h)\b"
)
_GUIDANCE = re.compile(
    r"(?i)\b(?:outlook|guidance|forecasts?|sees|expects?|projects?|targets?|initiates|view)\b"
)
_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4"}


def _alternatives(*named: tuple[str, str], flags: int = 0, first: str = "") -> re.Pattern[str]:
    """One pattern of named alternatives: a single pass finds which of them a text has.

    `first`, a character class every alternative starts with, lets the scan skip every
    other position at once (fifty alternatives tried at each character cost the most).
    """
    joined = "|".join(f"(?P<{name.replace('-', '_')}>{pattern})" for name, pattern in named)
    return re.compile(f"(?={first})(?:{joined})" if first else joined, flags)


def _named_matches(pattern: re.Pattern[str], text: str) -> frozenset[str]:
    return frozenset((found.lastgroup or "").replace("_", "-") for found in pattern.finditer(text))


# One release, many names: `CPI`, `consumer prices`, `consumer inflation` are one indicator.
_INDICATORS = _alternatives(
    ("cpi", r"\bcpi\b|consumer[\s-]price|consumer\s+inflation|\bcore\s+inflation"),
    ("ppi", r"\bppi\b|producer[\s-]price|wholesale\s+(?:price|inflation)"),
    ("crude-stocks", r"(?:crude|oil)(?:\s+oil)?\s+(?:stocks|stockpiles|inventor|supplies)"),
    ("jobless-claims", r"jobless\s+claims|unemployment\s+claims|initial\s+claims"),
    ("payrolls", r"payrolls|jobs\s+report"),
    ("gdp", r"\bgdp\b|gross\s+domestic\s+product"),
    ("pmi", r"\bpmi\b|purchasing\s+managers"),
    ("retail-sales", r"retail\s+sales"),
    flags=re.IGNORECASE,
)

# Countries by name, adjective or central bank: `Turkey industrial output` is not Sweden's.
_COUNTRIES = _alternatives(
    ("us", r"\bU\.S\.|\bUS\b|United States|\bFed\b"),
    ("uk", r"\bU\.K\.|\bUK\b|Britain|British|\bBOE\b|Bank of England"),
    ("eurozone", r"\b[Ee]uro\s?[Zz]one\b|\b[Ee]uro [Aa]rea\b|\bECB\b"),
    ("germany", r"\bGerman"),
    ("france", r"\bFrance\b|\bFrench\b"),
    ("italy", r"\bItal(?:y|ian)\b"),
    ("spain", r"\bSpain\b|\bSpanish\b"),
    ("greece", r"\bGreece\b|\bGreek\b"),
    ("sweden", r"\bSwed(?:en|ish)\b"),
    ("norway", r"\bNorw(?:ay|egian)\b"),
    ("turkey", r"\bTurkey\b|\bTurkish\b"),
    ("japan", r"\bJapan"),
    ("china", r"\bChin(?:a|ese)\b"),
    ("india", r"\bIndia"),
    ("canada", r"\bCanad"),
    ("australia", r"\bAustralia"),
    ("new-zealand", r"\bNew Zealand"),
    ("philippines", r"\bPhilippine"),
    ("brazil", r"\bBrazil"),
    ("mexico", r"\bMexic"),
    ("russia", r"\bRussia"),
    ("korea", r"\bKorea"),
    ("switzerland", r"\bSwiss\b|\bSwitzerland\b"),
    ("south-africa", r"\bSouth Africa"),
    ("indonesia", r"\bIndonesia"),
    ("singapore", r"\bSingapore"),
    ("hong-kong", r"\bHong Kong"),
    ("taiwan", r"\bTaiwan"),
    ("portugal", r"\bPortug"),
    ("netherlands", r"\bNetherlands\b|\bDutch\b"),
    ("belgium", r"\bBelgi"),
    ("austria", r"\bAustria"),
    ("poland", r"\bPoland\b|\bPolish\b"),
    ("ireland", r"\bIreland\b|\bIrish\b"),
    ("denmark", r"\bDenmark\b|\bDanish\b"),
    ("finland", r"\bFinland\b|\bFinnish\b"),
    ("czech", r"\bCzech"),
    ("hungary", r"\bHungar"),
    ("romania", r"\bRomania"),
    ("israel", r"\bIsrael"),
    ("saudi-arabia", r"\bSaudi"),
    ("egypt", r"\bEgypt"),
    ("nigeria", r"\bNigeria"),
    ("argentina", r"\bArgentin"),
    ("chile", r"\bChile"),
    ("colombia", r"\bColombia"),
    ("peru", r"\bPeru\b|\bPeruvian\b"),
    ("thailand", r"\bThai(?:land)?\b"),
    ("malaysia", r"\bMalaysia"),
    ("vietnam", r"\bViet\s?nam"),
    ("pakistan", r"\bPakistan"),
    ("jordan", r"\bJordan(?:ian)?\b"),
    ("uae", r"\bUAE\b|\bEmirat"),
    ("kuwait", r"\bKuwait"),
    ("qatar", r"\bQatar"),
    ("oman", r"\bOman(?:i)?\b"),
    ("bahrain", r"\bBahrain"),
    ("ukraine", r"\bUkrain"),
    ("kenya", r"\bKenya"),
    ("morocco", r"\bMoroc"),
    ("sri-lanka", r"\bSri Lanka"),
    ("bangladesh", r"\bBangladesh"),
    ("bulgaria", r"\bBulgaria"),
    ("croatia", r"\bCroatia"),
    ("serbia", r"\bSerbia"),
    ("slovakia", r"\bSlovak"),
    ("slovenia", r"\bSloven"),
    ("baltics", r"\bLithuania|\bLatvia|\bEstonia"),
    ("iceland", r"\bIceland"),
    ("luxembourg", r"\bLuxembourg"),
    ("cyprus", r"\bCyprus|\bCypriot"),
    first="[A-Ze]",
)

_WORD = re.compile(r"[a-z][a-z0-9]*(?:'[a-z]+)?|\d+[a-z]+")

# Words that carry no event: grammar, newsroom verbs of saying, calendar words.
_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours
    says said say saying tells told according report reports reported reportedly per via
    amid despite among within without upon onto whether yet still ahead
    new latest today week weeks day days month months year years time
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    here heres what's it's here's why how
    update updates wsj barrons com reuters bloomberg inc corp co ltd plc llc group
    mr ms mrs percent pct
    """.split()
)

# Headline verbs of a price move: `X rises`, `X slips after Y`, `Y sends X tumbling`.
_MOVE_VERBS = (
    r"(?:rise|rises|rose|rising|fall|falls|fell|falling|jump|jumps|jumped|slip|slips|slipped"
    r"|slide|slides|slid|tumble|tumbles|tumbled|tumbling|surge|surges|surged|surging|gain|gains"
    r"|gained|drop|drops|dropped|climb|climbs|climbed|rally|rallies|rallied|soar|soars|soared"
    r"|sink|sinks|sank|plunge|plunges|plunged|retreat|retreats|retreated|edge|edges|edged"
    r"|slump|slumps|slumped|sag|sags|dip|dips|dipped|rebound|rebounds|rebounded|tank|tanks"
    r"|skyrocket|skyrockets|spike|spikes|spiked|pop|pops|strengthens|weakens|advance|advances"
    r"|advanced|decline|declines|declined|reverse|reverses|reversed|pare|pares|pared|take\s+off"
    r"|takes\s+off|mixed|steps?\s+back|pull(?:s|ed|ing)?\s+back|(?<=futures )(?:higher|lower|flat)"
    r"|(?<=stocks )(?:higher|lower)|(?<=yields )(?:higher|lower)"
    r"|lack(?:s|ing)?\s+direction|directionless"
    r"|(?:remains?|holds?|stays?|keeps?)\s+(?:steady|stable|unchanged|flat)|little\s+changed"
    r"|(?:hits?|trades?|trading|at)\s+(?:a\s+)?(?:fresh\s+|new\s+)?record"
    r"|(?:at|hits?|near|touch\w*)\s+(?:an?\s+)?(?:over\s+)?[\w-]+\s+(?:high|low)\b"
    r"|opens?\s+(?:[\d.,]+%\s+)?(?:flat|higher|lower|up|down)"
    r"|set\s+for\s+(?:an?\s+)?(?:\w+\s+)?(?:higher|lower|firmer|weaker|flat)\s+open"
    r"|extends?\s+(?:gains?|loss(?:es)?|rally|decline)"
    r"|(?:ends?|ended|closes?|closed|settles?|settled|turns?|turned|trades?|traded|moves?|moved)"
    r"\s+(?:[\d.,]+%\s+)?(?:higher|lower|up|down|flat|above|below"
    r"|in\s+(?:a\s+)?(?:tight\s+)?range))"
)
_MOVE_HEADLINE = re.compile(
    rf"(?i)^(?P<subject>.{{2,80}}?)\s(?P<marker>shares\s|stocks?\s|prices?\s|futures\s|yields?\s)?"
    rf"{_MOVE_VERBS}\b"
)
_SENDS_MOVING = re.compile(
    rf"(?i)\b(?:sends?|sent|pushes|push|drives?|lifts?|knocks?)\s+(?P<subject>.{{2,40}}?)\s"
    rf"(?P<marker>shares\s|stocks?\s|prices?\s|futures\s|yields?\s)?{_MOVE_VERBS}\b"
)
# `… Sends Bitcoin Below $95K`: a move told by where it went.
_SENDS_PAST = re.compile(
    r"(?i)\b(?:sends?|sent|pushes|push|drives?|knocks?)\s+(?P<subject>.{2,40}?)\s"
    r"(?P<marker>shares\s|stocks?\s|prices?\s|futures\s|yields?\s)?(?:below|under|above|past)\b"
)
_PAST_DIRECTION = {"below": "down", "under": "down", "above": "up", "past": "up"}


def _move_direction(title: str) -> str:
    """Which way a headline's move went, read from the move itself when an event sends a
    market somewhere (`Surging inflation sends bitcoin below $95K`: down, whatever surged)."""
    if found := _SENDS_MOVING.search(title):
        return _direction(title[found.start("subject") :])
    if found := _SENDS_PAST.search(title):
        return _PAST_DIRECTION[found.group(0).split()[-1].lower()]
    return _direction(title)


# Analyst actions are their own stories (rating changes, targets, notes).
_ANALYST_ACTION = re.compile(
    r"(?i)\b(?:upgrade[sd]?|downgrade[sd]?|price\s+targets?|target\s+price|initiated\s+at|analyst\s+projections|initiat\w+\s+coverage"
    # An analyst reiterates a rating; an official reiterates a view (`Powell reiterates no
    # hurry`), which is news.
    r"|reiterat\w*\s+(?:(?:a|an|the|its|their|his|her)\s+)?(?:buy|sell|hold|outperform|underperform|overweight|underweight|neutral|rating|bull|bear|price\s+target|target)"
    r"|(?:raise[sd]?|lift(?:s|ed)?|cut|cuts|lower(?:s|ed)?)\s+to\s+(?:buy|outperform|overweight|neutral"
    r"|hold|sell|underperform|underweight|equal[\s-]weight|market\s+perform)"
    r"|analysts?\s+(?:says?|sees?|view)|rating|maintained\s+at|(?:;|,)\s*target\s+(?:of|price)"
    r"|target\s+(?:raised|cut|lowered|increased|trimmed)|(?:buy|sell|hold|accumulate|reduce)"
    r"\s+[\w&'. -]{2,40};\s*target"
    r"|how\s+much\b.{0,60}\bcould|could\s+(?:raise|cost|hit|lift|boost|add|mean|push|send)"
    r"|^(?:these|here)\s+are\s+the|^meet\s+the|^why\b|\bpts?\b|\bprice\s+objective"
    r"|analysts?\s+(?:had\s+)?(?:cut|raise|increase|lower|boost|hike|trim|saw|expect)\w*"
    r"|analyst\s+forecasts|consensus\s+(?:sees|saw|expects)|in\s+charts?|chart\s+of"
    r"|analysts?\s+(?:react|weigh)|analysts\s+are\s+saying|time\s+to\s+buy"
    r"|^how\b.{0,80}\bcould|\bhere'?s\s+why\s+(?=\w)|\bis\s+seen\s+(?:as|being)\b|^meet\b|^what\s+happened\b|\bresearch\b.{0,30}\b(?:positive|negative|bullish|bearish|cautious)\s+on\b|\bwho\s+(?:will|could|might|would)\s+be\b|analysts?$|factbox|fact\s+box|timeline|recent\s+(?:holdings|campaigns|deals))\b"
)

# A research house's view or forecast (`Amundi Investment Institute sees tariffs cutting
# growth`, `Capital Economics sees further decline in …`): its own claim, never the release
# or the event it is about (rule 6). A central bank's or an official's forecast is news.
_HOUSE_VIEW = re.compile(
    r"(?i)\b(?:institute|research|economists?|strategists?|asset\s+management"
    r"|investment\s+management|capital\s+economics)\s+(?:now\s+)?"
    r"(?:sees?|expects?|forecasts?|predicts?|projects?)\b"
)

# An outlet's opinion and analysis sections (`/opinion/`, Seeking Alpha's contributor
# `/article/`s): each piece makes its own claim, whatever event it is about (rule 6).
_OPINION_LINK = re.compile(
    r"(?i)^https?://[^/]+/(?:[^?#]*/)?opinions?/|//seekingalpha\.com/article/"
)

# Sections of machine-written items, one per company under a few templates (Benzinga's
# `/insights/`: options trends, short interest, analysts' ratings, `$1000 invested …`):
# each is its own item, whatever words its template shares with another company's.
_TEMPLATED_LINK = re.compile(r"(?i)^https?://(?:www\.)?benzinga\.com/insights/")

# A valuation piece (`… a price-to-earnings (or "P/E") ratio of 19.4x …`) is analysis,
# whatever its headline says of the results (rule 6).
_VALUATION = re.compile(r'(?i)\bprice-to-(?:earnings|sales|book)\s*\((?:or\s+)?"?p/[esb]"?\)')

# Results that are late are no results (`to halt trading amid delay in financial results`).
_DELAYED_RESULTS = re.compile(
    r"(?i)\bdelay\w*\s+(?:in|of|to)\s+(?:\w+\s+){0,2}(?:results|earnings|accounts)\b"
    r"|\b(?:results|earnings)\s+delay"
    # Results of another act (`Results of Normal Course Issuer Bid`, `… of Tender Offer`).
    r"|\bresults?\s+of\s+(?:\w+\s+){0,4}(?:issuer\s+bid|tender\s+offer|buy[\s-]?back"
    r"|repurchase|offering|placement|placing|meeting|egm|agm|vote)\b"
)

_ROLES = frozenset(
    """attorney lawyer source official analyst people filing document ceo executive spokesperson
    spokesman spokeswoman data survey study statement""".split()
)
# `crude stocks rise` is an inventory report, not a price move.
_INVENTORY = re.compile(
    r"(?i)\b(?:crude|oil|gasoline|distillate|gas|fuel|petroleum|copper|grain)(?:\s+oil)?\s+"
    r"(?:stocks|stockpiles|inventories|supplies|reserves)\b"
)
# `oil stocks` is an inventory only beside barrels or a weekly report, else oil companies'
# shares (`Oil stocks fall on rising US crude stockpiles`).
_INVENTORY_CONTEXT = re.compile(
    r"(?i)\bbarrels?\b|\bbbls?\b|\beia\b|\bapi\b|\bweekly\b|\bcrude\s+(?:oil\s+)?stocks"
    r"|stockpiles|inventor|\bdraws?\b|\bbuilds?\b"
)


def _inventory(title: str, subject: str) -> bool:
    """Whether what moved (`subject`, with what follows it) is an inventory, not a price."""
    found = _INVENTORY.search(subject)
    if not found:
        return False
    if found.group(0).split()[-1].lower() != "stocks":
        return True
    return bool(_INVENTORY_CONTEXT.search(subject) or re.search(r"(?i)barrels?", title))


_GENERIC_MOVERS = frozenset({"stock", "share", "price", "future", "market", "index"})
_INDICATOR_WORDS = frozenset(
    """consumer producer wholesale import export retail home house inflation cpi ppi output
    production inventory inventori stockpile sale profit revenue earning income eps demand
    claim payroll gdp pmi growth loss""".split()
)
_RESULTS = re.compile(
    r"(?i)\b(?:results?|earnings|eps|epads|revenue|sales|(?<!non-)(?<!for-)profit|net\s+income|loss|quarter"
    r"|q[1-4]|[1-4]q|fy\s?\d*|full[\s-]year|guidance|outlook)\b"
)
# `..., Wedbush Says` and `Rubio: ...`: the claim belongs to the one quoted.
_TRAILING_SPEAKER = re.compile(r"(?i),\s*(?P<speaker>[\w.&' -]{2,40}?)\s+(?:says|said)$")
# `..., Says Berenberg`: the one quoted named after the verb (a name, not `says 'no'`).
_TRAILING_NAMED_SPEAKER = re.compile(
    r",\s*(?:[Ss]ays|[Ss]aid|SAYS)\s+(?P<speaker>[A-Z][\w.&'-]*(?:\s[A-Z][\w.&'-]*){0,3})$"
)
# `Altman rejects ...`, `Century Aluminum applauds ...`: a party answering an earlier event.
_RESPONDER = re.compile(
    r"(?i)^(?P<speaker>[\w.&'-]+(?:\s[\w.&'-]+){0,3}?)\s+(?:appears?\s+to\s+|seems?\s+to\s+)?"
    r"(?:rejects?|rebuffs?|dismiss(?:es)?|brushes\s+off|fires\s+back|hits\s+back|responds?"
    r"|reacts?|applauds?|welcomes?|slams?|criticizes|condemns?|blasts?|denies|refuses?"
    r"|calls\s+out|pushes\s+back|retaliates?|vows?|warns?|threatens?|insists?|urges?)\b"
)
# `Musk-led bid aimed at slowing OpenAI: Wedbush`: the claim belongs to the one named last.
_TRAILING_COLON_SPEAKER = re.compile(
    r":\s*(?P<speaker>[A-Z][\w.&'-]*(?:\s[A-Z][\w.&'-]*){0,2})\s*$"
)
# Words a trailing `: …` label opens with that name no one (`: The Details`, `: Report`).
_NOT_SPEAKERS = frozenset(
    """the a an what why how here details full live watch video chart charts analysis opinion
    explainer preview recap update report sources source""".split()
)
# `Elliott Had Received 1 Board Seat … in Late 2023`: background of an earlier year.
_BACKGROUND = re.compile(r"(?i)\bhad\b.{0,80}\b((?:19|20)\d\d)\b")
# `Trump calls judge 'crazy'`, `…; Altman says 'no'`: a named party's answer to an event.
_ANSWER = re.compile(
    r"(?i)^(?P<speaker>[\w.&'-]+(?:\s[\w.&'-]+){0,3}?)\s+"
    r"(?:calls(?=\s)(?!\s+off\b)|slams?|rebukes?|blasts?|says\s+['‘’\"“]?no\b|rejects?|rebuffs?"
    r"|responds?|hits\s+back|fires\s+back|lashes\s+out|vows?|criticizes|condemns?|mocks?"
    r"|derides?|pushes\s+back|dismiss(?:es)?)\b"
)
_LEADING_SPEAKER = re.compile(r"^(?P<speaker>[\w.&'-]+(?:\s[\w.&'-]+){0,2})\s*:\s+\S")


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """The parts of an article that say which event it reports."""

    article_id: str
    title_key: str  # the headline without wire tags, folded: equal keys are reposts
    title_terms: frozenset[str]
    text_terms: frozenset[str]  # title and summary: words, numbers, quarters, tickers
    numbers: frozenset[str]  # amounts with a unit or a decimal: `#9.74e10`, `#5.75%`
    quarters: frozenset[str]  # the quarters or halves the headline names (`~q4`, `~h1`)
    guidance: bool  # the headline gives an outlook (its quarter is the next one)
    days: frozenset[str]  # the days the headline names (`feb-12`)
    weekdays: frozenset[str]  # the weekdays it names (`monday`): a daily item's day
    priced: bool  # the headline reports an offering's price (after its announcement)
    closed: bool  # the headline reports an offering closed or raised (after its pricing)
    title_numbers: frozenset[str]  # those of the headline
    tickers: frozenset[str]
    move_subject: frozenset[str] | None  # the words before a price-move verb in the headline
    market_move: frozenset[str]  # the markets that moved (a commodity, currency, index)
    session: str  # when a move happened: `before` the open, at the `open` or `close`, or ``
    direction: str  # which way a move went, `up` or `down` (`` when not one way)
    speaker: frozenset[str] | None  # who the headline quotes (`..., Wedbush Says`, `Rubio: ...`)
    speaker_office: tuple[frozenset[str], str]  # the speaker's entities and words, folded
    headline_tickers: frozenset[str]  # symbols the headline itself names
    results: bool  # the headline reports company results (rule 3 of the definition)
    kinds: frozenset[str]  # the kinds of company event it reports (`results`, `buyback`)
    analysis: bool  # a desk column or an analyst action, never a copy of the event
    preview: bool  # written before the event (`earnings preview`, `ahead of CPI`)
    deed: str  # `signed` (the deed is done), `announced` (it is to come), or ``
    intents: frozenset[str]  # verbs of acts the headline says are to come (`file`)
    measures: frozenset[str]  # the side of a market its figure is of: `supply`, `demand`
    digest: bool  # a roundup of many events under a recurring headline
    indicators: frozenset[str]  # economic releases named in headline or summary (`~cpi`)
    names: frozenset[str]  # headline terms the summary writes as names (capitalised inside)
    countries: frozenset[str]  # countries the headline names
    entities: Named  # the knowledge base's companies, places and releases it names
    lead_name: str  # the name a headline opens with (`Aditya Birla Finance`), folded
    lead_tail: str  # the word after that name's first (`energy` of `Siemens Energy`, `corp`)
    # (only when the summary writes the two words too)
    listed: frozenset[str]  # symbols written beside an exchange (`(NYSE: BN)`), not OTC
    rare_lead: bool  # that name has a word rare in news at large: surely a name
    folded_text: str  # headline and summary folded, spaced at both ends: names are looked up
    remarks: bool  # remarks on a call or in an interview, not the release they comment
    confirms: bool  # an official confirmation (of a report, a deal, a date)
    court: bool  # the headline reports what a court or a judge did
    remark: frozenset[str]  # the claim's words of an executive's remark (`Kering CEO: …`)
    responder: frozenset[str]  # who answers in the headline's clause (`…; Altman says 'no'`)
    group_move: bool  # a move of a group of stocks (`oil stocks fall`, `gold miners gain`)
    tally: str  # a count told as it runs (`trend`: leads, trails) or its `outcome` (wins)
    headline_only: bool  # no usable summary
    timestamp: float | None
    # Read by bot/stories/followups.py: a report or the actor's own word, the moment and
    # day it tells, its outlet.
    reported: bool = False  # a media report or sources (`…, Sources Say`, `- WSJ`)
    own_word: bool = False  # the actor's own statement, letter or spokesperson, no report
    clocks: frozenset[str] = frozenset()  # clock times the headline names (`12:00p`)
    moment: str = ""  # a market move's moment the summary's lead names (`midday`)
    lead_weekday: str = ""  # the first weekday the summary's lead names
    source: str = ""  # the outlet, folded
    speech_preview: bool = False  # a speech, testimony or contest still to come
    markets: frozenset[str] = frozenset()  # kinds of market the headline names (`equities`)
    label: tuple[str, frozenset[str]] = ("", frozenset())  # `Grayscale: …` and its words
    appeal: bool = False  # the headline reports an appeal of a ruling or decision
    market_wide: bool = False  # about a whole market (`Australian Shares Flat`), not a company
    weekly: bool = False  # a week's move (`… Fell This Week`)
    opinion: bool = False  # a column's claim (`… That's Where the Good News Ends`)


def describe(article: Article) -> StoryFeatures:
    """The story features of one article (pure; the same article always gives the same)."""
    raw_title, flash_ticker = _strip_title(article.title)
    summary = _clean_summary(article.summary)
    title_numbers = numbers_in(raw_title)
    summary_numbers = numbers_in(summary)
    title_words = _terms(raw_title)
    summary_words = _terms(summary)
    tickers = frozenset(ticker.upper() for ticker in article.tickers)
    if flash_ticker:
        tickers |= {flash_ticker}
    ticker_terms = frozenset(f"${ticker}" for ticker in tickers)
    headline_tickers = frozenset(
        ticker for ticker in tickers if ticker == flash_ticker or _names_symbol(raw_title, ticker)
    ) | frozenset(found.group(1).upper() for found in _EXCHANGE_SYMBOL.finditer(raw_title))
    title_indicators = _indicators(raw_title)
    indicators = title_indicators | _indicators(summary)
    title_terms = (
        frozenset(title_words)
        | title_numbers
        | _quarters(raw_title)
        | title_indicators
        | frozenset(f"${ticker}" for ticker in headline_tickers)
    )
    text_terms = (
        title_terms
        | frozenset(summary_words)
        | summary_numbers
        | _quarters(summary)
        | indicators
        | ticker_terms
    )
    published = article.published
    move_subject, market_move = _move(raw_title)
    lead_name = _lead_name(raw_title)
    results = bool(_RESULTS.search(raw_title)) and not _DELAYED_RESULTS.search(raw_title)
    return StoryFeatures(
        article_id=article.id,
        title_key=" ".join(_fold(raw_title).split()),
        title_terms=title_terms,
        text_terms=text_terms,
        numbers=title_numbers | summary_numbers,
        title_numbers=title_numbers,
        quarters=_quarters(raw_title),
        guidance=bool(_GUIDANCE.search(raw_title)),
        days=_days(raw_title),
        weekdays=frozenset(found.lower() for found in _WEEKDAY.findall(raw_title)),
        priced=bool(_PRICED.search(raw_title)),
        closed=bool(_CLOSED.search(raw_title)),
        tickers=tickers,
        move_subject=move_subject,
        market_move=market_move,
        session=_session(raw_title) if move_subject is not None else "",
        direction=_move_direction(raw_title) if move_subject is not None else "",
        speaker=_speaker(raw_title),
        speaker_office=_speaker_office(raw_title),
        headline_tickers=headline_tickers,
        results=results,
        kinds=_kinds(raw_title, results),
        analysis=bool(
            _ANALYSIS_TAG.search(article.title)
            or _ANALYSIS_LABEL.match(article.title)
            or _OPINION_LINK.search(article.link or "")
            or _VALUATION.search(summary)
            or _ANALYST_ACTION.search(raw_title)
            or _HOUSE_VIEW.search(raw_title)
            or _background(raw_title, published)
        ),
        digest=bool(
            _DIGEST.search(raw_title)
            or _TEMPLATED.search(raw_title)
            # A machine-written results recap is a copy of the release (rule 1).
            or (_TEMPLATED_LINK.search(article.link or "") and not results)
        ),
        countries=_named_matches(_COUNTRIES, raw_title),
        entities=named(raw_title, summary),
        lead_name=lead_name,
        rare_lead=bool(lead_name) and _rare_name(lead_name),
        lead_tail=_lead_tail(
            lead_name, " ".join(_fold(raw_title).split()), f" {' '.join(_fold(summary).split())} "
        ),
        listed=_listed(f"{raw_title} {summary[:_LISTED_CHARS]}"),
        folded_text=f" {' '.join(_fold(raw_title + ' ' + summary).split())} ",
        remarks=bool(_REMARKS.search(raw_title) or _CALL_PIECE.match(summary)),
        confirms=bool(_CONFIRMS.search(raw_title)),
        tally=_tally(raw_title),
        group_move=_group_move(raw_title),
        court=bool(_COURT.search(raw_title)),
        remark=_remark(raw_title),
        responder=_responder(raw_title),
        preview=bool(_PREVIEW.search(raw_title)),
        deed=_deed(raw_title),
        intents=_intents(raw_title),
        measures=frozenset(name for name, pattern in _MEASURES if pattern.search(raw_title)),
        indicators=indicators,
        names=_names(raw_title, summary, title_terms)
        | frozenset(f"${ticker}" for ticker in headline_tickers),
        headline_only=len(summary_words) < 5,
        timestamp=published.timestamp() if isinstance(published, datetime) else None,
        reported=reported(raw_title, summary),
        own_word=own_word(raw_title, summary),
        clocks=clock_times(raw_title),
        moment=lead_moment(summary) if move_subject is not None else "",
        lead_weekday=lead_weekday(summary),
        source=(article.source or "").strip().lower(),
        speech_preview=speech_preview(raw_title),
        markets=markets(raw_title),
        label=label(raw_title),
        appeal=appeals(raw_title),
        market_wide=market_wide(raw_title),
        weekly=weekly(raw_title),
        opinion=opinion(raw_title),
    )


_SUMMARY_CHARS = 600


def _strip_title(title: str) -> tuple[str, str | None]:
    """The headline without wire tags, and a ticker the wire put in it."""
    title = _fold_quotes(title).strip()
    ticker = None
    if found := _TICKER_TAIL.search(title):
        ticker = found.group(1)
        title = title[: found.start()]
    title = _CORRECTED_TAIL.sub("", _CORRECTED.sub("", title))
    title = _BRIEF.sub("", title)
    if found := _EARNINGS_FLASH.match(title):
        ticker = found.group(1).upper()
        title = title[found.end() :]
    previous = None
    while previous != title:
        previous = title
        title = _TITLE_TAIL.sub("", title).strip()
    return title, ticker


def _clean_summary(summary: str) -> str:
    """The start of the summary without publisher boilerplate."""
    text = _fold_quotes(summary[:_SUMMARY_CHARS])
    lowered = text.lower()
    for needle, pattern in _BOILERPLATE:
        if needle in lowered:
            text = pattern.sub(" ", text)
    if lowered.startswith("by "):
        text = _BYLINE.sub("", text)
    return text.strip()


def _fold_quotes(text: str) -> str:
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\xa0", " ")
    )


def _fold(text: str) -> str:
    """Lower case, accents removed, only letters, digits and spaces."""
    return _NOT_ALNUM.sub(" ", _strip_accents(text.lower()))


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char))


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _terms(text: str) -> list[str]:
    """The content words of a text, lightly stemmed."""
    folded = _strip_accents(text.lower())
    return [
        _stem(word)
        for word in _WORD.findall(folded.replace("'s ", " ").replace("s' ", "s "))
        if word not in _STOPWORDS and len(word) > 1 and not word[0].isdigit()
    ]


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """A crude English stem, enough to make `tariffs` meet `tariff` and `holds` meet `hold`."""
    if "'" in word:
        word = word.split("'", 1)[0]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def numbers_in(text: str) -> frozenset[str]:
    """The amounts in a text as canonical tokens: `$97.4B` and `97.4 billion` give one token.

    Bare small integers, years and dates are left out: they do not single out an event.
    """
    found: set[str] = set()
    for match in _AMOUNT.finditer(text):
        number, unit = match.group("number"), (match.group("unit") or "").lower()
        unit = " ".join(unit.split())
        value = float(number.replace(",", ""))
        if unit == "k" and match.group(0).strip() in _FILING_FORMS:
            continue  # `Files 8K`: a filing's form, not eight thousand
        if unit in _PERCENT:
            suffix = "bp" if unit in ("bps", "basis points") else "%"
            found.add(f"#{_significant(value)}{suffix}")
            continue
        if unit in _SCALES:
            value *= _SCALES[unit]
        elif (
            "." not in number
            and not match.group("currency")
            and (value < 100 or 1900 <= value <= 2100)
        ):
            continue
        found.add(f"#{_significant(value)}")
    return frozenset(found)


_FILING_FORMS = frozenset({"8K", "10K", "6K"})


def _significant(value: float) -> str:
    """The value with three significant digits: `97.4 billion` meets `$97.4B`, and two
    different amounts rarely meet by rounding."""
    return f"{value:.3g}" if value else "0"


def _names(title: str, summary: str, title_terms: frozenset[str]) -> frozenset[str]:
    """The headline's words that are names: capitalised in the summary (written in sentence
    case), or in the headline itself when it is written in sentence case."""
    capitalised = " ".join(_CAPITALISED.findall(summary))
    words = title.split()
    if words and sum(word[:1].isupper() for word in words) <= len(words) // 2:
        capitalised += " " + " ".join(_CAPITALISED.findall(title))
    return frozenset(
        term
        for term in _terms(capitalised)
        if term in title_terms and term not in _NOT_NAMES and not _RESULTS.fullmatch(term)
    )


# Words written with a capital that name no one.
_NOT_NAMES = frozenset(
    "ceo cfo chief president us uk eu ai ipo etf share stock market investor analyst".split()
)


def _indicators(text: str) -> frozenset[str]:
    """The economic releases a text names, one token per release whatever the wording."""
    return frozenset(f"~{name}" for name in _named_matches(_INDICATORS, text))


def _quarters(text: str) -> frozenset[str]:
    found = set()
    for match in _QUARTER.finditer(text):
        digit = match.group(1) or match.group(2) or _ORDINALS.get((match.group(3) or "").lower())
        if digit:
            found.add(f"~q{digit}")
        else:
            found.add("~h" + (match.group(4) or "h" + (match.group(5) or ""))[-1])
    return frozenset(found)


def _group_move(title: str) -> bool:
    """Whether the headline reports a move of a group of stocks (a sector, a market's
    producers), not of one company or of a market itself (`Oil stocks fall on …`)."""
    found = _MOVE_HEADLINE.search(title)
    if not found:
        return False
    if _inventory(title, title[found.start("subject") : found.end("subject") + 12]):
        return False  # `US crude stocks rise`: an inventory report
    subject = frozenset(_terms(found.group("subject")))
    marker = (found.group("marker") or "").strip().lower()
    if subject & _INDICATOR_WORDS or marker.startswith(("price", "future", "yield")):
        return False  # `producer prices rise`: a release; `oil prices`: the market itself
    if not (marker.startswith(("stock", "share")) or subject & _EQUITY_GROUPS):
        return False
    groups = _SECTORS | _MARKETS | _EQUITY_GROUPS
    # `Asian stocks`, `China stocks`: a market as a whole, not a group of its stocks.
    return bool(subject & groups) and all(
        word in groups or word in _REGIONS or _COUNTRY_WORDS.fullmatch(word) for word in subject
    )


# Words that place a group of stocks (`European defence stocks`, `small-cap miners`).
_REGIONS = frozenset("european asian global world emerging small mid large cap".split())

# Words that name a sector of the stock market.
_SECTORS = frozenset(
    """energy bank banking tech technology chip chipmaker semiconductor defence defense utility
    mining auto automaker carmaker retail retailer consumer financial healthcare health care
    pharma drug biotech property realty shipping telecom media insurance solar uranium lithium
    cannabis luxury travel leisure industrial material homebuilder construction food beverage
    ev electric vehicle""".split()
)


def _move(title: str) -> tuple[frozenset[str] | None, frozenset[str]]:
    """The words of what moved, when the headline reports a market price move, and those
    that name a market (`copper prices`, `gold`, `the dollar`) rather than a company's stock.

    Economic data (`consumer prices rise`, `crude stocks rise`) and results (`profit falls`)
    are events, not market moves; a long subject means the verb was not the headline's.
    """
    for pattern in (_SENDS_MOVING, _SENDS_PAST, _MOVE_HEADLINE):
        if found := pattern.search(title):
            if _inventory(title, title[found.start("subject") : found.end("subject") + 12]):
                return None, frozenset()
            subject = frozenset(_terms(found.group("subject"))) - _GENERIC_MOVERS
            if subject & _INDICATOR_WORDS or len(subject) > 4:
                return None, frozenset()
            if not subject and _ANY_MOVER.search(found.group(0)):
                return _THE_MARKET, _THE_MARKET  # `Stock futures fall as …`: the market moved
            if subject & _EQUITY_GROUPS:
                return subject, frozenset()  # `Gold miners gain`: stocks, not gold
            if subject:
                marker = (found.group("marker") or "").strip().lower()
                if marker.startswith(("price", "future", "yield")):
                    return subject, subject
                return subject, subject & _MARKETS
    return None, frozenset()


# `Stocks`, `Stock futures`, `Shares` with no name: the market as a whole.
_ANY_MOVER = re.compile(
    r"(?i)^\s*(?:u\.?s\.?\s+)?(?:stocks?|stock\s+futures|shares|equities|s&p\s*500|wall\s+street)\s"
)
_THE_MARKET = frozenset({"market"})

# Words that make a subject a group of stocks (`gold miners`, `oil producers`), not a market.
_EQUITY_GROUPS = frozenset(
    "miner producer company maker firm bank lender refiner driller airline insurer".split()
)
# What moves as a market, not as one company's stock.
_MARKETS = frozenset(
    """oil crude brent wti gold silver copper aluminium aluminum nickel zinc steel iron ore
    wheat corn soybean coffee cocoa sugar gas dollar euro yen yuan peso rupee pound sterling
    franc rouble ruble won lira real rand bitcoin ether crypto token memecoin coin treasury
    bond yield gilt bund tsx nikkei ftse dax cac hang seng sensex nifty nasdaq dow
    """.split()
)


# The moment of a market's move: before the open, at the open, at the close are three
# moves, three stories (`Wall St set for higher open` and `Wall St opens higher`).
_SESSIONS = (
    ("before", re.compile(r"(?i)\bset\s+for\b.{0,30}\bopen|\bfutures\b|\bpre-?market\b")),
    ("open", re.compile(r"(?i)\bopens?\b|\bat\s+the\s+open\b")),
    ("close", re.compile(r"(?i)\b(?:clos(?:e|es|ed|ing)|ends?|ended|settles?|settled)\b")),
)


_UP = re.compile(
    r"(?i)\b(?:rise|rises|rose|rising|jump\w*|surg\w+|gain\w*|climb\w*|rall\w+|soar\w*"
    r"|record|highs?|higher|push\w*\s+(?:\w+\s+){0,3}to\s+record|advance\w*|rebound\w*)\b"
)
_DOWN = re.compile(
    r"(?i)\b(?:fall|falls|fell|falling|slip\w*|drop\w*|pull\w*\s+back|retreat\w*|declin\w+"
    r"|lower|tumbl\w+|sink\w*|sank|plung\w+|slid\w*|eas(?:e|es|ed|ing)|dip\w*|lows?|los\w+)\b"
)


# `Stock futures reverse early losses`: a turn up, whatever `losses` says (and the other way).
_REVERSED = re.compile(r"(?i)\brevers\w*\s+(?:\w+\s+){0,2}?(?P<what>losses|declines|gains|rally)\b")


def _direction(title: str) -> str:
    """Which way a market move went, when the headline says one way only: `up` or `down`."""
    if found := _REVERSED.search(title):
        return "up" if found.group("what") in ("losses", "declines") else "down"
    up, down = bool(_UP.search(title)), bool(_DOWN.search(title))
    return "up" if up and not down else "down" if down and not up else ""


# A vote counted over hours: each early trend is news of its moment, the outcome another.
_VOTE = re.compile(
    r"(?i)\b(?:polls?|bypolls?|elections?|electoral|votes?|voting|counting|seats?"
    r"|constituenc\w+|assembly|ballots?|early\s+(?:trends?|leads?))\b"
)
_TREND = re.compile(
    r"(?i)\b(?:leads?|leading|trails?|trailing|ahead|behind|early\s+trends?|neck[\s-]and[\s-]neck"
    r"|counting\s+(?:underway|begins|continues))\b"
)
_OUTCOME = re.compile(
    r"(?i)\b(?:wins?|won|winning|loses|lost|defeat\w*|sweeps?|swept|victory|victorious"
    r"|concedes?|landslide|clinch\w*|retains?|routs?|thrash\w*)\b"
)


def _tally(title: str) -> str:
    """Whether a headline tells a vote's count as it runs (`trend`) or its `outcome`."""
    if not _VOTE.search(title):
        return ""
    if _OUTCOME.search(title):
        return "outcome"
    return "trend" if _TREND.search(title) else ""


def _session(title: str) -> str:
    """When a market move happened, as the headline says it (`before`, `open`, `close`)."""
    for name, pattern in _SESSIONS:
        if pattern.search(title):
            return name
    return ""


def _speaker(title: str) -> frozenset[str] | None:
    """The words of the party a headline attributes its claim to, if any.

    Roles (`attorney says`, `sources say`) name no new party, and a leading label such as
    `CSCO Earnings:` or `Q4 results:` is a section, not a speaker.
    """
    words = _speaker_words(title)
    if words is None:
        return None
    return frozenset(_terms(words)) - _ROLES or None


def _speaker_words(title: str) -> str | None:
    """The words of the party a headline attributes its claim to, as written."""
    found = _TRAILING_SPEAKER.search(title) or _named_after_says(title) or _RESPONDER.match(title)
    colon = None if found else _TRAILING_COLON_SPEAKER.search(title)
    if colon and colon.group("speaker").split()[0].lower() not in _NOT_SPEAKERS:
        found = colon
    if not found:
        found = _LEADING_SPEAKER.match(title)
        label = found.group("speaker") if found else ""
        if not found or _RESULTS.search(label) or _indicators(label) or re.search(r"\d", label):
            return None
    return found.group("speaker")


def _responder(title: str) -> frozenset[str]:
    """The words of the named party whose answer a clause of the headline tells (`Trump
    calls judge 'crazy'`, `…; Altman says 'no'`, `…: EU chief vows …`); roles (`lawyer`)
    name no one."""
    for clause in re.split(r"[;:]", title):
        found = _ANSWER.match(clause.strip())
        if found:
            party = {_ONE_PARTY.get(term, term) for term in _terms(found.group("speaker"))}
            return frozenset(party) - _ROLES
    return frozenset()


# Words one party is written by in answers: `EU chief vows`, `European Commission Chief Vows`.
_ONE_PARTY = {"european": "eu"}


def _speaker_office(title: str) -> tuple[frozenset[str], str]:
    """The knowledge base's entities of the party a headline quotes, and its words folded
    (`EU President`: the EU, `eu president`), so that an office meets its holder's name."""
    words = _speaker_words(title)
    if not words:
        return frozenset(), ""
    return named(words, "").mentioned, f" {' '.join(_fold(words).split())} "


def _named_after_says(title: str) -> re.Match[str] | None:
    """`…, Says Berenberg`: a speaker named after the verb, when the words are a name (each
    rare in news at large, or an entity the knowledge base knows), not a title-case claim
    (`…, Says Supply Surplus Narrowing`)."""
    found = _TRAILING_NAMED_SPEAKER.search(title)
    if found is None:
        return None
    speaker = found.group("speaker")
    rare = all(reference().share(term) < _RARE_SHARE for term in _terms(speaker))
    return found if rare or named(speaker, "").mentioned else None


def _background(title: str, published: object) -> bool:
    """Whether the headline tells what had happened in an earlier year: background."""
    found = _BACKGROUND.search(title)
    return bool(found and isinstance(published, datetime) and int(found[1]) < published.year)


# `Kering Deputy CEO and COO: 2025 Will Be a Year of Stabilization`: an executive's remark.
_REMARK_LABEL = re.compile(
    r"(?i)^[^:]{0,60}\b(?:ceo|cfo|coo|chair\w*|chief\s+\w+\s+officer)\b[^:]{0,40}:\s+(?P<claim>.+)$"
    # `Barrick Gold CEO Says Gold Price Reflecting Uncertainty`: the claim after the verb.
    # (only where the headline opens with the executive, not `X Slips as CFO Says …`)
    r"|^(?:(?!(?:as|after|while|when|amid|on|and)\b)[\w&.'-]+\s+){1,4}"
    r"(?:ceo|cfo|coo|chair\w*)\s+(?:says|sees|expects)\s+(?P<said>.+)$"
)


def _remark(title: str) -> frozenset[str]:
    """The words of the claim of an executive's remark headline, if it is one."""
    found = _REMARK_LABEL.match(title)
    if not found:
        return frozenset()
    # The company's own name (`Barrick Gold CEO: Gold Becoming …`) is no part of the claim.
    label = title[: found.start("claim") if found["claim"] else found.start("said")]
    return frozenset(_terms(found["claim"] or found["said"])) - frozenset(_terms(label))


_COURT = re.compile(r"(?i)\b(?:judges?|courts?|justices|tribunal)\b")
_WEEKDAY = re.compile(r"(?i)\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
_NUMERIC_DAY = re.compile(r"(?<![\d/])(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?:\d{4}|\d{2})(?![\d/])")
_MONTH_ABBREVIATIONS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def _days(title: str) -> frozenset[str]:
    """The days a headline names, as `feb-12` (month by its first three letters; `02/10/25`
    is `feb-10`)."""
    found = set()
    for match in _NUMERIC_DAY.finditer(title):
        number, date = int(match.group("month")), int(match.group("day"))
        if 1 <= number <= 12 and 1 <= date <= 31:
            found.add(f"{_MONTH_ABBREVIATIONS[number - 1]}-{date}")
    for match in _DAY.finditer(title):
        month = (match.group("month") or match.group("month2") or "")[:3].lower()
        day = int(match.group("day") or match.group("day2") or 0)
        if 1 <= day <= 31:
            found.add(f"{month}-{day}")
    return frozenset(found)


def _deed(title: str) -> str:
    """Whether a headline reports an act signed, one announced to come, or neither."""
    if _SIGNED.search(title):
        return "signed"
    return "announced" if _ANNOUNCED.search(title) else ""


def _intents(title: str) -> frozenset[str]:
    """The verbs of the acts a headline says are to come (`plans to file`: `file`); a
    speaker's `… says the board will reject …` is the speaker's claim, not an intent."""
    found = set()
    for match in _INTENT.finditer(title):
        if match["will"] and _SAYS_BEFORE.search(title, 0, match.start()):
            continue
        found.add((match["verb"] or match["will"] or match["soon"]).lower())
    return frozenset(found) - _NOT_ACTS


_SAYS_BEFORE = re.compile(r"(?i)\b(?:says?|said|tells?|told)\b")


# Verbs after `will` or `to` that name no act of the company's (`will be`, `set to rise`).
_NOT_ACTS = frozenset(
    """be have the a an continue remain stay keep see rise fall gain drop report help make
    get take give go come""".split()
)


def done_forms(verb: str) -> frozenset[str]:
    """The forms of a verb that tell its act as done or doing (`files`, `filed`)."""
    forms = {verb + "s", verb + "es", verb + "ed", verb + "d"}
    if verb.endswith("y"):
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    return frozenset(forms)


def _names_symbol(title: str, ticker: str) -> bool:
    """Whether the headline writes the symbol as a symbol: `(GME)`, `$GME`, `NYSE:GME`."""
    return bool(re.search(rf"(?:[($:]\s?){re.escape(ticker)}\b", title))


# Words that end the name a headline opens with: verbs and the words of results, templates
# and periods (title-case headlines capitalise them all).
_NAME_ENDS = frozenset(
    """a an the to of for in on at by from with as and or vs is are was were be has have had
    will would may could can says said say reports report reported posts post posted sees see
    announces announce announced declares declare completes complete completed confirms
    confirm agrees agree signs sign launches launch prices priced pricing halts halt resumes
    resume raises raise cuts cut wins win gets get secures secure buys buy sells sell takes
    take makes make plans plan expects expect files file names name appoints appoint unveils
    rises rise falls fall jumps jump slips slip gains gain drops drop surges surge shares share
    stock stocks earnings results result eps adj adjusted non gaap revenue revenues sales sale
    profit profits net loss income dividend quarter quarterly annual year fiscal full first
    second third fourth half fy q1 q2 q3 q4 1q 2q 3q 4q h1 h2 dec june sept march
    january february april may july august september october november december ceo cfo chief
    update reportedly new big ends end closes close opens open pulls pull initiated maintained
    upgraded downgraded logs calls call projects project maintains lifts lift narrows swings
    swing books booked boasts smashes issues ups extends fails targets revises hits tops
    misses beats beat miss delivers proposes increases increased lowers trims returns achieves
    releases records sets set finds find found""".split()
)
# Company-form words: `Dunelm Group` and `Dunelm` are one name.
_NAME_FORMS = frozenset(
    "inc corp corporation co ltd limited plc llc group holdings holding sa ag nv se ab asa".split()
)
_NAME_WORD = re.compile(r"[A-Z0-9][\w&.'*-]*")
# `9-Mos`, `12-Month`: a period, not part of a name (`SpareBank 1`, `Phillips 66` are names).
_PERIOD_WORD = re.compile(r"\d+-[A-Za-z]+")


def _lead_name(title: str) -> str:
    """The name a headline opens with (capitalised words up to a verb, a results word or a
    punctuation mark), folded and without its company form; `` when it opens otherwise."""
    words: list[str] = []
    for raw in title.split():
        word = raw.rstrip(",:;")
        possessive = word.endswith(("'s", "s'"))
        word = word.removesuffix("'s").removesuffix("'")
        folded = _fold(word).strip()
        if (
            not _NAME_WORD.fullmatch(word)
            or _PERIOD_WORD.fullmatch(word)  # `Nissan Motor 9-Mos Oper Pft …`: a period
            or not folded
            or folded in _NAME_ENDS
            or folded.split()[0] in _NAME_ENDS
        ):
            break
        words.append(folded)
        if possessive and _place_only(" ".join(words)):
            words = []  # `Jordan's Arab Potash …`: the country is not the company's name
            continue
        if possessive or raw[-1:] in ",:;" or len(words) > 5:
            break
    while words and words[-1] in _NAME_FORMS:
        words.pop()
    name = " ".join(words) if 0 < len(words) <= 5 else ""
    found = named(name, "") if name else None
    if found is None:
        return ""
    if not found.mentioned <= found.companies and not _named_after_place(words):
        return ""  # a country, release or official (`US CPI`, `Hotter inflation`): no company
    return name


# Company forms, one spelling each: `Brookfield Corp` and `Brookfield Corporation` are one.
_FORM_SPELLING = {"corporation": "corp", "limited": "ltd", "holding": "holdings"}
COMPANY_FORMS = frozenset(_FORM_SPELLING.get(form, form) for form in _NAME_FORMS)


def _lead_tail(lead_name: str, title_key: str, summary: str) -> str:
    """The word after the opening name's first, when the summary writes the two as well: the
    name's second word (`energy` of `Siemens Energy`), else the company form the headline
    writes after it (`corp` of `SoftBank Corp. reports`); `` for a bare name (`Siemens`) or
    a headline word the summary never writes with it (`DEPS` of `Carlyle DEPS of $0.92`)."""
    words = lead_name.split()
    if not words:
        return ""
    if len(words) > 1:
        tail = words[1]
    else:
        after = re.search(rf"(?:^| ){re.escape(lead_name)} (\w+)", title_key)
        if after is None or after.group(1) not in _NAME_FORMS:
            return ""
        tail = after.group(1)
    if len(tail) < 2 or f" {words[0]} {tail} " not in summary:
        return ""  # `Cresud S.A.C.I.F.`: an initial is no name
    return _FORM_SPELLING.get(tail, tail)


# Symbols after an exchange's name inside parentheses: `(NYSE: BN, TSX: BN)`; not over the
# counter (`OTCPK:NSANY` is a foreign company's second listing, not another company).
_LISTING = re.compile(r"\(([^()]{1,60}:[^()]{1,60})\)")
_LISTED_SYMBOL = re.compile(
    r"(?<![A-Z])(?!OTC)[A-Z]{2,8}\s?:\s?([A-Z][A-Z0-9]{0,5}(?:\.[A-Z]{1,2})?)\b"
)
# An issuer's own symbol is written at its first mention, near the summary's start.
_LISTED_CHARS = 300


def _listed(text: str) -> frozenset[str]:
    """The symbols a text writes after an exchange's name in parentheses: the issuer's own."""
    return frozenset(
        symbol
        for listing in _LISTING.finditer(text)
        for symbol in _LISTED_SYMBOL.findall(listing.group(1))
    )


def _place_only(text: str) -> bool:
    """Whether the words name a country and nothing else."""
    if _COUNTRY_WORDS.fullmatch(text):
        return True
    found = named(text, "")
    return bool(found.places) and found.mentioned == found.places


def _named_after_place(words: list[str]) -> bool:
    """Whether a name holds a country and a company's own words (`Taiwan Mobile`, `MGM
    China`), not a country's institutions (`UK economy`)."""
    rest = [word for word in words if not _place_only(word)]
    if not rest or len(rest) == len(words):
        return False
    found = named(" ".join(rest), "")
    return found.mentioned <= found.companies and not _PLACE_NOUNS & set(rest)


# A country's name or adjective, folded, on its own (`singapore`, `jordan`, `u s`).
_COUNTRY_WORDS = re.compile(
    r"(?:u s|us|uk|u k|the us|america|american|britain|british|euro zone|eurozone|german[y]?"
    r"|france|french|italy|italian|spain|spanish|japan|japanese|china|chinese|india|indian"
    r"|canada|canadian|australia|australian|singapore|singaporean|hong kong|taiwan|taiwanese"
    r"|korea|korean|south korea|south korean|swiss|switzerland|sweden|swedish|norway|norwegian"
    r"|jordan|jordanian|saudi|saudi arabia|uae|emirati|kuwait|kuwaiti|qatar|qatari|oman|omani"
    r"|bahrain|bahraini|egypt|egyptian|turkey|turkish|poland|polish|brazil|brazilian|mexico"
    r"|mexican|russia|russian|ukraine|ukrainian|israel|israeli|indonesia|indonesian|malaysia"
    r"|malaysian|thailand|thai|vietnam|vietnamese|philippines|philippine|pakistan|pakistani"
    r"|nigeria|nigerian|kenya|kenyan|south africa|south african|greece|greek|ireland|irish"
    r"|netherlands|dutch|belgium|belgian|austria|austrian|denmark|danish|finland|finnish"
    r"|bulgaria|bulgarian|croatia|croatian|serbia|serbian|slovakia|slovak|slovenia|slovenian"
    r"|lithuania|lithuanian|latvia|latvian|estonia|estonian|iceland|icelandic|luxembourg"
    r"|cyprus|cypriot|czech|hungary|hungarian|romania|romanian|portugal|portuguese|chile"
    r"|chilean|colombia|colombian|peru|peruvian|argentina|argentine|egypt|sri lanka"
    r"|bangladesh|new zealand|lebanon|lebanese|iraq|iraqi|iran|iranian|morocco|moroccan)"
)

# Words that after a country name its economy, markets or institutions, not a company.
_PLACE_NOUNS = (
    frozenset(
        """economy economic government govt state court parliament senate congress army military
    police regulator watchdog ministry minister treasury inflation budget trade exports
    imports election elections poll polls vote voters assembly markets equities bonds
    yields currency central federal national wholesale retail consumer producer industrial
    factory manufacturing services housing home jobless unemployment""".split()
    )
    | _MARKETS
)


def _rare_name(name: str) -> bool:
    """Whether a name has a word too rare in news at large to be anything but a name's."""
    return any(reference().share(term) < _RARE_SHARE for term in _terms(name))


# A word in fewer of the reference's articles than this is a name's, not a headline's.
_RARE_SHARE = 0.002
