"""The tables, as SQLAlchemy Core metadata; migrations under `migrations/` create them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
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
    # Migration 0010: the story the article tells (the id of its first article) and its
    # summary, capped, so the story index can be rebuilt at start.
    Column("story_id", String(512), index=True),
    Column("summary", Text),
)

# Every ticker symbol an article has carried, so `/subscribe $TYPO` can say it was never seen.
tickers_seen = Table(
    "tickers_seen",
    metadata,
    Column("symbol", String(64), primary_key=True),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
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

# Telegram-side state (issue 5): who wants what, and every alert owed to a chat.
_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER keys

chats = Table(
    "chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("chat_type", String(20), nullable=False, default="private"),
    Column("muted_until", UTCDateTime()),
    Column("created", UTCDateTime(), nullable=False),
    Column("updated", UTCDateTime(), nullable=False),
    # When the chat hears alerts (migration 0005): an IANA zone, quiet hours as minutes after
    # midnight in that zone, digest times as `08:00,18:00`.
    Column("timezone", String(64)),
    Column("quiet_start", Integer),
    Column("quiet_end", Integer),
    Column("digest_times", String(64)),
    # Set when the bot is kicked from the chat or leaves it (migration 0006): late updates and
    # old buttons from there subscribe nothing until the bot is added again.
    Column("kicked", Boolean, nullable=False, default=False),
    # Migration 0011: the exchange whose session the chat follows (`XNYS`), and whether alerts
    # outside it wait for a digest 30 minutes before the open (`/digest open`).
    Column("market", String(16)),
    Column("market_digest", Boolean, nullable=False, default=False),
)

# Rules a chat asked to hear less of (`🔕 Less like this`).
muted_rules = Table(
    "muted_rules",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("topic", String(64), nullable=False),
    Column("rule", String(128), nullable=False),
    Column("created", UTCDateTime(), nullable=False),
    UniqueConstraint("chat_id", "topic", "rule", name="uq_muted_rules_chat_topic_rule"),
)

# Each press of an alert's feedback buttons, so operators see which rules chats mute most.
feedback = Table(
    "feedback",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("topic", String(64), nullable=False),
    Column("rule", String(128), nullable=False),
    Column("action", String(20), nullable=False),  # less | undo | unsubscribe
    Column("at", UTCDateTime(), nullable=False),
    # Migration 0012: the article of the alert pressed (presses before it name none).
    Column("article_id", String(512)),
    Index("ix_feedback_topic_rule", "topic", "rule"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),  # topic | ticker
    Column("value", String(64), nullable=False),
    Column("created", UTCDateTime(), nullable=False),
    # Migration 0011: the forum topic (message_thread_id) its alerts go to; None: General.
    Column("thread_id", BigInteger),
    UniqueConstraint("chat_id", "kind", "value", name="uq_subscriptions_chat_kind_value"),
    Index("ix_subscriptions_kind_value", "kind", "value"),
)

# One row per (article, chat), written in the ingest transaction before anything is sent.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("article_id", String(512), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("silent", Boolean, nullable=False, default=False),
    Column("priority", String(10), nullable=False, default="normal"),
    # Claims go by this rank, then id (critical 0 .. low 3): an alert never queues behind a flood.
    Column("priority_rank", SmallInteger, nullable=False, default=2, server_default="2"),
    Column("state", String(10), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_until", UTCDateTime()),
    Column("claim_owner", String(40)),
    Column("last_error", Text),
    Column("message_id", BigInteger),
    Column("created", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    # Migration 0005: what a held alert needs for its digest line, and why it is held.
    Column("kind", String(10), nullable=False, default="alert"),  # alert|notice|digest|edit
    Column("topics", Text, nullable=False, default=""),  # the groups it named, comma-separated
    Column("rules", Text, nullable=False, default=""),  # topic/rule pairs, for feedback buttons
    Column("hold", String(10)),  # quiet | mute | digest while state is `held`
    Column("story_id", String(512)),  # migration 0010: edits find the story's first alert
    Column("thread_id", BigInteger),  # migration 0011: the forum topic it goes to (None: General)
    UniqueConstraint("article_id", "chat_id", name="uq_deliveries_article_chat"),
    Index("ix_deliveries_state_next", "state", "next_attempt_at"),
    Index("ix_deliveries_chat_state", "chat_id", "state"),
    Index("ix_deliveries_held", "state", "chat_id", "next_attempt_at"),
    Index("ix_deliveries_claim_order", "state", "priority_rank", "id"),
    Index("ix_deliveries_story_chat", "story_id", "chat_id"),
)

# Migration 0011: forum topics Telegram refused (closed), and whether the chat was told.
forum_topics = Table(
    "forum_topics",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("thread_id", BigInteger, primary_key=True),
    Column("state", String(10), nullable=False, default="open"),  # open | closed
    Column("told", Boolean, nullable=False, default=False),  # the chat heard of the closing
    Column("updated", UTCDateTime(), nullable=False),
)

# A chat's own queries (`/watch`, issue 13). A removal leaves a tombstone (`removed`) so
# every process polling `version` sees it; `version` comes from `watch_clock` and grows
# with each change in commit order.
watches = Table(
    "watches",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("query", Text, nullable=False),
    Column("created", UTCDateTime(), nullable=False),
    Column("updated", UTCDateTime(), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("removed", Boolean, nullable=False, default=False),
    UniqueConstraint("chat_id", "name", name="uq_watches_chat_name"),
    Index("ix_watches_version", "version"),
)

# One row: the last watch version handed out. Its row lock serializes writers, so versions
# become visible in order and a poller reading `version > seen` never skips one.
watch_clock = Table(
    "watch_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# Migration 0009: when each feed brought new items (its usual rate), and a silence reported.
feed_new_items = Table(
    "feed_new_items",
    metadata,
    Column("feed", String(200), primary_key=True),
    Column("at", UTCDateTime(), primary_key=True),
)

feed_silences = Table(
    "feed_silences",
    metadata,
    Column("feed", String(200), primary_key=True),
    Column("last_item", UTCDateTime(), nullable=False),  # the silence began after this item
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("reports", Integer, nullable=False, default=1),
)
