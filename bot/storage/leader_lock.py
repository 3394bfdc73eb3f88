"""The fleet leader's PostgreSQL session: its advisory lock, keep-alives and NOTIFY channel."""

from __future__ import annotations

import psycopg

LEADER_LOCK = 7_310_202
NOTIFY_CHANNEL = "newsbot_deliveries"  # raised by a trigger on deliveries (migration 0003)
# The server drops a silent lock session within ~20 s; the holder notices a dead connection
# in ~5 s and stops sending first, so two senders never overlap for long.
_SERVER_KEEPALIVE = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


async def set_server_keepalives(connection: psycopg.AsyncConnection) -> None:
    """Make the server notice a vanished client within ~20 s (and free its lock)."""
    for name, value in _SERVER_KEEPALIVE.items():
        await connection.execute(f"SET {name} = {value}")


async def try_lock(connection: psycopg.AsyncConnection) -> bool:
    """Take the leader lock if free; True if this session holds it now."""
    cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,))
    row = await cursor.fetchone()
    return row is not None and bool(row[0])


async def unlock(connection: psycopg.AsyncConnection) -> None:
    """Give the leader lock back."""
    await connection.execute("SELECT pg_advisory_unlock(%s)", (LEADER_LOCK,))


async def listen_for_deliveries(connection: psycopg.AsyncConnection) -> None:
    """Hear a NOTIFY whenever deliveries are queued."""
    await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")


async def ping(connection: psycopg.AsyncConnection) -> None:
    """A round trip: raises if the session is gone."""
    await connection.execute("SELECT 1")
