"""What an article says about its own moment and source, read from headline and summary,
for the refusals that keep a follow-up, another moment or another edition apart from the
event it resembles (rule 5 of the definition, and recurring market data of another day).

Each reader is pure: the same headline and summary always give the same answer. The pair
rules (`followup_apart`) decide nothing alone about likeness; they only say when two
articles are two stories whatever their words share.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.stories.entities import Named

# A media report or sources, in the headline: `…, Sources Say`, `… - WSJ`, `…: report`,
# `Goldman Sachs said to …`, `… reportedly …`, `…, FT reports`.
_REPORT_TITLE = re.compile(
    r"(?i)\b(?:sources?\s+(?:say|said)|reportedly|people\s+familiar|said\s+to\s+(?!be\s+(?:up|down)\b)"
    r"|citing\s+(?:people|sources)|(?:media|press|news)\s+reports?)\b"
    r"|(?:[:,]\s*|\s-\s)(?:report|(?:the\s+)?(?:wsj|ft|bloomberg|reuters|cnbc|nikkei|axios|semafor"
    r"|the\s+information|information|wall\s+street\s+journal|financial\s+times|times|post)"
    r"(?:\s+(?:reports?|says))?)\s*$"
    r"|\b(?:wsj|ft|bloomberg(?:\s+news)?|cnbc|nikkei|axios|semafor|the\s+information)\s+reports?\b"
    r"|\b(?:on|after)\s+(?:a\s+)?(?:media\s+)?reports?\s+(?:of|that)\b"
)
# A media report or sources, in the summary's lead: `…, the Wall Street Journal reported`,
# `according to people familiar with the matter`, `citing sources`.
_REPORT_TEXT = re.compile(
    r"(?i)\b(?:according\s+to\s+(?:a\s+|an\s+)?(?:people|persons|sources|unnamed"
    r"|(?:news\s+|media\s+|press\s+)?reports?|the\s+(?:wall\s+street\s+journal|financial\s+times"
    r"|information|new\s+york\s+times|washington\s+post)|bloomberg|reuters|cnbc|nikkei"
    r"|a\s+(?:media\s+|news\s+|press\s+)?report)"
    r"|people\s+familiar|sources\s+(?:said|say|told)|citing\s+(?:people|sources|unnamed|a\s+report)"
    r"|reportedly|(?:journal|times|bloomberg(?:\s+news)?|reuters|cnbc|nikkei|axios|semafor"
    r"|information|newspaper|outlet|media|post)\s+(?:had\s+)?reported"
    r"|first\s+reported\s+by|reported\s+by\s+(?:the\s+)?(?:wall|financial|bloomberg|reuters))\b"
)
# The actor's own word, in the summary's lead: `X said on Tuesday it has built …`, `a
# spokesperson for the bank said`, `said in a letter to the board`.
_OWN_WORD = re.compile(
    r"(?i)\b(?:said|says|announced|disclosed|confirmed)\s+(?:on\s+\w+day\s+|\w+day\s+)?"
    r"(?:that\s+)?(?:it|its|they|the\s+company)\b"
    r"|\bspokes(?:person|man|woman)\b[^.]{0,60}\b(?:said|says|confirmed)\b"
    r"|\b(?:said|says)\s+in\s+a\s+(?:letter|statement|filing|press\s+release)\b"
    r"|\bin\s+a\s+(?:letter|statement)\s+to\b"
)
_LEAD_CHARS = 320

# A clock time a headline names (`… at about 12:00 p.m. EST`, `… at 10 AM`): an edition of
# a running table, whose other editions are other moments.
_CLOCK = re.compile(r"(?i)\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?")
# A market's moment as a summary's lead tells it, when the headline names none.
_MOMENTS = (
    ("open", re.compile(r"(?i)\bat\s+(?:the\s+)?open\b|\bopening\s+(?:trade|bell|minutes)\b")),
    ("midday", re.compile(r"(?i)\bmidday\b|\bmid-?session\b|\bnoon\b|\bafternoon\s+trad")),
    ("close", re.compile(r"(?i)\bat\s+the\s+close\b|\bclosed\s+(?:higher|lower|up|down|flat)\b")),
)
# The first weekday a summary's lead names (`… were choppy Monday`): the day it tells.
_WEEKDAY = re.compile(r"(?i)\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
# A preview of a speech or a testimony: `Powell to testify …`, `X will speak at …`.
_SPEECH_PREVIEW = re.compile(
    r"(?i)\b(?:to|will|set\s+to|due\s+to|scheduled\s+to)\s+(?:testify|speak(?!\s+(?:with|to)\b)"
    r"|(?:address|deliver|give)\s+(?:a\s+|an\s+|his\s+|her\s+|the\s+)?(?:\w+\s+)?"
    r"(?:speech|address|keynote|testimony|remarks|nation|congress|parliament|lawmakers))\b"
    r"|\bup\s+against\b"
    # `When does the halftime show begin?`, `Upcoming Stock Splits This Week`: before the event.
    r"|\bwatch\s+the\s+(?:earnings|results|numbers|report)\b"
    r"|^\W*(?:\S+\s+){0,4}?when\s+(?:does|do|is|will)\b[^?]*\?\s*$|^\W*upcoming\b"
)


# The markets a headline names, by kind: equities (however named), bonds, each currency and
# token. Two headlines naming markets of no kind in common tell two instruments' moves.
_MARKET_KINDS = (
    (
        "equities",
        re.compile(
            r"(?i)\b(?:stocks?|shares|equities|bourses?|benchmark\s+ind(?:ex|ices|exes)"
            r"|nikkei|topix|ftse|dax|cac|sensex|nifty|s&p|dow|nasdaq|hang\s+seng|kospi|tsx)\b"
        ),
    ),
    ("bonds", re.compile(r"(?i)\b(?:yields?|bonds?|treasur(?:y|ies)|gilts?|bunds?)\b")),
    ("dollar", re.compile(r"(?i)\b(?:dollar|greenback)\b")),
    ("pound", re.compile(r"(?i)\b(?:pound|sterling)\b")),
    ("euro", re.compile(r"(?i)\beuro\b(?!\s*(?:zone|area|stoxx))")),
    ("yen", re.compile(r"(?i)\byen\b")),
    ("yuan", re.compile(r"(?i)\b(?:yuan|renminbi)\b")),
    ("rupee", re.compile(r"(?i)\brupee\b")),
    ("bitcoin", re.compile(r"(?i)\b(?:bitcoin|btc)\b")),
)


# Stocks that are an inventory, not equities (`Crude Oil Stocks Rise`).
_INVENTORY = re.compile(
    r"(?i)\b(?:crude(?:\s+oil)?|oil|gasoline|distillate|fuel|grain|wheat|corn|soy\w*|sugar"
    r"|palm\s+oil|cotton|coffee|cocoa|metal|copper|aluminium|aluminum)\s+stock(?:s|piles?)?\b"
)


def markets(title: str) -> frozenset[str]:
    """The kinds of market a headline names (`equities`, `bonds`, `pound`)."""
    title = _INVENTORY.sub(" ", title)
    return frozenset(name for name, pattern in _MARKET_KINDS if pattern.search(title))


# A headline about a whole market (`Australian Shares Flat …`, `Stocks fall …`, `Wall St
# opens higher`), not one company's shares: its story is the market's (rule 4).
_REGIONS = (
    r"u\.?s\.?|uk|u\.k\.|british|europe(?:an)?|asian?|global|world|australian?|chinese|china"
    r"|japan(?:ese)?|indian?|hong\s+kong|south\s+korean?|korean?|canadian?|german|french|swiss"
    r"|brazilian?|mexican?|taiwan(?:ese)?|singapore|malaysian?|indonesian?|thai|philippine"
    r"|vietnam(?:ese)?|saudi|gulf|mideast|nordic|emerging(?:\s+markets?)?|toronto|london|major"
)
_MARKET_WIDE = re.compile(
    rf"(?i)^\W*(?:(?:(?:{_REGIONS})\s+)+(?:stocks?|shares|equities|equity\s+(?:markets?|indexes)"
    rf"|stock\s+(?:markets?|indexes)|bourses?|indexes|indices|benchmark\s+indexes)"
    rf"|stocks?\b|stock\s+futures|equities|wall\s+st(?:reet)?)\b"
)
# A week's move, not a day's (`… Fell This Week`, `weekly gain`).
_WEEK = re.compile(
    r"(?i)\b(?:this|the|last|for\s+the)\s+week\b|\bweekly\b|\bweek'?s\s+(?:gains?|loss(?:es)?)"
)


# A column's claim about the event, not the event (rule 6): `… — What's Next?`, `…, But
# There's More to the Story`, `That's Where the Good News Ends`, `Won't Be So Easily …`.
_OPINION = re.compile(
    r"(?i)\bwhat'?s\s+next\s*\??\s*$|\bmore\s+to\s+the\s+story\b|\bgood\s+news\s+ends\b"
    r"|\bwon'?t\s+be\s+(?:so\s+)?easily\b|\bhas\s+investors\s+on\s+edge\b"
)


def opinion(title: str) -> bool:
    """Whether the headline is a column's claim about an event (rule 6)."""
    return bool(_OPINION.search(title))


