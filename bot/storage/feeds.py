"""Feed state: conditional-GET validators, errors and the next poll, one row per feed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, RowMapping, select

from bot.storage.models import feed_state


@dataclass(frozen=True, slots=True)
class FeedState:
    """What is remembered about a feed between polls (one row of feed_state)."""

    etag: str | None = None
    last_modified: str | None = None
    last_poll: datetime | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    failing_since: datetime | None = None
    polled_ok_before: bool = False  # False until the first successful poll


_STATE_FIELDS = tuple(field.name for field in fields(FeedState))


def _state_of(row: RowMapping) -> FeedState:
    return FeedState(**{key: row[key] for key in _STATE_FIELDS if key in row})


def load_feed_states(connection: Connection) -> dict[str, FeedState]:
    """The stored state of every feed ever polled, by feed name."""
    return {
        row["name"]: _state_of(row) for row in connection.execute(select(feed_state)).mappings()
    }


def load_feed_state(connection: Connection, name: str) -> FeedState:
    """One feed's stored state (a fresh one if it was never polled)."""
    found = connection.execute(select(feed_state).where(feed_state.c.name == name)).mappings()
    row = found.first()
    return FeedState() if row is None else _state_of(row)


def next_polls(connection: Connection) -> dict[str, datetime | None]:
    """When each feed ever polled is due again, by feed name."""
    rows = connection.execute(select(feed_state.c.name, feed_state.c.next_poll))
    return {name: at for name, at in rows}


def save_feed_state(connection: Connection, name: str, url: str, state: FeedState) -> None:
    """Store a feed's state after a poll (insert or replace)."""
    values = {"url": url, **asdict(state)}
    updated = connection.execute(
        feed_state.update().where(feed_state.c.name == name).values(**values)
    ).rowcount
    if not updated:
        connection.execute(feed_state.insert().values(name=name, **values))
