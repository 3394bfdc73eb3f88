"""A feed's new-item times: the latest 50 kept per feed, the last one per feed read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.db import open_database
from bot.storage.feed_activity import last_new_items, new_item_times, note_new_items

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def test_only_the_latest_times_are_kept_and_the_last_is_read_per_feed(database_url: str) -> None:
    engine = open_database(database_url)
    try:
        with engine.begin() as connection:
            for step in range(60):
                note_new_items(connection, "wire", T0 + timedelta(minutes=step))
            note_new_items(connection, "wire", T0 + timedelta(minutes=59))  # the same poll again
            note_new_items(connection, "other", T0)
        with engine.connect() as connection:
            times = new_item_times(connection, "wire")
            last = last_new_items(connection, ["wire", "other", "never"])
        assert len(times) == 50
        assert times[0] == T0 + timedelta(minutes=10) and times[-1] == T0 + timedelta(minutes=59)
        assert last == {"wire": T0 + timedelta(minutes=59), "other": T0}
    finally:
        engine.dispose()
