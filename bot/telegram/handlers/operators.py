"""/status and /reload: the operators' commands, answered by the runtime's hooks."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.alerts.render import shorten
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape

Hook = Callable[[], str | Awaitable[str]]


async def status(update: Update, context: BotContext) -> None:
    """/status (operators only): what the runtime reports."""
    await _answer_operator(context, "/status", context.state.hooks.status_text)


async def reload(update: Update, context: BotContext) -> None:
    """/reload (operators only): reload the rules now."""
    await _answer_operator(context, "/reload", context.state.hooks.reload)


async def _answer_operator(context: BotContext, name: str, hook: Hook) -> None:
    """Answer with the hook's text if the sender is an operator, else say it is not for them."""
    if not context.from_operator():
        await context.reply(f"{name} is for the bot's operators.")
        return
    text = await _call_hook(hook)
    await context.reply(escape(shorten(text, 4000)))


async def _call_hook(hook: Hook) -> str:
    """Await an async hook; run a sync one in a worker thread (it may read files or the DB)."""
    if inspect.iscoroutinefunction(hook):
        return str(await hook())
    result = await asyncio.to_thread(hook)
    return str(await result) if inspect.isawaitable(result) else str(result)
