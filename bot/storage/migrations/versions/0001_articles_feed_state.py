"""Articles seen and feed state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.String(512), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("published", UTCDateTime()),
        sa.Column("tickers", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("alerted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_articles_first_seen", "articles", ["first_seen"])
    op.create_table(
        "feed_state",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_poll", UTCDateTime()),
        sa.Column("last_success", UTCDateTime()),
        sa.Column("next_poll", UTCDateTime()),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("failing_since", UTCDateTime()),
        sa.Column("polled_ok_before", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feed_state")
    op.drop_index("ix_articles_first_seen", "articles")
    op.drop_table("articles")
