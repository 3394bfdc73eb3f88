"""The fleet's procrastinate app: feed polls, seed rescans, housekeeping, stalled jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from sqlalchemy import Engine, select, text

from bot.sources.fetch import FeedState
from bot.storage.models import feed_state

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

QUEUE = "newsbot"
POLL_TASK = "newsbot.poll_feed"
# Which feeds are due is read from feed_state every few seconds: a feed's next poll time
# (interval, Retry-After, max-age, ttl, back-off) is shared by the whole fleet.
TICK_CRON = "* * * * * */5"
STALLED_CRON = "* * * * * */10"
RESCAN_CRON = "* * * * *"
HOUSEKEEPING_CRON = "17 * * * *"
HEARTBEAT_SECONDS = 3.0
STALLED_AFTER_SECONDS = 15.0  # five missed heartbeats: the worker is gone (kill -9, power cut)
DUE_SLACK = timedelta(seconds=1)
KEEP_FINISHED_JOBS_HOURS = 72
SCHEMA_LOCK = 7_310_203
# Thousands of jobs queued at once (a fleet's first cycle) leave the planner's statistics
# saying the table is empty; procrastinate's fetch then takes ~0.5 s a job, not ~0.1 ms.
ANALYZE_AFTER = 200


def feed_lock(name: str) -> str:
    """The procrastinate lock (and queueing lock) of one feed's polls."""
    return f"feed:{name}"


def build_app(conninfo: str, runtime: Runtime, *, pool_size: int = 8) -> App:
    """The procrastinate app of one fleet process, its tasks bound to this runtime."""
    app = App(
        connector=PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size),
        periodic_defaults={"max_delay": 60},
    )

    @app.periodic(cron=TICK_CRON, periodic_id="feeds")
    @app.task(
        name="newsbot.schedule_feeds", queue=QUEUE, queueing_lock="schedule_feeds", lock="tick"
    )
    async def schedule_feeds(timestamp: int) -> int:
        """Queue a poll for every feed that is due and has none queued or running."""
        names = [spec.name for spec in runtime.feeds]
        if not names:
            return 0
        due = await asyncio.to_thread(due_feeds, runtime.engine, names, datetime.now(UTC))
        queued = await defer_polls(app, due)
        if queued >= ANALYZE_AFTER:
            await asyncio.to_thread(analyze_jobs, runtime.engine)
        return queued

    @app.task(name=POLL_TASK, queue=QUEUE, retry=RetryStrategy(max_attempts=2, wait=5))
    async def poll_feed(name: str) -> str:
        """Poll one feed, unless another worker polled it since this job was queued."""
        spec = next((spec for spec in runtime.feeds if spec.name == name), None)
        if spec is None:
            return "not in feeds.yaml any more"
        state = await asyncio.to_thread(load_state, runtime.engine, name)
        if state.next_poll is not None and state.next_poll > datetime.now(UTC) + DUE_SLACK:
            return "not due"
        runtime.poller.states[name] = state  # the fleet's view, not this process's memory
        result = await runtime.poller.poll(spec)
        return result.status

    @app.periodic(cron=STALLED_CRON, periodic_id="stalled")
    @app.task(name="newsbot.retry_stalled_jobs", queue=QUEUE, queueing_lock="retry_stalled")
    async def retry_stalled_jobs(timestamp: int) -> int:
        """Jobs running on a worker that stopped beating (a dead process) go back to the queue."""
        stalled = await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=STALLED_AFTER_SECONDS
        )
        for job in stalled:
            log.warning("job %s (%s) was running on a dead worker: retried", job.id, job.task_name)
            await app.job_manager.retry_job(job)
        return len(list(stalled))

    @app.periodic(cron=RESCAN_CRON, periodic_id="seeds")
    @app.task(name="newsbot.rescan_seeds", queue=QUEUE, queueing_lock="rescan_seeds")
    async def rescan_seeds(timestamp: int) -> int:
        """The seed folder's fallback rescan, behind every process's file watcher."""
        return len(await runtime.ingest_seed_folder())

    @app.periodic(cron=HOUSEKEEPING_CRON, periodic_id="housekeeping")
    @app.task(name="newsbot.housekeeping", queue=QUEUE, queueing_lock="housekeeping")
    async def housekeeping(timestamp: int) -> None:
        """Prune old deliveries and finished jobs; report feeds failing for a day."""
        states = await asyncio.to_thread(load_states, runtime.engine)
        runtime.poller.states.update(states)
        await runtime.housekeeping()
        await app.job_manager.delete_old_jobs(
            nb_hours=KEEP_FINISHED_JOBS_HOURS, include_failed=True, include_cancelled=True
        )

    return app


def due_feeds(engine: Engine, names: list[str], now: datetime) -> list[str]:
    """The feeds whose next poll time has come and that have no poll queued or running."""
    with engine.connect() as connection:
        rows = connection.execute(select(feed_state.c.name, feed_state.c.next_poll))
        next_polls = {name: at for name, at in rows}
        busy = set(
            connection.scalars(
                text(
                    "SELECT lock FROM procrastinate_jobs WHERE task_name = :task"
                    " AND status IN ('todo', 'doing')"
                ),
                {"task": POLL_TASK},
            )
        )
    return [
        name
        for name in names
        if feed_lock(name) not in busy
        and ((at := next_polls.get(name)) is None or at <= now + DUE_SLACK)
    ]


async def defer_polls(app: App, names: list[str]) -> int:
    """Queue one poll per feed; a feed that already has one queued is skipped."""
    if not names:
        return 0
    task = app.tasks[POLL_TASK]
    jobs: list[Job] = [
        task.configure(lock=feed_lock(name), queueing_lock=feed_lock(name)).make_new_job(name=name)
        for name in names
    ]
    try:
        await app.job_manager.batch_defer_jobs_async(jobs)
        return len(jobs)
    except AlreadyEnqueued:
        pass  # someone queued one of them meanwhile: queue the others one by one
    queued = 0
    for job in jobs:
        with contextlib.suppress(AlreadyEnqueued):
            await app.job_manager.defer_job_async(job)
            queued += 1
    return queued


def analyze_jobs(engine: Engine) -> None:
    """Refresh the planner's statistics of procrastinate's jobs table."""
    with engine.begin() as connection:
        connection.execute(text("ANALYZE procrastinate_jobs"))


_STATE_FIELDS = tuple(field.name for field in fields(FeedState))


def load_state(engine: Engine, name: str) -> FeedState:
    """One feed's stored state as the fleet last wrote it (a fresh one if never polled)."""
    with engine.connect() as connection:
        row = connection.execute(select(feed_state).where(feed_state.c.name == name)).mappings()
        found = row.first()
    if found is None:
        return FeedState()
    return FeedState(**{key: found[key] for key in _STATE_FIELDS if key in found})


def load_states(engine: Engine) -> dict[str, FeedState]:
    """Every feed's stored state."""
    from bot.storage.feeds import load_feed_states

    with engine.connect() as connection:
        return load_feed_states(connection)


async def ensure_schema(app: App, conninfo: str) -> bool:
    """Apply procrastinate's schema if it is not there yet; True if this call applied it."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
        # Processes starting together: one applies the schema, the others wait and see it.
        await connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            cursor = await connection.execute("SELECT to_regclass('procrastinate_jobs')")
            row = await cursor.fetchone()
            if row is not None and row[0] is not None:
                return False
            await app.schema_manager.apply_schema_async()
            log.info("procrastinate's schema applied")
            return True
        finally:
            await connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
