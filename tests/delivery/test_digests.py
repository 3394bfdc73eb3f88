"""Held alerts and digests in the ledger, on SQLite and PostgreSQL, on a clock the test sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from bot.article import Article
from bot.delivery.digests import release_digests
from bot.pipeline import Ingested
from bot.pipeline.ledger import enqueue_deliveries
from bot.rules import Match, Topic
from bot.storage import subscriptions as subs
from bot.storage.articles import record_articles
from bot.storage.db import open_database
from bot.storage.models import deliveries

TOPICS = {"oil": Topic("oil", "Crude oil", "", "🛢", "rules/oil.yaml")}
NIGHT = datetime(2026, 1, 11, 3, 0, tzinfo=UTC)  # 03:00 in London, inside 22:00-07:00


def article(n: int) -> Article:
    return Article(
        id=f"https://example.com/{n}",
        title=f"Tanker news {n}",
        link=f"https://example.com/{n}",
        source="seekalpha",
        published=NIGHT - timedelta(minutes=n),
    )


def ingest(engine: Engine, n: int, priority: str, now: datetime) -> None:
    item = Ingested(article(n), (Match("oil", "tankers", priority, "active", ("tanker",)),))
    with engine.begin() as connection:
        record_articles(connection, [item.article], alerted=True, now=now)
        enqueue_deliveries(connection, [item], topics=TOPICS, now=now)


def states(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        query = select(deliveries.c.article_id, deliveries.c.state, deliveries.c.kind)
        return sorted((a, s, k) for a, s, k in connection.execute(query))


def test_quiet_hours_hold_all_but_critical_then_one_digest_exactly_once(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.remember_chat(connection, 7, "private")
        subs.subscribe(connection, 7, subs.TOPIC, ["oil"])
        subs.set_timezone(connection, 7, "Europe/London")
        subs.set_quiet_hours(connection, 7, (22 * 60, 7 * 60))
    ingest(engine, 1, "normal", NIGHT)
    ingest(engine, 2, "high", NIGHT)
    ingest(engine, 3, "critical", NIGHT)
    assert states(engine) == [
        ("https://example.com/1", "held", "alert"),
        ("https://example.com/2", "held", "alert"),
        ("https://example.com/3", "pending", "alert"),  # the flash comes at once
    ]
    with engine.begin() as connection:  # before the window ends: nothing is due
        assert release_digests(connection, topics=TOPICS, now=NIGHT + timedelta(hours=1)) == 0
    end = datetime(2026, 1, 11, 7, 0, 30, tzinfo=UTC)
    with engine.begin() as connection:
        assert release_digests(connection, topics=TOPICS, now=end) == 1
    with engine.begin() as connection:  # a second pass, or a second process: nothing more
        assert release_digests(connection, topics=TOPICS, now=end + timedelta(minutes=5)) == 0
    rows = states(engine)
    digests = [row for row in rows if row[2] == "digest"]
    assert len(digests) == 1 and digests[0][1] == "pending"
    assert [row[1] for row in rows if row[2] == "alert"] == ["digested", "digested", "pending"]
    with engine.connect() as connection:
        text = connection.scalar(select(deliveries.c.text).where(deliveries.c.kind == "digest"))
    assert text.startswith("<b>🗞 2 alerts held during quiet hours (22:00-07:00)</b>")
    assert "Tanker news 1" in text and "Tanker news 2" in text and "Tanker news 3" not in text
    assert "late" not in text


def test_a_digest_due_while_the_bot_was_down_says_how_late(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.remember_chat(connection, 8, "private")
        subs.subscribe(connection, 8, subs.TOPIC, ["oil"])
        subs.set_muted_until(connection, 8, NIGHT + timedelta(hours=1))
    ingest(engine, 1, "low", NIGHT)
    back = NIGHT + timedelta(hours=3, minutes=30)
    with engine.begin() as connection:
        assert release_digests(connection, topics=TOPICS, now=back) == 1
        text = connection.scalar(select(deliveries.c.text).where(deliveries.c.kind == "digest"))
    assert "1 alert held while muted" in text
    assert "Sent 2h 30m late: the bot was down." in text


def test_a_muted_rule_is_not_heard_and_other_chats_still_are(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        for chat in (1, 2):
            subs.remember_chat(connection, chat, "private")
            subs.subscribe(connection, chat, subs.TOPIC, ["oil"])
        assert subs.mute_rules(connection, 1, [("oil", "tankers")]) == [("oil", "tankers")]
    ingest(engine, 1, "normal", NIGHT)
    with engine.connect() as connection:
        chats = list(connection.scalars(select(deliveries.c.chat_id)))
    assert chats == [2]
    with engine.begin() as connection:
        assert subs.unmute_rules(connection, 1, [("oil", "tankers")]) == [("oil", "tankers")]
    ingest(engine, 2, "normal", NIGHT)
    with engine.connect() as connection:
        assert sorted(connection.scalars(select(deliveries.c.chat_id))) == [1, 2, 2]


def test_a_batch_of_sent_and_held_alerts_keeps_why_each_is_held(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.remember_chat(connection, 7, "private")
        subs.subscribe(connection, 7, subs.TOPIC, ["oil"])
        subs.set_muted_until(connection, 7, NIGHT + timedelta(hours=1))
    flash = Ingested(article(1), (Match("oil", "blockade", "critical", "active", ("x",)),))
    later = Ingested(article(2), (Match("oil", "tankers", "normal", "active", ("x",)),))
    with engine.begin() as connection:  # one ingest batch: the flash first, then the held one
        record_articles(connection, [flash.article, later.article], alerted=True, now=NIGHT)
        enqueue_deliveries(connection, [flash, later], topics=TOPICS, now=NIGHT)
    with engine.connect() as connection:
        query = select(deliveries.c.state, deliveries.c.hold).order_by(deliveries.c.article_id)
        assert [tuple(row) for row in connection.execute(query)] == [
            ("pending", None),
            ("held", "mute"),  # so /unmute finds and releases it
        ]
