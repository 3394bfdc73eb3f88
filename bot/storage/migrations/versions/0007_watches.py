"""Watches: a chat's own one-line queries, and the clock that versions their changes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("chat_id", "name", name="uq_watches_chat_name"),
    )
    op.create_index("ix_watches_version", "watches", ["version"])
    clock = op.create_table(
        "watch_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(clock, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("watch_clock")
    op.drop_index("ix_watches_version", "watches")
    op.drop_table("watches")
