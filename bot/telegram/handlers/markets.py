"""/market NYSE: alerts sound during the exchange's session; /digest open: held until the open."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Connection
from telegram import Update

from bot.delivery.hours import zone_label
from bot.delivery.sessions import (
    BEFORE_OPEN,
    OPEN_HOLD,
    exchange_zone,
    is_open,
    market_code,
    next_open,
)
from bot.storage import held, markets
from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape
from bot.telegram.handlers.hours import digest, release_digests_now

MARKET_USAGE = (
    "Usage: /market NYSE (or NASDAQ, XLON, XETR, XTKS, XHKG: an exchange's code), /market off."
)


async def market(update: Update, context: BotContext) -> None:
    """/market NYSE: outside that exchange's session, alerts below critical come silently."""
    chat, words = context.chat, context.words
    if not words:
        setting = await context.transaction(markets.market_of, chat.id)
        state = "No market followed: alerts sound whenever they come."
        if setting is not None:
            state = await asyncio.to_thread(_following, setting.market, datetime.now(UTC))
        await context.reply(f"{state}\n{MARKET_USAGE}")
        return
    if not await context.may_change():
        await context.refuse()
        return
    if len(words) == 1 and words[0].lower() in ("off", "none"):
        released = await context.transaction(_stop_following, chat.id, chat.type)
        await context.reply(
            "No market followed any more: alerts sound whenever they come."
            + (f" {released} held for the open come now." if released else "")
        )
        await release_digests_now(context)
        return
    code = market_code(words[0]) if len(words) == 1 else None
    if code is None:
        await context.reply(f"Unknown market “{escape(' '.join(words)[:40])}”. {MARKET_USAGE}")
        return

    def work(connection: Connection) -> None:
        subs.remember_chat(connection, chat.id, chat.type)
        markets.set_market(connection, chat.id, code)

    await context.transaction(work)
    # Off the event loop: a calendar is built on first use (about a second).
    following = await asyncio.to_thread(_following, code, datetime.now(UTC))
    await context.reply(
        following
        + "\nOutside it, alerts below critical arrive silently; critical alerts always sound. "
        "/digest open holds them for a digest 30 minutes before the next open instead."
    )


async def digest_or_open(update: Update, context: BotContext) -> None:
    """/digest as `hours.digest` has it, plus `/digest open`; `/digest off` ends both."""
    words = [word.lower() for word in context.words]
    if words == ["open"]:
        await digest_before_open(context)
        return
    await digest(update, context)
    if words in (["off"], ["none"], ["stop"]) and await context.may_change():
        await end_digest_before_open(context)


async def digest_before_open(context: BotContext) -> None:
    """/digest open: alerts outside the session wait for a digest 30 minutes before the open."""
    chat = context.chat
    if not await context.may_change():
        await context.refuse()
        return
    setting = await context.transaction(markets.market_of, chat.id)
    if setting is None:
        await context.reply("Follow a market first, e.g. /market NYSE, then /digest open.")
        return
    await context.transaction(markets.set_market_digest, chat.id, True)
    opening = await asyncio.to_thread(next_open, setting.market, datetime.now(UTC))
    when = f" The next at {_at(opening - BEFORE_OPEN, setting.market)}." if opening else ""
    await context.reply(
        f"Outside {setting.market}'s session, alerts below critical wait for a digest 30 "
        f"minutes before the open.{when} Critical alerts still come at once. /digest off ends it."
    )


async def end_digest_before_open(context: BotContext) -> None:
    """`/digest off` ends the digest before the open too; what it held comes now."""
    chat_id = context.chat.id

    def work(connection: Connection) -> int:
        markets.set_market_digest(connection, chat_id, False)
        return held.release_held(connection, chat_id, [OPEN_HOLD], datetime.now(UTC))

    if await context.transaction(work):
        await release_digests_now(context)


async def market_lines(context: BotContext) -> list[str]:
    """What /list says of the chat's market session, if it follows one."""
    setting = await context.transaction(markets.market_of, context.chat.id)
    if setting is None:
        return []
    outside = (
        "alerts below critical wait for a digest 30 minutes before the next open"
        if setting.digest_before_open
        else "alerts below critical arrive silently"
    )
    return [f"Market: {setting.market}'s session; outside it, {outside} (/market)"]


def _stop_following(connection: Connection, chat_id: int, chat_type: str) -> int:
    subs.remember_chat(connection, chat_id, chat_type)
    markets.set_market(connection, chat_id, None)
    return held.release_held(connection, chat_id, [OPEN_HOLD], datetime.now(UTC))


def _following(code: str, now: datetime) -> str:
    """`This chat follows XNYS: open now.` or when it next opens."""
    if is_open(code, now):
        return f"This chat follows {code}'s session: open now."
    opening = next_open(code, now)
    later = f" It opens at {_at(opening, code)}." if opening else ""
    return f"This chat follows {code}'s session: closed now.{later}"


def _at(moment: datetime, code: str) -> str:
    """A moment in the exchange's own time zone, and in UTC."""
    zone = exchange_zone(code)
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %H:%M} {zone_label(zone)} ({moment.astimezone(UTC):%H:%M} UTC)"
