"""Commands PTB's CommandHandler does not route: channel posts, commands nobody handles, floods."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.alerts.render import shorten
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape
from bot.telegram.handlers.help import start
from bot.telegram.handlers.hours import quiet, timezone
from bot.telegram.handlers.markets import digest_or_open, market
from bot.telegram.handlers.operators import reload, status
from bot.telegram.handlers.settings import mute, unmute
from bot.telegram.handlers.subscriptions import list_subscriptions, subscribe, topics, unsubscribe
from bot.telegram.handlers.watches import list_watches, unwatch, watch

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]

COMMAND_HANDLERS: dict[str, Handler] = {
    "start": start,
    "help": start,
    "topics": topics,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "list": list_subscriptions,
    "mute": mute,
    "unmute": unmute,
    "timezone": timezone,
    "quiet": quiet,
    "digest": digest_or_open,
    "market": market,
    "watch": watch,
    "watches": list_watches,
    "unwatch": unwatch,
    "status": status,
    "reload": reload,
}


def addressed_command(text: str, bot_username: str | None) -> str | None:
    """The command a message starts with (`/list@bot` gives `list`), unless for another bot."""
    if not text.startswith("/"):
        return None
    name, _, bot_name = text.split()[0][1:].partition("@")
    if bot_name and bot_name.lower() != (bot_username or "").lower():
        return None
    return name


async def channel_command(update: Update, context: BotContext) -> None:
    """Commands posted in a channel (PTB's CommandHandler skips channel posts)."""
    message = update.channel_post
    name = addressed_command(message.text or "", context.bot.username) if message else None
    handler = COMMAND_HANDLERS.get(name.lower()) if name is not None else None
    if handler is not None:
        await handler(update, context)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know, in a private chat: point to /help."""
    message = update.effective_message
    name = addressed_command(message.text or "", context.bot.username) if message else None
    if name is not None:
        await context.reply(f"Unknown command /{escape(shorten(name, 32))}. /help lists them.")


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button press no handler knows (an old or forged one): answered, so no spinner hangs."""
    query = update.callback_query
    if query is not None:
        await query.answer("This button is no longer in use. /help lists what I do.")


def skipped_text(skipped: int) -> str:
    """What a chat that sent commands faster than they can be answered is told, once."""
    return (
        f"⏳ Commands came faster than I can answer in this chat, so I skipped {skipped} of "
        "them. Send again what you still need, a few at a time."
    )


async def tell_skipped(
    application: Application[Any, BotContext, Any, Any, Any, Any], chat_id: int, skipped: int
) -> None:
    """Tell a chat how many of its updates were skipped (within its rate limits)."""
    context = BotContext(application, chat_id=chat_id)
    try:
        await context.send(chat_id, skipped_text(skipped))
    except TelegramError as error:
        log.info("chat %d not told of its skipped commands: %s", chat_id, error.message)
