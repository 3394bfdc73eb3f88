"""Chats and their subscriptions: topics and `$TICKER`s, plus mute settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.db import engine_url, make_engine
from bot.storage.models import (
    articles,
    chats,
    feedback,
    muted_rules,
    subscriptions,
    tickers_seen,
)

TOPIC = "topic"
TICKER = "ticker"
_CHUNK = 500  # keeps IN lists under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """When a chat hears alerts, as stored: zone, quiet hours (minutes), digest times, mute."""

    timezone: str | None = None
    quiet: tuple[int, int] | None = None
    digest_times: str | None = None
    muted_until: datetime | None = None
    muted_rules: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One chat's subscriptions among the topics and tickers an article touches."""

    chat_id: int
    topics: frozenset[str]
    tickers: frozenset[str]
    muted_until: datetime | None
    settings: ChatSettings = ChatSettings()


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


def subscribe_up_to(
    connection: Connection, chat_id: int, kind: str, values: Iterable[str], limit: int
) -> tuple[list[str], list[str]]:
    """Add subscriptions until the chat has `limit` of this kind: (added, refused).

    Values the chat follows already are in neither list. Call `remember_chat` first in the
    same transaction: on PostgreSQL its row lock makes two commands of one chat take turns,
    so together they cannot pass the limit.
    """
    followed = set(
        connection.scalars(
            select(subscriptions.c.value).where(
                subscriptions.c.chat_id == chat_id, subscriptions.c.kind == kind
            )
        )
    )
    wanted = [value for value in dict.fromkeys(values) if value not in followed]
    room = max(0, limit - len(followed))
    return subscribe(connection, chat_id, kind, wanted[:room]), wanted[room:]


def unseen_tickers(connection: Connection, symbols: Iterable[str]) -> list[str]:
    """The symbols among these that no recorded article has ever carried, in their order."""
    wanted = list(dict.fromkeys(symbols))
    seen: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        seen.update(
            connection.scalars(
                select(tickers_seen.c.symbol).where(tickers_seen.c.symbol.in_(chunk))
            )
        )
    return [symbol for symbol in wanted if symbol not in seen]


def articles_recorded(connection: Connection, *, up_to: int) -> int:
    """How many articles the bot has recorded, counted no further than `up_to`."""
    first = select(articles.c.id).limit(up_to).subquery()
    return int(connection.scalar(select(func.count()).select_from(first)) or 0)


def set_kicked(connection: Connection, chat_id: int, chat_type: str, *, kicked: bool) -> None:
    """Record that the bot was removed from the chat (True) or is in it again (False)."""
    moment = _now()
    statement = _insert(connection, chats).values(
        chat_id=chat_id, chat_type=chat_type, created=moment, updated=moment, kicked=kicked
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[chats.c.chat_id],
            set_={"chat_type": chat_type, "updated": moment, "kicked": kicked},
        )
    )


def is_kicked(connection: Connection, chat_id: int) -> bool:
    """Whether the bot was removed from the chat and not added back since."""
    return bool(connection.scalar(select(chats.c.kicked).where(chats.c.chat_id == chat_id)))


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
    matching = or_(*wanted)
    rows = connection.execute(
        select(
            subscriptions.c.chat_id,
            subscriptions.c.kind,
            subscriptions.c.value,
            chats.c.timezone,
            chats.c.quiet_start,
            chats.c.quiet_end,
            chats.c.digest_times,
            chats.c.muted_until,
        )
        .select_from(subscriptions.outerjoin(chats, chats.c.chat_id == subscriptions.c.chat_id))
        .where(matching)
    )
    found: dict[int, tuple[set[str], set[str], ChatSettings]] = {}
    for row in rows:
        if row.chat_id not in found:
            found[row.chat_id] = (set(), set(), _settings(row))
        topic_set, ticker_set, _ = found[row.chat_id]
        (topic_set if row.kind == TOPIC else ticker_set).add(row.value)
    muted: dict[int, set[tuple[str, str]]] = {}
    chat_ids = select(subscriptions.c.chat_id).where(matching)
    for mute in connection.execute(
        select(muted_rules.c.chat_id, muted_rules.c.topic, muted_rules.c.rule).where(
            muted_rules.c.chat_id.in_(chat_ids)
        )
    ):
        muted.setdefault(mute.chat_id, set()).add((mute.topic, mute.rule))
    result = []
    for chat_id, (topic_set, ticker_set, settings) in sorted(found.items()):
        if chat_id in muted:
            settings = dataclasses.replace(settings, muted_rules=frozenset(muted[chat_id]))
        result.append(
            Subscriber(
                chat_id, frozenset(topic_set), frozenset(ticker_set), settings.muted_until, settings
            )
        )
    return result


