"""The alert's 💹 line: what the article moves that this chat cares about, grounded and capped.

In order, without repeats:
1. the instruments of the article's entities that the chat's matched topics care about (an
   entity's `topics` in the knowledge base, or a `$TICKER` the matched rules name), in the
   article's ranking (bot/knowledge/instruments.py: most directly moved first);
2. the chat's own `$TICKER`s the article carries;
3. a few of the article's own quotes, ranked by where its news text names them (headline,
   lead, body), never alphabetically; an outlet's link lists and tables are not evidence.
Nothing grounded, no line.
"""

from __future__ import annotations

from functools import lru_cache

from bot.alerts.assemble import Alert
from bot.article import Article
from bot.knowledge.finder import EntityFinder, live_finder
from bot.knowledge.instruments import Moves, article_moves
from bot.rules.terms import TermError, TickerTerm, parse_term

CARED = 5  # instruments of the topics' entities
FOLLOWED = 12  # the chat's own tickers
QUOTED = 3  # the article's own quotes after those
_CACHED_ARTICLES = 256  # an article goes to many chats at once: rank it once


def moves_of(article: Article) -> Moves:
    """The article's entities and instruments by the knowledge base the rules were loaded
    with (the operator's file included), ranked once for every chat it goes to."""
    return _moves(article, live_finder())


@lru_cache(maxsize=_CACHED_ARTICLES)
def _moves(article: Article, finder: EntityFinder) -> Moves:
    return article_moves(article, finder)


def shown_instruments(alert: Alert, *, capped: bool = True) -> list[str]:
    """The symbols of the 💹 line in order; all of them, uncapped, for a terminal."""
    finder = live_finder()
    moves = _moves(alert.article, finder)
    knowledge = finder.knowledge
    topics = set(alert.topics)
    cared_by_entity: set[str] = set()
    for found in moves.entities:
        entity = knowledge.entities.get(found.entity)
        if entity is not None and topics & set(entity.topics):
            cared_by_entity.update(knowledge.instruments_of(found.entity))
    named = {symbol for match in alert.matches for term in match.terms if (symbol := _symbol(term))}
    grounded = set(moves.instruments)
    cared = [s for s in moves.instruments if s in cared_by_entity or s in named]
    followed = [t for t in alert.tickers if t in alert.article.tickers]
    quoted = list(moves.quoted)
    shown: dict[str, None] = {}
    for group, cap in ((cared, CARED), (followed, FOLLOWED), (quoted, QUOTED)):
        added = 0
        for symbol in group:
            if symbol in shown or (capped and added >= cap):
                continue
            if group is not followed and symbol not in grounded:
                continue
            shown[symbol] = None
            added += 1
    if not capped:
        shown.update(dict.fromkeys(moves.instruments))
    return list(shown)


def _symbol(term: str) -> str | None:
    try:
        parsed = parse_term(term)
    except TermError:
        return None
    return parsed.symbol if isinstance(parsed, TickerTerm) else None
