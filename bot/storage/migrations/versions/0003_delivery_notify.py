"""A NOTIFY when deliveries are queued, so a fleet's one sender hears of them at once.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHANNEL = "newsbot_deliveries"


def upgrade() -> None:
    # PostgreSQL only: SQLite has a single process, whose sender is woken in memory.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION newsbot_deliveries_notify() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END;
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
        FOR EACH STATEMENT EXECUTE FUNCTION newsbot_deliveries_notify()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS deliveries_notify ON deliveries")
    op.execute("DROP FUNCTION IF EXISTS newsbot_deliveries_notify()")