def _settings(row: Row[*tuple[Any, ...]]) -> ChatSettings:
    """The settings columns of a row that joined `chats` (None where the chat has no row)."""
    quiet = (
        (row.quiet_start, row.quiet_end)
        if row.quiet_start is not None and row.quiet_end is not None
        else None
    )
    return ChatSettings(row.timezone, quiet, row.digest_times, row.muted_until)


def chat_settings_of(connection: Connection, chat_ids: list[int]) -> dict[int, ChatSettings]:
    """The delivery settings of these chats (defaults for a chat with no row)."""
    found: dict[int, ChatSettings] = {chat_id: ChatSettings() for chat_id in chat_ids}
    muted: dict[int, set[tuple[str, str]]] = {}
    for start in range(0, len(chat_ids), _CHUNK):
        chunk = chat_ids[start : start + _CHUNK]
        for row in connection.execute(
            select(muted_rules.c.chat_id, muted_rules.c.topic, muted_rules.c.rule).where(
                muted_rules.c.chat_id.in_(chunk)
            )
        ):
            muted.setdefault(row.chat_id, set()).add((row.topic, row.rule))
        for chat in connection.execute(
            select(
                chats.c.chat_id,
                chats.c.timezone,
                chats.c.quiet_start,
                chats.c.quiet_end,
                chats.c.digest_times,
                chats.c.muted_until,
            ).where(chats.c.chat_id.in_(chunk))
        ):
            found[chat.chat_id] = _settings(chat)
    for chat_id, pairs in muted.items():
        found[chat_id] = dataclasses.replace(found[chat_id], muted_rules=frozenset(pairs))
    return found


def chat_settings(connection: Connection, chat_id: int) -> ChatSettings:
    """One chat's delivery settings."""
    return chat_settings_of(connection, [chat_id])[chat_id]


def set_timezone(connection: Connection, chat_id: int, name: str | None) -> None:
    """The chat's IANA time zone (None: the operator's default); the chat row must exist."""
    _update_chat(connection, chat_id, timezone=name)


def set_quiet_hours(connection: Connection, chat_id: int, window: tuple[int, int] | None) -> None:
    """Quiet hours as minutes after midnight (start, end), or None for none."""
    start, end = window if window is not None else (None, None)
    _update_chat(connection, chat_id, quiet_start=start, quiet_end=end)


def set_digest_times(connection: Connection, chat_id: int, times: str | None) -> None:
    """Digest times as `08:00,18:00`, or None to send alerts at once."""
    _update_chat(connection, chat_id, digest_times=times)


def _update_chat(connection: Connection, chat_id: int, **values: object) -> None:
    connection.execute(
        update(chats).where(chats.c.chat_id == chat_id).values(updated=_now(), **values)
    )


