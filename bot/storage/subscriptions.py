"""Chats and their subscriptions: topics and `$TICKER`s, plus mute settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import chats, subscriptions

TOPIC = "topic"
TICKER = "ticker"


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One chat's subscriptions among the topics and tickers an article touches."""

    chat_id: int
    topics: frozenset[str]
    tickers: frozenset[str]
    muted_until: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _insert(connection: Connection, table):  # type: ignore[no-untyped-def]
    """An INSERT that can ignore conflicts, in this connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def remember_chat(
    connection: Connection, chat_id: int, chat_type: str, *, now: datetime | None = None
) -> None:
    """Record a chat (or refresh its type) so its settings have a row."""
    moment = now or _now()
    statement = _insert(connection, chats).values(
        chat_id=chat_id, chat_type=chat_type, created=moment, updated=moment
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[chats.c.chat_id], set_={"chat_type": chat_type, "updated": moment}
        )
    )


def subscribe(
    connection: Connection,
    chat_id: int,
    kind: str,
    values: Iterable[str],
    *,
    now: datetime | None = None,
) -> list[str]:
    """Add subscriptions; returns the values that were new."""
    moment = now or _now()
    added = []
    for value in dict.fromkeys(values):
        result = connection.execute(
            _insert(connection, subscriptions)
            .values(chat_id=chat_id, kind=kind, value=value, created=moment)
            .on_conflict_do_nothing(index_elements=["chat_id", "kind", "value"])
            .returning(subscriptions.c.id)
        )
        if result.first() is not None:
            added.append(value)
    return added


def unsubscribe(
    connection: Connection, chat_id: int, kind: str, values: Iterable[str]
) -> list[str]:
    """Remove subscriptions; returns the values that were there."""
    removed = []
    for value in dict.fromkeys(values):
        result = connection.execute(
            delete(subscriptions).where(
                subscriptions.c.chat_id == chat_id,
                subscriptions.c.kind == kind,
                subscriptions.c.value == value,
            )
        )
        if result.rowcount:
            removed.append(value)
    return removed


def unsubscribe_all(connection: Connection, chat_id: int) -> int:
    """Remove every subscription of the chat; returns how many there were."""
    result = connection.execute(delete(subscriptions).where(subscriptions.c.chat_id == chat_id))
    return result.rowcount or 0


def chat_subscriptions(connection: Connection, chat_id: int) -> list[tuple[str, str]]:
    """The chat's subscriptions as (kind, value), topics first, each sorted."""
    rows = connection.execute(
        select(subscriptions.c.kind, subscriptions.c.value)
        .where(subscriptions.c.chat_id == chat_id)
        .order_by(subscriptions.c.kind.desc(), subscriptions.c.value)
    )
    return [(row.kind, row.value) for row in rows]


def set_muted_until(connection: Connection, chat_id: int, until: datetime | None) -> None:
    """Mute the chat until a moment (None: unmute); the chat row must exist."""
    connection.execute(
        update(chats).where(chats.c.chat_id == chat_id).values(muted_until=until, updated=_now())
    )


def muted_until(connection: Connection, chat_id: int) -> datetime | None:
    """When the chat's mute ends, or None when it is not muted (or never was)."""
    return connection.scalar(select(chats.c.muted_until).where(chats.c.chat_id == chat_id))


def subscribers(
    connection: Connection, topics: Iterable[str], tickers: Iterable[str]
) -> list[Subscriber]:
    """Every chat subscribed to any of these topics or tickers, with what it matched."""
    topic_list, ticker_list = sorted(set(topics)), sorted(set(tickers))
    wanted = []
    if topic_list:
        wanted.append(and_(subscriptions.c.kind == TOPIC, subscriptions.c.value.in_(topic_list)))
    if ticker_list:
        wanted.append(and_(subscriptions.c.kind == TICKER, subscriptions.c.value.in_(ticker_list)))
    if not wanted:
        return []
    rows = connection.execute(
        select(
            subscriptions.c.chat_id,
            subscriptions.c.kind,
            subscriptions.c.value,
            chats.c.muted_until,
        )
        .select_from(subscriptions.outerjoin(chats, chats.c.chat_id == subscriptions.c.chat_id))
        .where(or_(*wanted))
    )
    found: dict[int, tuple[set[str], set[str], datetime | None]] = {}
    for row in rows:
        topic_set, ticker_set, _ = found.setdefault(row.chat_id, (set(), set(), row.muted_until))
        (topic_set if row.kind == TOPIC else ticker_set).add(row.value)
    return [
        Subscriber(chat_id, frozenset(topic_set), frozenset(ticker_set), until)
        for chat_id, (topic_set, ticker_set, until) in sorted(found.items())
    ]


def move_chat_subscriptions(connection: Connection, old_chat_id: int, new_chat_id: int) -> int:
    """Move a chat's subscriptions and settings to its new id (a group became a supergroup)."""
    moved = 0
    for kind, value in chat_subscriptions(connection, old_chat_id):
        moved += len(subscribe(connection, new_chat_id, kind, [value]))
    unsubscribe_all(connection, old_chat_id)
    old = connection.execute(select(chats).where(chats.c.chat_id == old_chat_id)).first()
    if old is not None:
        remember_chat(connection, new_chat_id, "supergroup")
        set_muted_until(connection, new_chat_id, old.muted_until)
        connection.execute(delete(chats).where(chats.c.chat_id == old_chat_id))
    return moved


def subscription_count(connection: Connection) -> int:
    """How many subscriptions there are, over every chat."""
    return connection.scalar(select(func.count()).select_from(subscriptions)) or 0
