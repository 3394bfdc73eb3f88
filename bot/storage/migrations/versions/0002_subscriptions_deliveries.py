"""Chats, subscriptions and the delivery ledger.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("chat_type", sa.String(20), nullable=False),
        sa.Column("muted_until", UTCDateTime()),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("chat_id", "kind", "value", name="uq_subscriptions_chat_kind_value"),
    )
    op.create_index("ix_subscriptions_kind_value", "subscriptions", ["kind", "value"])
    op.create_table(
        "deliveries",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("silent", sa.Boolean, nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime()),
        sa.Column("claim_owner", sa.String(40)),
        sa.Column("last_error", sa.Text),
        sa.Column("message_id", sa.BigInteger),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.UniqueConstraint("article_id", "chat_id", name="uq_deliveries_article_chat"),
    )
    op.create_index("ix_deliveries_state_next", "deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_deliveries_chat_state", "deliveries", ["chat_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_chat_state", "deliveries")
    op.drop_index("ix_deliveries_state_next", "deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_subscriptions_kind_value", "subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("chats")