def market_wide(title: str) -> bool:
    """Whether the headline is about a whole market, not one company's shares."""
    return bool(_MARKET_WIDE.search(title))


def weekly(title: str) -> bool:
    """Whether the headline tells a week's move."""
    return bool(_WEEK.search(title))


def reported(title: str, summary: str) -> bool:
    """Whether the article tells a media report or sources, not the actor's own word."""
    return bool(_REPORT_TITLE.search(title) or _REPORT_TEXT.search(summary[:_LEAD_CHARS]))


def own_word(title: str, summary: str) -> bool:
    """Whether the article tells the actor's own word (a statement, a letter, a spokesperson)
    and no media report: the confirmation of a report is this (rule 5)."""
    if reported(title, summary):
        return False
    return bool(_OWN_WORD.search(summary[:_LEAD_CHARS]))


def clock_times(title: str) -> frozenset[str]:
    """The clock times a headline names, as `12:00p`."""
    found = _CLOCK.findall(title)
    return frozenset(f"{int(hour)}:{minute or '00'}{half.lower()}" for hour, minute, half in found)


def lead_moment(summary: str) -> str:
    """The moment of a market's move the summary's lead names (`open`, `midday`, `close`)."""
    lead = summary[:200]
    found = [name for name, pattern in _MOMENTS if pattern.search(lead)]
    return found[0] if len(found) == 1 else ""


