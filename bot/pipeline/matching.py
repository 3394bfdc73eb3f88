"""The match stage: the rules in force and the chats' watches, one analysis of each article."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.article import Article
from bot.rules import Match, Topic
from bot.rules.analysed import analyse_article


class Matches(Protocol):
    """Compiled rules or watches: the matches of one article."""

    def match(self, article: Article, streams: tuple[str, str, str] | None = None) -> list[Match]:
        """The rules this article matches (`streams`: its analysis, when already made)."""
        ...


class Book(Matches, Protocol):
    """A rule book: its matches, and the topics its rules belong to."""

    @property
    def topics(self) -> Mapping[str, Topic]:
        """The topics by id."""
        ...


class RuleSource(Protocol):
    """Where the rule book in force is read (a process's rules reload while it runs)."""

    @property
    def book(self) -> Book:
        """The rule book in force now."""
        ...


class WatchSource(Protocol):
    """Where the chats' watches in force are read."""

    def current(self) -> Matches:
        """The watch book in force now."""
        ...


@dataclass(frozen=True, slots=True)
class FixedRules:
    """A rule source whose book never changes (benchmarks, tools, tests)."""

    book: Book


@dataclass(frozen=True, slots=True)
class BatchMatcher:
    """One batch's matcher: the rule book and watches as they were when the batch began."""

    book: Book
    watched: Matches | None = None

    @property
    def topics(self) -> Mapping[str, Topic]:
        """The topics the ledger names this batch's alerts by."""
        return self.book.topics

    def __call__(self, article: Article) -> tuple[Match, ...]:
        """The rules and watches this article matches."""
        streams = analyse_article(article).streams  # one analysis for both books
        found = self.book.match(article, streams)
        if self.watched is not None:
            found.extend(self.watched.match(article, streams))
        return tuple(found)
