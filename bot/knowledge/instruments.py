"""What an article moves: its entities' instruments and its own quotes, most direct first.

Grounded: an instrument is listed only when an entity that moves it, or its own symbol, is
in the article's news text (an outlet's link lists and tables are not news text).

Ranking, by definition rather than by example:
1. instruments of the market objects the article names (a commodity, a release, a central
   bank, a company) and symbols the article itself quotes: the article's subject;
2. then instruments reached through the drivers it names (a country, an official, a
   chokepoint): what the development moves next.
Within each, an instrument scores the prominence of what grounds it (headline over lead
over body, summed over everything that grounds it), divided by how far down each entity's
list it comes (most direct first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import tickers
from bot.article import Article
from bot.knowledge.base import Knowledge
from bot.knowledge.finder import FIELD_WEIGHTS, EntityFinder, Found, evidence_body, lead_and_rest

# A symbol the article only carries in its metadata (a feed category), never in its text.
_UNPLACED_WEIGHT = 0.25
# A symbol as a word of the text (`(CL1:COM)`, `NYSE: XOM`), not inside another word.
_SYMBOL_WORD = re.compile(r"(?<![A-Za-z0-9.:=^&/_-])[.^]?[A-Z0-9][A-Z0-9.:=^&/_-]{0,23}")


@dataclass(frozen=True, slots=True)
class Moves:
    """An article's entities and the instruments they ground, ranked."""

    entities: tuple[Found, ...]
    instruments: tuple[str, ...]
    direct: frozenset[str]  # grounded by the article's subject, not only through a driver
    quoted: tuple[str, ...]  # the article's own quotes in its news text, by where named


def quoted_symbols(article: Article) -> dict[str, float]:
    """The article's tickers named in its news text, best placed first: by score (headline 4,
    lead 2, body 1, summed over the fields naming it), then by first mention; those only in
    its metadata score least, those only in link lists not at all."""
    if not article.tickers:
        return {}
    body = evidence_body(article.body)
    lead, rest = lead_and_rest(article.summary, body)
    scores: dict[str, float] = {}
    first: dict[str, tuple[int, int]] = {}
    for index, (field, text) in enumerate(
        (("title", article.title), ("lead", lead), ("body", rest))
    ):
        for position, symbol in _named(text, article.tickers):
            scores[symbol] = scores.get(symbol, 0.0) + FIELD_WEIGHTS[field]
            first.setdefault(symbol, (index, position))
    listed = _named(article.body, article.tickers) if body != article.body else []
    in_lists = {symbol for _, symbol in listed}
    # Symbols the text never places have no order of their own: a stable one, last.
    for symbol in sorted(article.tickers):
        if symbol not in scores and symbol not in in_lists:
            scores[symbol] = _UNPLACED_WEIGHT
            first[symbol] = (3, 0)
    ranked = sorted(scores, key=lambda symbol: (-scores[symbol], first[symbol]))
    return {symbol: scores[symbol] for symbol in ranked}


def _named(text: str, symbols: frozenset[str]) -> list[tuple[int, str]]:
    """(first position, symbol) of the symbols the text writes, as a quote link or as a word
    of their own, in order of first mention."""
    if not text:
        return []
    found = tickers.tickers_in_text(text) & symbols
    for match in _SYMBOL_WORD.finditer(text):
        word = match.group().rstrip(".:")
        if word in symbols:
            found.add(word)
    placed = []
    for symbol in found:
        at = text.find(symbol)
        placed.append((at if at >= 0 else len(text), symbol))
    return sorted(placed)


def rank(knowledge: Knowledge, found: tuple[Found, ...], quoted: dict[str, float]) -> Moves:
    """The instruments grounded by these entities and quotes, most direct first."""
    direct: dict[str, float] = dict(quoted)
    driven: dict[str, float] = {}
    for item in found:
        entity = knowledge.entities.get(item.entity)
        if entity is None:
            continue
        # A company named is a subject as much as a commodity: its quote moves first.
        into = direct if entity.is_market or entity.kind == "listed" else driven
        for position, symbol in enumerate(knowledge.instruments_of(item.entity)):
            into[symbol] = into.get(symbol, 0.0) + item.score / (1 + position)
    # Ties keep the order of grounding (the sort is stable): never alphabetical.
    order = sorted(
        dict.fromkeys([*direct, *driven]),
        key=lambda symbol: (
            symbol not in direct,
            -(direct.get(symbol, 0.0) + driven.get(symbol, 0.0)),
        ),
    )
    return Moves(found, tuple(order), frozenset(direct), tuple(quoted))


def article_moves(article: Article, finder: EntityFinder) -> Moves:
    """The article's entities and the instruments they move, ranked."""
    found = finder.find(article.title, article.summary, article.body)
    return rank(finder.knowledge, found, quoted_symbols(article))
