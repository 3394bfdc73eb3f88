"""What a feedback button needs of the alert it sits under: its chat, kind and rules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, or_, select

from bot.storage.forums import TOPIC_HOLD
from bot.storage.held import HELD
from bot.storage.models import deliveries


@dataclass(frozen=True, slots=True)
class DeliveredAlert:
    """One ledger row as a button press reads it."""

    id: int
    chat_id: int
    kind: str
    rules: str  # `topic/rule` pairs, comma-separated
    article_id: str = ""


def delivered_alert(connection: Connection, delivery_id: int) -> DeliveredAlert | None:
    """The ledger row of this id, or None when it was pruned (or never existed)."""
    row = connection.execute(
        select(
            deliveries.c.id,
            deliveries.c.chat_id,
            deliveries.c.kind,
            deliveries.c.rules,
            deliveries.c.article_id,
        ).where(deliveries.c.id == delivery_id)
    ).first()
    if row is None:
        return None
    return DeliveredAlert(row.id, row.chat_id, row.kind, row.rules or "", row.article_id)


def chat_held(connection: Connection, chat_id: int) -> int:
    """How many alerts the chat has held for a digest (not those waiting for a closed topic)."""
    return int(
        connection.scalar(
            select(func.count())
            .select_from(deliveries)
            .where(
                deliveries.c.chat_id == chat_id,
                deliveries.c.state == HELD,
                or_(deliveries.c.hold.is_(None), deliveries.c.hold != TOPIC_HOLD),
            )
        )
        or 0
    )
