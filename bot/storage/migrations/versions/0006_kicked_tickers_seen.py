"""Chats the bot was kicked from, and every ticker symbol articles have carried.

Revision ID: 0006
Revises: 0005
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SYMBOL_LENGTH = 64
_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("chats") as chats:
        chats.add_column(sa.Column("kicked", sa.Boolean, nullable=False, server_default=sa.false()))
    tickers_seen = op.create_table(
        "tickers_seen",
        sa.Column("symbol", sa.String(_SYMBOL_LENGTH), primary_key=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
    )
    assert tickers_seen is not None
    _backfill(tickers_seen)


def _backfill(tickers_seen: sa.Table) -> None:
    """The tickers of the articles recorded before this migration, seen when they were."""
    articles = sa.table(
        "articles", sa.column("tickers", sa.Text), sa.column("first_seen", UTCDateTime())
    )
    seen: dict[str, tuple[datetime, datetime]] = {}
    rows = op.get_bind().execute(sa.select(articles.c.tickers, articles.c.first_seen))
    for row in rows:
        moment = row.first_seen or datetime.now(UTC)
        for symbol in (row.tickers or "").split():
            if len(symbol) > _SYMBOL_LENGTH:
                continue
            first, last = seen.get(symbol, (moment, moment))
            seen[symbol] = (min(first, moment), max(last, moment))
    values = [
        {"symbol": symbol, "first_seen": first, "last_seen": last}
        for symbol, (first, last) in sorted(seen.items())
    ]
    for start in range(0, len(values), _BATCH):
        op.bulk_insert(tickers_seen, values[start : start + _BATCH])


def downgrade() -> None:
    op.drop_table("tickers_seen")
    with op.batch_alter_table("chats") as chats:
        chats.drop_column("kicked")
