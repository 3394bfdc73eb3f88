"""Faults the sender must outlive without duplicates or stalls: long 429s, restarts, backlogs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.delivery.ledger import ledger_counts
from bot.delivery.limiter import NoLimits
from bot.delivery.sender import Sender
from bot.delivery.transports import RateLimited, Transient
from bot.storage import deliveries as store
from bot.storage.db import open_database
from tests.support.scripted_transport import ScriptedTransport


def _row(article: str, chat_id: int, priority: str = "normal") -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "article_id": article,
        "chat_id": chat_id,
        "text": f"{priority} alert {article}",
        "silent": False,
        "priority": priority,
        "state": store.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created": now,
    }


def _queue(engine: Engine, *rows: dict[str, object]) -> None:
    with engine.begin() as connection:
        store.insert_deliveries(connection, rows)


async def _until(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_a_429_longer_than_the_lease_sends_one_copy(sqlite_url: str) -> None:
    # At scale: a 150 s pause against a 120 s lease; here 6 s against 4.5 s.
    engine = open_database(sqlite_url)
    _queue(engine, _row("a1", 1))
    transport = ScriptedTransport()
    transport.script[1] = [RateLimited("Too Many Requests: retry after 6", 6.0)]
    sender = Sender(engine, transport, lease=4.5, hold_limit=4.0)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await _until(lambda: bool(transport.attempts), "the first try", 5)
        paused_at = transport.attempts[0][2]
        await asyncio.sleep(5.0)  # the lease has run out, the pause has not
        _queue(engine, _row("a2", 2))
        sender.wake()  # a new alert: the sender claims again mid-pause
        await _until(lambda: len(transport.sent_to(1)) >= 1, "the paused alert", 10)
        await asyncio.sleep(1.5)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert transport.sent_to(1) == ["normal alert a1"]  # exactly one copy
    assert transport.sent_to(2) == ["normal alert a2"]
    resent_at = next(at for chat, _, at in transport.sent if chat == 1)
    assert resent_at - paused_at >= 5.95  # and only once the pause was over
    assert ledger_counts(engine)["sent"] == 2


async def test_one_paused_chat_does_not_hold_back_another_chats_retry(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    _queue(engine, _row("b1", 10), _row("b1", 20))
    transport = ScriptedTransport()
    transport.script[10] = [RateLimited("Too Many Requests: retry after 60", 60.0)]
    transport.script[20] = [Transient("Bad Gateway")]
    sender = Sender(engine, transport, random_source=lambda: 0.0)  # first back-off: 1 s
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await _until(lambda: len(transport.sent_to(20)) == 1, "chat 20's retry", 15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    tries = [at for chat, _, at in transport.attempts if chat == 20]
    assert 0.95 <= tries[1] - tries[0] < 2.5  # its own back-off, not chat 10's minute
    assert transport.sent_to(10) == []  # still paused


async def test_a_429_pause_outlives_a_restart(database_url: str) -> None:
    engine = open_database(database_url)
    _queue(engine, _row("c1", 7), _row("c2", 7), _row("c1", 8))
    transport = ScriptedTransport()
    transport.script[7] = [RateLimited("Too Many Requests: retry after 4", 4.0)]
    first = Sender(engine, transport)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    await _until(lambda: bool(transport.sent_to(8)) and bool(transport.attempts), "the 429", 10)
    paused_at = next(at for chat, _, at in transport.attempts if chat == 7)
    stop.set()
    await asyncio.wait_for(task, 10)  # the process stops during the pause
    restarted = Sender(engine, transport)  # a new process: its limiter knows of no pause
    assert await restarted.drain(max_wait=10) == 2
    sends = [at for chat, _, at in transport.sent if chat == 7]
    assert len(sends) == 2 and min(sends) - paused_at >= 3.95
    assert transport.sent_to(8) == ["normal alert c1"]


async def test_a_critical_alert_goes_first_through_a_backlog(database_url: str) -> None:
    engine = open_database(database_url)
    backlog = 100_000
    _queue(engine, *(_row("flood", chat_id) for chat_id in range(1, backlog + 1)))
    _queue(engine, _row("war", backlog + 1, "critical"), _row("fed", backlog + 2, "high"))
    transport = ScriptedTransport()
    sender = Sender(engine, transport, batch_size=100)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await _until(lambda: len(transport.sent) >= 200, "two batches", 60)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    order = [chat for chat, _, _ in transport.sent]
    assert order.index(backlog + 1) == 0  # the critical alert, written last, went first
    assert order.index(backlog + 2) == 1


class FlakyLimiter(NoLimits):
    """A limiter backed by a shared store that fails once (as a fleet's Redis might)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def try_acquire(self, chat_id: int, *, group: bool) -> float:
        """Fail the first time, then allow every send."""
        if self.failures:
            self.failures -= 1
            raise ConnectionError("limiter store unreachable")
        return await super().try_acquire(chat_id, group=group)


async def test_a_fault_outside_the_ledger_does_not_end_the_sender(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    _queue(engine, _row("d1", 1), _row("d1", 2))
    transport = ScriptedTransport()
    sender = Sender(engine, transport, FlakyLimiter())
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await _until(lambda: len(transport.sent) == 2, "both alerts", 10)
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert sorted(chat for chat, _, _ in transport.sent) == [1, 2]
    assert sender.last_error == "ConnectionError: limiter store unreachable"
