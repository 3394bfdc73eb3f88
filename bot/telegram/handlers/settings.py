"""/mute and /unmute: a chat's pause from alerts (held for a digest; critical ones still come)."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection
from telegram import Update

from bot.alerts.render import shorten
from bot.delivery.hours import ChatHours, zone_label
from bot.durations import format_duration, parse_duration
from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape
from bot.telegram.handlers.hours import Released, release_digests_now, release_sooner

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
    """/mute 2h: alerts are held for a digest when the mute ends, except critical ones."""
    span = mute_span("".join(context.words))
    if span is None:
        zero = re.fullmatch(r"0+[a-z]*", "".join(context.words).lower())
        await context.reply(("A mute lasts at least a minute. " if zero else "") + MUTE_USAGE)
        return
    if not await context.may_change():
        await context.refuse()
        return
    chat, default = context.chat, context.state.default_zone
    now = datetime.now(UTC)
    until = now + span

    def work(connection: Connection) -> ChatHours:
        subs.remember_chat(connection, chat.id, chat.type)
        subs.set_muted_until(connection, chat.id, until)
        # A shorter mute than before: what the longer one held comes when this one ends.
        return release_sooner(connection, chat.id, ["mute"], default_zone=default, now=now).hours

    hours = await context.transaction(work)
    capped = " (the longest mute)" if span == MAX_MUTE else ""
    local = until.astimezone(hours.zone)
    await context.reply(
        f"Muted for {format_duration(span.total_seconds())}{capped}, "
        f"until {local:%Y-%m-%d %H:%M} {zone_label(hours.zone)}. "
        "Alerts are held, and you get a digest when it ends; critical alerts still come. "
        "/unmute to end it."
    )


async def unmute(update: Update, context: BotContext) -> None:
    """/unmute: alerts again, what the mute held as a digest now; /unmute RULE: one rule."""
    if not await context.may_change():
        await context.refuse()
        return
    if context.words:
        await _unmute_rules(context)
        return
    chat_id, default = context.chat.id, context.state.default_zone
    now = datetime.now(UTC)

    def work(connection: Connection) -> tuple[bool, Released]:
        until = subs.muted_until(connection, chat_id)
        subs.set_muted_until(connection, chat_id, None)
        # Quiet hours still on keep what the mute held until they end.
        released = release_sooner(connection, chat_id, ["mute"], default_zone=default, now=now)
        return until is not None and until > now, released

    was_muted, released = await context.transaction(work)
    await context.reply(
        ("Alerts are on again." if was_muted else "This chat was not muted.") + released.said(now)
    )
    if released.alerts:
        await release_digests_now(context)


def lifted_rules(words: list[str], muted: Collection[tuple[str, str]]) -> list[tuple[str, str]]:
    """The muted (topic, rule)s the words name: `topic/rule`, or a rule name in any topic."""
    wanted = {word.lower() for word in words}
    return sorted(
        (topic, rule)
        for topic, rule in muted
        if f"{topic}/{rule}".lower() in wanted or rule.lower() in wanted
    )


async def _unmute_rules(context: BotContext) -> None:
    """/unmute crude or /unmute oil/crude: that rule's alerts reach the chat again."""
    chat_id, words = context.chat.id, context.words

    def work(connection: Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        muted = subs.chat_settings(connection, chat_id).muted_rules
        lifted = subs.unmute_rules(connection, chat_id, lifted_rules(words, muted))
        return lifted, sorted(muted - set(lifted))

    lifted, still = await context.transaction(work)
    if lifted:
        names = ", ".join(f"{topic}/{rule}" for topic, rule in lifted)
        await context.reply(f"You hear {escape(names)} again.")
        return
    shown = escape(shorten(" ".join(words), 60))
    if still:
        names = ", ".join(f"{topic}/{rule}" for topic, rule in still)
        await context.reply(f"No muted rule “{shown}”. Muted here: {escape(names)}.")
    else:
        await context.reply(f"No muted rule “{shown}”: this chat mutes no rules.")
