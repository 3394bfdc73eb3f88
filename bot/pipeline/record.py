"""The record stage: which articles of a batch no source brought before, remembered once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bot.article import Article
from bot.rules import Match
from bot.storage.articles import record_articles, unseen_ids


@dataclass(frozen=True, slots=True)
class Ingested:
    """A new article, the rules it matched and its story."""

    article: Article
    matches: tuple[Match, ...] = field(default_factory=tuple)
    story_id: str | None = None  # None when stories are off


def first_of_each_id(batch: Iterable[Article]) -> list[Article]:
    """The batch without repeats: the first article of each id, in order."""
    unique: dict[str, Article] = {}
    for article in batch:
        unique.setdefault(article.id, article)
    return list(unique.values())


def unseen(connection: Connection, candidates: Sequence[Article]) -> list[Article]:
    """The candidates no source brought before."""
    fresh_ids = unseen_ids(connection, (article.id for article in candidates))
    return [article for article in candidates if article.id in fresh_ids]


def record(connection: Connection, fresh: Sequence[Article], *, alerted: bool) -> list[Article]:
    """Remember these articles; returns those this call wrote.

    Another process may record the same id between the look-up and the insert: the insert
    skips it, and only the articles this call wrote go on to be matched and queued.
    """
    written = record_articles(connection, fresh, alerted=alerted)
    return [article for article in fresh if article.id in written]
