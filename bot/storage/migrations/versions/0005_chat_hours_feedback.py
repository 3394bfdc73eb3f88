"""Chat hours (zone, quiet hours, digest times), muted rules, feedback, held deliveries.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("chats") as chats:
        chats.add_column(sa.Column("timezone", sa.String(64)))
        chats.add_column(sa.Column("quiet_start", sa.Integer))
        chats.add_column(sa.Column("quiet_end", sa.Integer))
        chats.add_column(sa.Column("digest_times", sa.String(64)))
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.add_column(
            sa.Column("kind", sa.String(10), nullable=False, server_default="alert")
        )
        deliveries.add_column(sa.Column("topics", sa.Text, nullable=False, server_default=""))
        deliveries.add_column(sa.Column("rules", sa.Text, nullable=False, server_default=""))
        deliveries.add_column(sa.Column("hold", sa.String(10)))
    op.create_index("ix_deliveries_held", "deliveries", ["state", "chat_id", "next_attempt_at"])
    op.create_table(
        "muted_rules",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("chat_id", "topic", "rule", name="uq_muted_rules_chat_topic_rule"),
    )
    op.create_table(
        "feedback",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_topic_rule", "feedback", ["topic", "rule"])


def downgrade() -> None:
    op.drop_index("ix_feedback_topic_rule", "feedback")
    op.drop_table("feedback")
    op.drop_table("muted_rules")
    op.drop_index("ix_deliveries_held", "deliveries")
    with op.batch_alter_table("deliveries") as deliveries:
        for column in ("hold", "rules", "topics", "kind"):
            deliveries.drop_column(column)
    with op.batch_alter_table("chats") as chats:
        for column in ("digest_times", "quiet_end", "quiet_start", "timezone"):
            chats.drop_column(column)
