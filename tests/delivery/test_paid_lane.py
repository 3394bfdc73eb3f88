"""The paid broadcast lane: 1,000 messages/s of its own, chat limits shared, its own 429 pause."""

from __future__ import annotations

from bot.delivery.limiter import PaidCharge, TokenBucketLimiter
from bot.runtime.status import paid_line


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _sent_in_a_second(limiter: TokenBucketLimiter, clock: Clock, *, paid: bool) -> int:
    """Greedy sends to fresh private chats for one second, a try every 0.1 ms."""
    start, sent, chat = clock.now, 0, 1
    while clock.now < start + 1.0:
        if await limiter.try_acquire(chat, group=False, paid=paid) == 0:
            sent, chat = sent + 1, chat + 1
        clock.now += 0.0001
    return sent


async def test_the_paid_lane_sends_up_to_1000_a_second_the_free_one_30() -> None:
    clock = Clock()
    paid = await _sent_in_a_second(TokenBucketLimiter(clock=clock), clock, paid=True)
    free = await _sent_in_a_second(TokenBucketLimiter(clock=clock), clock, paid=False)
    assert 930 <= paid <= 960  # 930/s and a burst of 20: jitter has room under 1,000
    assert 28 <= free <= 30


async def test_a_chat_limit_holds_across_both_lanes() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(clock=clock)
    assert await limiter.try_acquire(5, group=False, paid=True) == 0
    assert await limiter.try_acquire(5, group=False) > 0.9  # one a second per chat
    clock.now += 0.5
    assert await limiter.try_acquire(-7, group=True, paid=True) == 0
    clock.now += 1.1
    assert await limiter.try_acquire(-7, group=True) > 1  # 20 a minute per group


async def test_a_429_on_the_paid_lane_pauses_that_lane_only() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(clock=clock)
    await limiter.pause(None, 5, paid=True)
    assert await limiter.try_acquire(1, group=False, paid=True) == 5
    assert await limiter.try_acquire(2, group=False) == 0
    await limiter.pause(None, 3)
    assert await limiter.try_acquire(3, group=False) == 3
    clock.now += 5
    assert await limiter.try_acquire(4, group=False, paid=True) == 0


def test_stars_are_charged_beyond_the_free_rate_in_each_second() -> None:
    clock = Clock()
    charge = PaidCharge(clock=clock)
    costs = [charge.charge() for _ in range(1000)]
    assert costs[:30] == [0.0] * 30 and round(sum(costs), 6) == 97.0
    assert charge.messages == 1000 and round(charge.stars, 6) == 97.0
    clock.now += 1
    assert charge.charge() == 0.0


def test_status_names_the_lane() -> None:
    assert paid_line("off").startswith("Paid broadcast: off")
    assert paid_line("critical").startswith("Paid broadcast: critical and above; ")
    assert "Stars spent" in paid_line("critical")
