"""Telegram's flood control through PTB and the Bot API double: a 429 longer than the claim's
lease sends one copy, and one paused chat does not hold back another chat's retry.

At scale the pause is 150 s against the 120 s lease; here the Sender's lease (a constructor
argument) is 4.5 s and the double scripts `retry_after` 6 s, so the pause outlives the lease
as it would in production and the test stays short.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from telegram import Bot

from bot.delivery.ledger import ledger_counts
from bot.delivery.limiter import TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.storage import deliveries as store
from bot.storage.db import open_database
from bot.telegram.transport import TelegramTransport
from tests.support.bot_api_double import Answer, BotApiDouble
from tests.support.workspace import until


def _queue(engine: Engine, article: str, *chats: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "article_id": article,
            "chat_id": chat,
            "text": f"alert {article}",
            "silent": False,
            "priority": "normal",
            "state": store.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created": now,
        }
        for chat in chats
    ]
    with engine.begin() as connection:
        store.insert_deliveries(connection, rows)


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=f"{api.url}/bot") as client:
        yield client


def _sends(api: BotApiDouble, chat: int) -> list[tuple[float, int]]:
    """(when, status) of every sendMessage to the chat."""
    return [
        (request.at, request.status)
        for request in api.requests
        if request.method == "sendMessage" and int(request.params["chat_id"]) == chat
    ]


async def test_a_429_longer_than_the_lease_sends_one_copy(
    api: BotApiDouble, bot: Bot, sqlite_url: str
) -> None:
    engine = open_database(sqlite_url)
    _queue(engine, "a1", 1)
    api.fail(1, Answer.flood(retry_after=6))
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter(), lease=4.5, hold_limit=4)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await until(lambda: _sends(api, 1), "the first try")
        await asyncio.sleep(5.0)  # the lease has run out, the pause has not
        _queue(engine, "a2", 2)
        sender.wake()  # a new alert: the sender claims again in the middle of the pause
        await until(lambda: api.messages(1), "the paused alert", timeout=10)
        await asyncio.sleep(1.5)  # a second copy would arrive now
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    tries = _sends(api, 1)
    assert [status for _, status in tries] == [429, 200]  # one refusal, then exactly one copy
    assert tries[1][0] - tries[0][0] >= 5.9  # and only once the pause was over
    assert len(api.messages(2)) == 1
    assert ledger_counts(engine)["sent"] == 2


async def test_a_paused_chat_does_not_delay_another_chats_retry(
    api: BotApiDouble, bot: Bot, sqlite_url: str
) -> None:
    engine = open_database(sqlite_url)
    _queue(engine, "b1", 10, 20)
    api.fail(10, Answer.flood(retry_after=60))
    api.fail(20, Answer.server_error())
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter(), random_source=lambda: 0)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    started = time.monotonic()
    try:
        await until(lambda: api.messages(20), "chat 20's retry", timeout=15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    tries = [at for at, _ in _sends(api, 20)]
    assert 0.9 <= tries[1] - tries[0] < 2.5  # its own back-off (1 s), not chat 10's minute
    assert time.monotonic() - started < 5
    assert api.messages(10) == []  # still paused
