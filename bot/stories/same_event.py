"""Evidence that two differently worded articles tell one event, from the knowledge base:
one official by name or by office, one release of one country and period, one company's
results. Each check is narrow: it lifts a rule that keeps look-alikes apart only where the
canonical entities say the two are one event."""

from __future__ import annotations

import re

from bot.stories.entities import companies_listed_as, own_symbols
from bot.stories.features import StoryFeatures
from bot.stories.officials import officials, same_speaker


def same_official(quoting: StoryFeatures, other: StoryFeatures) -> bool:
    """Whether the party `quoting` attributes its headline to is one `other` names, by name
    or by office (`EU President Vows …` and `European Commission chief vows …`)."""
    ids, words = quoting.speaker_office
    if not ids:
        return False
    theirs = officials(other.entities.mentioned, other.folded_text)
    return same_speaker(ids, words, theirs)


def one_speaker(quoting: StoryFeatures, other: StoryFeatures) -> bool:
    """Whether the two headlines quote one party, by name or by office (`European Commission
    Chief Vows …` and `Von der Leyen: …`), whatever else their texts name."""
    ids, words = quoting.speaker_office
    return bool(ids) and same_speaker(ids, words, officials(*other.speaker_office))


# Months a headline names as a release's period (`January PPI`, `CPI in January`); `may`
# is a verb too often, and a month followed by a number is a day (`Feb 7`), told apart
# elsewhere.
_PERIOD = re.compile(
    r"\b(?P<month>jan|feb|march|april|june|july|aug|sept?|oct|nov|dec)"
    r"(?:uary|ruary|ust|ember|ober)?\b(?! \d)"
)
# Headline words of a market's move beside a release: a reaction story, not the release.
_MARKET_WORDS = frozenset(
    """share stock equity equitie future yield bond treasury gilt dollar pound sterling euro
    yen yuan rupee franc currency bitcoin crypto gold oil index ftse nasdaq dow market""".split()
)
_VOTE = re.compile(r"\b(?:polls?|bypolls?|elections?|votes?|voting|assembly|seats?)\b")
# Within this many hours, two reports of one release are one moment.
_RELEASE_HOURS = 12.0


def release_months(features: StoryFeatures) -> frozenset[str]:
    """The months a headline names as its release's period (`jan`, `feb`), when it names a
    release."""
    if not features.entities.releases:
        return frozenset()
    return frozenset(match["month"][:3] for match in _PERIOD.finditer(features.title_key))


