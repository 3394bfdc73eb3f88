"""The sender: works through the ledger's pending deliveries within Telegram's rate limits.

It outlives the database: when the ledger does not answer, sends already in hand go on, what
Telegram accepted is kept in memory and recorded when the ledger answers again, and nothing is
claimed until it is (so an accepted message is marked sent before anything can claim it again).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bot.delivery.feedback import feedback_for
from bot.delivery.forums import topic_closed, topic_deleted
from bot.delivery.ledger import forget_chat, move_chat
from bot.delivery.limiter import Limiter, NoLimits, PaidCharge
from bot.delivery.story_edits import edit_feedback
from bot.delivery.transports import (
    ButtonTransport,
    ChatGone,
    ChatMoved,
    RateLimited,
    ReachTransport,
    Rejected,
    SendError,
    TokenRevoked,
    TopicRefused,
    Transient,
    Transport,
)
from bot.storage import deliveries as store
from bot.storage.deliveries import Delivery
from bot.telemetry.metrics import (
    DELIVERY_DELAY,
    FLOOD_WAIT_SECONDS,
    FLOOD_WAITS,
    MESSAGES,
    PAID_MESSAGES,
    STARS_SPENT,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_FLOOD_WINDOW = 1.0  # 429s for two chats within this many seconds mean a global flood
_FIRST_RETRY = 0.5  # seconds before the ledger is tried again after its first failure


_EDIT_WAIT = 2.0  # seconds an edit waits for its story's first alert to be sent


class _FirstAlertUnsent(Exception):
    """An edit whose message is not sent yet: it waits, untried, in the ledger."""


class LedgerUnavailable(Exception):
    """A drain gave up: the database did not answer for longer than it would wait."""


@dataclass(slots=True)
class _Write:
    """A ledger write the sender owes, kept until the database takes it."""

    work: Callable[..., object]
    args: tuple[object, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    ids: tuple[int, ...] = ()  # the claimed deliveries it settles


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
        self._ledger_retry_cap = ledger_retry_cap
        self._shutdown_grace = shutdown_grace
        self._exclusive = exclusive
        self._random = random_source
        self._paid_rank = None if paid_from is None else store.priority_rank(paid_from)
        self._paid_charge = PaidCharge()
        self.paid_sent = 0
        self._owner = uuid.uuid4().hex
        self._per_chat_held = max(1, int(hold_limit / 2))
        self._queues: dict[int, deque[Delivery]] = {}
        self._heap: list[tuple[float, int, int]] = []
        self._scheduled: set[int] = set()
        self._busy: set[int] = set()
        self._inflight: set[asyncio.Task[None]] = set()
        self._held = 0
        self._seq = 0
        # Claimed ids whose outcome the ledger does not show yet: never queued twice.
        self._holding: set[int] = set()
        self._marks: list[tuple[int, int | None]] = []
        self._writes: deque[_Write] = deque()
        self._flush_lock = asyncio.Lock()
        self._flusher: asyncio.Task[bool] | None = None
        self._kick = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._claims_retaken = False
        self._claim_lost = False  # a claim failed: its rows may be ours in the ledger
        self._fresh = False  # new deliveries may be due: claim even if the last claim was short
        self._wakes = 0  # wake() calls so far: one during a claim makes its shortness moot
        self._ledger_due: float | None = None  # the earliest known due row left in the ledger
        self._recent_floods: dict[int, float] = {}
        self._retry_at = 0.0
        self._retry_delay = _FIRST_RETRY
        self.failing_since: datetime | None = None
        self.last_error: str | None = None
        self.revoked: TokenRevoked | None = None  # a 401: the sender stops, the process exits
        self.sent = 0
        self.failed = 0
        self.last_sent_at = time.monotonic()  # the last message Telegram accepted (or start)

    @property
    def unrecorded(self) -> int:
        """Outcomes (sent messages among them) waiting for the ledger to take them."""
        return len(self._marks) + len(self._writes)

    def wake(self) -> None:
        """New deliveries are in the ledger: look now (safe from any thread)."""
        self._fresh = True
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
        delay = _FIRST_RETRY
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
        while not await self._flush(force=True):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(self._retry_delay, 1.0))
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
        while self._exclusive and not self._claims_retaken:
            if stop is not None and stop.is_set():
                return
            if await self._retake_claims():
                break
            self._give_up_draining(drain_horizon)
            self._kick.clear()
            await self._sleep(self._retry_at - time.monotonic())
        exhausted_at: float | None = None
        claiming: asyncio.Task[int] | None = None
        asked = wakes_at_claim = 0
        try:
            while stop is None or not stop.is_set():
                if self.revoked is not None:
                    raise self.revoked
                now = time.monotonic()
                if self._fresh:
                    self._fresh, exhausted_at = False, None
                elif exhausted_at is not None and (
                    now - exhausted_at > self._poll
                    or (self._ledger_due is not None and now >= self._ledger_due)
                ):
                    exhausted_at = None
                self._kick.clear()
                if claiming is not None and claiming.done():
                    got = claiming.result()
                    # A wake during the claim may be for rows it did not see: not exhausted.
                    if 0 <= got < asked and self._wakes == wakes_at_claim:
                        exhausted_at = now
                    claiming = None
                want = self._batch - self._held
                ledger_open = self._ledger_open(now)
                if (
                    claiming is None
                    and exhausted_at is None
                    and want > self._batch // 2
                    and ledger_open
                ):
                    # Claims run beside the dispatch, so sends keep their pace meanwhile.
                    asked, wakes_at_claim = want, self._wakes
                    claiming = asyncio.create_task(self._claim(want))
                    claiming.add_done_callback(lambda _: self._kick.set())
                elif ledger_open and (self._marks or self._writes):
                    self._flush_soon()
                await self._dispatch()
                if self._held == 0 and claiming is not None:
                    await asyncio.wait([claiming])
                    continue
                if self._held == 0:
                    if not await self._flush():
                        self._give_up_draining(drain_horizon)
                        timeout = self._retry_at - time.monotonic()
                    else:
                        found = await self._idle_timeout(drain_horizon)
                        if found is None:
                            return
                        timeout = found
                        exhausted_at = None if timeout == 0 else exhausted_at
                elif self._heap and len(self._inflight) < self._concurrency:
                    timeout = self._heap[0][0] - time.monotonic()
                else:
                    timeout = self._poll
                if exhausted_at is not None and self._ledger_due is not None:
                    timeout = min(timeout, self._ledger_due - time.monotonic())
                retry_in = self._retry_at - time.monotonic()
                if self.failing_since is not None and retry_in > 0:
                    timeout = min(timeout, retry_in)
                # Always yield: a flush or claim task may be what has to run next.
                await self._sleep(timeout) if timeout > 0 else await asyncio.sleep(0)
        finally:
            if claiming is not None:
                await asyncio.gather(claiming, return_exceptions=True)
            await self._shutdown()

    async def _retake_claims(self) -> bool:
        """Free claims a crashed run left (a sole sender only); False while the ledger is down."""
        try:
            retaken = await self._db(store.release_all_claims, terminal=self._terminal)
        except Exception as error:
            self._ledger_failed(error)
            return False
        self._ledger_answered()
        self._claims_retaken = True
        if retaken:
            log.info("took back %d deliveries claimed before a restart", retaken)
        return True

    async def _idle_timeout(self, drain_horizon: float | None) -> float | None:
        """How long to sleep with nothing in hand (None: a drain is finished)."""
        if not self._ledger_open(time.monotonic()):
            self._give_up_draining(drain_horizon)
            return self._retry_at - time.monotonic()
        try:
            due = await self._db(store.next_due, terminal=self._terminal)
        except Exception as error:
            self._ledger_failed(error)
            self._give_up_draining(drain_horizon)
            return max(0.0, self._retry_at - time.monotonic())
        self._ledger_answered()
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

    async def _claim(self, want: int) -> int:
        """Take up to `want` due deliveries into memory; returns how many (-1: no ledger)."""
        if not await self._flush():  # what was sent is recorded before anything is claimed
            return -1
        lost, keep = self._claim_lost, list(self._holding)
        self._ledger_due = None  # about to look; dues noted meanwhile still count

        def work(connection: Connection) -> tuple[list[Delivery], datetime | None]:
            if lost:
                store.release_claims_except(connection, owner=self._owner, keep=keep)
            claimed = store.claim(
                connection,
                owner=self._owner,
                limit=want,
                lease=self._lease,
                terminal=self._terminal,
            )
            short = len(claimed) < want
            return claimed, store.next_due(connection, terminal=self._terminal) if short else None

        try:
            claimed, due = await self._db(work)
        except Exception as error:
            self._claim_lost = True  # it may have committed with the answer lost
            self._ledger_failed(error)
            return -1
        self._claim_lost = False
        self._ledger_answered()
        if due is not None:
            self._note_due(due)
        extra: list[int] = []
        for delivery in claimed:
            if delivery.id in self._holding:
                continue  # still ours in memory (its lease ran out while the ledger was down)
            self._holding.add(delivery.id)
            queue = self._queues.setdefault(delivery.chat_id, deque())
            if len(queue) >= self._per_chat_held:
                extra.append(delivery.id)  # a chat can take ~1/s; the rest waits in the ledger
                continue
            superseded = _queue_in_turn(queue, delivery)
            if superseded is not None:
                self._record(store.supersede, [superseded.id], [superseded.id])
            else:
                self._held += 1
            self._schedule(delivery.chat_id, time.monotonic())
        if extra:
            later = datetime.now(UTC) + timedelta(seconds=self._per_chat_held)
            self._record(store.release, extra, extra, at=later)
            self._note_due(later)
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
            wait = await self._limiter.try_acquire(
                chat_id, group=chat_id < 0, **_lane(self._paid(queue[0]))
            )
            if wait > self._hold_limit:
                self._put_back(chat_id, wait)
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

    def _put_back(self, chat_id: int, wait: float) -> None:
        """Return a chat's held deliveries to the ledger, due when its pause ends."""
        ids = self._drop_chat(chat_id)
        at = datetime.now(UTC) + timedelta(seconds=wait)
        self._record(store.release, ids, ids, at=at)
        self._note_due(at)

    def _drop_chat(self, chat_id: int) -> list[int]:
        """Take a chat's held deliveries out of memory; returns their ids."""
        queue = self._queues.pop(chat_id, deque())
        self._held -= len(queue)
        return [delivery.id for delivery in queue]

    async def _send(self, delivery: Delivery) -> None:
        chat_id = delivery.chat_id
        try:
            message_id = await (
                self._edit(delivery) if delivery.kind == "edit" else self._deliver(delivery)
            )
        except _FirstAlertUnsent:
            at = datetime.now(UTC) + timedelta(seconds=_EDIT_WAIT)
            self._record(store.retry_later, [delivery.id], delivery.id, at=at, attempted=False)
            self._note_due(at)
        except TokenRevoked as error:
            self._record(store.release, [delivery.id], [delivery.id])  # not sent, not an attempt
            if self.revoked is None:
                log.critical("Telegram rejects the bot token (401) on sendMessage: %s", error)
            self.revoked = error
        except RateLimited as error:
            _count(delivery, "retried")
            await self._rate_limited(delivery, error)
        except TopicRefused as error:
            _count(delivery, "retried")
            self._topic_refused(delivery, error)
        except ChatMoved as error:
            _count(delivery, "retried")
            ids = [delivery.id, *self._drop_chat(chat_id)]
            self._record(move_chat, ids, chat_id, error.new_chat_id)
            log.info("chat %d became %d; its subscriptions move", chat_id, error.new_chat_id)
            self._fresh = True  # claim the moved deliveries at once
        except ChatGone as error:
            _count(delivery, "chat_gone")
            ids = [delivery.id, *self._drop_chat(chat_id)]
            self._record(forget_chat, ids, chat_id, error.reason)
            log.info("chat %d unsubscribed (%s); its pending alerts cancelled", chat_id, error)
        except Rejected as error:
            _count(delivery, "failed")
            self._record(store.mark_failed, [delivery.id], delivery.id, error.reason)
            log.warning("alert %d to chat %d refused: %s", delivery.id, chat_id, error.reason)
            self.failed += 1
        except Exception as error:  # Transient, or a transport bug: both are retried later
            self._retry_later(delivery, error)
        else:
            self._marks.append((delivery.id, message_id))
            self.sent += 1
            self.last_sent_at = time.monotonic()
            _count(delivery, "sent")
            if delivery.kind == "alert" and delivery.created is not None:
                waited = (datetime.now(UTC) - delivery.created).total_seconds()
                DELIVERY_DELAY.observe(max(0.0, waited))
        finally:
            self._held -= 1
            self._busy.discard(chat_id)
            if chat_id in self._queues:
                self._schedule(chat_id, time.monotonic())
            self._flush_soon()
            self._kick.set()

    async def _edit(self, delivery: Delivery) -> int:
        """Edit the chat's first alert of the story; returns that message's id."""
        if delivery.edit_of is None:
            if delivery.edit_waits:
                raise _FirstAlertUnsent
            raise Rejected("the story's first alert was not delivered: nothing to edit")
        transport = self._transport
        if delivery.edit_alert is not None and isinstance(transport, ButtonTransport):
            # Telegram drops the keyboard of a message edited without one: redraw it.
            feedback = await self._db(edit_feedback, delivery.chat_id, delivery.edit_alert)
            await transport.edit(
                delivery.chat_id, delivery.edit_of, delivery.text, feedback=feedback
            )
        else:
            await transport.edit(delivery.chat_id, delivery.edit_of, delivery.text)
        return delivery.edit_of

    def _paid(self, delivery: Delivery) -> bool:
        """Whether the delivery goes on the paid broadcast lane (alerts only: edits cannot)."""
        return (
            self._paid_rank is not None
            and delivery.kind == "alert"
            and store.priority_rank(delivery.priority) <= self._paid_rank
        )

    def _topic_refused(self, delivery: Delivery, error: TopicRefused) -> None:
        """A closed topic holds its alerts; a deleted one's go to General (nothing dropped)."""
        thread_id = delivery.thread_id
        if thread_id is None:  # not sent into a topic: nothing to hold it for
            self._record(store.mark_failed, [delivery.id], delivery.id, error.reason)
            return
        work = topic_deleted if error.deleted else topic_closed
        self._record(work, [delivery.id], delivery.chat_id, thread_id, error.reason)
        self._fresh = True  # a notice, or alerts moved to General, are due now
        log.info(
            "chat %d: forum topic %d %s; its alerts %s",
            delivery.chat_id,
            thread_id,
            "deleted" if error.deleted else "closed",
            "go to General" if error.deleted else "are held until it reopens",
        )

    async def _deliver(self, delivery: Delivery) -> int | None:
        """Send one delivery; an alert gets its feedback buttons where the transport has them."""
        transport = self._transport
        feedback = feedback_for(delivery.id, delivery.kind, delivery.rules)
        paid = self._paid(delivery)
        if isinstance(transport, ReachTransport) and (paid or delivery.thread_id is not None):
            message_id = await transport.send(
                delivery.chat_id,
                delivery.text,
                silent=delivery.silent,
                feedback=feedback,
                thread_id=delivery.thread_id,
                paid=paid,
            )
            if paid:
                self.paid_sent += 1
                PAID_MESSAGES.inc()
                STARS_SPENT.inc(self._paid_charge.charge())
            return message_id
        if feedback is not None and isinstance(transport, ButtonTransport):
            return await transport.send(
                delivery.chat_id, delivery.text, silent=delivery.silent, feedback=feedback
            )
        return await transport.send(delivery.chat_id, delivery.text, silent=delivery.silent)

    async def _rate_limited(self, delivery: Delivery, error: RateLimited) -> None:
        """Pause the chat (or everyone, in a flood across chats); its rows wait in the ledger."""
        now = time.monotonic()
        self._recent_floods = {
            chat: at for chat, at in self._recent_floods.items() if now - at < _FLOOD_WINDOW
        }
        everyone = error.everyone or any(chat != delivery.chat_id for chat in self._recent_floods)
        self._recent_floods[delivery.chat_id] = now
        FLOOD_WAITS.inc()
        FLOOD_WAIT_SECONDS.inc(error.retry_after)
        paid = self._paid(delivery)
        await self._limiter.pause(
            None if everyone else delivery.chat_id, error.retry_after, **_lane(paid)
        )
        log.warning(
            "flood control: %s paused for %.1fs",
            ("the paid lane" if paid else "every chat") if everyone else f"chat {delivery.chat_id}",
            error.retry_after,
        )
        # No claim outlives the pause, and a restart keeps it: the chat's rows are due at its end.
        until = datetime.now(UTC) + timedelta(seconds=error.retry_after)
        ids = [delivery.id, *self._drop_chat(delivery.chat_id)]
        self._record(store.defer_chat, ids, delivery.chat_id, until=until, owner=self._owner)
        self._note_due(until)

    def _retry_later(self, delivery: Delivery, error: Exception) -> None:
        reason = error.reason if isinstance(error, SendError) else f"{type(error).__name__}"
        if not isinstance(error, Transient):
            log.error("alert %d: unexpected error from the transport", delivery.id, exc_info=error)
        attempts = delivery.attempts + 1
        if attempts >= self._max_attempts:
            failure = f"gave up after {attempts}: {reason}"
            self._record(store.mark_failed, [delivery.id], delivery.id, failure)
            self.failed += 1
            _count(delivery, "failed")
            return
        _count(delivery, "retried")
        # Exponential back-off with full jitter, so many chats do not retry in step.
        delay = min(self._backoff_cap, 2.0**attempts) * (0.5 + self._random())
        at = datetime.now(UTC) + timedelta(seconds=delay)
        self._record(store.retry_later, [delivery.id], delivery.id, at=at, error=reason)
        self._note_due(at)
        log.warning(
            "alert %d to chat %d: %s; retry in %.1fs", delivery.id, delivery.chat_id, reason, delay
        )

    def _note_due(self, at: datetime) -> None:
        """A row goes back to the ledger due at `at`: wake for it, whatever else waits."""
        due = time.monotonic() + (at - datetime.now(UTC)).total_seconds()
        self._ledger_due = due if self._ledger_due is None else min(self._ledger_due, due)

    def _record(
        self, work: Callable[..., object], ids: Iterable[int], *args: object, **kwargs: object
    ) -> None:
        """Owe the ledger a write settling the claimed `ids`; it goes out with the next flush."""
        self._writes.append(_Write(work, args, kwargs, tuple(ids)))

    def _flush_soon(self) -> None:
        if (self._flusher is None or self._flusher.done()) and self._ledger_open(time.monotonic()):
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self, *, force: bool = False) -> bool:
        """Write the outcomes the ledger is owed (sent marks first); False if it did not answer.

        Marks arriving during a write go in the next one. While the ledger fails, tries wait for
        the back-off unless `force`d.
        """
        async with self._flush_lock:
            while self._marks or self._writes:
                if not force and not self._ledger_open(time.monotonic()):
                    return False
                try:
                    if self._marks:
                        batch, self._marks = self._marks, []
                        try:
                            await self._db(store.mark_sent, batch)
                        except BaseException:
                            self._marks = batch + self._marks
                            raise
                        self._holding.difference_update(delivery_id for delivery_id, _ in batch)
                    else:
                        write = self._writes[0]
                        await self._db(write.work, *write.args, **write.kwargs)
                        self._writes.popleft()
                        self._holding.difference_update(write.ids)
                except Exception as error:
                    self._ledger_failed(error)
                    return False
                self._ledger_answered()
        return True

    def _ledger_open(self, now: float) -> bool:
        """Whether the ledger may be tried now (always, unless it failed and the back-off runs)."""
        return self.failing_since is None or now >= self._retry_at

    def _ledger_failed(self, error: Exception) -> None:
        """Note a database failure: logged once an outage, then tried again with back-off."""
        cause = _describe(error)
        self.last_error = cause
        if self.failing_since is None:
            self.failing_since = datetime.now(UTC)
            self._retry_delay = _FIRST_RETRY
            log.error(
                "the delivery ledger does not answer (%s); sends in hand go on, their outcomes "
                "wait in memory; retrying every %.0fs at most",
                cause,
                self._ledger_retry_cap,
            )
        else:
            self._retry_delay = min(self._ledger_retry_cap, self._retry_delay * 2)
            log.debug("the delivery ledger still does not answer (%s)", cause)
        self._retry_at = time.monotonic() + self._retry_delay

    def _ledger_answered(self) -> None:
        if self.failing_since is None:
            return
        down = (datetime.now(UTC) - self.failing_since).total_seconds()
        log.warning(
            "the delivery ledger answers again after %.0fs; %d outcomes still to write",
            down,
            self.unrecorded,
        )
        self.failing_since = None
        self._retry_delay = _FIRST_RETRY

    async def _shutdown(self) -> None:
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        held = [d.id for queue in self._queues.values() for d in queue]
        self._queues.clear()
        self._heap.clear()
        self._scheduled.clear()
        self._held = 0
        if held:
            self._record(store.release, held, held)
        deadline = time.monotonic() + self._shutdown_grace
        while not await self._flush(force=True):
            left = deadline - time.monotonic()
            if left <= 0:
                unsent = [delivery_id for delivery_id, _ in self._marks]
                log.error(
                    "stopping with %d outcomes unwritten, the ledger does not answer (%s); "
                    "these alerts were sent and will be sent again: %s",
                    self.unrecorded,
                    self.last_error,
                    unsent[:50] or "none",
                )
                return
            await asyncio.sleep(min(left, self._retry_delay))

    async def _db(self, work: Callable[..., _T], *args: object, **kwargs: object) -> _T:
        """Run ledger work in its own transaction, off the event loop."""

        def transaction() -> _T:
            with self._engine.begin() as connection:
                return work(connection, *args, **kwargs)

        return await asyncio.to_thread(transaction)


def _queue_in_turn(queue: deque[Delivery], delivery: Delivery) -> Delivery | None:
    """Put a claimed delivery in its chat's queue: alerts before edits, and an edit in place of
    an unsent older edit of the same message (returned, to be cancelled)."""
    if delivery.kind != "edit":
        at = next((i for i, queued in enumerate(queue) if queued.kind == "edit"), len(queue))
        queue.insert(at, delivery)
        return None
    for i, queued in enumerate(queue):
        if queued.kind == "edit" and queued.edit_of == delivery.edit_of and queued.id < delivery.id:
            queue[i] = delivery
            return queued
    queue.append(delivery)
    return None


def _lane(paid: bool) -> dict[str, bool]:
    """The limiter's lane argument: given only for the paid lane (limiters without one work)."""
    return {"paid": True} if paid else {}


def _count(delivery: Delivery, outcome: str) -> None:
    """One message's outcome, by its kind (alert, edit, notice, digest)."""
    MESSAGES.labels(kind=delivery.kind, outcome=outcome).inc()


def _describe(error: BaseException) -> str:
    """A database error in one line, without the statement and its parameters."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0]}" if text else type(cause).__name__


def _in_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
