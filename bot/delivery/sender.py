"""The sender: works through the ledger's pending deliveries within Telegram's rate limits."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine

from bot.delivery.feedback import feedback_for
from bot.delivery.ledger import forget_chat, move_chat
from bot.delivery.limiter import Limiter, NoLimits
from bot.delivery.transports import (
    ButtonTransport,
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    SendError,
    Transient,
    Transport,
)
from bot.storage import deliveries as store
from bot.storage.deliveries import Delivery

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_FLOOD_WINDOW = 1.0  # 429s for two chats within this many seconds mean a global flood


class Sender:
    """Claims pending deliveries in small batches, sends them, marks each as Telegram answers."""

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
        exclusive: bool = True,
        random_source: Callable[[], float] = random.random,
    ) -> None:
        """`exclusive`: the only sender on this database, so claims left by a crash are retaken."""
        self._engine = engine
        self._transport = transport
        self._limiter: Limiter = limiter or NoLimits()
        self._terminal = bool(getattr(transport, "terminal", False))
        self._batch = batch_size
        self._concurrency = concurrency
        self._lease = lease
        self._poll = poll_interval
        self._hold_limit = hold_limit
        self._max_attempts = max_attempts
        self._backoff_cap = backoff_cap
        self._exclusive = exclusive
        self._random = random_source
        self._owner = uuid.uuid4().hex
        self._per_chat_held = max(1, int(hold_limit / 2))
        self._queues: dict[int, deque[Delivery]] = {}
        self._heap: list[tuple[float, int, int]] = []
        self._scheduled: set[int] = set()
        self._busy: set[int] = set()
        self._inflight: set[asyncio.Task[None]] = set()
        self._held = 0
        self._seq = 0
        self._marks: list[tuple[int, int | None]] = []
        self._flush_lock = asyncio.Lock()
        self._flushes: set[asyncio.Task[None]] = set()
        self._kick = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._claims_retaken = False
        self._fresh = False  # new deliveries may be due: claim even if the last claim was short
        self._recent_floods: dict[int, float] = {}
        self.sent = 0
        self.failed = 0

    def wake(self) -> None:
        """New deliveries are in the ledger: look now (safe from any thread)."""
        self._fresh = True
        loop = self._loop
        if loop is not None and loop.is_running() and not _in_loop_thread(loop):
            loop.call_soon_threadsafe(self._kick.set)
        else:
            self._kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, waking on `wake()`, on due retries, or every poll interval."""
        watcher = asyncio.create_task(self._kick_on(stop))
        try:
            await self._work(stop=stop, drain_horizon=None)
        finally:
            watcher.cancel()

    async def drain(self, *, max_wait: float = 10.0) -> int:
        """Send every pending delivery, waiting for retries due within `max_wait`; returns sent."""
        before = self.sent
        await self._work(stop=None, drain_horizon=max_wait)
        return self.sent - before

    async def _kick_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._kick.set()

    async def _work(self, *, stop: asyncio.Event | None, drain_horizon: float | None) -> None:
        self._loop = asyncio.get_running_loop()
        if self._exclusive and not self._claims_retaken:
            retaken = await self._db(store.release_all_claims, terminal=self._terminal)
            self._claims_retaken = True
            if retaken:
                log.info("took back %d deliveries claimed before a restart", retaken)
        exhausted_at: float | None = None
        claiming: asyncio.Task[int] | None = None
        asked = 0
        try:
            while stop is None or not stop.is_set():
                now = time.monotonic()
                if self._fresh:
                    self._fresh, exhausted_at = False, None
                elif exhausted_at is not None and now - exhausted_at > self._poll:
                    exhausted_at = None
                self._kick.clear()
                if claiming is not None and claiming.done():
                    if claiming.result() < asked:
                        exhausted_at = now
                    claiming = None
                want = self._batch - self._held
                if claiming is None and exhausted_at is None and want > self._batch // 2:
                    # Claims run beside the dispatch, so sends keep their pace meanwhile.
                    asked, claiming = want, asyncio.create_task(self._claim(want))
                    claiming.add_done_callback(lambda _: self._kick.set())
                await self._dispatch()
                if self._held == 0 and claiming is not None:
                    await asyncio.wait([claiming])
                    continue
                if self._held == 0:
                    await self._flush()
                    timeout = await self._idle_timeout(drain_horizon)
                    if timeout is None:
                        return
                    exhausted_at = None if timeout == 0 else exhausted_at
                elif self._heap and len(self._inflight) < self._concurrency:
                    timeout = max(0.0, self._heap[0][0] - time.monotonic())
                else:
                    timeout = self._poll
                if timeout > 0:
                    await self._sleep(timeout)
        finally:
            if claiming is not None:
                await asyncio.gather(claiming, return_exceptions=True)
            await self._shutdown()

    async def _idle_timeout(self, drain_horizon: float | None) -> float | None:
        """How long to sleep with nothing in hand (None: a drain is finished)."""
        due = await self._db(store.next_due, terminal=self._terminal)
        wait = None if due is None else max(0.0, (due - datetime.now(UTC)).total_seconds())
        if drain_horizon is not None:
            return None if wait is None or wait > drain_horizon else wait
        return self._poll if wait is None else min(wait, self._poll)

    async def _sleep(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._kick.wait(), timeout)

    async def _claim(self, want: int) -> int:
        claimed = await self._db(
            store.claim,
            owner=self._owner,
            limit=want,
            lease=self._lease,
            terminal=self._terminal,
        )
        extra: list[int] = []
        for delivery in claimed:
            queue = self._queues.setdefault(delivery.chat_id, deque())
            if len(queue) >= self._per_chat_held:
                extra.append(delivery.id)  # a chat can take ~1/s; the rest waits in the ledger
                continue
            queue.append(delivery)
            self._held += 1
            self._schedule(delivery.chat_id, time.monotonic())
        if extra:
            later = datetime.now(UTC) + timedelta(seconds=self._per_chat_held)
            await self._db(store.release, extra, at=later)
        return len(claimed)

    def _schedule(self, chat_id: int, at: float) -> None:
        if chat_id in self._scheduled or chat_id in self._busy:
            return
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, chat_id))
        self._scheduled.add(chat_id)

    async def _dispatch(self) -> None:
        while self._heap and len(self._inflight) < self._concurrency:
            at, _, chat_id = self._heap[0]
            now = time.monotonic()
            if at > now:
                return
            heapq.heappop(self._heap)
            self._scheduled.discard(chat_id)
            queue = self._queues.get(chat_id)
            if not queue or chat_id in self._busy:
                continue
            wait = await self._limiter.try_acquire(chat_id, group=chat_id < 0)
            if wait > self._hold_limit:
                await self._put_back(chat_id, wait)
                continue
            if wait > 0:
                self._schedule(chat_id, now + wait)
                continue
            delivery = queue.popleft()
            if not queue:
                del self._queues[chat_id]
            self._busy.add(chat_id)
            task = asyncio.create_task(self._send(delivery))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _put_back(self, chat_id: int, wait: float) -> None:
        """Return a chat's held deliveries to the ledger, due when its pause ends."""
        queue = self._queues.pop(chat_id, deque())
        self._held -= len(queue)
        at = datetime.now(UTC) + timedelta(seconds=wait)
        await self._db(store.release, [d.id for d in queue], at=at)

    def _drop_chat(self, chat_id: int) -> None:
        """Forget a chat's held deliveries (the ledger already moved or cancelled them)."""
        self._held -= len(self._queues.pop(chat_id, ()))

    async def _send(self, delivery: Delivery) -> None:
        chat_id = delivery.chat_id
        retry_at: float | None = None
        try:
            message_id = await self._deliver(delivery)
        except RateLimited as error:
            retry_at = await self._rate_limited(delivery, error)
        except ChatMoved as error:
            await self._db(move_chat, chat_id, error.new_chat_id)
            log.info("chat %d became %d; its subscriptions moved", chat_id, error.new_chat_id)
            self._drop_chat(chat_id)
            self._fresh = True  # claim the moved deliveries at once
        except ChatGone as error:
            cancelled = await self._db(forget_chat, chat_id, error.reason)
            log.info("chat %d unsubscribed (%s); %d alerts cancelled", chat_id, error, cancelled)
            self._drop_chat(chat_id)
        except Rejected as error:
            await self._db(store.mark_failed, delivery.id, error.reason)
            log.warning("alert %d to chat %d refused: %s", delivery.id, chat_id, error.reason)
            self.failed += 1
        except Exception as error:  # Transient, or a transport bug: both are retried later
            await self._retry_later(delivery, error)
        else:
            self._marks.append((delivery.id, message_id))
            self.sent += 1
            if not self._flush_lock.locked():
                flush = asyncio.create_task(self._flush())
                self._flushes.add(flush)
                flush.add_done_callback(self._flushes.discard)
        finally:
            self._held -= 1
            self._busy.discard(chat_id)
            if retry_at is not None:
                self._queues.setdefault(chat_id, deque()).appendleft(delivery)
                self._held += 1
                self._schedule(chat_id, retry_at)
            elif chat_id in self._queues:
                self._schedule(chat_id, time.monotonic())
            self._kick.set()

    async def _deliver(self, delivery: Delivery) -> int | None:
        """Send one delivery; an alert gets its feedback buttons where the transport has them."""
        transport = self._transport
        feedback = feedback_for(delivery.id, delivery.kind, delivery.rules)
        if feedback is not None and isinstance(transport, ButtonTransport):
            return await transport.send(
                delivery.chat_id, delivery.text, silent=delivery.silent, feedback=feedback
            )
        return await transport.send(delivery.chat_id, delivery.text, silent=delivery.silent)

    async def _rate_limited(self, delivery: Delivery, error: RateLimited) -> float:
        """Pause the chat (or everyone, in a flood across chats); returns when to retry."""
        now = time.monotonic()
        self._recent_floods = {
            chat: at for chat, at in self._recent_floods.items() if now - at < _FLOOD_WINDOW
        }
        everyone = error.everyone or any(chat != delivery.chat_id for chat in self._recent_floods)
        self._recent_floods[delivery.chat_id] = now
        await self._limiter.pause(None if everyone else delivery.chat_id, error.retry_after)
        log.warning(
            "flood control: %s paused for %.1fs",
            "every chat" if everyone else f"chat {delivery.chat_id}",
            error.retry_after,
        )
        return now + error.retry_after

    async def _retry_later(self, delivery: Delivery, error: Exception) -> None:
        reason = error.reason if isinstance(error, SendError) else f"{type(error).__name__}"
        if not isinstance(error, Transient):
            log.error("alert %d: unexpected error from the transport", delivery.id, exc_info=error)
        attempts = delivery.attempts + 1
        if attempts >= self._max_attempts:
            await self._db(store.mark_failed, delivery.id, f"gave up after {attempts}: {reason}")
            self.failed += 1
            return
        # Exponential back-off with full jitter, so many chats do not retry in step.
        delay = min(self._backoff_cap, 2.0**attempts) * (0.5 + self._random())
        at = datetime.now(UTC) + timedelta(seconds=delay)
        await self._db(store.retry_later, delivery.id, at=at, error=reason)
        log.warning(
            "alert %d to chat %d: %s; retry in %.1fs", delivery.id, delivery.chat_id, reason, delay
        )

    async def _flush(self) -> None:
        """Record what Telegram accepted; marks arriving during a write go in the next one."""
        async with self._flush_lock:
            while self._marks:
                batch, self._marks = self._marks, []
                await self._db(store.mark_sent, batch)

    async def _shutdown(self) -> None:
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        held = [d.id for queue in self._queues.values() for d in queue]
        self._queues.clear()
        self._heap.clear()
        self._scheduled.clear()
        self._held = 0
        await self._flush()
        if held:
            await self._db(store.release, held)

    async def _db(self, work: Callable[..., _T], *args: object, **kwargs: object) -> _T:
        """Run ledger work in its own transaction, off the event loop."""

        def transaction() -> _T:
            with self._engine.begin() as connection:
                return work(connection, *args, **kwargs)

        return await asyncio.to_thread(transaction)


def _in_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
