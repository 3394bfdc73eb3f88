"""Alerts held for a digest (quiet hours, a mute, digest mode): kept in the ledger until sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from bot.ledger_values import DeliveryState
from bot.storage.models import articles, deliveries

HELD, DIGESTED = DeliveryState.HELD, DeliveryState.DIGESTED
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class HeldRow:
    """One held alert with what its digest line shows."""

    id: int
    article_id: str
    chat_id: int
    priority: str
    topics: tuple[str, ...]
    hold: str
    due: datetime
    title: str
    link: str | None
    source: str
    published: datetime | None


def chats_with_due_digests(connection: Connection, now: datetime) -> list[int]:
    """Chats holding alerts whose release time has come."""
    return list(
        connection.scalars(
            select(deliveries.c.chat_id)
            .where(deliveries.c.state == HELD, deliveries.c.next_attempt_at <= now)
            .group_by(deliveries.c.chat_id)
            .order_by(deliveries.c.chat_id)
        )
    )


def due_held(connection: Connection, chat_id: int, now: datetime) -> list[HeldRow]:
    """The chat's held alerts due by now, oldest first, locked for this transaction."""
    rows = connection.execute(
        select(
            deliveries.c.id,
            deliveries.c.article_id,
            deliveries.c.chat_id,
            deliveries.c.priority,
            deliveries.c.topics,
            deliveries.c.hold,
            deliveries.c.next_attempt_at,
            func.coalesce(articles.c.title, deliveries.c.article_id),
            articles.c.link,
            func.coalesce(articles.c.source, ""),
            articles.c.published,
        )
        .select_from(deliveries.outerjoin(articles, articles.c.id == deliveries.c.article_id))
        .where(
            deliveries.c.chat_id == chat_id,
            deliveries.c.state == HELD,
            deliveries.c.next_attempt_at <= now,
        )
        .order_by(deliveries.c.id)
        .with_for_update(of=deliveries, skip_locked=True)
    )
    return [
        HeldRow(
            id=row[0],
            article_id=row[1],
            chat_id=row[2],
            priority=row[3],
            topics=tuple(filter(None, (row[4] or "").split(","))),
            hold=row[5] or "",
            due=row[6],
            title=row[7],
            link=row[8],
            source=row[9],
            published=row[10],
        )
        for row in rows
    ]


def mark_digested(connection: Connection, ids: Iterable[int]) -> None:
    """These held alerts went out in a digest (written in the digest's own transaction)."""
    wanted = list(ids)
    for start in range(0, len(wanted), _CHUNK):
        connection.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(wanted[start : start + _CHUNK]))
            .values(state=DIGESTED)
        )


def release_held(connection: Connection, chat_id: int, holds: Iterable[str], at: datetime) -> int:
    """Make the chat's alerts held for these reasons due at `at` (a mute lifted early)."""
    result = connection.execute(
        update(deliveries)
        .where(
            deliveries.c.chat_id == chat_id,
            deliveries.c.state == HELD,
            deliveries.c.hold.in_(list(holds)),
            deliveries.c.next_attempt_at > at,
        )
        .values(next_attempt_at=at)
    )
    return result.rowcount or 0


def held_count(connection: Connection) -> int:
    """How many alerts are held for digests, over every chat."""
    return int(
        connection.scalar(
            select(func.count()).select_from(deliveries).where(deliveries.c.state == HELD)
        )
        or 0
    )


def next_digest_due(connection: Connection) -> datetime | None:
    """When the earliest held alert is due, or None."""
    due: datetime | None = connection.scalar(
        select(func.min(deliveries.c.next_attempt_at)).where(deliveries.c.state == HELD)
    )
    return due
