"""The tables, as SQLAlchemy Core metadata; migrations under `migrations/` create them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and read back time-zone aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Every article ever seen, whatever its source: the id decides, so a seed file and a feed
# entry for the same link are one article and never alerted twice.
articles = Table(
    "articles",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("title", Text, nullable=False),
    Column("link", Text),
    Column("source", String(200), nullable=False, default=""),
    Column("published", UTCDateTime()),
    Column("tickers", Text, nullable=False, default=""),
    Column("origin", Text, nullable=False, default=""),
    Column("first_seen", UTCDateTime(), nullable=False, index=True),
    Column("alerted", Boolean, nullable=False, default=False),
)

feed_state = Table(
    "feed_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_poll", UTCDateTime()),
    Column("last_success", UTCDateTime()),
    Column("next_poll", UTCDateTime()),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("failing_since", UTCDateTime()),
    Column("polled_ok_before", Boolean, nullable=False, default=False),
)
