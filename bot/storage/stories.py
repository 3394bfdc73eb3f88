"""Stories in storage: each article's story, the story's articles, a chat's alerts of a story."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, select, text, tuple_, update

from bot.article import Article
from bot.ledger_values import DeliveryKind, DeliveryState, Priority
from bot.storage.models import articles, deliveries

FAILED, CANCELLED = DeliveryState.FAILED, DeliveryState.CANCELLED  # told nothing

# Any fixed number: the transaction-level advisory lock story assignment takes on PostgreSQL.
STORY_LOCK = 7_341_120_012
_CHUNK = 500
_STORY_ARTICLES = 50  # an edit names at most this many of a story's articles


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """A recorded article as story detection reads it, with the story it was given."""

    article: Article
    story_id: str | None
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """One article of a story, as an edited alert names it."""

    id: str
    title: str
    link: str | None
    source: str
    published: datetime | None
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class StoryDelivery:
    """One of a chat's deliveries of a story."""

    id: int
    article_id: str
    kind: str  # alert | edit
    state: str
    text: str
    topics: tuple[str, ...]
    priority: str
    tickers: frozenset[str] = frozenset()  # the symbols of the delivery's article


def lock_story_assignment(connection: Connection) -> None:
    """Serialise story assignment across processes until this transaction ends (PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_LOCK})


def recent_articles(
    connection: Connection, since: datetime, *, assigned_only: bool = False
) -> list[StoredArticle]:
    """The articles first seen since then, oldest first (only those given a story, if asked)."""
    query = select(
        articles.c.id,
        articles.c.title,
        articles.c.summary,
        articles.c.link,
        articles.c.source,
        articles.c.published,
        articles.c.tickers,
        articles.c.story_id,
        articles.c.first_seen,
    ).where(articles.c.first_seen >= since)
    if assigned_only:
        query = query.where(articles.c.story_id.is_not(None))
    rows = connection.execute(query.order_by(articles.c.first_seen, articles.c.id))
    return [
        StoredArticle(
            Article(
                id=row.id,
                title=row.title,
                summary=row.summary or "",
                link=row.link,
                source=row.source or "",
                published=row.published,
                tickers=frozenset((row.tickers or "").split()),
            ),
            row.story_id,
            row.first_seen,
        )
        for row in rows
    ]


def set_story_ids(connection: Connection, story_ids: Mapping[str, str]) -> None:
    """Record the story of each of these articles."""
    rows = [{"b_id": article_id, "b_story": story} for article_id, story in story_ids.items()]
    if rows:
        connection.execute(
            update(articles)
            .where(articles.c.id == bindparam("b_id"))
            .values(story_id=bindparam("b_story")),
            rows,
        )


def story_articles(connection: Connection, story_id: str) -> list[StoryArticle]:
    """The story's first articles, in the order they arrived."""
    rows = connection.execute(
        select(
            articles.c.id,
            articles.c.title,
            articles.c.link,
            articles.c.source,
            articles.c.published,
            articles.c.first_seen,
        )
        .where(articles.c.story_id == story_id)
        .order_by(articles.c.first_seen, articles.c.id)
        .limit(_STORY_ARTICLES)
    )
    return [StoryArticle(*row) for row in rows]


