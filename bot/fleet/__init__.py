"""Fleet mode: several `newsbot run --fleet` processes on one PostgreSQL, jobs on procrastinate.

Every process runs a procrastinate worker (feed polls, seed rescans, housekeeping), watches
the seed, rule and feed files, and waits for the leader lock. The one process holding it
is the fleet's sender of record and its one Telegram update taker.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from bot.delivery.limiter import Limiter, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import TerminalTransport, Transport
from bot.fleet.jobs import HEARTBEAT_SECONDS, STALLED_AFTER_SECONDS, build_app, ensure_schema
from bot.fleet.leader import Leadership
from bot.runtime import log_new_articles
from bot.runtime.watch import watch_files
from bot.storage.models import deliveries

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.telegram.app import Webhook

log = logging.getLogger(__name__)

__all__ = ["run_fleet"]

WORKER_CONCURRENCY = 32
STOP_GRACE_SECONDS = 8.0
# A new leader waits this long before its first send: messages the last leader had in
# flight still count in Telegram's one-second windows (overall and per chat).
HANDOVER_QUIET_SECONDS = 1.5
GROUP_WINDOW = timedelta(minutes=1)
STATES_REFRESH_SECONDS = 15.0
SENDER_POLL_SECONDS = 1.0  # a fallback: queued deliveries raise a NOTIFY the leader hears
EXIT_LEADERSHIP_LOST = 3
EXIT_CONFIG = 2  # a setting no retry can fix (a rejected token), as for a bad setting at start
# The sender's rate limiter; a benchmark may swap it for NoLimits.
make_limiter: Callable[[], Limiter] = TokenBucketLimiter


def conninfo_for(database_url: str) -> str:
    """A libpq connection string for NEWSBOT_DATABASE_URL (driver suffix dropped)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def run_fleet(runtime: Runtime) -> int:
    """Run this process as one member of the fleet until SIGTERM or SIGINT."""
    settings = runtime.settings
    if not settings.is_postgres:
        print(
            "newsbot: --fleet needs a PostgreSQL NEWSBOT_DATABASE_URL (postgresql://...)",
            file=sys.stderr,
        )
        await runtime.close()
        return 2
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    # Each poll job hops to threads for the database (state, ingest, save): one thread per
    # job slot, not the default handful, or slots wait on the pool instead of the network.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(WORKER_CONCURRENCY + 8, thread_name_prefix="newsbot")
    )
    member = FleetMember(runtime, conninfo_for(settings.database_url))
    return await member.run()


