"""One member of the fleet: a procrastinate worker, the file watchers, a candidate for leader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import make_url
from telegram.ext import Application

from bot.config import Settings
from bot.delivery.limiter import Limiter, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import TerminalTransport, Transport
from bot.drivers.fleet.jobs import (
    HEARTBEAT_SECONDS,
    STALLED_AFTER_SECONDS,
    build_app,
    ensure_schema,
)
from bot.drivers.fleet.leader import Leadership
from bot.drivers.shell import Backoff, ProcessShell, telegram_application, wait_for_stop
from bot.runtime.core import Runtime
from bot.runtime.health import Health
from bot.runtime.schedule import Recurring, scheduled
from bot.storage.db import in_transaction
from bot.storage.deliveries import last_group_sends
from bot.telegram.app import (
    TelegramSetupError,
    Webhook,
    initialize_bot,
    run_bot,
    shutdown_application,
)
from bot.telegram.transport import TelegramTransport
from bot.telemetry.metrics import LEADER

log = logging.getLogger(__name__)

WORKER_CONCURRENCY = 32
STOP_GRACE_SECONDS = 8.0
# A new leader waits this long before its first send: messages the last leader had in
# flight still count in Telegram's one-second windows (overall and per chat).
HANDOVER_QUIET_SECONDS = 1.5
GROUP_WINDOW = timedelta(minutes=1)
STATES_REFRESH_SECONDS = 15.0
SENDER_POLL_SECONDS = 1.0  # a fallback: queued deliveries raise a NOTIFY the leader hears
# The leader's rate limiter (alerts and command answers); a benchmark may swap it for NoLimits.
make_limiter: Callable[[], Limiter] = TokenBucketLimiter


def conninfo_for(database_url: str) -> str:
    """A libpq connection string for NEWSBOT_DATABASE_URL (driver suffix dropped)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def run_fleet(settings: Settings) -> int:
    """Run this process as one member of the fleet until SIGTERM or SIGINT."""
    if not settings.is_postgres:
        print(
            "newsbot: --fleet needs a PostgreSQL NEWSBOT_DATABASE_URL (postgresql://...)",
            file=sys.stderr,
        )
        return 2
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    # Each poll job hops to threads for the database (state, ingest, save): one thread per
    # job slot, not the default handful, or slots wait on the pool instead of the network.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(WORKER_CONCURRENCY + 8, thread_name_prefix="newsbot")
    )
    member = FleetMember(Runtime(settings), conninfo_for(settings.database_url))
    return await member.run()


