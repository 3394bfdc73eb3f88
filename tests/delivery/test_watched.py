"""The ledger with watches: one alert per article and chat, held and muted like a topic's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from bot.article import Article
from bot.delivery.digests import release_digests
from bot.pipeline import Ingested
from bot.pipeline.ledger import enqueue_deliveries
from bot.rules import Match, Topic
from bot.rules.watches import watch_topic
from bot.storage import subscriptions as subs
from bot.storage.articles import record_articles
from bot.storage.db import open_database
from bot.storage.models import deliveries

TOPICS = {"oil": Topic("oil", "Crude oil", "", "🛢", "rules/oil.yaml")}
NIGHT = datetime(2026, 1, 11, 3, 0, tzinfo=UTC)
ARTICLE = Article(
    id="https://example.com/1",
    title="Tankers avoid Hormuz as crude jumps",
    link="https://example.com/1",
    source="seekalpha",
    published=NIGHT,
    tickers=frozenset({"USO"}),
)


def _ingest(engine: Engine, *matches: Match, now: datetime = NIGHT) -> None:
    with engine.begin() as connection:
        record_articles(connection, [ARTICLE], alerted=True, now=now)
        enqueue_deliveries(connection, [Ingested(ARTICLE, matches)], topics=TOPICS, now=now)


def _watch(chat_id: int, name: str, *terms: str) -> Match:
    return Match(watch_topic(chat_id), name, "normal", "active", terms)


def _rows(engine: Engine) -> list[tuple[int, str, str, str]]:
    with engine.connect() as connection:
        query = select(
            deliveries.c.chat_id, deliveries.c.state, deliveries.c.topics, deliveries.c.text
        ).order_by(deliveries.c.chat_id, deliveries.c.id)
        return [(c, s, t, x) for c, s, t, x in connection.execute(query)]


def test_one_alert_per_chat_naming_its_own_watches_beside_its_topics(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.subscribe(connection, 1, subs.TOPIC, ["oil"])
        subs.subscribe(connection, 3, subs.TOPIC, ["oil"])
    _ingest(
        engine,
        Match("oil", "crude", "high", "active", ("crude",)),
        _watch(1, "hormuz", "Hormuz", "$USO"),
        _watch(1, "ships", "tanker*"),
        _watch(2, "iran", "Hormuz"),
    )
    rows = _rows(engine)
    assert [(chat, topics) for chat, _, topics, _ in rows] == [
        (1, "oil,👁 hormuz,👁 ships"),
        (2, "👁 iran"),
        (3, "oil"),
    ]
    first = rows[0][3].split("\n")[0]
    assert "🛢 <b>Crude oil</b>" in first and "👁 <b>hormuz</b>" in first
    assert "👁 <b>ships</b>" in first and "— ⚠️ high priority" in first
    assert "🔎 Crude oil: crude · hormuz: $USO, Hormuz · ships: Tankers" in rows[0][3]
    assert "iran" not in rows[0][3] and "hormuz" not in rows[1][3]  # never another chat's
    assert "👁 <b>iran</b> — normal priority" in rows[1][3]


def test_quiet_hours_hold_a_watch_alert_for_the_digest_and_a_muted_watch_is_not_heard(
    database_url: str,
) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.remember_chat(connection, 7, "private")
        subs.set_timezone(connection, 7, "Europe/London")
        subs.set_quiet_hours(connection, 7, (22 * 60, 7 * 60))
        subs.remember_chat(connection, 8, "private")
        subs.mute_rules(connection, 8, [("👁 hormuz", "hormuz")])
    _ingest(engine, _watch(7, "hormuz", "Hormuz"), _watch(8, "hormuz", "Hormuz"))
    assert [(chat, state) for chat, state, _, _ in _rows(engine)] == [(7, "held")]
    with engine.begin() as connection:
        assert release_digests(connection, topics=TOPICS, now=NIGHT + timedelta(hours=5)) == 1
    digest = [text for chat, _, _, text in _rows(engine) if text.startswith("<b>🗞")]
    assert len(digest) == 1 and "<b>👁 hormuz</b>" in digest[0]
    assert "Tankers avoid Hormuz" in digest[0]
