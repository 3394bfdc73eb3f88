"""A priority rank on deliveries, so critical and high alerts are claimed before a backlog.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Lower goes first; the same ranks as bot.storage.deliveries.PRIORITY_RANK.
_RANKS = {"critical": 0, "high": 1, "normal": 2, "low": 3}


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("priority_rank", sa.SmallInteger, nullable=False, server_default="2")
        )
    cases = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in _RANKS.items())
    op.execute(f"UPDATE deliveries SET priority_rank = CASE priority {cases} ELSE 2 END")
    op.create_index("ix_deliveries_claim_order", "deliveries", ["state", "priority_rank", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_claim_order", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("priority_rank")