def mute_rules(
    connection: Connection, chat_id: int, rules: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Stop this chat hearing these (topic, rule)s; returns those newly muted."""
    added = []
    for topic, rule in dict.fromkeys(rules):
        result = connection.execute(
            _insert(connection, muted_rules)
            .values(chat_id=chat_id, topic=topic, rule=rule, created=_now())
            .on_conflict_do_nothing(index_elements=["chat_id", "topic", "rule"])
            .returning(muted_rules.c.id)
        )
        if result.first() is not None:
            added.append((topic, rule))
    return added


def unmute_rules(
    connection: Connection, chat_id: int, rules: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Let these (topic, rule)s reach the chat again; returns those that were muted."""
    removed = []
    for topic, rule in dict.fromkeys(rules):
        result = connection.execute(
            delete(muted_rules).where(
                muted_rules.c.chat_id == chat_id,
                muted_rules.c.topic == topic,
                muted_rules.c.rule == rule,
            )
        )
        if result.rowcount:
            removed.append((topic, rule))
    return removed


def record_feedback(
    connection: Connection,
    chat_id: int,
    rules: Iterable[tuple[str, str]],
    action: str,
    article_id: str | None = None,
) -> None:
    """Count one press of a feedback button for each of these rules (under the alert of
    this article)."""
    at = _now()
    rows = [
        {
            "chat_id": chat_id,
            "topic": topic,
            "rule": rule,
            "action": action,
            "at": at,
            "article_id": article_id,
        }
        for topic, rule in dict.fromkeys(rules)
    ]
    if rows:
        connection.execute(feedback.insert(), rows)


def most_muted(connection: Connection, limit: int = 5) -> list[tuple[str, str, int]]:
    """The rules chats asked to hear less of most, net of undos: (topic, rule, presses)."""
    net = func.sum(case((feedback.c.action == "less", 1), else_=-1))
    rows = connection.execute(
        select(feedback.c.topic, feedback.c.rule, net.label("presses"))
        .where(feedback.c.action.in_(("less", "undo")))
        .group_by(feedback.c.topic, feedback.c.rule)
        .having(net > 0)
        .order_by(net.desc(), feedback.c.topic, feedback.c.rule)
        .limit(limit)
    )
    return [(row.topic, row.rule, int(row.presses)) for row in rows]


@dataclass(frozen=True, slots=True)
class LessPressed:
    """An article whose alert chats asked to hear less like, net of undos."""

    article_id: str
    topic: str
    rule: str
    chats: int  # chats whose last press on it was `Less like this`


def less_pressed(connection: Connection) -> list[LessPressed]:
    """Every (article, rule) chats pressed `Less like this` under, net of undos per chat."""
    net = func.sum(case((feedback.c.action == "less", 1), else_=-1))
    per_chat = (
        select(feedback.c.article_id, feedback.c.topic, feedback.c.rule, feedback.c.chat_id)
        .where(feedback.c.action.in_(("less", "undo")), feedback.c.article_id.is_not(None))
        .group_by(feedback.c.article_id, feedback.c.topic, feedback.c.rule, feedback.c.chat_id)
        .having(net > 0)
        .subquery()
    )
    chats = func.count().label("chats")
    rows = connection.execute(
        select(per_chat.c.article_id, per_chat.c.topic, per_chat.c.rule, chats)
        .group_by(per_chat.c.article_id, per_chat.c.topic, per_chat.c.rule)
        .order_by(chats.desc(), per_chat.c.article_id, per_chat.c.topic, per_chat.c.rule)
    )
    return [LessPressed(row.article_id, row.topic, row.rule, int(row.chats)) for row in rows]


def less_pressed_in(database_url: str) -> list[LessPressed] | None:
    """`less_pressed` of a database as it stands (never migrated or created); None if
    unreadable."""
    url = make_url(engine_url(database_url))
    if url.drivername.startswith("sqlite") and not Path(url.database or "").is_file():
        return None  # connecting would create an empty file
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return less_pressed(connection)
    except SQLAlchemyError:
        return None  # unreachable, or a database from before presses named their article
    finally:
        engine.dispose()


def most_muted_in(database_url: str, limit: int = 10) -> list[tuple[str, str, int]] | None:
    """`most_muted` of a database as it stands (never migrated or created); None if unreadable."""
    url = make_url(engine_url(database_url))
    if url.drivername.startswith("sqlite") and not Path(url.database or "").is_file():
        return None  # connecting would create an empty file
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return most_muted(connection, limit)
    except SQLAlchemyError:
        return None  # unreachable, or a database from before feedback was recorded
    finally:
        engine.dispose()


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
