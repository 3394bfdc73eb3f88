"""Rule books for tests that need a known match without writing rule files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.article import Article
from bot.pipeline import FixedRules, Ingest, Ledger
from bot.pipeline.stories import StoryAssignment
from bot.rules import Match, Topic


@dataclass
class Always:
    """A rule book every article matches with the same matches (and that counts its calls)."""

    topics: Mapping[str, Topic] = field(default_factory=dict)
    matches: tuple[Match, ...] = ()
    asked: list[str] = field(default_factory=list)

    def match(self, article: Article, streams: tuple[str, str, str] | None = None) -> list[Match]:
        """These matches, whatever the article."""
        self.asked.append(article.id)
        return list(self.matches)


def ingest_matching(
    engine: Engine,
    topics: Mapping[str, Topic],
    *matches: Match,
    stories: StoryAssignment | None = None,
) -> Ingest:
    """The pipeline with a rule book every article matches with `matches`."""
    return Ingest(engine, FixedRules(Always(topics, matches)), Ledger(), stories=stories)