class FleetMember(ProcessShell):
    """One process of the fleet: a worker, the file watchers, a candidate for leadership."""

    def __init__(self, runtime: Runtime, conninfo: str) -> None:
        super().__init__(runtime)
        self.conninfo = conninfo
        self.app = build_app(conninfo, runtime)
        self.sender: Sender | None = None  # while leading only
        self.leadership = Leadership(conninfo, on_notify=self._wake_sender)
        self.webhook = Webhook.from_settings(runtime.settings)
        # One limiter for this member's command answers and, once it leads, its alerts.
        self.limiter = make_limiter()
        self.application: Application | None = None
        if not runtime.terminal:
            self.application = telegram_application(runtime, self.limiter)
        self._worker_task: asyncio.Task[None] | None = None
        self.health = Health(
            runtime.engine, scheduler=("worker", self._worker_problem), sender=lambda: self.sender
        )
        LEADER.set(0)

    def _worker_problem(self) -> str | None:
        """Why the procrastinate worker is not running, or None."""
        if self._worker_task is None or self._worker_task.done():
            return "the procrastinate worker is not running"
        return None

    def _wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    async def run(self) -> int:
        """Start everything, wait for a stop signal, then stop within a few seconds."""
        runtime, stop = self.runtime, self.stop_event
        self.handle_signals()
        tasks: list[asyncio.Task[object]] = []
        try:
            if not await self.open_metrics(self.health):
                return self.exit_code
            async with self.app.open_async():
                await ensure_schema(self.app, self.conninfo)
                await runtime.reload_rules()
                runtime.load_feeds()
                tasks = self._start_tasks(stop)
                await runtime.ingest_seed_folder()
                log.info(
                    "fleet member %s running: %d feed(s), %d topic(s); seeds in %s",
                    _worker_name(),
                    len(runtime.feeds),
                    len(runtime.rules.book.topics),
                    runtime.settings.seeds_dir,
                )
                await stop.wait()
                log.info("stopping")
                stop.set()
                await self._stop(tasks)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.cancel_background()
            await self.close_metrics()
            if self.application is not None:
                await shutdown_application(self.application)
            await runtime.close()
            self.release_signals()
        log.info("stopped")
        return self.exit_code

    def _start_tasks(self, stop: asyncio.Event) -> list[asyncio.Task[object]]:
        work: list[Coroutine[object, object, object]] = [*self.runtime.watchers(stop)]
        work.append(self.runtime.supervision.keep_running("fleet worker", self._worker, stop))
        work.append(self.runtime.supervision.report(stop))
        work.append(self._lead_when_elected(stop))
        if self.application is not None and self.webhook is not None:
            # Behind a load balancer every member answers Telegram's POSTs; only long
            # polling needs the single update taker.
            work.append(self._take_updates(self.application, stop, self.webhook))
        for job in scheduled(self.runtime.settings):
            if job.per_process:
                work.append(self._every(job, stop))
        return [asyncio.create_task(each) for each in work]

    async def _stop(self, tasks: list[asyncio.Task[object]]) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*tasks, return_exceptions=True), STOP_GRACE_SECONDS
            )

    async def _every(self, job: Recurring, stop: asyncio.Event) -> None:
        """A per-process entry of the schedule table (the heartbeat), in a loop of its own."""
        await wait_for_stop(stop, job.first_after or 0.0)
        while not stop.is_set():
            await self.runtime.supervision.guard(job.name, job.run(self.runtime))
            await wait_for_stop(stop, job.every(self.runtime.settings))

    # -- the worker ----------------------------------------------------------------------------

    async def _worker(self) -> None:
        """Run the procrastinate worker until stopped; a worker that dies (the database went
        away) raises, and the supervision starts it again after a back-off."""
        stop = self.stop_event
        worker = self._worker_task = asyncio.create_task(
            self.app.run_worker_async(
                concurrency=WORKER_CONCURRENCY,
                name=_worker_name(),
                install_signal_handlers=False,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
                shutdown_graceful_timeout=STOP_GRACE_SECONDS / 2,
                delete_jobs="successful",
                fetch_job_polling_interval=2.0,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if worker in done:
            stopping.cancel()
            error = worker.exception()
            raise error or RuntimeError("the procrastinate worker stopped by itself")
        worker.cancel()  # procrastinate finishes running jobs within its graceful timeout
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await worker

    # -- leadership --------------------------------------------------------------------------

    async def _lead_when_elected(self, stop: asyncio.Event) -> None:
        """Stand for leadership until stopped; a lock lost (the database went away) is stood
        for again once the sender has written what it sent (see `_send`)."""
        while not stop.is_set():
            if await self.leadership.hold(self._lead, stop):
                return
            log.warning("leadership lost: standing for it again when the database answers")
            await wait_for_stop(stop, 1.0)

    async def _lead(self, term: asyncio.Event) -> None:
        """Be the fleet's sender of record and update taker until `term`."""
        runtime = self.runtime
        log.info("%s leads the fleet: sender of record, Telegram updates", _worker_name())
        await wait_for_stop(term, HANDOVER_QUIET_SECONDS)
        # The last leader's group budget (20 a minute) is not known here: wait it out.
        now = datetime.now(UTC)
        recent = await in_transaction(runtime.engine, last_group_sends, now - GROUP_WINDOW)
        for chat_id, last in recent:  # each group waits until its minute is over
            await self.limiter.pause(chat_id, (last + GROUP_WINDOW - now).total_seconds())
        application = self.application
        transport: Transport = TerminalTransport()
        if application is not None:
            transport = TelegramTransport(application.bot, runtime.rules.topics)
            try:
                if not await _initialize(application, term):
                    return
            except TelegramSetupError as error:
                self.stop_for_setting(error)
                return
        self.sender = Sender(
            runtime.engine,
            transport,
            self.limiter,
            poll_interval=SENDER_POLL_SECONDS,
            exclusive=True,
            paid_from=runtime.settings.paid_from,
        )
        runtime.supervise_sender(self.sender)
        LEADER.set(1)
        tasks = [
            asyncio.create_task(self._send(self.sender, term), name="sender"),
            asyncio.create_task(self._refresh_states(term), name="feed-states"),
        ]
        if application is not None and self.webhook is None:
            tasks.append(asyncio.create_task(self._take_updates(application, term), name="updates"))
        try:
            await asyncio.gather(*tasks)
        finally:
            term.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.sender = None
            runtime.supervise_sender(None)
            LEADER.set(0)

    async def _send(self, sender: Sender, term: asyncio.Event) -> None:
        """Run the sender; a revoked token (401) stops the process with EXIT_CONFIG."""

        async def term_of_sends() -> None:
            await sender.run(term)
            if not self.stop_event.is_set() and sender.unrecorded:
                # The term ended with the process running (the lock was lost): write what
                # was sent before standing again, or the next leader would send it twice.
                log.warning("writing %d send outcomes before standing again", sender.unrecorded)
                await sender.settle(self.stop_event)

        await self.sending(term_of_sends())

    async def _take_updates(
        self,
        application: Application,
        term: asyncio.Event,
        webhook: Webhook | None = None,
    ) -> None:
        """Long-poll getUpdates as the fleet's only caller (Telegram answers 409 to a second
        one), or with a webhook serve Telegram's POSTs as one member among many."""
        backoff = Backoff()
        while not term.is_set():
            try:
                await run_bot(application, term, webhook=webhook)
            except TelegramSetupError as error:
                self.stop_for_setting(error)
                return
            except Exception as error:
                log.error(
                    "update polling failed (%s); starting again in %.0fs", error, backoff.delay
                )
                await backoff.wait(term)

    async def _refresh_states(self, term: asyncio.Event) -> None:
        """Keep this process's view of every feed fresh, for the leader's `/status`."""
        while not term.is_set():
            await self.runtime.supervision.guard("feed states", self.runtime.poller.refresh())
            await wait_for_stop(term, STATES_REFRESH_SECONDS)


async def _initialize(application: Application, term: asyncio.Event) -> bool:
    """Initialize the bot (getMe), retrying while Telegram does not answer."""
    backoff = Backoff()
    while not term.is_set():
        try:
            await initialize_bot(application)
            return True
        except TelegramSetupError:
            raise
        except Exception as error:
            log.warning(
                "Telegram does not answer (%s); trying again in %.0fs",
                type(error).__name__,
                backoff.delay,
            )
            await backoff.wait(term)
    return False


def _worker_name() -> str:
    return f"newsbot@{socket.gethostname()}:{os.getpid()}"
