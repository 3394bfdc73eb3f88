"""From source to sender: one call records, matches, places in stories, writes the ledger, wakes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.article import Article
from bot.pipeline.ledger import Ledger
from bot.pipeline.matching import BatchMatcher, RuleSource, WatchSource
from bot.pipeline.record import Ingested, first_of_each_id, record, unseen
from bot.pipeline.stories import StoryAssignment


def _nobody() -> None:
    """No sender to wake."""


@dataclass(slots=True)
class Ingest:
    """The ingest of one process: every source hands it its batches the same way."""

    engine: Engine
    rules: RuleSource
    ledger: Ledger
    watches: WatchSource | None = None
    stories: StoryAssignment | None = None  # None: stories are off
    wake: Callable[[], None] = _nobody  # the sender, told deliveries were written

    def __call__(self, batch: Iterable[Article], *, alert: bool = True) -> list[Ingested]:
        """Record the articles not seen before; when alerting, match them and queue deliveries.

        `alert=False` (a feed's first poll, items over its cap) records what is there without
        alerting it. Every new article is given its story (alerted or not) before the ledger.
        Blocking: the event loop calls `off_loop`.
        """
        candidates = first_of_each_id(batch)
        if not candidates:
            return []
        # One rule book and watch book for the whole batch, even if a reload lands meanwhile.
        watched = self.watches.current() if alert and self.watches is not None else None
        match = BatchMatcher(self.rules.book, watched)
        with self.engine.begin() as connection:
            fresh = unseen(connection, candidates)
            if not fresh:
                return []
            # Assignment is held before the insert: a process waiting for it holds no row lock
            # another one needs.
            holding = (
                self.stories.assigning(connection)
                if self.stories is not None
                else contextlib.nullcontext(None)
            )
            with holding as assign_stories:
                new = record(connection, fresh, alerted=alert)
                matches = {article.id: match(article) for article in new} if alert else {}
                story_ids = assign_stories(new) if assign_stories is not None and new else {}
                result = [
                    Ingested(article, matches.get(article.id, ()), story_ids.get(article.id))
                    for article in new
                ]
                if alert and result:
                    self.ledger.write(connection, result, match.topics)
        if any(item.matches for item in result):
            self.wake()
        return result

    async def off_loop(self, batch: Iterable[Article], *, alert: bool = True) -> list[Ingested]:
        """The same call in a worker thread, for the event loop."""
        articles = list(batch)
        if not articles:
            return []
        return await asyncio.to_thread(self, articles, alert=alert)


def build_ingest(
    engine: Engine,
    rules: RuleSource,
    *,
    watches: WatchSource | None = None,
    stories: bool = False,
    terminal: bool = False,
    default_zone: str = "UTC",
    wake: Callable[[], None] = _nobody,
) -> Ingest:
    """The ingest of a process reading `rules` (and `watches`), its ledger addressed as said."""
    return Ingest(
        engine,
        rules,
        Ledger(terminal=terminal, default_zone=default_zone),
        watches=watches,
        stories=StoryAssignment() if stories else None,
        wake=wake,
    )
