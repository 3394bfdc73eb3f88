"""Articles seen: which ids are new, and recording them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.article import Article
from bot.storage.models import articles, tickers_seen

_CHUNK = 500  # keeps IN lists under SQLite's variable limit
_SYMBOL_LENGTH = 64
SUMMARY_LIMIT = 2000  # what story detection reads of a summary, kept to rebuild its index


def unseen_ids(connection: Connection, ids: Iterable[str]) -> set[str]:
    """The ids among these that no source has brought before."""
    wanted = list(dict.fromkeys(ids))
    seen: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        seen.update(connection.scalars(select(articles.c.id).where(articles.c.id.in_(chunk))))
    return set(wanted) - seen


def record_articles(
    connection: Connection, new: Sequence[Article], *, alerted: bool, now: datetime | None = None
) -> set[str]:
    """Remember new articles, so no source brings them again; returns the ids this call wrote.

    An id another writer recorded first (several processes on one PostgreSQL) is skipped, not
    an error: only the writer whose row went in alerts the article.
    """
    if not new:
        return set()
    moment = now or datetime.now(UTC)
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(articles).on_conflict_do_nothing(index_elements=["id"]).returning(articles.c.id)
    )
    rows = [
        {
            "id": article.id,
            "title": article.title[:2000],
            "link": article.link,
            "source": article.source[:200],
            "published": article.published,
            "tickers": " ".join(sorted(article.tickers)),
            "origin": article.origin,
            "summary": article.summary[:SUMMARY_LIMIT],
            "first_seen": moment,
            "alerted": alerted,
        }
        for article in new
    ]
    written: set[str] = set()
    for start in range(0, len(rows), _CHUNK):
        written.update(connection.scalars(statement, rows[start : start + _CHUNK]))
    _record_tickers(connection, [a for a in new if a.id in written], moment)
    return written


def _record_tickers(connection: Connection, new: Sequence[Article], moment: datetime) -> None:
    """Remember every ticker these articles carry, with when it was first and last seen."""
    symbols = sorted({symbol for article in new for symbol in article.tickers})
    if not symbols:
        return
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    statement = insert(tickers_seen)
    # Sorted symbols: concurrent writers lock the same rows in the same order (no deadlock).
    upsert = statement.on_conflict_do_update(
        index_elements=["symbol"], set_={"last_seen": statement.excluded.last_seen}
    )
    rows = [
        {"symbol": symbol, "first_seen": moment, "last_seen": moment}
        for symbol in symbols
        if len(symbol) <= _SYMBOL_LENGTH
    ]
    for start in range(0, len(rows), _CHUNK):
        connection.execute(upsert, rows[start : start + _CHUNK])


def stored_since(connection: Connection, since: datetime) -> list[Article]:
    """Articles first seen since the moment, as stored: title, source, tickers, published.

    No summary or body: the bot keeps only these, so matching them tells headlines only.
    """
    rows = connection.execute(
        select(
            articles.c.id,
            articles.c.title,
            articles.c.link,
            articles.c.source,
            articles.c.published,
            articles.c.tickers,
        )
        .where(articles.c.first_seen >= since)
        .order_by(articles.c.first_seen.desc())
    )
    return [
        Article(
            id=row.id,
            title=row.title,
            link=row.link,
            source=row.source,
            published=row.published,
            tickers=frozenset(row.tickers.split()),
        )
        for row in rows
    ]
