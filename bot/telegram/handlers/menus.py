"""The command menus Telegram shows: subscribers' commands, and operators' for the admins."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, TelegramError

log = logging.getLogger(__name__)

USER_COMMANDS = (
    BotCommand("start", "What this bot does"),
    BotCommand("help", "Commands and topics"),
    BotCommand("topics", "Every topic, with buttons to follow or drop it"),
    BotCommand("subscribe", "Follow topics and $TICKERS: /subscribe oil $USO"),
    BotCommand("unsubscribe", "Drop topics or tickers: /unsubscribe oil, or all"),
    BotCommand("list", "What this chat follows"),
    BotCommand("mute", "Pause alerts: /mute 2h (held for a digest; critical ones still come)"),
    BotCommand("unmute", "Alerts again, or /unmute RULE to hear a muted rule"),
    BotCommand("timezone", "This chat's time zone: /timezone Europe/London"),
    BotCommand("quiet", "Quiet hours: /quiet 22:00-07:00, or /quiet off"),
    BotCommand("digest", "Digests instead of alerts: /digest 08:00 18:00, or /digest off"),
    BotCommand("market", "Sound only while a market trades: /market NYSE, or /market off"),
    BotCommand("watch", "Your own alert: /watch hormuz Hormuz ($USO OR crude)"),
    BotCommand("watches", "This chat's watches, with buttons to remove them"),
    BotCommand("unwatch", "Remove a watch: /unwatch hormuz, or all"),
)
OPERATOR_COMMANDS = (
    BotCommand("status", "Operators: sources, rules, queue"),
    BotCommand("reload", "Operators: reload the rules now"),
)


async def register_commands(bot: Bot, admin_ids: frozenset[int]) -> None:
    """The command menu: subscribers' commands for everyone, operators' too for admins.

    Best effort: a menu Telegram will not take now never keeps the bot from starting.
    """
    try:
        await bot.set_my_commands(list(USER_COMMANDS))
    except TelegramError as error:
        log.warning("command menu not set (%s); commands still work", error.message)
    for admin in sorted(admin_ids):
        await set_operator_menu(bot, admin)


async def set_operator_menu(bot: Bot, admin: int) -> None:
    """Every command, operators' too, in the menu of one admin's private chat."""
    try:
        scope = BotCommandScopeChat(admin)
        await bot.set_my_commands([*USER_COMMANDS, *OPERATOR_COMMANDS], scope=scope)
    except BadRequest:
        # Telegram knows no private chat with this admin yet; their /start sets the menu.
        log.debug("operator %s has no private chat with the bot yet", admin)
    except TelegramError as error:
        log.warning("operator %s's command menu not set (%s)", admin, error.message)
