"""Watches: a chat's own one-line queries, versioned so every process sees each change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.errors import NewsbotError
from bot.storage.models import watch_clock, watches


@dataclass(frozen=True, slots=True)
class Watch:
    """One stored watch; a `removed` one is a tombstone telling pollers it is gone."""

    chat_id: int
    name: str
    query: str
    version: int
    removed: bool = False
    created: datetime | None = None


class TooManyWatches(NewsbotError):
    """The chat already keeps as many watches as allowed."""


def _now() -> datetime:
    return datetime.now(UTC)


def _next_version(connection: Connection) -> int:
    """The next version; its row lock holds other writers until this transaction ends."""
    version = connection.scalar(
        update(watch_clock)
        .where(watch_clock.c.id == 1)
        .values(version=watch_clock.c.version + 1)
        .returning(watch_clock.c.version)
    )
    if version is None:  # a database whose migration lost the row
        connection.execute(watch_clock.insert().values(id=1, version=1))
        return 1
    return int(version)


def put_watch(
    connection: Connection,
    chat_id: int,
    name: str,
    query: str,
    *,
    limit: int,
    now: datetime | None = None,
) -> bool:
    """Add or replace the chat's watch `name`; returns whether it replaced one.

    Raises TooManyWatches when it is new and the chat keeps `limit` already.
    """
    version = _next_version(connection)  # first: concurrent commands of a chat queue here
    moment = now or _now()
    existing = connection.execute(
        select(watches.c.removed).where(watches.c.chat_id == chat_id, watches.c.name == name)
    ).first()
    replaced = existing is not None and not existing.removed
    if not replaced and watch_count(connection, chat_id) >= limit:
        raise TooManyWatches(f"chat {chat_id} keeps {limit} watches already")
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    statement = insert(watches).values(
        chat_id=chat_id,
        name=name,
        query=query,
        created=moment,
        updated=moment,
        version=version,
        removed=False,
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["chat_id", "name"],
            set_={
                "query": query,
                "updated": moment,
                "version": version,
                "removed": False,
                # A watch added again after removal starts afresh.
                "created": statement.excluded.created if not replaced else watches.c.created,
            },
        )
    )
    return replaced


def remove_watches(connection: Connection, chat_id: int, names: list[str] | None) -> list[str]:
    """Remove the chat's watches of these names (None: all); returns the names removed."""
    wanted = [
        watches.c.chat_id == chat_id,
        watches.c.removed.is_(False),
    ]
    if names is not None:
        if not names:
            return []
        wanted.append(watches.c.name.in_(names))
    found = sorted(connection.scalars(select(watches.c.name).where(*wanted)))
    if not found:
        return []
    connection.execute(
        update(watches)
        .where(*wanted, watches.c.name.in_(found))
        .values(removed=True, version=_next_version(connection), updated=_now())
    )
    return found


def chat_watches(connection: Connection, chat_id: int) -> list[Watch]:
    """The chat's watches, by name."""
    rows = connection.execute(
        select(watches)
        .where(watches.c.chat_id == chat_id, watches.c.removed.is_(False))
        .order_by(watches.c.name)
    )
    return [_watch(row) for row in rows]


def watch_count(connection: Connection, chat_id: int) -> int:
    """How many watches the chat keeps."""
    return (
        connection.scalar(
            select(func.count())
            .select_from(watches)
            .where(watches.c.chat_id == chat_id, watches.c.removed.is_(False))
        )
        or 0
    )


def watch_changes(connection: Connection, since: int) -> list[Watch]:
    """Every watch (tombstones too) changed after version `since`, oldest change first.

    `since=0` reads them all: what a process loads at start.
    """
    rows = connection.execute(
        select(
            watches.c.chat_id,
            watches.c.name,
            watches.c.query,
            watches.c.version,
            watches.c.removed,
        )
        .where(watches.c.version > since)
        .order_by(watches.c.version)
    )
    return [Watch(row.chat_id, row.name, row.query, row.version, row.removed) for row in rows]


def latest_version(connection: Connection) -> int:
    """The version of the latest change any process made (0: none yet)."""
    return int(connection.scalar(select(func.max(watches.c.version))) or 0)


def prune_removed(connection: Connection, before: datetime) -> int:
    """Forget tombstones older than `before` (every running process has seen them)."""
    result = connection.execute(
        delete(watches).where(watches.c.removed.is_(True), watches.c.updated < before)
    )
    return result.rowcount or 0


def move_chat_watches(connection: Connection, old_chat_id: int, new_chat_id: int) -> int:
    """A group that became a supergroup keeps its watches; returns how many moved."""
    moved = chat_watches(connection, old_chat_id)
    if not moved:
        return 0
    remove_watches(connection, old_chat_id, None)
    for watch in moved:
        put_watch(connection, new_chat_id, watch.name, watch.query, limit=1 << 30)
    return len(moved)


def _watch(row: object) -> Watch:
    return Watch(
        row.chat_id,  # type: ignore[attr-defined]
        row.name,  # type: ignore[attr-defined]
        row.query,  # type: ignore[attr-defined]
        row.version,  # type: ignore[attr-defined]
        row.removed,  # type: ignore[attr-defined]
        row.created,  # type: ignore[attr-defined]
    )
