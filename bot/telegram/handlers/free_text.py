"""Plain words in a private chat: the bot answers commands, and says which ones to try."""

from __future__ import annotations

import re

from telegram import Update

from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape

FREE_TEXT_ANSWER = (
    "I answer commands rather than messages. Try:\n"
    "/topics: what I can alert you about, with buttons to follow\n"
    "/subscribe oil $USO: follow a topic or a ticker\n"
    "/watch hormuz Hormuz tanker*: your own alert on words\n"
    "/help: every command"
)
_WORD = re.compile(r"[\w-]+")


async def free_text(update: Update, context: BotContext) -> None:
    """Text that is no command, in a private chat: what to do instead, and topics it names."""
    message = update.effective_message
    words = {word.lower() for word in _WORD.findall(message.text or "")} if message else set()
    named = sorted(words & set(context.state.topics()))
    answer = FREE_TEXT_ANSWER
    if named:
        shown = " ".join(escape(name) for name in named[:5])
        answer = f"To follow {shown}: <code>/subscribe {shown}</code>\n\n{answer}"
    await context.reply(answer)
