"""One alert per (article, chat): the matches and tickers of that chat's subscriptions."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.article import Article
from bot.ledger_values import Priority
from bot.rules import Match

PRIORITIES = tuple(priority.value for priority in Priority)  # plain strings, lowest first
_RANK: dict[str, int] = {name: rank for rank, name in enumerate(PRIORITIES)}


@dataclass(frozen=True, slots=True)
class Alert:
    """What one chat is told about one article: every topic rule and ticker it follows."""

    article: Article
    matches: tuple[Match, ...]
    tickers: tuple[str, ...] = ()
    # The highest priority of every active rule the article matched, in any topic: what a
    # chat that follows only a ticker of the article is told.
    article_priority: str = "normal"

    @property
    def priority(self) -> str:
        """The highest priority of the matched rules (the article's own for a ticker alert)."""
        if not self.matches:
            return self.article_priority
        return highest(m.priority for m in self.matches)

    @property
    def silent(self) -> bool:
        """Low-priority alerts arrive without a notification sound."""
        return self.priority == "low"

    @property
    def critical(self) -> bool:
        """Critical alerts come through even while a chat is muted."""
        return self.priority == "critical"

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics named, in order of first match."""
        return tuple(dict.fromkeys(m.topic for m in self.matches))


def highest(priorities: Iterable[str]) -> str:
    """The highest of these priorities (`normal` when there are none)."""
    return max(priorities, key=lambda p: _RANK.get(p, 1), default="normal")


def active(matches: Iterable[Match]) -> tuple[Match, ...]:
    """The matches that may be sent: `status: test` rules never are."""
    return tuple(m for m in matches if m.status == "active")


def alert_for(
    article: Article,
    matches: Iterable[Match],
    *,
    topics: Collection[str] | None,
    tickers: Collection[str] = (),
) -> Alert | None:
    """The alert for a chat following `topics` (None: every topic) and `tickers`, if any."""
    sendable = active(matches)
    named = tuple(
        sorted(
            (m for m in sendable if topics is None or m.topic in topics),
            key=lambda m: (-_RANK.get(m.priority, 1), m.topic, m.rule),
        )
    )
    held = tuple(sorted(t for t in tickers if t in article.tickers))
    if not named and not held:
        return None
    return Alert(article, named, held, highest(m.priority for m in sendable))
