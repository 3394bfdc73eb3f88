"""Market sessions in the ledger, clock injected: silent outside the session, digest at the open."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from bot.article import Article
from bot.delivery.digests import release_digests
from bot.delivery.sessions import market_code, session_effect
from bot.pipeline import Ingested
from bot.pipeline.ledger import enqueue_deliveries
from bot.rules import Match, Topic
from bot.storage import markets
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.storage.markets import MarketSetting
from bot.storage.models import deliveries

NEW_YORK = ZoneInfo("America/New_York")
SATURDAY = datetime(2026, 3, 7, 3, 0, tzinfo=NEW_YORK)  # 3 a.m. on a Saturday
TUESDAY = datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)  # the session is open
MONDAY_DIGEST = datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK)  # 30 minutes before the open
TOPICS = {"oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml")}
HIGH = Match("oil", "crude", "high", "active", ("crude",))
CRITICAL = Match("oil", "hormuz", "critical", "active", ("Hormuz",))
FOLLOWER, DIGESTER, NOBODY = 1, 2, 3


def _database(url: str) -> Engine:
    engine = open_database(url)
    with engine.begin() as connection:
        for chat_id in (FOLLOWER, DIGESTER, NOBODY):
            subs.remember_chat(connection, chat_id, "private")
            subs.subscribe(connection, chat_id, "topic", ["oil"])
        markets.set_market(connection, FOLLOWER, "XNYS")
        markets.set_market(connection, DIGESTER, "XNYS")
        markets.set_market_digest(connection, DIGESTER, True)
    return engine


def _alert(engine: Engine, name: str, match: Match, now: datetime) -> dict[int, tuple]:
    article = Article(
        id=f"https://example.com/{name}",
        title=f"Crude moves: {name}",
        summary="Oil prices moved.",
        link=f"https://example.com/{name}",
        source="wire",
        published=now,
    )
    with engine.begin() as connection:
        enqueue_deliveries(connection, [Ingested(article, (match,))], topics=TOPICS, now=now)
        rows = connection.execute(
            select(
                deliveries.c.chat_id,
                deliveries.c.silent,
                deliveries.c.state,
                deliveries.c.next_attempt_at,
            ).where(deliveries.c.article_id == article.id)
        )
        return {row.chat_id: (row.silent, row.state, row.next_attempt_at) for row in rows}


def test_a_high_alert_is_silent_on_a_saturday_and_sounds_on_a_tuesday(sqlite_url: str) -> None:
    engine = _database(sqlite_url)
    saturday = _alert(engine, "saturday", HIGH, SATURDAY)
    assert saturday[FOLLOWER][:2] == (True, "pending")  # comes at once, without a sound
    assert saturday[NOBODY][:2] == (False, "pending")  # follows no market
    tuesday = _alert(engine, "tuesday", HIGH, TUESDAY)
    assert tuesday[FOLLOWER][:2] == (False, "pending")
    flash = _alert(engine, "flash", CRITICAL, SATURDAY)
    assert flash[FOLLOWER][:2] == (False, "pending") and flash[DIGESTER][:2] == (False, "pending")


def test_digest_open_arrives_30_minutes_before_the_next_session(database_url: str) -> None:
    engine = _database(database_url)
    held = _alert(engine, "weekend", HIGH, SATURDAY)[DIGESTER]
    assert held[1] == "held" and held[2] == MONDAY_DIGEST
    with engine.begin() as connection:
        assert (
            release_digests(connection, topics=TOPICS, now=MONDAY_DIGEST.replace(minute=0, hour=8))
            == 0
        )
        assert release_digests(connection, topics=TOPICS, now=MONDAY_DIGEST) == 1
        digest = connection.execute(
            select(deliveries.c.text, deliveries.c.created).where(
                deliveries.c.chat_id == DIGESTER, deliveries.c.kind == "digest"
            )
        ).one()
    assert "Before the open" in digest.text and "weekend" in digest.text
    assert digest.created == MONDAY_DIGEST


def test_the_exchanges_holidays_count() -> None:
    good_friday_eve = datetime(2026, 4, 2, 18, 0, tzinfo=NEW_YORK)  # NYSE shut on Good Friday
    effect = session_effect(MarketSetting("XNYS", True), "high", good_friday_eve)
    assert effect.hold is not None
    assert effect.hold.until == datetime(2026, 4, 6, 9, 0, tzinfo=NEW_YORK)
    assert session_effect(MarketSetting("XNYS"), "normal", good_friday_eve).silent


def test_market_names_resolve_to_exchange_codes() -> None:
    assert [market_code(n) for n in ("NYSE", "xlon", "XETRA", "XTKS", "HKEX")] == [
        "XNYS",
        "XLON",
        "XETR",
        "XTKS",
        "XHKG",
    ]
    assert market_code("Narnia") is None


def test_an_early_close_counts() -> None:
    # The day after Thanksgiving 2026, NYSE closes at 13:00: 14:00 is after the session.
    black_friday = datetime(2026, 11, 27, 14, 0, tzinfo=NEW_YORK)
    assert session_effect(MarketSetting("XNYS"), "high", black_friday).silent
    assert not session_effect(MarketSetting("XNYS"), "high", black_friday.replace(hour=12)).silent
