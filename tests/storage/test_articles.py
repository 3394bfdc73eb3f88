"""Storage: the same schema and behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, select

from bot.article import Article
from bot.pipeline import FixedRules, Ingest, Ledger
from bot.rules import Match
from bot.storage.db import make_engine, migrate, open_database
from bot.storage.models import articles
from tests.support.articles import make_article
from tests.support.books import Always, ingest_matching


def _article(n: int, **changes: object) -> Article:
    return make_article(n, **{"source": "test", "tickers": frozenset({"USO", "XOM"}), **changes})


def test_migrations_create_the_schema_and_rerun_safely(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"articles", "feed_state", "alembic_version"} <= tables
    if database_url.startswith("sqlite"):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_ingest_records_each_article_once(database_url: str) -> None:
    engine = open_database(database_url)
    ingest = ingest_matching(engine, {})
    first = ingest([_article(1), _article(2), _article(1, title="dup in batch")])
    assert [item.article.id for item in first] == [
        "https://example.com/news/1",
        "https://example.com/news/2",
    ]
    again = ingest([_article(1), _article(2), _article(3)])
    assert [item.article.id for item in again] == ["https://example.com/news/3"]
    with engine.connect() as connection:
        row = connection.execute(
            select(articles).where(articles.c.id == "https://example.com/news/1")
        )
        stored = row.mappings().one()
    assert stored["published"] == datetime(2025, 2, 12, 21, 33, tzinfo=UTC)
    assert stored["tickers"] == "USO XOM"


def test_first_poll_records_without_matching(database_url: str) -> None:
    engine = open_database(database_url)
    book = Always({}, (Match("t", "m", "normal", "active", ("m",)),))
    ingest = Ingest(engine, FixedRules(book), Ledger())
    quiet = ingest([_article(1)], alert=False)
    assert quiet[0].matches == () and book.asked == []
    assert ingest([_article(1)]) == []
