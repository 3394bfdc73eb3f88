"""One chat's commands never delay another's (issue 28.7), through the Bot API double."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.bot_api_double import BotApiDouble, parse_entities
from tests.support.harness import Harness

FLOODER, OTHER = 501, 502
FLOOD = 30


def _senders(api: BotApiDouble) -> list[int]:
    """The chats of every message the bot sent, in the order Telegram accepted them."""
    return [int(params["chat_id"]) for params in api.messages()]


def _flood(api: BotApiDouble, chat_id: int, text: str = "/help", times: int = FLOOD) -> None:
    for _ in range(times):
        api.push_update(api.command(chat_id, text))


async def test_a_chat_flooding_commands_does_not_delay_another_chats_answer(
    api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(api, sqlite_url, seeds) as bot:
        _flood(api, FLOODER)
        # Telegram lets a chat have one message a second: answered one by one, thirty /help
        # take half a minute; the other chat's /list must not wait behind them.
        api.push_update(api.command(OTHER, "/list"))
        await bot.until(lambda: api.messages(OTHER), "the other chat's answer", timeout=8)
        order = _senders(api)
    assert "follows nothing" in api.answers_to(OTHER)[0]
    assert order.index(OTHER) <= 3, order  # at most a few of the flood's answers came first
    assert api.violations == 0


async def test_a_flooding_chat_is_throttled_on_its_own_and_told_once(
    api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(api, sqlite_url, seeds) as bot:
        _flood(api, FLOODER)

        def notices() -> list[str]:
            return [t for t in api.answers_to(FLOODER) if "skipped" in parse_entities(t)[0]]

        await bot.until(lambda: notices(), "the flooding chat to be told", timeout=20)
        helps = [t for t in api.answers_to(FLOODER) if t.startswith("I send alerts")]
        (notice,) = notices()
        skipped = int(re.findall(r"skipped (\d+)", parse_entities(notice)[0])[0])
        assert helps and len(helps) <= 8  # the backlog a chat may keep, not thirty
        assert len(helps) + skipped == FLOOD  # every command answered or counted as skipped
        # The throttle is this chat's alone and ends with the flood: the next command works.
        assert "Subscribed" in await bot.command(FLOODER, "/subscribe oil")
        assert len(notices()) == 1
    assert api.violations == 0


async def test_one_chats_commands_take_effect_in_the_order_sent(
    api: BotApiDouble, database_url: str, seeds: Path
) -> None:
    async with Harness(api, database_url, seeds) as bot:
        _flood(api, OTHER, times=10)  # another chat busy meanwhile
        for text in ("/subscribe oil", "/unsubscribe oil", "/subscribe gold", "/list"):
            api.push_update(api.command(FLOODER, text))
        await bot.until(lambda: len(api.answers_to(FLOODER)) == 4, "four answers", timeout=15)
        answers = [parse_entities(t)[0] for t in api.answers_to(FLOODER)]
    assert "Subscribed" in answers[0] and "Crude oil" in answers[0], answers
    assert answers[1] == "Unsubscribed from 🛢️ Crude oil.", answers
    assert "Subscribed" in answers[2] and "Gold" in answers[2], answers
    assert "Gold" in answers[3] and "Crude oil" not in answers[3], answers
