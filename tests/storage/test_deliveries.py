"""Subscriptions and the delivery ledger on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage import deliveries as ledger
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.storage.models import deliveries


def _row(article_id: str, chat_id: int, **extra: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "article_id": article_id,
        "chat_id": chat_id,
        "text": f"alert {article_id}",
        "silent": False,
        "priority": "normal",
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created": now,
        **extra,
    }


def test_subscriptions_round_trip(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.remember_chat(connection, 10, "private")
        subs.remember_chat(connection, -20, "group")
        assert subs.subscribe(connection, 10, "topic", ["oil", "gold", "oil"]) == ["oil", "gold"]
        assert subs.subscribe(connection, 10, "topic", ["oil"]) == []
        subs.subscribe(connection, 10, "ticker", ["USO"])
        subs.subscribe(connection, -20, "topic", ["gold"])
        subs.subscribe(connection, 3_000_000_000, "topic", ["oil"])  # ids beyond 32 bits
    with engine.begin() as connection:
        assert subs.chat_subscriptions(connection, 10) == [
            ("topic", "gold"),
            ("topic", "oil"),
            ("ticker", "USO"),
        ]
        found = {s.chat_id: s for s in subs.subscribers(connection, ["oil"], ["USO"])}
        assert set(found) == {10, 3_000_000_000}
        assert found[10].topics == {"oil"} and found[10].tickers == {"USO"}
        assert subs.unsubscribe(connection, 10, "topic", ["oil", "nope"]) == ["oil"]
        assert subs.unsubscribe_all(connection, 10) == 2


def test_mute_and_move(database_url: str) -> None:
    engine = open_database(database_url)
    until = datetime.now(UTC) + timedelta(hours=2)
    with engine.begin() as connection:
        subs.remember_chat(connection, -5, "group")
        subs.subscribe(connection, -5, "topic", ["oil"])
        subs.set_muted_until(connection, -5, until)
        assert subs.muted_until(connection, -5) == until.replace(microsecond=until.microsecond)
        ledger.insert_deliveries(connection, [_row("a", -5), _row("b", -5), _row("b", -1005)])
        assert subs.move_chat_subscriptions(connection, -5, -1005) == 1
        assert ledger.move_chat_deliveries(connection, -5, -1005) == 1
    with engine.begin() as connection:
        assert subs.chat_subscriptions(connection, -5) == []
        assert subs.chat_subscriptions(connection, -1005) == [("topic", "oil")]
        assert subs.muted_until(connection, -1005) is not None
        states = {
            (row.article_id, row.chat_id): row.state
            for row in connection.execute(select(deliveries))
        }
        assert states == {("a", -1005): "pending", ("b", -5): "cancelled", ("b", -1005): "pending"}


def test_ledger_is_unique_per_article_and_chat(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        assert ledger.insert_deliveries(connection, [_row("a", 1), _row("a", 2)]) == 2
        assert ledger.insert_deliveries(connection, [_row("a", 1), _row("b", 1)]) == 1
        assert ledger.state_counts(connection) == {"pending": 3}


def test_claims_are_exclusive_and_expire(database_url: str) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC) + timedelta(seconds=1)
    with engine.begin() as connection:
        ledger.insert_deliveries(connection, [_row(f"a{i}", 1) for i in range(5)])
        ledger.insert_deliveries(connection, [_row("t", ledger.TERMINAL_CHAT_ID)])
    with engine.begin() as connection:
        first = ledger.claim(connection, owner="one", limit=3, lease=60, now=now)
    with engine.begin() as connection:
        second = ledger.claim(connection, owner="two", limit=10, lease=60, now=now)
        terminal = ledger.claim(connection, owner="t", limit=10, lease=60, terminal=True, now=now)
    assert [d.article_id for d in first] == ["a0", "a1", "a2"]
    assert [d.article_id for d in second] == ["a3", "a4"]
    assert [d.chat_id for d in terminal] == [0]
    with engine.begin() as connection:
        ledger.mark_sent(connection, [(first[0].id, 77)])
        assert ledger.claim(connection, owner="x", limit=10, lease=60, now=now) == []
        later = now + timedelta(seconds=61)
        assert {
            d.article_id for d in ledger.claim(connection, owner="x", limit=10, lease=60, now=later)
        } == {
            "a1",
            "a2",
            "a3",
            "a4",
        }
        assert ledger.release_all_claims(connection) == 4
        assert ledger.next_due(connection) is not None


def test_retry_fail_and_cancel(database_url: str) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC) + timedelta(seconds=1)
    with engine.begin() as connection:
        ledger.insert_deliveries(connection, [_row("a", 1), _row("b", 1), _row("c", 2)])
        claimed = ledger.claim(connection, owner="o", limit=10, lease=60, now=now)
        ledger.retry_later(connection, claimed[0].id, at=now + timedelta(seconds=30), error="503")
        ledger.mark_failed(connection, claimed[2].id, "Bad Request: message is too long")
        assert ledger.cancel_chat(connection, 1, "blocked") == 2
    with engine.begin() as connection:
        rows = {row.article_id: row for row in connection.execute(select(deliveries))}
        assert rows["a"].state == "cancelled" and rows["a"].attempts == 1
        assert rows["c"].state == "failed" and "too long" in rows["c"].last_error
        assert ledger.next_due(connection) is None


def test_claims_go_by_priority_then_age(database_url: str) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC) + timedelta(seconds=1)
    with engine.begin() as connection:
        rows = [_row("old", 1), _row("low", 2, priority="low"), _row("new", 3)]
        rows += [_row("high", 4, priority="high"), _row("war", 5, priority="critical")]
        ledger.insert_deliveries(connection, rows)
        claimed = ledger.claim(connection, owner="o", limit=10, lease=60, now=now)
    assert [d.article_id for d in claimed] == ["war", "high", "old", "new", "low"]


def test_a_pause_holds_a_chats_rows_and_a_replayed_mark_counts_once(database_url: str) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC) + timedelta(seconds=1)
    until = now + timedelta(seconds=90)
    with engine.begin() as connection:
        ledger.insert_deliveries(connection, [_row("a", 1), _row("b", 1), _row("c", 1)])
        mine = ledger.claim(connection, owner="me", limit=1, lease=60, now=now)
        theirs = ledger.claim(connection, owner="them", limit=1, lease=120, now=now)
        # my claim and the unclaimed row wait for the pause; another sender's live claim stays
        assert ledger.defer_chat(connection, 1, until=until, owner="me", now=now) == 2
        assert ledger.claim(connection, owner="x", limit=10, lease=60, now=now) == []
        again = ledger.claim(connection, owner="me", limit=10, lease=60, now=until)
        assert [d.article_id for d in mine + theirs + again] == ["a", "b", "a", "c"]
        ledger.mark_sent(connection, [(mine[0].id, 5)])
        ledger.mark_sent(connection, [(mine[0].id, 5)])  # replayed after a lost answer
        row = connection.execute(select(deliveries).where(deliveries.c.id == mine[0].id)).one()
        assert row.state == "sent" and row.attempts == 1
