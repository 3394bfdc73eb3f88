"""The sender: works through the ledger's pending deliveries within Telegram's rate limits.

It outlives the database: when the ledger does not answer, sends already in hand go on, what
Telegram accepted is kept in memory and recorded when the ledger answers again, and nothing is
claimed until it is (so an accepted message is marked sent before anything can claim it again).

The sender runs the loop and the drain and shutdown; its parts hold the rest: `claims` (what it
takes from the ledger), `chat_queues` (what it holds, per chat), `dispatch` (sending within the
limiter), `courier` (one message to the transport), `outcomes` (a send's outcome as a ledger
write) and `outbox` (the writes owed while the ledger does not answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.delivery.chat_queues import ChatQueues
from bot.delivery.claims import Claims
from bot.delivery.courier import Courier
from bot.delivery.dispatch import Dispatcher
from bot.delivery.limiter import Limiter, NoLimits
from bot.delivery.outbox import FIRST_RETRY, Outbox
from bot.delivery.outcomes import RetryPolicy
from bot.delivery.transports import TokenRevoked, Transport

log = logging.getLogger(__name__)


class LedgerUnavailable(Exception):
    """A drain gave up: the database did not answer for longer than it would wait."""


class Sender:
    """Claims pending deliveries in small batches, sends them, marks each as Telegram answers.

    Health, for the runtime to show and supervise: `failing_since` (when the ledger stopped
    answering, None while it answers), `last_error` (the last database error seen) and
    `unrecorded` (outcomes, sent messages among them, waiting to be written).
    """

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        limiter: Limiter | None = None,
        *,
        batch_size: int = 100,
        concurrency: int = 16,
        lease: float = 120.0,
        poll_interval: float = 2.0,
        hold_limit: float = 10.0,
        max_attempts: int = 12,
        backoff_cap: float = 600.0,
        ledger_retry_cap: float = 10.0,
        shutdown_grace: float = 10.0,
        exclusive: bool = True,
        random_source: Callable[[], float] = random.random,
        paid_from: str | None = None,
    ) -> None:
        """`exclusive`: the only sender on this database, so claims left by a crash are retaken.

        `paid_from` (NEWSBOT_PAID_BROADCAST): alerts of this priority or above go on the paid
        broadcast lane (`allow_paid_broadcast`); None: every message on the free lane.

        `lease` must outlast `hold_limit` (the longest wait kept in memory) plus one send:
        longer waits, 429 pauses among them, go back to the ledger due at their end.
        """
        if lease <= hold_limit:
            raise ValueError(f"the lease ({lease}s) must outlast the hold limit ({hold_limit}s)")
        self._batch = batch_size
        self._poll = poll_interval
        self._ledger_retry_cap = ledger_retry_cap
        self._shutdown_grace = shutdown_grace
        self._exclusive = exclusive
        self._outbox = Outbox(engine, retry_cap=ledger_retry_cap)
        terminal = bool(getattr(transport, "terminal", False))
        self._claims = Claims(self._outbox, lease=lease, terminal=terminal)
        self._courier = Courier(transport, self._outbox, paid_from=paid_from)
        self._queues = ChatQueues(max(1, int(hold_limit / 2)))
        self._kick = asyncio.Event()
        self._dispatcher = Dispatcher(
            self._queues,
            self._outbox,
            self._courier,
            limiter or NoLimits(),
            self._claims,
            hold_limit=hold_limit,
            concurrency=concurrency,
            policy=RetryPolicy(max_attempts, backoff_cap, random_source),
            kick=self._kick.set,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakes = 0  # wake() calls so far: one during a claim makes its shortness moot

    @property
    def unrecorded(self) -> int:
        """Outcomes (sent messages among them) waiting for the ledger to take them."""
        return self._outbox.unrecorded

    @property
    def failing_since(self) -> datetime | None:
        """When the ledger stopped answering (None while it answers)."""
        return self._outbox.failing_since

    @property
    def last_error(self) -> str | None:
        """The last database error seen, or the last fault the run started over after."""
        return self._outbox.last_error

    @last_error.setter
    def last_error(self, value: str | None) -> None:
        self._outbox.last_error = value

    @property
    def revoked(self) -> TokenRevoked | None:
        """A 401: the sender stops, the process exits."""
        return self._dispatcher.revoked

    @property
    def sent(self) -> int:
        """Messages Telegram accepted so far."""
        return self._dispatcher.sent

    @property
    def failed(self) -> int:
        """Messages given up so far."""
        return self._dispatcher.failed

    @property
    def last_sent_at(self) -> float:
        """When Telegram last accepted a message (monotonic; the start before the first)."""
        return self._dispatcher.last_sent_at

    @property
    def paid_sent(self) -> int:
        """Messages sent on the paid broadcast lane so far."""
        return self._courier.paid_sent

    def wake(self) -> None:
        """New deliveries are in the ledger: look now (safe from any thread)."""
        self._dispatcher.fresh = True
        self._wakes += 1
        loop = self._loop
        if loop is not None and loop.is_running() and not _in_loop_thread(loop):
            loop.call_soon_threadsafe(self._kick.set)
        else:
            self._kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, waking on `wake()`, on due retries, or every poll interval.

        It never ends on a fault: database errors are waited out inside; anything else (a
        limiter's shared store, a bug) is logged and the work starts over after a back-off.
        """
        watcher = asyncio.create_task(self._kick_on(stop))
        delay = FIRST_RETRY
        try:
            while not stop.is_set():
                try:
                    await self._work(stop=stop, drain_horizon=None)
                    return
                except TokenRevoked:
                    raise  # no retry brings a revoked token back: the driver stops the process
                except Exception as error:
                    self.last_error = f"{type(error).__name__}: {error}"
                    log.error("the sender failed; starting again in %.0fs", delay, exc_info=error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, self._ledger_retry_cap)
        finally:
            watcher.cancel()

    async def settle(self, stop: asyncio.Event) -> bool:
        """After `run`: write the outcomes still owed, waiting for the ledger until `stop`.

        True once everything is written (a fleet leader that lost its lock to an outage
        settles before it stands again, so what it sent is not sent twice).
        """
        while not await self._outbox.flush(force=True):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(self._outbox.retry_delay, 1.0))
            if stop.is_set():
                return False
        return True

    async def drain(self, *, max_wait: float = 10.0) -> int:
        """Send every pending delivery, waiting for retries due within `max_wait`; returns sent.

        Raises LedgerUnavailable when the database does not answer for longer than `max_wait`.
        """
        before = self.sent
        await self._work(stop=None, drain_horizon=max_wait)
        return self.sent - before

    async def _kick_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._kick.set()

    async def _work(self, *, stop: asyncio.Event | None, drain_horizon: float | None) -> None:
        self._loop = asyncio.get_running_loop()
        dispatcher, outbox, queues = self._dispatcher, self._outbox, self._queues
        while self._exclusive and not self._claims.retaken:
            if stop is not None and stop.is_set():
                return
            if await self._claims.retake():
                break
            self._give_up_draining(drain_horizon)
            self._kick.clear()
            await self._sleep(outbox.retry_at - time.monotonic())
        exhausted_at: float | None = None
        claiming: asyncio.Task[int] | None = None
        asked = wakes_at_claim = 0
        try:
            while stop is None or not stop.is_set():
                if dispatcher.revoked is not None:
                    raise dispatcher.revoked
                now = time.monotonic()
                if dispatcher.fresh:
                    dispatcher.fresh, exhausted_at = False, None
                elif exhausted_at is not None and (
                    now - exhausted_at > self._poll
                    or (dispatcher.ledger_due is not None and now >= dispatcher.ledger_due)
                ):
                    exhausted_at = None
                self._kick.clear()
                if claiming is not None and claiming.done():
                    got = claiming.result()
                    # A wake during the claim may be for rows it did not see: not exhausted.
                    if 0 <= got < asked and self._wakes == wakes_at_claim:
                        exhausted_at = now
                    claiming = None
                want = self._batch - queues.held
                ledger_open = outbox.is_open(now)
                if (
                    claiming is None
                    and exhausted_at is None
                    and want > self._batch // 2
                    and ledger_open
                ):
                    # Claims run beside the dispatch, so sends keep their pace meanwhile.
                    asked, wakes_at_claim = want, self._wakes
                    claiming = asyncio.create_task(dispatcher.refill(want))
                    claiming.add_done_callback(lambda _: self._kick.set())
                elif ledger_open and outbox.unrecorded:
                    outbox.flush_soon()
                await dispatcher.dispatch()
                if queues.held == 0 and claiming is not None:
                    await asyncio.wait([claiming])
                    continue
                if queues.held == 0:
                    if not await outbox.flush():
                        self._give_up_draining(drain_horizon)
                        timeout = outbox.retry_at - time.monotonic()
                    else:
                        found = await self._idle_timeout(drain_horizon)
                        if found is None:
                            return
                        timeout = found
                        exhausted_at = None if timeout == 0 else exhausted_at
                elif (at := queues.next_at()) is not None and dispatcher.has_room:
                    timeout = at - time.monotonic()
                else:
                    timeout = self._poll
                if exhausted_at is not None and dispatcher.ledger_due is not None:
                    timeout = min(timeout, dispatcher.ledger_due - time.monotonic())
                retry_in = outbox.retry_at - time.monotonic()
                if self.failing_since is not None and retry_in > 0:
                    timeout = min(timeout, retry_in)
                # Always yield: a flush or claim task may be what has to run next.
                await self._sleep(timeout) if timeout > 0 else await asyncio.sleep(0)
        finally:
            if claiming is not None:
                await asyncio.gather(claiming, return_exceptions=True)
            await self._shutdown()

    async def _idle_timeout(self, drain_horizon: float | None) -> float | None:
        """How long to sleep with nothing in hand (None: a drain is finished)."""
        if not self._outbox.is_open(time.monotonic()):
            self._give_up_draining(drain_horizon)
            return self._outbox.retry_at - time.monotonic()
        try:
            due = await self._claims.next_due()
        except Exception as error:
            self._outbox.failed(error)
            self._give_up_draining(drain_horizon)
            return max(0.0, self._outbox.retry_at - time.monotonic())
        self._outbox.answered()
        wait = None if due is None else max(0.0, (due - datetime.now(UTC)).total_seconds())
        if drain_horizon is not None:
            return None if wait is None or wait > drain_horizon else wait
        return self._poll if wait is None else min(wait, self._poll)

    def _give_up_draining(self, drain_horizon: float | None) -> None:
        """A drain waits for the ledger no longer than for a retry."""
        if drain_horizon is None or self.failing_since is None:
            return
        if (datetime.now(UTC) - self.failing_since).total_seconds() > drain_horizon:
            raise LedgerUnavailable(f"the ledger does not answer: {self.last_error}")

    async def _sleep(self, timeout: float) -> None:
        if timeout <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._kick.wait(), timeout)

    async def _shutdown(self) -> None:
        """Let sends in flight end, give back what is held, and write what is owed."""
        await self._dispatcher.stop()
        await self._outbox.close(grace=self._shutdown_grace)


def _in_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
