"""Stored watches: added, replaced, removed with a tombstone, versioned in commit order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.storage import watches as store
from bot.storage.db import open_database


def test_watches_change_with_growing_versions_and_removals_leave_tombstones(
    database_url: str,
) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        assert store.put_watch(connection, 5, "hormuz", "Hormuz", limit=3) is False
        assert store.put_watch(connection, 5, "hormuz", "Hormuz $USO", limit=3) is True
        store.put_watch(connection, 5, "peace", "NEAR/5(Putin talks)", limit=3)
        store.put_watch(connection, 6, "hormuz", "Hormuz", limit=3)
    with engine.begin() as connection:
        assert [(w.name, w.query) for w in store.chat_watches(connection, 5)] == [
            ("hormuz", "Hormuz $USO"),
            ("peace", "NEAR/5(Putin talks)"),
        ]
        seen = store.latest_version(connection)
        assert store.remove_watches(connection, 5, ["peace", "nosuch"]) == ["peace"]
        changes = store.watch_changes(connection, seen)
        assert [(w.chat_id, w.name, w.removed) for w in changes] == [(5, "peace", True)]
        assert changes[0].version > seen
        assert store.watch_count(connection, 5) == 1
        # Added again after removal: a watch like any other.
        assert store.put_watch(connection, 5, "peace", "ceasefire", limit=3) is False
        assert store.remove_watches(connection, 5, None) == ["hormuz", "peace"]
        assert store.chat_watches(connection, 5) == []
        assert store.prune_removed(connection, datetime.now(UTC) + timedelta(seconds=1)) == 2
        assert [w.chat_id for w in store.watch_changes(connection, 0)] == [6]


def test_the_limit_holds_when_commands_race(database_url: str) -> None:
    engine = open_database(database_url)

    def add(index: int) -> bool:
        try:
            with engine.begin() as connection:
                store.put_watch(connection, 9, f"w{index}", "Hormuz", limit=3)
        except store.TooManyWatches:
            return False
        return True

    with ThreadPoolExecutor(4) as pool:
        added = list(pool.map(add, range(8)))
    assert added.count(True) == 3
    with engine.connect() as connection:
        assert store.watch_count(connection, 9) == 3
        versions = [w.version for w in store.watch_changes(connection, 0)]
    assert versions == sorted(set(versions))


def test_a_full_chat_is_told_so(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    with engine.begin() as connection:
        store.put_watch(connection, 1, "a", "Iran", limit=1)
        with pytest.raises(store.TooManyWatches):
            store.put_watch(connection, 1, "b", "Iraq", limit=1)
