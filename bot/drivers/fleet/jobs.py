"""The fleet's procrastinate app: feed polls, the schedule table's jobs, stalled jobs retried."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from sqlalchemy import Engine

from bot.runtime.core import Runtime
from bot.runtime.schedule import FEED_TICK_SECONDS, HOUSEKEEPING, Recurring, scheduled
from bot.storage import jobs as job_store
from bot.storage.db import in_transaction
from bot.storage.feeds import next_polls

log = logging.getLogger(__name__)

QUEUE = "newsbot"
POLL_TASK = "newsbot.poll_feed"
STALLED_SECONDS = 10
HEARTBEAT_SECONDS = 3.0
STALLED_AFTER_SECONDS = 15.0  # five missed heartbeats: the worker is gone (kill -9, power cut)
DUE_SLACK = timedelta(seconds=1)
KEEP_FINISHED_JOBS_HOURS = 72
# Thousands of jobs queued at once (a fleet's first cycle) leave the planner's statistics
# saying the table is empty; procrastinate's fetch then takes ~0.5 s a job, not ~0.1 ms.
ANALYZE_AFTER = 200

# Periods a cron ticks at evenly, coarsest first (each divides a day).
_CRON_PERIODS = (
    [(86_400, "0 0 * * *")]
    + [(3600 * h, f"0 */{h} * * *") for h in (12, 8, 6, 4, 3, 2)]
    + [(3600, "0 * * * *")]
    + [(60 * m, f"*/{m} * * * *") for m in (30, 20, 15, 12, 10, 6, 5, 4, 3, 2)]
    + [(60, "* * * * *")]
    + [(s, f"* * * * * */{s}") for s in (30, 20, 15, 12, 10, 6, 5, 4, 3, 2)]
    + [(1, "* * * * * *")]
)


@dataclass(frozen=True, slots=True)
class CronPlan:
    """An interval as procrastinate runs it: a cron ticking every `period` seconds, a divisor
    of `interval`, and of its ticks only the first of each interval (`runs_at`)."""

    cron: str
    period: int
    interval: int

    def runs_at(self, timestamp: int) -> bool:
        """Whether the tick at this epoch second is the one the interval runs on.

        Ticks are `period` apart, so exactly one falls in the first `period` seconds of each
        interval-long slot of epoch time: the job runs once per interval, for the fleet.
        """
        return timestamp % self.interval < self.period


def cron_for(seconds: float) -> CronPlan:
    """The coarsest cron that can run a job every `seconds` (whole seconds, at least 1)."""
    interval = max(1, round(seconds))
    for period, cron in _CRON_PERIODS:
        if interval % period == 0:
            return CronPlan(cron, period, interval)
    raise AssertionError("a period of 1 s divides every interval")  # pragma: no cover


def feed_lock(name: str) -> str:
    """The procrastinate lock (and queueing lock) of one feed's polls."""
    return f"feed:{name}"


def build_app(conninfo: str, runtime: Runtime, *, pool_size: int = 8) -> App:
    """The procrastinate app of one fleet process, its tasks bound to this runtime."""
    app = App(
        connector=PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size),
        periodic_defaults={"max_delay": 60},
    )

    @app.periodic(cron=cron_for(FEED_TICK_SECONDS).cron, periodic_id="feeds")
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
            await in_transaction(runtime.engine, job_store.analyze_jobs)
        return queued

    @app.task(name=POLL_TASK, queue=QUEUE, retry=RetryStrategy(max_attempts=2, wait=5))
    async def poll_feed(name: str) -> str:
        """Poll one feed, unless another worker polled it since this job was queued."""
        spec = runtime.poller.feed_named(name)
        if spec is None:
            return "not in feeds.yaml any more"
        state = await runtime.poller.load_stored(name)  # the fleet's view, not this process's
        if state.next_poll is not None and state.next_poll > datetime.now(UTC) + DUE_SLACK:
            return "not due"
        try:
            result = await runtime.poller.poll(spec)
        except Exception as error:
            runtime.supervision.failed("feed polls", error)
            raise  # procrastinate retries it
        runtime.supervision.worked("feed polls")
        return result.status

    @app.periodic(cron=cron_for(STALLED_SECONDS).cron, periodic_id="stalled")
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

    async def housekeeping() -> None:
        """The core's housekeeping on the fleet's view of feeds, then old jobs pruned."""
        await runtime.poller.refresh()
        await runtime.housekeeping()
        await app.job_manager.delete_old_jobs(
            nb_hours=KEEP_FINISHED_JOBS_HOURS, include_failed=True, include_cancelled=True
        )

    fleet_work: dict[str, Callable[[], Awaitable[object]]] = {HOUSEKEEPING.name: housekeeping}
    for job in scheduled(runtime.settings):
        if not job.per_process:
            _periodic(app, job, runtime, fleet_work.get(job.name))
    return app


def _periodic(
    app: App, job: Recurring, runtime: Runtime, work: Callable[[], Awaitable[object]] | None
) -> None:
    """One fleet-wide entry of the schedule table as a procrastinate periodic task."""
    plan = cron_for(job.every(runtime.settings))
    name = job.name.replace("-", "_")

    async def run(timestamp: int) -> bool:
        if not plan.runs_at(timestamp):
            return False  # a tick between two runs: the cron ticks finer than the interval
        await runtime.supervision.guard(job.name, work() if work is not None else job.run(runtime))
        return True

    run.__doc__ = f"The schedule's {job.name}, every {plan.interval} s, once for the fleet."
    task = app.task(name=f"newsbot.{name}", queue=QUEUE, queueing_lock=name)(run)
    app.periodic(cron=plan.cron, periodic_id=name)(task)


def due_feeds(engine: Engine, names: list[str], now: datetime) -> list[str]:
    """The feeds whose next poll time has come and that have no poll queued or running."""
    with engine.connect() as connection:
        next_poll = next_polls(connection)
        busy = job_store.busy_locks(connection, POLL_TASK)
    return [
        name
        for name in names
        if feed_lock(name) not in busy
        and ((at := next_poll.get(name)) is None or at <= now + DUE_SLACK)
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


async def ensure_schema(app: App, conninfo: str) -> bool:
    """Apply procrastinate's schema if it is not there yet; True if this call applied it."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
        # Processes starting together: one applies the schema, the others wait and see it.
        await job_store.lock_schema(connection)
        try:
            if await job_store.has_jobs_table(connection):
                return False
            await app.schema_manager.apply_schema_async()
            log.info("procrastinate's schema applied")
            return True
        finally:
            await job_store.unlock_schema(connection)
