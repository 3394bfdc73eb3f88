"""Tickers seen in articles: recorded at ingest, kept across migrations, asked by /subscribe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from bot.article import Article
from bot.storage import subscriptions as subs
from bot.storage.articles import record_articles
from bot.storage.db import _MIGRATIONS, make_engine, migrate, open_database
from bot.storage.models import articles, tickers_seen

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _article(n: int, *tickers: str) -> Article:
    return Article(id=f"https://news.test/{n}", title=f"Story {n}", tickers=frozenset(tickers))


def _seen(engine) -> dict[str, tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(select(tickers_seen)).all()
    return {row.symbol: (row.first_seen, row.last_seen) for row in rows}


def test_recording_articles_records_their_tickers(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        record_articles(connection, [_article(1, "USO", "XOM")], alerted=True, now=MONDAY)
    later = MONDAY + timedelta(days=1)
    with engine.begin() as connection:
        # Article 1 again is no new article: only article 2's tickers are seen again.
        record_articles(
            connection, [_article(1, "GLD"), _article(2, "XOM", "BP")], alerted=True, now=later
        )
    assert _seen(engine) == {
        "USO": (MONDAY, MONDAY),
        "XOM": (MONDAY, later),
        "BP": (later, later),
    }
    with engine.connect() as connection:
        assert subs.unseen_tickers(connection, ["XOM", "NOTATICKER123", "GLD", "BP"]) == [
            "NOTATICKER123",
            "GLD",
        ]


def test_the_migration_remembers_tickers_of_older_articles(database_url: str) -> None:
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    with engine.begin() as connection:
        for n, tickers, day in ((1, "USO XOM", 1), (2, "XOM", 3), (3, "", 2)):
            connection.execute(
                articles.insert().values(
                    id=f"a{n}", title="t", tickers=tickers, first_seen=MONDAY + timedelta(days=day)
                )
            )
        connection.exec_driver_sql(
            "INSERT INTO chats (chat_id, chat_type, created, updated) "
            "VALUES (5, 'private', '2026-11-30 09:00:00', '2026-11-30 09:00:00')"
        )
    migrate(engine)
    assert _seen(engine) == {
        "USO": (MONDAY + timedelta(days=1), MONDAY + timedelta(days=1)),
        "XOM": (MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)),
    }
    with engine.connect() as connection:
        assert subs.is_kicked(connection, 5) is False