def other_period(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether both headlines report one kind of release for other months (`December CPI`
    and `January CPI`): two releases (rule 2)."""
    if not a.entities.releases & b.entities.releases:
        return False
    first, second = release_months(a), release_months(b)
    return bool(first and second and not first & second)


def one_release(a: StoryFeatures, b: StoryFeatures, gap_hours: float) -> bool:
    """Whether both headlines report the same releases of one country for one period, hours
    apart, with no official or price move beside them: then the release is the subject,
    however differently the headlines word it (`U.S. January PPI Rose a Faster Than
    Expected 0.4%` and `Wholesale prices pop … in guts of the U.S. economy`)."""
    if gap_hours > _RELEASE_HOURS or a.move_subject is not None or b.move_subject is not None:
        return False
    releases = _releases(a)
    if not releases or releases != _releases(b):
        return False
    if (a.title_terms | b.title_terms) & _MARKET_WORDS:
        return False  # `British pound appreciates after GDP`: a market's story (rule 4)
    if a.entities.actors != b.entities.actors:
        return False  # an official's view of the release is their own story
    if not (a.countries and a.countries == b.countries):
        return False  # both name the country, and the same: one country's release
    places, others = a.entities.places, b.entities.places
    if places and others and places != others:
        return False
    return not other_period(a, b)


def _releases(features: StoryFeatures) -> frozenset[str]:
    """The releases a headline names, `inflation` alone aside (`inflation pressures` is no
    consumer-price release; `CPI`, `consumer prices` are)."""
    releases = features.entities.releases
    if "cpi" in releases and "~cpi" not in features.title_terms:
        return releases - {"cpi"}
    return releases


def one_results(a: StoryFeatures, b: StoryFeatures, gap_hours: float) -> bool:
    """Whether both headlines report results of one company, hours apart, for no two
    different quarters: one results release however each words it (rule 3: `BP Non-GAAP
    EPADS of $0.44 …` and `BP's Q4 profit falls 60% …`)."""
    if gap_hours > _RELEASE_HOURS or "results" not in a.kinds or "results" not in b.kinds:
        return False
    if _VOTE.search(a.title_key) or _VOTE.search(b.title_key):
        return False  # `Delhi poll results`: a vote's, not a company's
    if not (_reports_figures(a) and _reports_figures(b)):
        return False  # `Amazon Finally Surpasses Walmart's Revenue`: a claim, not the release
    if a.quarters and b.quarters and not a.quarters & b.quarters and not (a.guidance or b.guidance):
        return False
    return _one_company(a, b)


def _one_company(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether two headlines are about one company: a symbol or a knowledge-base company in
    common, or one opening name (the shorter opening the longer, written in both texts)."""
    if a.headline_tickers & b.headline_tickers or a.entities.companies & b.entities.companies:
        return True
    if one_company_named(a, b):
        return True
    first, second = a.lead_name, b.lead_name
    if not (first and second):
        return False
    if not (_distinctive(a) or _distinctive(b)):
        return False  # `Bank of Suzhou`, `Bank of Qingdao`: a common word is no name
    if first == second:
        return True
    shorter, longer = sorted((first, second), key=len)
    return (
        _distinctive(a if first == shorter else b)  # `Apollo` is not `Apollo Hospitals`
        and f"{longer} ".startswith(f"{shorter} ")
        and f" {shorter} " in a.folded_text
        and f" {shorter} " in b.folded_text
    )


_FULL_PERIOD = re.compile(r"\b(?:fy\s?\d{2,4}|full year|annual|nine months|9m|h[12]|[12]h)\b")


def _reports_figures(features: StoryFeatures) -> bool:
    """Whether a results headline states a figure or names the period it reports (`Q4`,
    `FY24`, `$0.44`): a report of the release, not a view of the company."""
    if _DEADLINE.search(features.title_key):
        return False  # `… final decision on an LNG project by Q4 2025`: a date, not a period
    return bool(
        features.quarters or features.title_numbers or _FULL_PERIOD.search(features.title_key)
    )


_DEADLINE = re.compile(r"\b(?:by|before|until|from) (?:the end of )?(?:q[1-4]|[1-4]q|h[12]|fy)\b")


def _distinctive(features: StoryFeatures) -> bool:
    """Whether the headline's opening name singles out one company: a word rare in news at
    large (`Loews`), several words (`Insurance Australia Group`), or a short symbol-like
    name (`BP`); not one common word (`Bank` of `Bank of Suzhou`)."""
    name = features.lead_name
    return bool(name) and (features.rare_lead or " " in name or len(name) <= _SHORT_NAME)


# Opening names this short are symbol-like (`BP`, `IAG`), not words of a sentence.
_SHORT_NAME = 3


def event_keys(features: StoryFeatures) -> frozenset[str]:
    """Keys under which copies of one company's results are looked up whatever their words:
    on a results day every word of `BP Posts Lower FY24 Profit` is common, and its copies
    would never be compared. Looking up is not joining: every rule still decides."""
    if (
        "results" not in features.kinds
        or features.speaker is not None  # `…, Morgan Stanley Says`: a view of the results
        or features.analysis
        or features.preview
        or features.remarks
        or not _reports_figures(features)
        or _VOTE.search(features.title_key)
    ):
        return frozenset()
    keys = {f"co:{company}" for company in features.entities.companies}
    keys.update(f"co:${ticker}" for ticker in features.headline_tickers)
    if _distinctive(features):
        keys.add(f"co:{features.lead_name}")
    return frozenset(keys)


def one_company_named(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether one headline names a company of the knowledge base and the other writes its
    symbol, opening with it or beside its name (`Cisco Systems Fiscal Q2 …` and `CSCO
    Earnings: …`): one company under its name and under its listing. Tags alone do not
    say whose headline it is (a peer's results are tagged with the company too)."""
    return _writes_symbol_of(a, b) or _writes_symbol_of(b, a)


def _writes_symbol_of(naming: StoryFeatures, other: StoryFeatures) -> bool:
    symbols = own_symbols(other.entities.companies)
    if not symbols:
        return False
    written = set(naming.headline_tickers)
    lead = naming.lead_name
    if lead and " " not in lead:
        written.add(lead.upper())  # `CSCO Earnings: …` opens with the symbol
    return bool(symbols & written)


def mentioned_companies(features: StoryFeatures) -> frozenset[str]:
    """The knowledge base's entities an article mentions, with the companies it is tagged
    with by symbol (`NVDA` on an item that writes `Nvidia` nowhere): a copy of an event may
    name its company in its tags only."""
    return features.entities.mentioned | companies_listed_as(features.tickers)


# A party refusing something, in the folded headline (`rejects`, `says 'no thank you'`,
# `brushes off`); nouns (`after the buyout rejection`) are no refusal of the headline's own.
_REFUSAL = re.compile(
    r"\b(?:reject(?:s|ed)?|rebuff(?:s|ed)?|dismiss(?:es|ed)?|brush(?:es|ed)? off"
    r"|says? no|turn(?:s|ed)? down|spurn(?:s|ed)?|snub(?:s|bed)?)\b"
)


# One answer is told by outlets over the day it is given (across time zones); a refusal
# repeated a day later is another moment.
_ANSWER_HOURS = 20.0


# The words an answer is told in, not what it answers (`says 'no thank you'`, `fires back`).
_ANSWER_WORDS = frozenset(
    """reject rebuff dismiss brush brushe off say no thank you turn down spurn snub fire back hit
    appear seem""".split()
)


def one_answer(a: StoryFeatures, b: StoryFeatures, gap_hours: float) -> bool:
    """Whether both headlines tell one party's refusal of one other party's move, hours
    apart (`Altman fires back at Musk …, says 'no thank you'` and `Altman Rejects Musk's
    $97.4 Billion OpenAI Bid`): one answer told in other words. Another party's answer, or
    the same party's later claim about it (`calls the bid an attempt to …`), is not one."""
    if gap_hours > _ANSWER_HOURS or a.move_subject is not None or b.move_subject is not None:
        return False
    if not (_REFUSAL.search(a.title_key) and _REFUSAL.search(b.title_key)):
        return False
    first, second = _party(a), _party(b)
    names = a.names | b.names
    if not first & second & names:
        return False  # two parties' answers: each its own story (rule 5)
    # Whose move is refused (a name beside the party), and what (a word of both headlines
    # that is neither a name nor the answer's own: `bid`): `Altman rejects Musk's bid` and
    # `Altman dismisses Musk's lawsuit` are two answers.
    if not (a.names - first) & (b.names - second):
        return False
    return bool((a.title_terms & b.title_terms) - names - first - second - _ANSWER_WORDS)


def _party(features: StoryFeatures) -> frozenset[str]:
    """The words of the party a headline tells answering (`Altman rejects …`)."""
    return features.responder or features.speaker or frozenset()


# A headline of only common words is looked up by articles that state this many of them all.
_COVERING_WORDS = 4


def covering(postings: list[dict[str, None]], latest: int) -> list[str]:
    """The latest earlier articles that state every common word of a headline none of whose
    words is rare enough to select (`Trump signs off on new steel and aluminum tariffs` on
    the day of the tariffs): one event's copies on a busy day share all of its words.
    `postings`: the articles stating each word, oldest first. Looking up is not joining."""
    if len(postings) < _COVERING_WORDS:
        return []
    ordered = sorted(postings, key=len)
    found: list[str] = []
    for article_id in reversed(ordered[0]):
        if all(article_id in other for other in ordered[1:]):
            found.append(article_id)
            if len(found) == latest:
                break
    return found
