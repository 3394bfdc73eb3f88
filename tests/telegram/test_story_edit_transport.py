"""Editing a story's alert through python-telegram-bot and the Bot API double."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.delivery.transports import Rejected
from bot.telegram.transport import TelegramTransport
from tests.support.bot_api_double import BotApiDouble

CHAT = 77


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=f"{api.url}/bot") as client:
        yield client


async def test_an_edit_to_the_same_text_counts_as_done(api: BotApiDouble, bot: Bot) -> None:
    transport = TelegramTransport(bot)
    message_id = await transport.send(CHAT, "<b>Strike</b>", silent=False)
    assert message_id is not None
    text = "<b>Strike</b>\n\n📣 2 sources"
    await transport.edit(CHAT, message_id, text)
    await transport.edit(CHAT, message_id, text)  # Telegram: "message is not modified"
    assert api.count("editMessageText", 400) == 1
    (edit,) = api.calls("editMessageText")
    assert edit["parse_mode"] == "HTML" and edit["text"] == text
    assert edit["link_preview_options"] == {"is_disabled": True}


async def test_a_message_that_can_no_longer_be_edited_is_refused_with_the_reason(
    api: BotApiDouble, bot: Bot
) -> None:
    transport = TelegramTransport(bot)
    message_id = await transport.send(CHAT, "<b>Strike</b>", silent=False)
    assert message_id is not None
    api.uneditable.add(CHAT)
    with pytest.raises(Rejected, match=r"(?i)message can't be edited"):
        await transport.edit(CHAT, message_id, "<b>Strike</b> confirmed")
