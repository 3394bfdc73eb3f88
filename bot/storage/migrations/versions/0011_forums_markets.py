"""Forum topics (each subscription's and delivery's thread, closed topics) and market sessions
(the market a chat follows, and whether it wants a digest before the open).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as chats:
        chats.add_column(sa.Column("market", sa.String(16)))
        chats.add_column(
            sa.Column("market_digest", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("subscriptions") as subscriptions:
        subscriptions.add_column(sa.Column("thread_id", sa.BigInteger))
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.add_column(sa.Column("thread_id", sa.BigInteger))
    op.create_table(
        "forum_topics",
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("thread_id", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("told", sa.Boolean, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "thread_id", name="pk_forum_topics"),
    )


def downgrade() -> None:
    op.drop_table("forum_topics")
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.drop_column("thread_id")
    with op.batch_alter_table("subscriptions") as subscriptions:
        subscriptions.drop_column("thread_id")
    with op.batch_alter_table("chats") as chats:
        chats.drop_column("market_digest")
        chats.drop_column("market")
