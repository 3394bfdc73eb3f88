"""From source to ledger: new articles are recorded, matched and queued in one transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection, Engine

from bot.article import Article
from bot.rules import Match
from bot.storage.articles import record_articles, unseen_ids

Matcher = Callable[[Article], Sequence[Match]]
# Writes the deliveries of the matched articles in the ingest transaction (the ledger).
Enqueuer = Callable[[Connection, "Sequence[Ingested]"], int]
# Gives each new article its story (article id -> story id), in the ingest transaction.
Assign = Callable[[Sequence[Article]], Mapping[str, str]]


class StoryAssigner(Protocol):
    """Decides the story of each new article while one ingest transaction is open."""

    def assigning(self, connection: Connection) -> AbstractContextManager[Assign]:
        """Hold story assignment for this transaction's body; yields the assigner."""
        ...


@dataclass(frozen=True, slots=True)
class Ingested:
    """A new article and the rules it matched."""

    article: Article
    matches: tuple[Match, ...] = field(default_factory=tuple)
    story_id: str | None = None  # None when stories are off


def _first_of_each_id(batch: Iterable[Article]) -> list[Article]:
    unique: dict[str, Article] = {}
    for article in batch:
        unique.setdefault(article.id, article)
    return list(unique.values())


def ingest(
    engine: Engine,
    batch: Iterable[Article],
    *,
    match: Matcher | None = None,
    enqueue: Enqueuer | None = None,
    alert: bool = True,
    stories: StoryAssigner | None = None,
) -> list[Ingested]:
    """Record the articles not seen before; when alerting, match them and queue deliveries.

    `alert=False` (a feed's first poll) records what is there without alerting it. With
    `stories`, every new article is given its story (alerted or not) before the ledger.
    """
    candidates = _first_of_each_id(batch)
    if not candidates:
        return []
    with engine.begin() as connection:
        fresh_ids = unseen_ids(connection, (article.id for article in candidates))
        fresh = [article for article in candidates if article.id in fresh_ids]
        if not fresh:
            return []
        # Assignment is held before the insert: a process waiting for it holds no row lock
        # another one needs.
        holding = stories.assigning(connection) if stories else contextlib.nullcontext(None)
        with holding as assign:
            # Another process may record the same id between the look-up and the insert: the
            # insert skips it, and only the articles this call wrote are matched and queued.
            written = record_articles(connection, fresh, alerted=alert)
            new = [article for article in fresh if article.id in written]
            story_ids = assign(new) if assign is not None and new else {}
            result = [
                Ingested(
                    article,
                    tuple(match(article)) if (alert and match) else (),
                    story_ids.get(article.id),
                )
                for article in new
            ]
            if alert and enqueue is not None and result:
                enqueue(connection, result)
    return result
