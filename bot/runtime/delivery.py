"""Delivery as the runtime drives it: the ledger's enqueuer, the sender, and the bot itself."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, func, select

from bot.delivery.ledger import ledger_counts, make_enqueuer
from bot.delivery.limiter import NoLimits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import TerminalTransport
from bot.runtime.rule_reload import Reload
from bot.runtime.status import DeliveryCounts
from bot.storage import deliveries as store
from bot.storage.models import deliveries
from bot.storage.subscriptions import subscribers
from bot.wording import count

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

BOT_RESTART_CAP = 60.0


class Delivery:
    """The ledger, the sender and (with a token) the Telegram Application of one process."""

    def __init__(self, runtime: Runtime, *, status: Callable[[], Awaitable[str]]) -> None:
        self._runtime = runtime
        settings = runtime.settings
        self.terminal = not settings.token
        self.enqueue = make_enqueuer(lambda: runtime.rules.book.topics, terminal=self.terminal)
        self.application: Application | None = None  # type: ignore[type-arg]
        self._tasks: list[asyncio.Task[None]] = []
        if self.terminal:
            self.sender = Sender(runtime.engine, TerminalTransport(), NoLimits())
            return
        from bot.telegram.app import build_application
        from bot.telegram.handlers import BotHooks
        from bot.telegram.transport import TelegramTransport

        limiter = TokenBucketLimiter()  # command answers and alerts share Telegram's limits
        self.application = build_application(
            settings,
            runtime.engine,
            rulebook=lambda: runtime.rules.book,
            hooks=BotHooks(status_text=status, reload=self._reload_command),
            limiter=limiter,
        )
        self.sender = Sender(runtime.engine, TelegramTransport(self.application.bot), limiter)

    async def _reload_command(self) -> str:
        result = await self._runtime.reload_rules()
        lines = [result.summary()] + [f"⚠ {problem}" for problem in result.problems]
        return "\n".join(lines)

    def wake(self) -> None:
        """New deliveries are queued: the sender looks now."""
        self.sender.wake()

    async def start(self, stop: asyncio.Event) -> None:
        """Start the sender and, with a token, long polling for Telegram updates."""
        self._tasks.append(asyncio.create_task(self.sender.run(stop), name="sender"))
        if self.application is not None:
            self._tasks.append(asyncio.create_task(self._run_bot(stop), name="bot"))

    async def _run_bot(self, stop: asyncio.Event) -> None:
        """Take Telegram updates until stopped; a failed start (network, 5xx, token) is retried."""
        from bot.telegram.app import TelegramSetupError, Webhook, run_bot

        assert self.application is not None
        webhook = Webhook.from_settings(self._runtime.settings)
        delay = 1.0
        while not stop.is_set():
            try:
                await run_bot(self.application, stop, webhook=webhook)
                return
            except TelegramSetupError as error:
                # No retry brings a wrong token or a taken port to life: stop, so the
                # operator (or the supervisor's failed health check) sees it. Alerts stay
                # queued.
                log.error("%s: stopping; fix the setting and start again", error)
                self._runtime.exit_code = 2
                stop.set()
                return
            except Exception as error:  # the sender goes on meanwhile: alerts stay queued
                log.error(
                    "Telegram bot could not start (%s: %s); retrying in %.0fs",
                    type(error).__name__,
                    error,
                    delay,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, BOT_RESTART_CAP)

    async def stop(self) -> None:
        """Wait for the sender to hand back what it holds and the bot to stop."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Close the bot's connections, once nothing sends any more."""
        if self.application is not None:
            from bot.telegram.app import shutdown_application

            await shutdown_application(self.application)

    async def drain(self) -> int:
        """Send everything pending now (for `run --once`); returns how many were sent."""
        if self.application is None:
            return await self.sender.drain()
        async with self.application.bot:
            return await self.sender.drain()

    def counts(self) -> DeliveryCounts:
        """The ledger at a glance, for `/status`."""
        counts = ledger_counts(self._runtime.engine)
        now = datetime.now(UTC)
        with self._runtime.engine.connect() as connection:
            hour, day = (
                _sent_since(connection, now - timedelta(hours=1)),
                _sent_since(connection, now - timedelta(days=1)),
            )
        return DeliveryCounts(counts["pending"], counts["failed"], hour, day)

    async def prune(self, *, older_than: timedelta) -> int:
        """Forget finished deliveries older than this (pending ones are never pruned)."""

        def work() -> int:
            cutoff = datetime.now(UTC) - older_than
            with self._runtime.engine.begin() as connection:
                return connection.execute(
                    delete(deliveries).where(
                        deliveries.c.state != store.PENDING, deliveries.c.created < cutoff
                    )
                ).rowcount

        return await asyncio.to_thread(work)

    async def tell_admins(self, text: str, *, notice_id: str | None = None) -> None:
        """A notice to every admin, through the ledger (rate limits hold, nothing is lost).

        `notice_id` makes the notice once-only: a second notice with the same id is dropped.
        """
        admins = self._runtime.settings.admin_ids
        if self.terminal or not admins:
            log.warning("admin notice: %s", text)
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        await self._notify(
            notice_id or f"notice:admin:{_digest(text)}:{stamp}", sorted(admins), text
        )

    async def after_reload(self, result: Reload) -> None:
        """Admins hear of new rule problems once; subscribers of a removed topic are told once."""
        if result.new_problems:
            lines = [
                f"{count(len(result.new_problems), 'rule file problem')}; "
                "the last good version of each file stays live:"
            ]
            lines += [str(problem) for problem in result.new_problems]
            await self.tell_admins("\n".join(lines))
        if self.terminal:
            return
        for topic in sorted(result.removed_topics):

            def chats(topic: str = topic) -> list[int]:
                with self._runtime.engine.connect() as connection:
                    return [sub.chat_id for sub in subscribers(connection, [topic], [])]

            recipients = await asyncio.to_thread(chats)
            text = (
                f"The topic {topic} was removed by the operator, so it sends no more alerts. "
                "Your subscription is kept and resumes if the topic comes back."
            )
            # The id names the topic only, so each chat is told once, restarts included.
            await self._notify(f"notice:topic-removed:{topic}", recipients, text)

    async def _notify(self, notice_id: str, chat_ids: list[int], text: str) -> None:
        if not chat_ids:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "article_id": notice_id,
                "chat_id": chat_id,
                "text": html.escape(text, quote=False),
                "silent": False,
                "priority": "normal",
                "state": store.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created": now,
            }
            for chat_id in chat_ids
        ]

        def write() -> int:
            with self._runtime.engine.begin() as connection:
                return store.insert_deliveries(connection, rows)

        if await asyncio.to_thread(write):
            self.wake()


def _sent_since(connection: Connection, moment: datetime) -> int:
    query = select(func.count()).where(
        deliveries.c.state == store.SENT,
        deliveries.c.sent_at >= moment,
        deliveries.c.chat_id != store.TERMINAL_CHAT_ID,
    )
    return int(connection.scalar(query) or 0)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
