"""/status and /reload: the operators' commands, answered by the runtime's hooks."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from telegram import Chat, Update

from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape, without_paths

Hook = Callable[[], str | Awaitable[str]]


SENT_PRIVATELY = "Sent you the status privately."
NO_PRIVATE_CHAT = (
    "I cannot write to you privately: open a chat with me and press Start. "
    "The status without paths and file names:"
)


async def status(update: Update, context: BotContext) -> None:
    """/status (operators only): what the runtime reports.

    Asked in a group or channel, the full text (with the server's paths) goes to the
    operator's private chat; the chat itself sees one line, or, when the operator never
    started a private chat with the bot, the text without paths and file names.
    """
    if not context.from_operator():
        await context.reply("/status is for the bot's operators.")
        return
    text = await _call_hook(context.state.hooks.status_text)
    if context.chat.type == Chat.PRIVATE:
        await context.reply(escape(text))
    elif await context.send_to_sender(escape(text)):
        await context.reply(SENT_PRIVATELY)
    else:
        await context.reply(f"{NO_PRIVATE_CHAT}\n{escape(without_paths(text))}")


async def reload(update: Update, context: BotContext) -> None:
    """/reload (operators only): reload the rules now."""
    await _answer_operator(context, "/reload", context.state.hooks.reload)


async def _answer_operator(context: BotContext, name: str, hook: Hook) -> None:
    """Answer with the hook's text if the sender is an operator, else say it is not for them."""
    if not context.from_operator():
        await context.reply(f"{name} is for the bot's operators.")
        return
    text = await _call_hook(hook)
    await context.reply(escape(text))


async def _call_hook(hook: Hook) -> str:
    """Await an async hook; run a sync one in a worker thread (it may read files or the DB)."""
    if inspect.iscoroutinefunction(hook):
        return str(await hook())
    result = await asyncio.to_thread(hook)
    return str(await result) if inspect.isawaitable(result) else str(result)
