"""What both drivers do alike: exit codes, signals, metrics, a revoked token, one back-off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable

from telegram.ext import Application

from bot.delivery.limiter import Limiter
from bot.delivery.transports import TokenRevoked
from bot.runtime.core import Runtime
from bot.runtime.health import MetricsListenRefused, open_metrics
from bot.telegram.app import build_application
from bot.telegram.handlers import BotHooks
from bot.telemetry.endpoint import HealthCheck, MetricsEndpoint

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 2  # a setting no retry can fix (a rejected token, a taken port)
FIRST_RETRY_SECONDS = 1.0
RETRY_CAP_SECONDS = 60.0


def telegram_application(runtime: Runtime, limiter: Limiter) -> Application:
    """The bot's Application, its `/status` and `/reload` wired to the runtime.

    The `limiter` is the sender's: command answers and alerts share Telegram's limits.
    """

    async def reload() -> str:
        result = await runtime.reload_rules()
        return "\n".join([result.summary()] + [f"⚠ {problem}" for problem in result.problems])

    return build_application(
        runtime.settings,
        runtime.engine,
        rulebook=lambda: runtime.rules.book,
        hooks=BotHooks(
            status_text=runtime.status_text,
            reload=reload,
            release_digests=runtime.release_digests,
            watches_changed=runtime.watches.changed,
        ),
        limiter=limiter,
    )


class Backoff:
    """Waits between attempts: 1 s, doubling to at most a minute, cut short by `stop`."""

    def __init__(self, first: float = FIRST_RETRY_SECONDS, cap: float = RETRY_CAP_SECONDS) -> None:
        self.delay = first
        self._cap = cap

    async def wait(self, stop: asyncio.Event) -> None:
        """Wait the current delay (or until `stop`); the next one is twice as long."""
        await wait_for_stop(stop, self.delay)
        self.delay = min(self.delay * 2, self._cap)


async def wait_for_stop(event: asyncio.Event, seconds: float) -> None:
    """Wait until the event is set or the seconds have passed, whichever is first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class ProcessShell:
    """A driver's process around its runtime: how it stops, and with which exit code."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stop_event = asyncio.Event()
        self.exit_code = EXIT_OK
        self._background: set[asyncio.Task[object]] = set()
        self._handled: list[int] = []
        self._metrics: MetricsEndpoint | None = None

    # -- stopping ----------------------------------------------------------------------------

    def stop_for_setting(self, problem: object) -> None:
        """A setting no retry can fix: say so, stop, and exit with EXIT_CONFIG."""
        log.error("%s: stopping; fix the setting and start again", problem)
        self.exit_code = EXIT_CONFIG
        self.stop_event.set()

    async def sending(self, run: Awaitable[None]) -> None:
        """Run a sender; a revoked token (401) stops the process with EXIT_CONFIG."""
        try:
            await run
        except TokenRevoked as error:
            log.error(
                "the Bot API rejects the bot token (%s): stopping; alerts stay queued. "
                "Fix TELEGRAM_BOT_TOKEN and start again",
                error.reason,
            )
            self.exit_code = EXIT_CONFIG
            self.stop_event.set()

    # -- metrics -----------------------------------------------------------------------------

    async def open_metrics(self, health: HealthCheck) -> bool:
        """Serve /metrics when asked to; False (EXIT_CONFIG set) when its address is refused."""
        try:
            self._metrics = await open_metrics(self.runtime.settings, health)
        except MetricsListenRefused as error:
            self.stop_for_setting(error)
            return False
        return True

    async def close_metrics(self) -> None:
        """Stop serving /metrics."""
        if self._metrics is not None:
            await self._metrics.stop()
            self._metrics = None

    # -- signals -----------------------------------------------------------------------------

    def handle_signals(self) -> None:
        """SIGTERM and SIGINT stop the process, SIGHUP reloads the rules."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
                self._handled.append(signum)
            loop.add_signal_handler(signal.SIGHUP, self._reload_on_signal)
            self._handled.append(signal.SIGHUP)

    def release_signals(self) -> None:
        """Give the signals back (a test runs many processes' drivers in one interpreter)."""
        loop = asyncio.get_running_loop()
        for signum in self._handled:
            loop.remove_signal_handler(signum)
        self._handled.clear()

    def _stop_on_signal(self, signum: int) -> None:
        log.info("%s received", signal.Signals(signum).name)
        self.stop_event.set()

    def _reload_on_signal(self) -> None:
        log.info("SIGHUP received: reloading rules")
        self.in_background(self.runtime.reload_rules())

    def in_background(self, work: Awaitable[object]) -> None:
        """Run this beside the process, the task held (an unreferenced task may be collected)."""
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def cancel_background(self) -> None:
        """End what still runs in the background."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
