"""Housekeeping's deletions: old finished deliveries and old watch tombstones, in one call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from bot.storage.deliveries import prune_finished
from bot.storage.watches import prune_removed


def prune_history(
    connection: Connection, *, deliveries_before: datetime, tombstones_before: datetime
) -> int:
    """Forget watch tombstones and finished deliveries older than each date; returns how many
    deliveries went."""
    prune_removed(connection, tombstones_before)
    return prune_finished(connection, created_before=deliveries_before)
