"""The story stage: the process's story index, kept level with every process's."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from bot.article import Article
from bot.storage.stories import lock_story_assignment, recent_articles, set_story_ids
from bot.stories import StoryIndex, StoryTuning

# How far before the last look the next one starts: transactions that were open then (and
# clocks a little apart between hosts) still have their articles read.
_OVERLAP = timedelta(minutes=10)

# Gives each new article its story (article id -> story id), in the ingest transaction.
Assign = Callable[[Sequence[Article]], Mapping[str, str]]


class StoryAssignment:
    """Gives each new article its story, from the articles of the last 48 hours.

    The index is rebuilt from storage on first use; before each assignment it takes in the
    articles other processes stored since it last looked. On PostgreSQL a transaction-level
    advisory lock makes assignment one at a time across the fleet, so copies of one story
    ingested at the same moment by several processes still make one story.
    """

    def __init__(self, tuning: StoryTuning | None = None) -> None:
        self.index = StoryIndex(tuning)
        self._lock = threading.Lock()  # ingests run in worker threads
        self._looked: datetime | None = None

    @contextlib.contextmanager
    def assigning(self, connection: Connection) -> Iterator[Assign]:
        """Hold assignment for this transaction's body; yields the assigner."""
        with self._lock:
            lock_story_assignment(connection)
            self._catch_up(connection)

            def assign(articles: Sequence[Article]) -> Mapping[str, str]:
                story_ids = {article.id: self.index.assign(article) for article in articles}
                set_story_ids(connection, story_ids)
                return story_ids

            yield assign

    def _catch_up(self, connection: Connection) -> None:
        """Take in the stored articles this index has not seen (all of the window at first)."""
        now = datetime.now(UTC)
        if self._looked is None:
            tuning = self.index.tuning
            since = now - timedelta(hours=tuning.window_hours + tuning.clock_skew_hours)
            stored = recent_articles(connection, since)
        else:
            stored = recent_articles(connection, self._looked - _OVERLAP, assigned_only=True)
        for found in stored:
            if found.article.id not in self.index:
                self.index.add(found.article, found.story_id or found.article.id)
        self._looked = now
