"""The delivery queue at a glance, for metrics and health: depth, oldest, overdue rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, type_coerce

from bot.storage.deliveries import PENDING
from bot.storage.models import UTCDateTime, deliveries


@dataclass(frozen=True, slots=True)
class QueueStats:
    """How many deliveries wait to be sent, and when the oldest of them was written."""

    depth: int
    oldest_created: datetime | None


def queue_stats(connection: Connection) -> QueueStats:
    """The pending deliveries: how many, and the creation time of the oldest."""
    oldest = type_coerce(func.min(deliveries.c.created), UTCDateTime())
    depth, created = connection.execute(
        select(func.count(), oldest).where(deliveries.c.state == PENDING)
    ).one()
    return QueueStats(int(depth or 0), created)


def overdue_count(connection: Connection, *, due_before: datetime) -> int:
    """Pending deliveries that were due already before `due_before`, claimed or not."""
    return int(
        connection.scalar(
            select(func.count()).where(
                deliveries.c.state == PENDING, deliveries.c.next_attempt_at < due_before
            )
        )
        or 0
    )
