"""The single process: APScheduler, the sender, Telegram updates, signals and `run --once`."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from telegram.ext import Application

from bot.config import Settings
from bot.delivery.limiter import Limiter, NoLimits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import TerminalTransport, Transport
from bot.drivers.shell import Backoff, ProcessShell, telegram_application
from bot.runtime.core import Runtime
from bot.runtime.health import Health
from bot.runtime.schedule import Recurring, scheduled
from bot.sources.feeds_config import FeedSpec
from bot.telegram.app import TelegramSetupError, Webhook, run_bot, shutdown_application
from bot.telegram.transport import TelegramTransport
from bot.telemetry.metrics import LEADER

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 7.0
FIRST_POLL_SPREAD = 10.0  # new feeds' first polls are spread over this many seconds


class SingleProcess(ProcessShell):
    """The bot as one process: it schedules every job, sends, and takes Telegram updates."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        super().__init__(Runtime(settings, engine))
        self.ready = asyncio.Event()  # set once run_forever is watching, scheduling and polling
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.application: Application | None = None
        transport: Transport = TerminalTransport()
        limiter: Limiter = NoLimits()
        if self.runtime.terminal:
            log.info(
                "no TELEGRAM_BOT_TOKEN: alerts are printed here, for one chat subscribed to "
                "every topic"
            )
        else:
            limiter = TokenBucketLimiter()  # command answers and alerts share Telegram's limits
            self.application = telegram_application(self.runtime, limiter)
            topics = self.runtime.rules.topics
            transport = TelegramTransport(self.application.bot, topics)
        self.sender = Sender(self.runtime.engine, transport, limiter, paid_from=settings.paid_from)
        self.runtime.deliveries_queued = self.sender.wake
        self.runtime.supervise_sender(self.sender)
        self.health = Health(
            self.runtime.engine,
            scheduler=("scheduler", self._scheduler_problem),
            sender=lambda: self.sender,
        )
        self._tasks: list[asyncio.Task[object]] = []

    # -- one pass ----------------------------------------------------------------------------

    async def run_once(self) -> int:
        """One pass over every source, deliver what was queued, then exit."""
        runtime = self.runtime
        try:
            await runtime.reload_rules()
            runtime.load_feeds()
            fresh = await runtime.ingest_seed_folder()
            results = await runtime.poller.poll_all(runtime.feeds)
            sent = await self._drain()
            log.info(
                "one pass done: %d new seed article(s), %d feed(s) polled, %d sent",
                len(fresh),
                len(results),
                sent,
            )
            return 0
        finally:
            await self.close()

    async def _drain(self) -> int:
        if self.application is None:
            return await self.sender.drain()
        async with self.application.bot:
            return await self.sender.drain()

    # -- running -----------------------------------------------------------------------------

    async def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT, then stop cleanly within a few seconds."""
        runtime, stop = self.runtime, self.stop_event
        self.handle_signals()
        try:
            if not await self.open_metrics(self.health):
                return self.exit_code
            await runtime.reload_rules()
            runtime.load_feeds()
            self._start(self._send(stop), "sender")
            LEADER.set(1)  # the only process: it sends and takes the updates, as a leader does
            self._start(runtime.supervision.report(stop), "supervision")
            if self.application is not None:
                self._start(self._take_updates(self.application), "bot")
            for watch in runtime.watchers(stop, feeds_reloaded=self._schedule_feeds):
                self._start(watch, "watch")
            await runtime.ingest_seed_folder()
            for job in scheduled(runtime.settings):
                self._schedule(job)
            self._schedule_feeds()
            self.scheduler.start()
            log.info(
                "running: %d feed(s), %d topic(s); seeds in %s",
                len(runtime.feeds),
                len(runtime.rules.book.topics),
                runtime.settings.seeds_dir,
            )
            self.ready.set()
            await stop.wait()
            log.info("stopping")
        finally:
            stop.set()
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)  # cancels feed polls under way
            await self._stop_tasks()
            LEADER.set(0)
            await self.close_metrics()
            await self.close()
            self.release_signals()
        log.info("stopped")
        return self.exit_code

    async def _send(self, stop: asyncio.Event) -> None:
        """Run the sender; a revoked token (401) stops the process with EXIT_CONFIG."""
        await self.sending(self.sender.run(stop))

    def _scheduler_problem(self) -> str | None:
        """Why the scheduler is not running, or None."""
        return None if self.scheduler.running else "the scheduler is not running"

    def _start(self, work: Coroutine[object, object, object], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def _stop_tasks(self) -> None:
        """Let the sender hand back what it holds and the bot stop; then end the rest."""
        keep = [task for task in self._tasks if task.get_name() in ("sender", "bot")]
        try:
            await asyncio.wait_for(
                asyncio.gather(*keep, return_exceptions=True), STOP_GRACE_SECONDS
            )
        except TimeoutError:
            log.warning(
                "delivery did not stop within %gs; unsent alerts stay queued", STOP_GRACE_SECONDS
            )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.cancel_background()

    async def close(self) -> None:
        """Release the Telegram bot, then the runtime's HTTP client and database."""
        if self.application is not None:
            await shutdown_application(self.application)
        await self.runtime.close()

    async def _take_updates(self, application: Application) -> None:
        """Take Telegram updates until stopped; a failed start (network, 5xx) is retried."""
        stop = self.stop_event
        webhook = Webhook.from_settings(self.runtime.settings)
        backoff = Backoff()
        while not stop.is_set():
            try:
                await run_bot(application, stop, webhook=webhook)
                return
            except TelegramSetupError as error:
                # No retry brings a wrong token or a taken port to life: stop, so the
                # operator (or the supervisor's failed health check) sees it. Alerts stay
                # queued.
                self.stop_for_setting(error)
                return
            except Exception as error:  # the sender goes on meanwhile: alerts stay queued
                log.error(
                    "Telegram bot could not start (%s: %s); retrying in %.0fs",
                    type(error).__name__,
                    error,
                    backoff.delay,
                )
            await backoff.wait(stop)

    # -- the schedule ------------------------------------------------------------------------

    def _schedule(self, job: Recurring) -> None:
        """One entry of the schedule table as an interval job."""
        first = None
        if job.first_after is not None:
            first = datetime.now(UTC) + timedelta(seconds=job.first_after)
        self.scheduler.add_job(
            self._run_job,
            IntervalTrigger(seconds=job.every(self.runtime.settings), jitter=job.jitter or None),
            args=[job],
            id=job.name,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            **({"next_run_time": first} if first is not None else {}),
        )

    async def _run_job(self, job: Recurring) -> None:
        """One run of a table entry; a failure is the supervision's (told once, retried)."""
        await self.runtime.supervision.guard(job.name, job.run(self.runtime))

    def _schedule_feeds(self) -> None:
        """One job per feed; feeds added, changed or removed in feeds.yaml follow."""
        wanted = {f"feed:{spec.name}": spec for spec in self.runtime.feeds}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:") and job.id not in wanted:
                job.remove()
        now = datetime.now(UTC)
        for job_id, spec in wanted.items():
            due = self.runtime.poller.state(spec).next_poll
            existing = self.scheduler.get_job(job_id)
            if existing is not None and existing.args[0] == spec:
                continue  # unchanged: keep its place in the schedule
            if due is None:  # never polled: first polls spread out, not all in one burst
                due = now + timedelta(seconds=random.uniform(0, FIRST_POLL_SPREAD))
            self.scheduler.add_job(
                self.poll_feed_job,
                IntervalTrigger(seconds=spec.interval, jitter=_jitter(spec)),
                args=[spec],
                id=job_id,
                max_instances=1,
                coalesce=True,
                replace_existing=True,
                next_run_time=max(due, now),
                misfire_grace_time=None,
            )

    async def poll_feed_job(self, spec: FeedSpec) -> None:
        """The scheduler's job for one feed: poll it, then wait for its floor before the next.

        A poll the database fails (ingest, state) is retried at the feed's next interval.
        """
        supervision = self.runtime.supervision
        try:
            result = await self.runtime.poller.poll(spec)
        except Exception as error:
            supervision.failed("feed polls", error)
            return
        supervision.worked("feed polls")
        # Retry-After, max-age, ttl and back-off set the floor; jitter only ever adds to it,
        # so feeds with the same interval do not stay in step.
        job = self.scheduler.get_job(f"feed:{spec.name}")
        if job is not None and result.state.next_poll is not None:
            extra = timedelta(seconds=random.uniform(0, _jitter(spec)))
            job.modify(next_run_time=result.state.next_poll + extra)


def _jitter(spec: FeedSpec) -> float:
    """Seconds of random delay added to a feed's polls (a tenth of its interval, at most 30)."""
    return min(30.0, spec.interval / 10)
