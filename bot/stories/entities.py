"""The knowledge base's entities as story evidence: which companies, places and releases a
text names, folded to what tells one story from another."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.knowledge.base import Knowledge
from bot.knowledge.finder import EntityFinder, shipped_finder
from bot.stories.officials import canonical_actors

# Kinds of entity that say who an item is about: two items about two of them are two items.
_COMPANY_KINDS = frozenset({"company", "listed"})
_PLACE_KINDS = frozenset({"country"})
# Who acts or speaks: their words on a release are their own story, not the release's.
_ACTOR_KINDS = frozenset({"person", "central_bank", "institution"})

# Releases the knowledge base lumps that the definition tells apart (rule 2: another
# indicator published at the same time is another story), and releases it does not list.
_RELEASES = re.compile(
    r"(?i)\b(?:(?P<jobless_claims>jobless\s+claims|unemployment\s+claims|initial\s+claims)"
    r"|(?P<industrial_output>industrial\s+(?:output|production)|factory\s+output"
    r"|manufacturing\s+output)"
    r"|(?P<gdp>econom(?:y|ies)\s+(?:grows?|grew|expand\w*|contract\w*|shr[iu]nk\w*|stall\w*)"
    r"|\bgdp\b)"
    r"|(?P<rate_decision>(?<!to\s)(?:holds?|keeps?|leaves?|cuts?|raises?|hikes?|lowers?)\s+"
    r"(?:its\s+|key\s+|interest\s+|policy\s+|benchmark\s+|the\s+)*(?:interest\s+)?rates?\b"
    r"|rate\s+(?:cut|hike|decision))"
    # `UK Trade Gap Smallest in 3 Months` and `Swiss Producer and Import Prices Fall`: the
    # knowledge base knows `trade deficit` and `producer prices` only.
    r"|(?P<trade_balance>trade\s+(?:gap|deficit|surplus|balance))"
    r"|(?P<ppi>producer\s+and\s+import\s+prices))"
)

_OWN_RELEASES = frozenset(name.replace("_", "-") for name in _RELEASES.groupindex)


@dataclass(frozen=True, slots=True)
class Named:
    """What a headline, and its whole text, name among the knowledge base's entities."""

    companies: frozenset[str]  # companies the headline names (entity ids)
    places: frozenset[str]  # countries the headline names, central banks as their country
    releases: frozenset[str]  # economic releases the headline names
    actors: frozenset[str]  # officials, central banks and institutions the headline names
    mentioned: frozenset[str]  # every entity of headline and summary (same folding)


def named(title: str, summary: str) -> Named:
    """The entities a headline names (by kind) and those its article mentions at all."""
    return _Folding.shipped().named(title, summary)


def own_symbols(companies: frozenset[str]) -> frozenset[str]:
    """The symbols the knowledge base lists the companies under (their own listing, not the
    sector funds they move): `listed.csco` is `CSCO`, `nvidia` is `NVDA`."""
    symbol_of = _Folding.shipped().symbol_of
    return frozenset(symbol_of[company] for company in companies if company in symbol_of)


def companies_listed_as(symbols: frozenset[str]) -> frozenset[str]:
    """The knowledge base's companies whose own listing is one of the symbols (an article's
    tags: `NVDA` is Nvidia, whether or not its text writes the name)."""
    listed = _Folding.shipped().companies_of
    found: set[str] = set()
    for symbol in symbols:
        found.update(listed.get(symbol, ()))
    return frozenset(found)


class _Folding:
    """The shipped knowledge base, read for stories: central banks stand for their country,
    and the releases it lumps are split as the definition counts them."""

    __slots__ = ("_country_of", "_finder", "_kinds", "companies_of", "symbol_of")

    def __init__(self, finder: EntityFinder) -> None:
        self._finder = finder
        knowledge: Knowledge = finder.knowledge
        self._kinds = {entity.id: entity.kind for entity in knowledge.entities.values()}
        by_code = {
            entity.facts.get("iso2", ""): entity.id
            for entity in knowledge.entities.values()
            if entity.kind == "country"
        }
        self._country_of = {
            entity.id: by_code[code]
            for entity in knowledge.entities.values()
            if entity.kind == "central_bank"
            and (code := entity.facts.get("country", "")) in by_code
        }
        # A company's own listing is the first instrument it moves (sector funds follow).
        self.symbol_of = {
            entity.id: entity.instruments[0].upper()
            for entity in knowledge.entities.values()
            if entity.kind in _COMPANY_KINDS and entity.instruments
        }
        companies_of: dict[str, list[str]] = {}
        for company, symbol in self.symbol_of.items():
            companies_of.setdefault(symbol, []).append(company)
        self.companies_of = {symbol: tuple(ids) for symbol, ids in companies_of.items()}

    @staticmethod
    @cache
    def shipped() -> _Folding:
        return _Folding(shipped_finder())

    def named(self, title: str, summary: str) -> Named:
        headline = self._ids(title)
        mentioned = headline | self._ids(summary) if summary else headline
        kinds = self._kinds
        return Named(
            companies=frozenset(i for i in headline if kinds.get(i) in _COMPANY_KINDS),
            places=frozenset(i for i in headline if kinds.get(i) in _PLACE_KINDS),
            releases=frozenset(
                i for i in headline if kinds.get(i) == "release" or i in _OWN_RELEASES
            ),
            actors=canonical_actors(frozenset(i for i in headline if kinds.get(i) in _ACTOR_KINDS)),
            mentioned=mentioned | canonical_actors(mentioned),
        )

    def _ids(self, text: str) -> frozenset[str]:
        found = {item.entity for item in self._finder.find_in_fields(text, "", "")}
        found |= {self._country_of[i] for i in found if i in self._country_of}
        own = {(match.lastgroup or "").replace("_", "-") for match in _RELEASES.finditer(text)}
        if "jobless-claims" in own and not re.search(r"(?i)payrolls|jobs\s+report", text):
            found.discard("payrolls")  # the weekly claims are not the monthly jobs report
        return frozenset(found | own)
