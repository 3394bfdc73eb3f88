"""The fleet's procrastinate jobs: schema applied once, per-feed locks, stalled jobs retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from bot.config import Settings
from bot.drivers.fleet.jobs import (
    POLL_TASK,
    build_app,
    defer_polls,
    due_feeds,
    ensure_schema,
    feed_lock,
)
from bot.drivers.fleet.member import conninfo_for
from bot.runtime.core import Runtime
from bot.storage.db import open_database
from bot.storage.feeds import FeedState, save_feed_state
from tests.support.databases import fresh_postgres_database

pytestmark = pytest.mark.postgres


def _jobs(conninfo: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo) as connection:
        return connection.execute(
            "SELECT lock, queueing_lock, status, worker_id FROM procrastinate_jobs"
            " WHERE task_name = %s ORDER BY id",
            (POLL_TASK,),
        ).fetchall()


async def test_polls_are_queued_once_per_feed_and_stalled_ones_come_back() -> None:
    with fresh_postgres_database() as url:
        engine = open_database(url)
        conninfo = conninfo_for(url)
        runtime = Runtime(Settings(database_url=url), engine)
        app = build_app(conninfo, runtime)
        async with app.open_async():
            assert await ensure_schema(app, conninfo) is True
            assert await ensure_schema(app, conninfo) is False  # already there: left alone

            now = datetime.now(UTC)
            with engine.begin() as connection:
                later = FeedState(next_poll=now + timedelta(seconds=30))
                save_feed_state(connection, "b", "http://127.0.0.1/b", later)
            assert due_feeds(engine, ["a", "b"], now) == ["a"]  # b's next poll is not yet

            assert await defer_polls(app, ["a", "c"]) == 2
            assert await defer_polls(app, ["a", "c", "d"]) == 1  # a and c are queued already
            assert due_feeds(engine, ["a", "c", "d", "e"], now) == ["e"]
            jobs = _jobs(conninfo)
            assert [(lock, qlock) for lock, qlock, *_ in jobs] == [
                (feed_lock(name), feed_lock(name)) for name in ("a", "c", "d")
            ]

            # A worker that stopped beating (killed) holds a's poll: it goes back to the queue.
            with psycopg.connect(conninfo, autocommit=True) as connection:
                dead = connection.execute(
                    "INSERT INTO procrastinate_workers (last_heartbeat)"
                    " VALUES (now() - interval '1 hour') RETURNING id"
                ).fetchone()
                assert dead is not None
                connection.execute(
                    "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s"
                    " WHERE lock = %s",
                    (dead[0], feed_lock("a")),
                )
            assert _jobs(conninfo)[0][2] == "doing"
            retried = await app.tasks["newsbot.retry_stalled_jobs"](timestamp=0)
            assert retried == 1
            assert [status for _, _, status, _ in _jobs(conninfo)] == ["todo"] * 3
        await runtime.close()
