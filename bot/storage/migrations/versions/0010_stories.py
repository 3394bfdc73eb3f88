"""Stories: each article's story and summary, each delivery's story (one alert per story).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as articles:
        articles.add_column(sa.Column("story_id", sa.String(512)))
        articles.add_column(sa.Column("summary", sa.Text))
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.add_column(sa.Column("story_id", sa.String(512)))
    op.create_index("ix_deliveries_story_chat", "deliveries", ["story_id", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_story_chat", "deliveries")
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.drop_column("story_id")
    op.drop_index("ix_articles_story_id", "articles")
    with op.batch_alter_table("articles") as articles:
        articles.drop_column("summary")
        articles.drop_column("story_id")
