"""Telegram's rate limits as token buckets: 30 messages/s overall, 1/s per chat, 20/min a group.

Paid broadcasts (`allow_paid_broadcast`) have their own lane of 1,000 messages/s overall; the
per-chat and per-group limits hold on both lanes, and a 429 on one lane pauses that lane only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Limiter(Protocol):
    """Decides when a message may go; the fleet can back this with shared state."""

    async def try_acquire(self, chat_id: int, *, group: bool, paid: bool = False) -> float:
        """Take a send slot for the chat and return 0, or return seconds to wait (taking none).

        `paid`: on the paid broadcast lane (its own overall rate; the chat's limits shared).
        """
        ...

    async def pause(self, chat_id: int | None, seconds: float, *, paid: bool = False) -> None:
        """Send nothing to the chat (None: to anyone on the lane) for that long, as a 429 asks."""
        ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's published limits, and the share of them the bot uses."""

    overall_per_second: float = 30.0
    paid_per_second: float = 1000.0  # with allow_paid_broadcast (Bot API 7.11)
    # The paid lane sends in small bursts (at ~1 ms a send the loop cannot keep a one-token
    # pace) at 93 % of its rate: 20 + 930/s leaves 50 messages (~50 ms) for tasks that start
    # late or arrive together, so no second at Telegram sees more than 1,000.
    paid_burst: float = 20.0
    paid_headroom: float = 0.93
    chat_per_second: float = 1.0
    group_per_minute: float = 20.0
    # Telegram counts requests as they arrive; a small margin absorbs network jitter.
    headroom: float = 0.97
    overall_slack: float = 1.1


class TokenBucket:
    """A bucket of `capacity` tokens refilled at `rate` a second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Use a token (after `wait` said 0)."""
        self.tokens -= 1

    def full(self, now: float) -> bool:
        """Whether the bucket has refilled completely (and can be forgotten)."""
        return self.tokens + (now - self.stamp) * self.rate >= self.capacity


class TokenBucketLimiter:
    """In-process limiter: one bucket overall, one per chat, one more per group."""

    def __init__(
        self, limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        share = self.limits.headroom
        # Capacity about 1: spaced sends never exceed a limit in any sliding window. The overall
        # bucket keeps a tenth of a token more, so a send woken a millisecond late does not
        # cost the rate (31 sends still span over a second at 97 % of 30/s).
        self._overall = TokenBucket(
            self.limits.overall_per_second * share, self.limits.overall_slack, clock()
        )
        self._paid = TokenBucket(
            self.limits.paid_per_second * self.limits.paid_headroom, self.limits.paid_burst, clock()
        )
        self._chat_rate = self.limits.chat_per_second * share
        self._group_rate = self.limits.group_per_minute / 60 * share
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, TokenBucket] = {}
        self._paused: dict[int, float] = {}
        self._paused_all = 0.0
        self._paused_paid = 0.0

    async def try_acquire(self, chat_id: int, *, group: bool, paid: bool = False) -> float:
        """Take a slot for the chat now, or say how long until one is free."""
        now = self._clock()
        lane_pause = self._paused_paid if paid else self._paused_all
        pause = max(lane_pause, self._paused.get(chat_id, 0.0)) - now
        if pause > 0:
            return pause
        chat = self._bucket(self._chats, chat_id, self._chat_rate, now)
        buckets = [self._paid if paid else self._overall, chat]
        if group:
            buckets.append(self._bucket(self._groups, chat_id, self._group_rate, now))
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.take()
        if len(self._chats) > 4096:
            self._forget_idle(now)
        return 0.0

    async def pause(self, chat_id: int | None, seconds: float, *, paid: bool = False) -> None:
        """Hold the chat (or everyone on the lane) for `seconds` from now."""
        until = self._clock() + seconds
        if chat_id is None and paid:
            self._paused_paid = max(self._paused_paid, until)
        elif chat_id is None:
            self._paused_all = max(self._paused_all, until)
        else:
            self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), until)

    def _bucket(
        self, buckets: dict[int, TokenBucket], chat_id: int, rate: float, now: float
    ) -> TokenBucket:
        bucket = buckets.get(chat_id)
        if bucket is None:
            bucket = buckets[chat_id] = TokenBucket(rate, 1, now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        for buckets in (self._chats, self._groups):
            for chat_id in [key for key, bucket in buckets.items() if bucket.full(now)]:
                del buckets[chat_id]
        self._paused = {key: until for key, until in self._paused.items() if until > now}


class NoLimits:
    """No rate limits (a terminal, a benchmark); pauses asked for by 429s still hold."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._paused: dict[int | None, float] = {}

    async def try_acquire(self, chat_id: int, *, group: bool, paid: bool = False) -> float:
        """Zero unless the chat or everyone is paused (both lanes alike)."""
        if not self._paused:
            return 0.0
        now = self._clock()
        return max(0.0, self._paused.get(None, 0.0) - now, self._paused.get(chat_id, 0.0) - now)

    async def pause(self, chat_id: int | None, seconds: float, *, paid: bool = False) -> None:
        """Hold the chat (or everyone) for `seconds`."""
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), self._clock() + seconds)


class PaidCharge:
    """Stars a paid broadcast costs: 0.1 for each paid message beyond the free rate in a second."""

    STARS_PER_MESSAGE = 0.1

    def __init__(
        self, free_per_second: float = 30.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._free = free_per_second
        self._clock = clock
        self._second = -1
        self._count = 0
        self.messages = 0
        self.stars = 0.0

    def charge(self) -> float:
        """Count one paid message sent now; returns the Stars it cost (0 within the free rate)."""
        second = int(self._clock())
        if second != self._second:
            self._second, self._count = second, 0
        self._count += 1
        self.messages += 1
        cost = self.STARS_PER_MESSAGE if self._count > self._free else 0.0
        self.stars += cost
        return cost
