"""/mute and /unmute: a chat's pause from alerts (critical ones still come)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection
from telegram import Update

from bot.durations import format_duration, parse_duration
from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext

MAX_MUTE = timedelta(days=365)
MUTE_USAGE = "Usage: /mute 2h (also 30m, 1d, 1h30m)."


def mute_span(text: str) -> timedelta | None:
    """How long `/mute <text>` mutes (at most MAX_MUTE), or None when the text says no span."""
    # A bare number is ambiguous (2 what?): a unit is required.
    if not text or text.replace(".", "").isdigit():
        return None
    try:
        seconds = parse_duration(text)
    except ValueError:
        return None
    if seconds <= 0:
        return None
    return timedelta(seconds=min(seconds, MAX_MUTE.total_seconds()))


async def mute(update: Update, context: BotContext) -> None:
    """/mute 2h: no alerts for a while, except critical ones."""
    span = mute_span("".join(context.words))
    if span is None:
        await context.reply(MUTE_USAGE)
        return
    if not await context.may_change():
        await context.refuse()
        return
    chat = context.chat
    until = datetime.now(UTC) + span

    def work(connection: Connection) -> None:
        subs.remember_chat(connection, chat.id, chat.type)
        subs.set_muted_until(connection, chat.id, until)

    await context.transaction(work)
    capped = " (the longest mute)" if span == MAX_MUTE else ""
    await context.reply(
        f"Muted for {format_duration(span.total_seconds())}{capped}, "
        f"until {until:%Y-%m-%d %H:%M} UTC. "
        "Critical alerts still come. /unmute to end it."
    )


async def unmute(update: Update, context: BotContext) -> None:
    """/unmute: alerts again."""
    if not await context.may_change():
        await context.refuse()
        return
    chat_id = context.chat.id

    def work(connection: Connection) -> bool:
        until = subs.muted_until(connection, chat_id)
        subs.set_muted_until(connection, chat_id, None)
        return until is not None and until > datetime.now(UTC)

    was_muted = await context.transaction(work)
    await context.reply("Alerts are on again." if was_muted else "This chat was not muted.")
