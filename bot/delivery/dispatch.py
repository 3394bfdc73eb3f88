"""The dispatcher: sends claimed deliveries chat by chat, within the limiter, and settles each."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.delivery import outcomes
from bot.delivery.chat_queues import ChatQueues
from bot.delivery.claims import Claims
from bot.delivery.courier import Courier
from bot.delivery.limiter import Limiter
from bot.delivery.outbox import Outbox
from bot.delivery.outcomes import RetryPolicy, Settlement
from bot.delivery.transports import RateLimited, TokenRevoked
from bot.storage.deliveries import Delivery
from bot.telemetry.metrics import DELIVERY_DELAY, FLOOD_WAIT_SECONDS, FLOOD_WAITS, MESSAGES

log = logging.getLogger(__name__)


class Dispatcher:
    """Starts a send for each due chat while the limiter allows, up to `concurrency` at once.

    A chat whose wait is longer than `hold_limit` goes back to the ledger, due at its end.
    Counters: `sent`, `failed`, `last_sent_at` (monotonic); `revoked` once Telegram answers 401.
    `fresh`: deliveries may be due in the ledger now; `ledger_due`: the earliest known due row
    left in the ledger (monotonic).
    """

    def __init__(
        self,
        queues: ChatQueues,
        outbox: Outbox,
        courier: Courier,
        limiter: Limiter,
        claims: Claims,
        *,
        hold_limit: float,
        concurrency: int,
        policy: RetryPolicy,
        kick: Callable[[], None],
    ) -> None:
        """`kick` wakes the sender's loop when a send ends."""
        self.queues = queues
        self._outbox = outbox
        self._courier = courier
        self._limiter = limiter
        self._claims = claims
        self._hold_limit = hold_limit
        self._concurrency = concurrency
        self._policy = policy
        self._kick = kick
        self.inflight: set[asyncio.Task[None]] = set()
        self._recent_floods: dict[int, float] = {}
        self.fresh = False
        self.ledger_due: float | None = None
        self.revoked: TokenRevoked | None = None
        self.sent = 0
        self.failed = 0
        self.last_sent_at = time.monotonic()

    @property
    def has_room(self) -> bool:
        """Whether another send may start now."""
        return len(self.inflight) < self._concurrency

    async def refill(self, want: int) -> int:
        """Claim up to `want` due deliveries into the queues; returns how many (-1: no ledger)."""
        if not await self._outbox.flush():  # what was sent is recorded before anything is claimed
            return -1
        self.ledger_due = None  # about to look; dues noted meanwhile still count
        found = await self._claims.take(want)
        if found is None:
            return -1
        claimed, due = found
        if due is not None:
            self.note_due(due)
        self.place(claimed)
        return len(claimed)

    def place(self, claimed: list[Delivery]) -> None:
        """Queue freshly claimed deliveries; beyond a chat's share they go back to the ledger."""
        outbox, queues = self._outbox, self.queues
        extra: list[int] = []
        for delivery in claimed:
            if delivery.id in outbox.holding:
                continue  # still ours in memory (its lease ran out while the ledger was down)
            outbox.holding.add(delivery.id)
            if queues.full(delivery.chat_id):
                extra.append(delivery.id)  # a chat can take ~1/s; the rest waits in the ledger
                continue
            superseded = queues.add(delivery, time.monotonic())
            if superseded is not None:
                outbox.owe(outcomes.superseded(superseded))
        if extra:
            later = datetime.now(UTC) + timedelta(seconds=queues.per_chat)
            outbox.owe(outcomes.released(extra, at=later))
            self.note_due(later)

    def note_due(self, at: datetime) -> None:
        """A row goes back to the ledger due at `at`: wake for it, whatever else waits."""
        due = time.monotonic() + (at - datetime.now(UTC)).total_seconds()
        self.ledger_due = due if self.ledger_due is None else min(self.ledger_due, due)

    async def dispatch(self) -> None:
        """Start a send for every chat due now, as far as the limiter and concurrency allow."""
        while self.has_room:
            now = time.monotonic()
            due = self.queues.pop_due(now)
            if due is None:
                return
            chat_id, first = due
            wait = await self._limiter.try_acquire(
                chat_id, group=chat_id < 0, **_lane(self._courier.paid(first))
            )
            if wait > self._hold_limit:
                self._put_back(chat_id, wait)
                continue
            if wait > 0:
                self.queues.schedule(chat_id, now + wait)
                continue
            task = asyncio.create_task(self._send(self.queues.take(chat_id)))
            self.inflight.add(task)
            task.add_done_callback(self.inflight.discard)

    async def stop(self) -> None:
        """Wait for the sends in flight to end; owe the ledger the release of what is held."""
        if self.inflight:
            await asyncio.gather(*self.inflight, return_exceptions=True)
        held = self.queues.clear()
        if held:
            self._outbox.owe(outcomes.released(held))

    def _put_back(self, chat_id: int, wait: float) -> None:
        """Return a chat's held deliveries to the ledger, due when its pause ends."""
        at = datetime.now(UTC) + timedelta(seconds=wait)
        self._outbox.owe(outcomes.released(self.queues.drop(chat_id), at=at))
        self.note_due(at)

    async def _send(self, delivery: Delivery) -> None:
        chat_id = delivery.chat_id
        try:
            message_id = await self._courier.carry(delivery)
        except RateLimited as error:
            await self._pause(delivery, error)
            self._settle(delivery, error)
        except Exception as error:  # a transport's answer, or a bug: settled the same way
            self._settle(delivery, error)
        else:
            self._outbox.mark_sent(delivery.id, message_id)
            self.sent += 1
            self.last_sent_at = time.monotonic()
            _count(delivery, "sent")
            waited = outcomes.waited(delivery, datetime.now(UTC))
            if waited is not None:
                DELIVERY_DELAY.observe(waited)
        finally:
            self.queues.done(chat_id, time.monotonic())
            self._outbox.flush_soon()
            self._kick()

    def _settle(self, delivery: Delivery, error: Exception) -> None:
        """Owe the ledger what the failed send's outcome asks, and act on the rest of it."""
        settlement: Settlement = outcomes.settle(
            delivery, error, now=datetime.now(UTC), owner=self._claims.owner, policy=self._policy
        )
        if settlement.unexpected:
            log.error("alert %d: unexpected error from the transport", delivery.id, exc_info=error)
        if settlement.counted is not None:
            _count(delivery, settlement.counted)
        if settlement.whole_chat:
            settlement = settlement.covering(self.queues.drop(delivery.chat_id))
        self._outbox.owe(settlement.write)
        if settlement.due is not None:
            self.note_due(settlement.due)
        if settlement.fresh:
            self.fresh = True
        if settlement.failed:
            self.failed += 1
        if settlement.note is not None:
            level, message, args = settlement.note
            log.log(level, message, *args)
        if isinstance(error, TokenRevoked):
            if self.revoked is None:
                log.critical("Telegram rejects the bot token (401) on sendMessage: %s", error)
            self.revoked = error

    async def _pause(self, delivery: Delivery, error: RateLimited) -> None:
        """Pause the chat (or everyone, in a flood across chats); its rows wait in the ledger."""
        everyone, self._recent_floods = outcomes.flood_scope(
            self._recent_floods, delivery.chat_id, time.monotonic(), everyone=error.everyone
        )
        FLOOD_WAITS.inc()
        FLOOD_WAIT_SECONDS.inc(error.retry_after)
        paid = self._courier.paid(delivery)
        await self._limiter.pause(
            None if everyone else delivery.chat_id, error.retry_after, **_lane(paid)
        )
        log.warning(
            "flood control: %s paused for %.1fs",
            ("the paid lane" if paid else "every chat") if everyone else f"chat {delivery.chat_id}",
            error.retry_after,
        )


def _lane(paid: bool) -> dict[str, bool]:
    """The limiter's lane argument: given only for the paid lane (limiters without one work)."""
    return {"paid": True} if paid else {}


def _count(delivery: Delivery, outcome: str) -> None:
    """One message's outcome, by its kind (alert, edit, notice, digest)."""
    MESSAGES.labels(kind=delivery.kind, outcome=outcome).inc()
