"""A Bot API answer slower than python-telegram-bot's default 5 s is waited for, not resent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Bot

from bot.delivery.ledger import ledger_counts
from bot.delivery.sender import Sender
from bot.storage import deliveries as store
from bot.storage.db import open_database
from bot.telegram.transport import TelegramTransport
from tests.support.bot_api_double import BotApiDouble


@pytest.mark.slow
async def test_a_slow_answer_is_sent_once(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        row = {
            "article_id": "slow",
            "chat_id": 42,
            "text": "<b>Crude</b> jumps",
            "silent": False,
            "priority": "high",
            "state": store.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created": now,
        }
        store.insert_deliveries(connection, [row])
    with BotApiDouble() as api:
        async with Bot(api.token, base_url=f"{api.url}/bot") as bot:  # PTB's default timeouts
            api.latency = 6.0  # Telegram takes 6 s to answer
            sender = Sender(engine, TelegramTransport(bot), random_source=lambda: 0.0)
            await sender.drain(max_wait=5)
        assert len(api.messages(42)) == 1
    assert ledger_counts(engine)["sent"] == 1
