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

from dataclasses import dataclass

from bot.article import Article
from bot.knowledge.base import Knowledge
from bot.knowledge.finder import (
    BODY_CAP,
    FIELD_WEIGHTS,
    EntityFinder,
    Found,
    evidence_body,
    lead_and_rest,
)
from bot.rules.analysed import AnalysedArticle

# A symbol the article only carries in its metadata (a feed category), never in its text.
_UNPLACED_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class Moves:
    """An article's entities and the instruments they ground, ranked."""

    entities: tuple[Found, ...]
    instruments: tuple[str, ...]
    direct: frozenset[str]  # grounded by the article's subject, not only through a driver
    quoted: tuple[str, ...]  # the article's own quotes in its news text, by where named


def quoted_symbols(article: Article, lead: str, rest: str) -> dict[str, float]:
    """The article's tickers named in its news text (headline, lead, rest), best placed first:
    by score (headline 4, lead 2, body 1, summed over the fields naming it), then by first
    mention; those only in its metadata score least, those only in link lists not at all."""
    if not article.tickers:
        return {}
    scores: dict[str, float] = {}
    first: dict[str, tuple[int, int]] = {}
    fields = (("title", article.title), ("lead", lead), ("body", rest))
    for index, (field, text) in enumerate(fields):
        for position, symbol in _named(text, article.tickers):
            scores[symbol] = scores.get(symbol, 0.0) + FIELD_WEIGHTS[field]
            first.setdefault(symbol, (index, position))
    # Symbols the text never places have no order of their own: a stable one, last; those
    # written only in the outlet's lists are not evidence at all.
    unplaced = sorted(article.tickers - scores.keys())
    in_lists = {symbol for _, symbol in _named(article.body, frozenset(unplaced))}
    for symbol in unplaced:
        if symbol not in in_lists:
            scores[symbol] = _UNPLACED_WEIGHT
            first[symbol] = (len(fields), 0)
    ranked = sorted(scores, key=lambda symbol: (-scores[symbol], first[symbol]))
    return {symbol: scores[symbol] for symbol in ranked}


def _named(text: str, symbols: frozenset[str]) -> list[tuple[int, str]]:
    """(first position, symbol) of the symbols the text writes as a word of their own
    (`(USO)`, `$USO`, `NYSE:USO`), in order of first mention."""
    placed = []
    for symbol in symbols:
        at = text.find(symbol)
        while at >= 0:
            end = at + len(symbol)
            before = text[at - 1] if at else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before in ".^") and not after.isalnum():
                placed.append((at, symbol))
                break
            at = text.find(symbol, at + 1)
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
        score = item.score
        for position, symbol in enumerate(knowledge.instruments_of(item.entity), start=1):
            into[symbol] = into.get(symbol, 0.0) + score / position
    # The subject's first, then the drivers'; ties keep the order of grounding (the sort is
    # stable): never alphabetical.
    subject = sorted(direct, key=lambda symbol: -(direct[symbol] + driven.get(symbol, 0.0)))
    rest = sorted((s for s in driven if s not in direct), key=lambda symbol: -driven[symbol])
    return Moves(found, (*subject, *rest), frozenset(direct), tuple(quoted))


def article_moves(
    article: Article, finder: EntityFinder, analysed: AnalysedArticle | None = None
) -> Moves:
    """The article's entities and the instruments they move, ranked (`analysed`: the
    article's analysis, when already made, whose headline and summary it reuses)."""
    lead, rest = lead_and_rest(article.summary, evidence_body(article.body[:BODY_CAP]))
    folded: tuple[str | None, str | None] = (None, None)
    if analysed is not None:
        summary_is_lead = bool(article.summary.strip())  # as `lead_and_rest` decides
        folded = (analysed.title_stream, analysed.summary_stream if summary_is_lead else None)
    found = finder.find_in_fields(article.title, lead, rest, folded)
    return rank(finder.knowledge, found, quoted_symbols(article, lead, rest))