def lead_weekday(summary: str) -> str:
    """The first weekday the summary's lead names, lowercased (`` when none)."""
    found = _WEEKDAY.search(summary[:200])
    return found.group(1).lower() if found else ""


# An appeal of a ruling or decision: another party's answer, a new story (rule 5).
_APPEAL = re.compile(
    r"(?i)\b(?:appeals|appealed|appealing|to\s+appeal|will\s+appeal|files?\s+(?:an\s+)?appeal)\b"
    r"(?!\s+(?:team|court|panel|division)\b)"
)


def appeals(title: str) -> bool:
    """Whether the headline reports an appeal (`DOJ appeals judge's order …`)."""
    return bool(_APPEAL.search(title))


def speech_preview(title: str) -> bool:
    """Whether the headline announces a speech, a testimony or a contest still to come."""
    return bool(_SPEECH_PREVIEW.search(title))


class _Told(Protocol):
    """The features the pair rules read (a `StoryFeatures`)."""

    @property
    def reported(self) -> bool: ...
    @property
    def own_word(self) -> bool: ...
    @property
    def clocks(self) -> frozenset[str]: ...
    @property
    def session(self) -> str: ...
    @property
    def moment(self) -> str: ...
    @property
    def move_subject(self) -> frozenset[str] | None: ...
    @property
    def lead_weekday(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def title_key(self) -> str: ...
    @property
    def speech_preview(self) -> bool: ...
    @property
    def results(self) -> bool: ...
    @property
    def markets(self) -> frozenset[str]: ...
    @property
    def title_terms(self) -> frozenset[str]: ...
    @property
    def indicators(self) -> frozenset[str]: ...
    @property
    def lead_name(self) -> str: ...
    @property
    def headline_only(self) -> bool: ...
    @property
    def label(self) -> tuple[str, frozenset[str]]: ...
    @property
    def appeal(self) -> bool: ...
    @property
    def market_wide(self) -> bool: ...
    @property
    def weekly(self) -> bool: ...
    @property
    def opinion(self) -> bool: ...
    @property
    def headline_tickers(self) -> frozenset[str]: ...
    @property
    def entities(self) -> Named: ...
    @property
    def rare_lead(self) -> bool: ...
    @property
    def folded_text(self) -> str: ...


# Hours past which one outlet's other headline is another day's item, and past which two
# summaries naming other weekdays tell two days.
_SAME_SOURCE_HOURS = 20.0
_WEEKDAY_HOURS = 12.0


def followup_apart(a: _Told, b: _Told, gap_hours: float) -> bool:
    """Whether the two are two stories by their moment or their source of truth: a report
    and the actor's own word confirming it (rule 5); two editions of a table at other clock
    times, or a market's move at two moments; another day's item (summaries telling other
    weekdays, or one outlet's other headline a day later); a speech announced and given."""
    if (a.reported and b.own_word) or (b.reported and a.own_word):
        return True  # an official confirmation of a report is a new fact (rule 5)
    if _market_beside_release(a, b):
        return True  # `Yen Stocks Rise as Wholesale Inflation …` is not the release (rule 4)
    if a.opinion != b.opinion:
        return True  # `Amazon Posts Solid Earnings. That's Where the Good News Ends.` (rule 6)
    if _market_beside_news(a, b) or _market_beside_news(b, a):
        return True  # `Australian Shares Flat …; Acme Posts …` is the market's story (rule 4)
    if a.move_subject is not None and b.move_subject is not None and a.weekly != b.weekly:
        return True  # a week's move and a day's: two moves
    if a.appeal != b.appeal and gap_hours >= _PIECE_HOURS:
        # `DOJ appeals judge's order …` beside the order: another party's answer, hours
        # later (a release telling an appeal and another fact comes with its flash lines).
        return True
    if _one_label_two_pieces(a, b, gap_hours):
        return True  # `Grayscale: How mining …` and `Grayscale: What a 10% allocation …`
    if _two_named_companies(a, b):
        return True  # `Alder Finance to issue bonds` and `Birchwood Finance accepts bids`
    if a.clocks and b.clocks and not a.clocks & b.clocks:
        return True  # `… at about 12:00 p.m.` and `… at 03:30 p.m.`: two editions
    if a.move_subject is not None and b.move_subject is not None:
        first, second = a.session or a.moment, b.session or b.moment
        if first and second and first != second:
            return True  # a market at the open and at midday: two moves
    if (a.results or b.results) and _one_company(a, b):
        # A results release and the company's own share move on it, the next weekday too,
        # are one story (rule 3); other rules tell other periods apart.
        return a.speech_preview != b.speech_preview
    if (
        gap_hours > _WEEKDAY_HOURS
        and a.lead_weekday
        and b.lead_weekday
        and a.lead_weekday != b.lead_weekday
    ):
        return True  # `… choppy Monday` and `… churned on Tuesday`: two days' news
    if (
        gap_hours >= _SAME_SOURCE_HOURS
        and a.source
        and a.source == b.source
        and a.title_key != b.title_key
    ):
        return True  # one outlet's other headline a day later: another day's item
    return a.speech_preview != b.speech_preview  # a speech announced, and given


def _market_beside_release(a: _Told, b: _Told) -> bool:
    """Whether both headlines name one economic release and only one names a market (a
    market's report that names the release), or they name markets of no kind in common
    (the pound and UK shares on one GDP release: two instruments' moves)."""
    if not (a.title_terms & b.title_terms & a.indicators & b.indicators):
        # A market's move on a release its text names, beside a headline on that release
        # that names no market (`Japan Stocks Rise as Wholesale Inflation …`).
        mover, other = (a, b) if a.markets else (b, a)
        return bool(
            mover.markets
            and mover.move_subject is not None
            and not other.markets
            and mover.indicators & other.indicators
        )
    if bool(a.markets) != bool(b.markets):
        return True
    return bool(a.markets and b.markets and not a.markets & b.markets)


_LABEL = re.compile(r"^(?P<label>[^:]{2,40}):\s+(?P<rest>\S.*)$")
_PIECE_HOURS = 1.0


def label(title: str) -> tuple[str, frozenset[str]]:
    """The label a headline opens with (`Grayscale: …`), folded, and the words after it."""
    found = _LABEL.match(title.strip())
    if not found:
        return "", frozenset()
    rest = frozenset(re.findall(r"[a-z0-9]+", found.group("rest").lower())) - _FILLER
    return " ".join(found.group("label").lower().split()), rest


def _one_label_two_pieces(a: _Told, b: _Told, gap_hours: float) -> bool:
    """Whether two full articles an hour or more apart open with one label (`Grayscale: …`)
    and their headlines' claims share at most one word: two pieces of one author or house,
    not one event (flash lines of one release come minutes apart, with no summary)."""
    if gap_hours < _PIECE_HOURS or a.headline_only or b.headline_only:
        return False
    if not a.label[0] or a.label[0] != b.label[0]:
        return False
    return len(a.label[1] & b.label[1]) <= 1


# Any word of a market in a headline (`Asian markets mixed`, `Tech lifts Wall Street`).
_ANY_MARKET_WORD = re.compile(
    r"(?i)\b(?:markets?|stocks?|shares|equities|equity|indexes|indices|index|futures|bourses?"
    r"|wall\s+st(?:reet)?|sensex|nifty|nikkei|ftse|dax|dow|nasdaq|s&p|tsx|kospi|hang\s+seng)\b"
)


def _market_beside_news(market: _Told, news: _Told) -> bool:
    """Whether one headline is about a whole market (`Australian Shares Flat …; Acme Posts
    Higher H1`) and the other names no market at all: one company's or one agency's news."""
    return (
        market.market_wide
        and not news.markets
        and not news.market_wide
        and not _ANY_MARKET_WORD.search(news.title_key)
    )


def _one_company(a: _Told, b: _Told) -> bool:
    """Whether the two headlines are about one company: a shared symbol or knowledge-base
    company, names opening with one word, or the name one opens with written in the other."""
    if a.headline_tickers & b.headline_tickers or a.entities.companies & b.entities.companies:
        return True
    first, second = a.lead_name.split(), b.lead_name.split()
    if first and second and first[0] == second[0]:
        return True
    return bool(
        (a.lead_name and f" {a.lead_name} " in b.folded_text)
        or (b.lead_name and f" {b.lead_name} " in a.folded_text)
    )


def _two_named_companies(a: _Told, b: _Told) -> bool:
    """Whether both headlines open with a name rare in news at large (surely a company or a
    person), or are both flash lines with no summary opening with a name, their first words
    differ and neither article writes the other's name: two parties' news, whatever the
    rest of their headlines share."""
    first, second = a.lead_name, b.lead_name
    flashes = a.headline_only and b.headline_only
    if not (first and second and ((a.rare_lead and b.rare_lead) or flashes)):
        return False
    if first.split()[0] == second.split()[0] or first[:4] == second[:4]:
        return False  # one name (`Steve Madden`, `Steven Madden`)
    if _writes_any(b.folded_text, first) or _writes_any(a.folded_text, second):
        return False  # one names the other (or a word of it: `Cuscaden Park`, `Cuscaden Peak`)
    # What follows the names is one template (`… to issue 10-year bonds, bankers say`): two
    # parties of one deal or ruling word their headlines each their own way.
    rest_a = _rest(a.title_key, first)
    rest_b = _rest(b.title_key, second)
    if flashes:
        return True  # `Tokyo Power 9-Mos Oper Pft …` and `Nissan Motor 9-Mos Oper Pft …`
    if not (rest_a and rest_b):
        return False
    return len(rest_a & rest_b) * 2 >= min(len(rest_a), len(rest_b)) + 1


_FILLER = frozenset("a an the of for to in on at by with and or as its it is are be from".split())


# Words of company names that name no one company (`Aditya Birla Finance`, `Railway Finance`).
_GENERIC_NAME_WORDS = frozenset(
    """finance financial bank banking group holding holdings capital energy power motor motors
    international global industries industrial technologies technology company corp trust reit
    partners shareholders shareholder majority investment investments resources systems
    services national india china american""".split()
)


def _writes_any(text: str, name: str) -> bool:
    """Whether a text writes the name, or any of its own words of four letters or more."""
    return f" {name} " in text or any(
        f" {word} " in text
        for word in name.split()
        if len(word) >= 4 and word not in _FILLER and word not in _GENERIC_NAME_WORDS
    )


def _rest(title_key: str, name: str) -> frozenset[str]:
    """A headline's words past the name it opens with, filler words aside."""
    words = title_key.split()
    skip = len(name.split()) if " ".join(words[: len(name.split())]) == name else 0
    return frozenset(word.strip(".,:;'\"") for word in words[skip:]) - _FILLER - {""}
