"""Procrastinate's tables as the fleet reads them: busy locks, planner statistics, the schema."""

from __future__ import annotations

import psycopg
from sqlalchemy import Connection, text

# Processes starting together: one applies procrastinate's schema, the others wait and see it.
SCHEMA_LOCK = 7_310_203


def busy_locks(connection: Connection, task_name: str) -> set[str]:
    """The locks of this task's jobs that are queued or running."""
    return set(
        connection.scalars(
            text(
                "SELECT lock FROM procrastinate_jobs WHERE task_name = :task"
                " AND status IN ('todo', 'doing')"
            ),
            {"task": task_name},
        )
    )


def analyze_jobs(connection: Connection) -> None:
    """Refresh the planner's statistics of procrastinate's jobs table."""
    connection.execute(text("ANALYZE procrastinate_jobs"))


async def lock_schema(connection: psycopg.AsyncConnection) -> None:
    """Wait for the schema lock (session-level) on this autocommit connection."""
    await connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))


async def unlock_schema(connection: psycopg.AsyncConnection) -> None:
    """Give the schema lock back."""
    await connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


async def has_jobs_table(connection: psycopg.AsyncConnection) -> bool:
    """Whether procrastinate's schema is applied (its jobs table exists)."""
    cursor = await connection.execute("SELECT to_regclass('procrastinate_jobs')")
    row = await cursor.fetchone()
    return row is not None and row[0] is not None
