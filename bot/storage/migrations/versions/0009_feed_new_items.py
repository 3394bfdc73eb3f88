"""When each feed brought new items, and the silences reported to admins.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UTCDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_new_items",
        sa.Column("feed", sa.String(200), primary_key=True),
        sa.Column("at", UTCDateTime(), primary_key=True),
    )
    op.create_table(
        "feed_silences",
        sa.Column("feed", sa.String(200), primary_key=True),
        sa.Column("last_item", UTCDateTime(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reports", sa.Integer, nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_table("feed_silences")
    op.drop_table("feed_new_items")
