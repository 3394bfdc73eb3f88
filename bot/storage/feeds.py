"""Feed state: conditional-GET validators, errors and the next poll, one row per feed."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from bot.storage.models import feed_state

if TYPE_CHECKING:
    from bot.sources.fetch import FeedState


def load_feed_states(connection: Connection) -> dict[str, FeedState]:
    """The stored state of every feed ever polled, by feed name."""
    from bot.sources.fetch import FeedState

    names = {field.name for field in fields(FeedState)}
    states: dict[str, FeedState] = {}
    for row in connection.execute(select(feed_state)).mappings():
        states[row["name"]] = FeedState(**{key: row[key] for key in names if key in row})
    return states


def save_feed_state(connection: Connection, name: str, url: str, state: FeedState) -> None:
    """Store a feed's state after a poll (insert or replace)."""
    values = {"url": url, **asdict(state)}
    updated = connection.execute(
        feed_state.update().where(feed_state.c.name == name).values(**values)
    ).rowcount
    if not updated:
        connection.execute(feed_state.insert().values(name=name, **values))