def chat_story_deliveries(
    connection: Connection, story_id: str, chat_ids: Iterable[int]
) -> dict[int, list[StoryDelivery]]:
    """Each of these chats' deliveries of the story so far, oldest first."""
    wanted = sorted(set(chat_ids))
    found: dict[int, list[StoryDelivery]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = connection.execute(
            select(
                deliveries.c.chat_id,
                deliveries.c.id,
                deliveries.c.article_id,
                deliveries.c.kind,
                deliveries.c.state,
                deliveries.c.text,
                deliveries.c.topics,
                deliveries.c.priority,
                articles.c.tickers,
            )
            .select_from(deliveries.outerjoin(articles, articles.c.id == deliveries.c.article_id))
            .where(
                deliveries.c.story_id == story_id,
                deliveries.c.chat_id.in_(wanted[start : start + _CHUNK]),
            )
            .order_by(deliveries.c.id)
        )
        for row in rows:
            found.setdefault(int(row.chat_id), []).append(
                StoryDelivery(
                    id=row.id,
                    article_id=row.article_id,
                    kind=row.kind,
                    state=row.state,
                    text=row.text,
                    topics=tuple(topic for topic in (row.topics or "").split(",") if topic),
                    priority=row.priority,
                    tickers=frozenset((row.tickers or "").split()),
                )
            )
    return found


def supersede_edits(connection: Connection, story_id: str, chat_ids: Iterable[int]) -> int:
    """Cancel the chats' pending edits of the story: a newer edit says all they said."""
    wanted = sorted(set(chat_ids))
    cancelled = 0
    for start in range(0, len(wanted), _CHUNK):
        result = connection.execute(
            update(deliveries)
            .where(
                deliveries.c.story_id == story_id,
                deliveries.c.chat_id.in_(wanted[start : start + _CHUNK]),
                deliveries.c.kind == DeliveryKind.EDIT,
                deliveries.c.state == DeliveryState.PENDING,
            )
            .values(state=DeliveryState.CANCELLED, last_error="superseded by a later edit")
        )
        cancelled += result.rowcount or 0
    return cancelled


def first_alerts(
    connection: Connection, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], tuple[str, int | None, int]]:
    """The state, message id and delivery id of each (chat, story)'s first alert, the
    message edits change.

    An alert that failed or was cancelled told nothing: the first one after it counts.
    """
    wanted = sorted(set(keys))
    found: dict[tuple[int, str], tuple[str, int | None, int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = connection.execute(
            select(
                deliveries.c.chat_id,
                deliveries.c.story_id,
                deliveries.c.state,
                deliveries.c.message_id,
                deliveries.c.id,
            )
            .where(
                tuple_(deliveries.c.chat_id, deliveries.c.story_id).in_(
                    wanted[start : start + _CHUNK]
                ),
                and_(
                    deliveries.c.kind == DeliveryKind.ALERT,
                    deliveries.c.state.not_in((FAILED, CANCELLED)),
                ),
            )
            .order_by(deliveries.c.id)
        )
        for row in rows:
            found.setdefault(
                (int(row.chat_id), row.story_id), (row.state, row.message_id, int(row.id))
            )
    return found


def alert_with_edit_instead(connection: Connection, delivery_id: int) -> int | None:
    """A chat's first alert of a story failed: its newest pending edit of the story goes out
    as the alert instead (the older ones are cancelled); returns that delivery's id, if any.

    Without this the edits would wait for a message that never came, and the story would
    count as told to a chat that was never told it.
    """
    failed = connection.execute(
        select(deliveries.c.chat_id, deliveries.c.story_id, deliveries.c.kind).where(
            deliveries.c.id == delivery_id
        )
    ).first()
    if failed is None or failed.kind != DeliveryKind.ALERT or failed.story_id is None:
        return None
    edits = list(
        connection.execute(
            select(deliveries.c.id, deliveries.c.priority)
            .where(
                deliveries.c.chat_id == failed.chat_id,
                deliveries.c.story_id == failed.story_id,
                deliveries.c.kind == DeliveryKind.EDIT,
                deliveries.c.state == DeliveryState.PENDING,
            )
            .order_by(deliveries.c.id.desc())
        )
    )
    if not edits:
        return None
    newest, *older = edits
    if older:
        connection.execute(
            update(deliveries)
            .where(deliveries.c.id.in_([row.id for row in older]))
            .values(state=CANCELLED, last_error="superseded by a later edit")
        )
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == newest.id)
        .values(kind=DeliveryKind.ALERT, silent=newest.priority == Priority.LOW)
    )
    return int(newest.id)
