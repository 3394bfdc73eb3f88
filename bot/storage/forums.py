"""Forum topics: which topic thread each subscription's alerts go to, and topics Telegram closed.

A route is the `thread_id` of a subscription (None: the General topic). A closed topic's
alerts wait in the ledger as `held` (hold `topic`, due never) until the topic is reopened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, select, update

from bot.storage.held import HELD
from bot.storage.models import deliveries, forum_topics, subscriptions

TOPIC_HOLD = "topic"  # the `hold` of an alert waiting for its closed forum topic
# Held for a closed topic: due only when the topic reopens, never for a digest.
NEVER = datetime(9999, 1, 1, tzinfo=UTC)
_PENDING = "pending"
_CHUNK = 500

Routes = dict[tuple[str, str], int | None]


@dataclass(frozen=True, slots=True)
class Route:
    """One subscription and the forum topic its alerts go to (None: General)."""

    kind: str
    value: str
    thread_id: int | None
    closed: bool


def set_route(
    connection: Connection, chat_id: int, kind: str, values: Iterable[str], thread_id: int | None
) -> int:
    """Send these subscriptions' alerts to the topic `thread_id` (None: General); how many."""
    wanted = list(values)
    if not wanted:
        return 0
    result = connection.execute(
        update(subscriptions)
        .where(
            subscriptions.c.chat_id == chat_id,
            subscriptions.c.kind == kind,
            subscriptions.c.value.in_(wanted),
        )
        .values(thread_id=thread_id)
    )
    return result.rowcount or 0


def routes_of(connection: Connection, chat_ids: Iterable[int]) -> dict[int, Routes]:
    """The subscriptions of these chats routed to a forum topic (the rest go to General)."""
    wanted = sorted(set(chat_ids))
    found: dict[int, Routes] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = connection.execute(
            select(
                subscriptions.c.chat_id,
                subscriptions.c.kind,
                subscriptions.c.value,
                subscriptions.c.thread_id,
            ).where(
                subscriptions.c.chat_id.in_(wanted[start : start + _CHUNK]),
                subscriptions.c.thread_id.is_not(None),
            )
        )
        for chat_id, kind, value, thread_id in rows:
            found.setdefault(int(chat_id), {})[(kind, value)] = int(thread_id)
    return found


def closed_topics(connection: Connection, chat_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (chat, thread) pairs among these chats whose topic is closed."""
    wanted = sorted(set(chat_ids))
    found: set[tuple[int, int]] = set()
    for start in range(0, len(wanted), _CHUNK):
        rows = connection.execute(
            select(forum_topics.c.chat_id, forum_topics.c.thread_id).where(
                forum_topics.c.chat_id.in_(wanted[start : start + _CHUNK]),
                forum_topics.c.state == "closed",
            )
        )
        found.update((int(chat), int(thread)) for chat, thread in rows)
    return found


def chat_routes(connection: Connection, chat_id: int) -> list[Route]:
    """A chat's subscriptions routed to forum topics, for `/list`."""
    closed = closed_topics(connection, [chat_id])
    rows = connection.execute(
        select(subscriptions.c.kind, subscriptions.c.value, subscriptions.c.thread_id)
        .where(subscriptions.c.chat_id == chat_id, subscriptions.c.thread_id.is_not(None))
        .order_by(subscriptions.c.thread_id, subscriptions.c.kind, subscriptions.c.value)
    )
    return [
        Route(kind, value, int(thread), (chat_id, int(thread)) in closed)
        for kind, value, thread in rows
    ]


def close_topic(connection: Connection, chat_id: int, thread_id: int, *, now: datetime) -> bool:
    """Note the topic closed and hold its pending alerts; True when the chat is to be told."""
    row = connection.execute(
        select(forum_topics.c.state, forum_topics.c.told).where(
            forum_topics.c.chat_id == chat_id, forum_topics.c.thread_id == thread_id
        )
    ).first()
    if row is None:
        connection.execute(
            forum_topics.insert().values(
                chat_id=chat_id, thread_id=thread_id, state="closed", told=True, updated=now
            )
        )
    else:
        connection.execute(
            update(forum_topics)
            .where(forum_topics.c.chat_id == chat_id, forum_topics.c.thread_id == thread_id)
            .values(state="closed", told=True, updated=now)
        )
    connection.execute(
        update(deliveries)
        .where(_of_thread(chat_id, thread_id), deliveries.c.state == _PENDING)
        .values(
            state=HELD, hold=TOPIC_HOLD, next_attempt_at=NEVER, claimed_until=None, claim_owner=None
        )
    )
    return row is None or not row.told


def reopen_topic(
    connection: Connection, chat_id: int, thread_id: int | None, *, now: datetime
) -> int:
    """The topic is open again: its held alerts are due now; returns how many."""
    if thread_id is None:
        return 0
    connection.execute(
        delete(forum_topics).where(
            forum_topics.c.chat_id == chat_id, forum_topics.c.thread_id == thread_id
        )
    )
    return _release(connection, chat_id, thread_id, to_thread=thread_id, now=now)


def topic_deleted(connection: Connection, chat_id: int, thread_id: int, *, now: datetime) -> bool:
    """The topic is gone: its routes and alerts (held ones too) go to General, due now.

    True when routes moved (the chat is to be told; a second failed send finds none).
    """
    moved = connection.execute(
        update(subscriptions)
        .where(subscriptions.c.chat_id == chat_id, subscriptions.c.thread_id == thread_id)
        .values(thread_id=None)
    ).rowcount
    connection.execute(
        delete(forum_topics).where(
            forum_topics.c.chat_id == chat_id, forum_topics.c.thread_id == thread_id
        )
    )
    _release(connection, chat_id, thread_id, to_thread=None, now=now)
    connection.execute(
        update(deliveries)
        .where(_of_thread(chat_id, thread_id), deliveries.c.state == _PENDING)
        .values(thread_id=None, next_attempt_at=now, claimed_until=None, claim_owner=None)
    )
    return bool(moved)


def held_for_topics(connection: Connection, chat_id: int) -> int:
    """How many of the chat's alerts wait for a closed topic."""
    return len(
        connection.execute(
            select(deliveries.c.id).where(
                deliveries.c.chat_id == chat_id,
                deliveries.c.state == HELD,
                deliveries.c.hold == TOPIC_HOLD,
            )
        ).all()
    )


def _release(
    connection: Connection, chat_id: int, thread_id: int, *, to_thread: int | None, now: datetime
) -> int:
    result = connection.execute(
        update(deliveries)
        .where(
            _of_thread(chat_id, thread_id),
            deliveries.c.state == HELD,
            deliveries.c.hold == TOPIC_HOLD,
        )
        .values(state=_PENDING, hold=None, thread_id=to_thread, next_attempt_at=now)
    )
    return result.rowcount or 0


def _of_thread(chat_id: int, thread_id: int):  # type: ignore[no-untyped-def]
    return and_(deliveries.c.chat_id == chat_id, deliveries.c.thread_id == thread_id)