class FleetMember:
    """One process of the fleet: a worker, the file watchers, a candidate for leadership."""

    def __init__(self, runtime: Runtime, conninfo: str) -> None:
        self.runtime = runtime
        self.conninfo = conninfo
        self.app = build_app(conninfo, runtime)
        self.sender: Sender | None = None
        self.leadership = Leadership(conninfo, on_notify=self._wake_sender)
        from bot.telegram.app import Webhook

        self.webhook = Webhook.from_settings(runtime.settings)
        self.exit_code = 0

    def _wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    async def run(self) -> int:
        """Start everything, wait for a stop signal, then stop within a few seconds."""
        runtime, stop = self.runtime, self.runtime.stop_event
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        loop.add_signal_handler(
            signal.SIGHUP, lambda: asyncio.ensure_future(runtime.reload_rules())
        )
        tasks: list[asyncio.Task[object]] = []
        try:
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
            await runtime.close()
        log.info("stopped")
        return self.exit_code

    def _start_tasks(self, stop: asyncio.Event) -> list[asyncio.Task[object]]:
        settings = self.runtime.settings
        watches = [
            watch_files(settings.seeds_dir, (".md",), self._on_seeds, stop),
            watch_files(settings.rules_dir, (".yaml", ".yml"), self._on_rules, stop),
        ]
        feeds_file = settings.feeds_file.resolve()
        if feeds_file.parent.is_dir():
            watches.append(watch_files(feeds_file.parent, (feeds_file.name,), self._on_feeds, stop))
        tasks = [asyncio.create_task(watch) for watch in watches]
        tasks.append(asyncio.create_task(self._worker(stop), name="worker"))
        tasks.append(asyncio.create_task(self._lead_when_elected(stop), name="leadership"))
        application = self.runtime.delivery.application
        if application is not None and self.webhook is not None:
            # Behind a load balancer every member answers Telegram's POSTs; only long
            # polling needs the single update taker.
            tasks.append(
                asyncio.create_task(
                    self._take_updates(application, stop, self.webhook), name="updates"
                )
            )
        if settings.heartbeat_file:
            tasks.append(asyncio.create_task(_heartbeat(settings.heartbeat_file, stop)))
        return tasks  # type: ignore[return-value]

    async def _stop(self, tasks: list[asyncio.Task[object]]) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*tasks, return_exceptions=True), STOP_GRACE_SECONDS
            )

    # -- the worker ----------------------------------------------------------------------------

    async def _worker(self, stop: asyncio.Event) -> None:
        worker = asyncio.create_task(
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
            log.error("procrastinate worker stopped: %s; this process stops too", error)
            self.exit_code = 1
            stop.set()
            return
        worker.cancel()  # procrastinate finishes running jobs within its graceful timeout
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await worker

    # -- files -------------------------------------------------------------------------------

    async def _on_seeds(self, changed: set[Path], _deleted: set[Path]) -> None:
        if not changed:
            return
        articles = await asyncio.to_thread(self.runtime.read_seed_files, sorted(changed))
        # Every process sees the file; the one whose insert wins the article id alerts it.
        log_new_articles(await self.runtime.ingest(articles))

    async def _on_rules(self, _changed: set[Path], _deleted: set[Path]) -> None:
        await self.runtime.reload_rules()

    async def _on_feeds(self, _changed: set[Path], _deleted: set[Path]) -> None:
        self.runtime.load_feeds()
        log.info("feeds file reloaded: %d feed(s)", len(self.runtime.feeds))

    # -- leadership --------------------------------------------------------------------------

    async def _lead_when_elected(self, stop: asyncio.Event) -> None:
        if not await self.leadership.hold(self._lead, stop):
            # A process that lost the lock but lives on cannot know what it still holds:
            # it stops, and its supervisor starts a clean one (restart: unless-stopped).
            self.exit_code = EXIT_LEADERSHIP_LOST
            stop.set()

    async def _lead(self, term: asyncio.Event) -> None:
        """Be the fleet's sender of record and update taker until `term`."""
        runtime = self.runtime
        log.info("%s leads the fleet: sender of record, Telegram updates", _worker_name())
        await _wait(term, HANDOVER_QUIET_SECONDS)
        limiter = make_limiter()
        # The last leader's group budget (20 a minute) is not known here: wait it out.
        for chat_id, seconds in await asyncio.to_thread(_recent_groups, runtime.engine):
            await limiter.pause(chat_id, seconds)
        application = runtime.delivery.application
        transport: Transport = TerminalTransport()
        if application is not None:
            from bot.telegram.app import TokenRejected
            from bot.telegram.handlers import STATE_KEY
            from bot.telegram.transport import TelegramTransport

            # Command answers spend the same budget as alerts: one limiter for both.
            state = application.bot_data[STATE_KEY]
            application.bot_data[STATE_KEY] = dataclasses.replace(state, limiter=limiter)
            transport = TelegramTransport(application.bot)
            try:
                if not await _initialize(application, term):
                    return
            except TokenRejected as error:
                log.error("%s: stopping; fix the token and start again", error)
                self.exit_code = EXIT_CONFIG
                runtime.stop_event.set()
                return
        self.sender = Sender(
            runtime.engine, transport, limiter, poll_interval=SENDER_POLL_SECONDS, exclusive=True
        )
        tasks = [
            asyncio.create_task(self.sender.run(term), name="sender"),
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

    async def _take_updates(
        self, application: object, term: asyncio.Event, webhook: Webhook | None = None
    ) -> None:
        """Long-poll getUpdates as the fleet's only caller (Telegram answers 409 to a second
        one), or with a webhook serve Telegram's POSTs as one member among many."""
        from bot.telegram.app import TelegramSetupError, run_bot

        while not term.is_set():
            try:
                await run_bot(application, term, webhook=webhook)  # type: ignore[arg-type]
            except TelegramSetupError as error:
                log.error("%s: stopping; fix the setting and start again", error)
                self.exit_code = EXIT_CONFIG
                self.runtime.stop_event.set()
                return
            except Exception as error:
                log.error("update polling failed (%s); starting again in 5 s", error)
                await _wait(term, 5.0)

    async def _refresh_states(self, term: asyncio.Event) -> None:
        """Keep this process's view of every feed fresh, for the leader's `/status`."""
        from bot.fleet.jobs import load_states

        while not term.is_set():
            with contextlib.suppress(Exception):
                states = await asyncio.to_thread(load_states, self.runtime.engine)
                self.runtime.poller.states.update(states)
            await _wait(term, STATES_REFRESH_SECONDS)


async def _initialize(application: object, term: asyncio.Event) -> bool:
    """Initialize the bot (getMe), retrying while Telegram does not answer."""
    from telegram.error import InvalidToken

    from bot.telegram.app import TokenRejected

    while not term.is_set():
        try:
            await application.initialize()  # type: ignore[attr-defined]
            return True
        except InvalidToken:
            raise TokenRejected("the Bot API rejected the bot token (TELEGRAM_BOT_TOKEN)") from None
        except Exception as error:
            log.warning("Telegram does not answer (%s); trying again in 5 s", type(error).__name__)
            await _wait(term, 5.0)
    return False


def _recent_groups(engine: Engine) -> list[tuple[int, float]]:
    """Groups written to within the last minute, and how long until that minute is over."""
    now = datetime.now(UTC)
    query = (
        select(deliveries.c.chat_id, func.max(deliveries.c.sent_at))
        .where(deliveries.c.chat_id < 0, deliveries.c.sent_at >= now - GROUP_WINDOW)
        .group_by(deliveries.c.chat_id)
    )
    with engine.connect() as connection:
        recent = list(connection.execute(query))
    return [(int(chat), (last + GROUP_WINDOW - now).total_seconds()) for chat, last in recent]


async def _heartbeat(path: Path, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError):
            path.touch()
        await _wait(stop, 15.0)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


def _worker_name() -> str:
    return f"newsbot@{socket.gethostname()}:{os.getpid()}"
