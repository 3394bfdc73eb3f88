"""The token-bucket limiter keeps every sliding window within Telegram's limits."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.limiter import Limits, NoLimits, TokenBucketLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _run(limiter: TokenBucketLimiter, clock: Clock, chats: list[int], steps: int) -> list:
    """Greedy sender: at each tick, send to every chat that may receive."""
    sent: list[tuple[float, int]] = []
    for _ in range(steps):
        for chat in chats:
            if await limiter.try_acquire(chat, group=chat < 0) == 0:
                sent.append((clock.now, chat))
        clock.now += 0.001
    return sent


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-50, 50).filter(bool), min_size=1, max_size=60, unique=True))
async def test_no_window_ever_exceeds_the_limits(chats: list[int]) -> None:
    clock = Clock()
    sent = await _run(TokenBucketLimiter(clock=clock), clock, chats, 3000)
    times = [t for t, _ in sent]
    assert all(b - a > 1.0 for a, b in zip(times, times[30:], strict=False))
    for chat in chats:
        mine = [t for t, c in sent if c == chat]
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(mine))
        if chat < 0:
            assert all(b - a > 60.0 for a, b in zip(mine, mine[20:], strict=False))


@pytest.mark.slow
async def test_rate_reaches_97_percent_and_pauses_hold() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(clock=clock)
    sent = await _run(limiter, clock, list(range(1, 200)), 10_000)
    assert 28.9 <= len(sent) / 10 <= 29.2
    await limiter.pause(5, 3.0)
    assert await limiter.try_acquire(5, group=False) >= 2.9
    await limiter.pause(None, 1.0)
    assert await limiter.try_acquire(6, group=False) >= 0.9
    assert Limits().headroom < 1


async def test_no_limits_honours_pauses() -> None:
    clock = Clock()
    limiter = NoLimits(clock=clock)
    assert await limiter.try_acquire(1, group=True) == 0
    await limiter.pause(1, 2.0)
    assert await limiter.try_acquire(1, group=True) == 2.0
    assert await limiter.try_acquire(2, group=True) == 0
