"""Feedback presses name the alert's article, so they can be exported as labels.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as feedback:
        feedback.add_column(sa.Column("article_id", sa.String(512)))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as feedback:
        feedback.drop_column("article_id")
