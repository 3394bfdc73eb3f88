"""The bot's python-telegram-bot Application: built here, and only here."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import Engine
from telegram import BotCommand, Update
from telegram.error import InvalidToken
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.delivery.limiter import Limiter
from bot.rules import RuleBook
from bot.telegram import handlers
from bot.telegram.handlers import STATE_KEY, TOGGLE_PREFIX, BotHooks, BotState

log = logging.getLogger(__name__)

COMMANDS = (
    BotCommand("start", "What this bot does"),
    BotCommand("help", "Commands and topics"),
    BotCommand("topics", "Every topic, with buttons to follow or drop it"),
    BotCommand("subscribe", "Follow topics and $TICKERS: /subscribe oil $USO"),
    BotCommand("unsubscribe", "Drop topics or tickers: /unsubscribe oil, or all"),
    BotCommand("list", "What this chat follows"),
    BotCommand("mute", "Pause alerts: /mute 2h (critical ones still come)"),
    BotCommand("unmute", "Alerts again"),
    BotCommand("status", "Operators: sources, rules, queue"),
    BotCommand("reload", "Operators: reload the rules now"),
)


def build_application(
    settings: Settings,
    engine: Engine,
    *,
    rulebook: Callable[[], RuleBook],
    hooks: BotHooks | None = None,
    limiter: Limiter | None = None,
    connection_pool_size: int = 64,
) -> Application:  # type: ignore[type-arg]
    """The Application for the settings' token and Bot API address, with every handler.

    Pass the sender's `limiter` so command answers count against the same rate limits.
    """
    token = settings.token
    if not token:
        raise ValueError("a Telegram bot token is needed (TELEGRAM_BOT_TOKEN)")
    api = settings.telegram_api_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .connection_pool_size(connection_pool_size)
        .build()
    )
    application.bot_data[STATE_KEY] = BotState(
        engine=engine,
        rulebook=rulebook,
        hooks=hooks or BotHooks(),
        admin_ids=frozenset(settings.admin_ids),
        limiter=limiter,
    )
    private_and_groups = filters.UpdateType.MESSAGE
    for name, callback in handlers.COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(name, callback, filters=private_and_groups))
    application.add_handler(
        MessageHandler(filters.UpdateType.CHANNEL_POST & filters.COMMAND, handlers.channel_command)
    )
    application.add_handler(
        CallbackQueryHandler(handlers.toggle_topic, pattern=f"^{TOGGLE_PREFIX}")
    )
    application.add_handler(
        ChatMemberHandler(handlers.my_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.migrated))
    application.add_error_handler(handlers.on_error)
    return application


async def run_bot(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    *,
    poll_timeout: float = 10.0,
) -> None:
    """Register the commands, long-poll for updates until `stop` is set, then shut down."""
    try:
        await application.initialize()
    except InvalidToken:
        # PTB's own message quotes the token; ours must not.
        raise TokenRejected("the Bot API rejected the bot token (TELEGRAM_BOT_TOKEN)") from None
    try:
        await application.bot.set_my_commands(list(COMMANDS))
        await application.start()
        try:
            updater = application.updater
            assert updater is not None  # the builder always makes one unless told not to
            await updater.start_polling(
                timeout=dt.timedelta(seconds=poll_timeout),
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            log.info("Telegram bot @%s is polling for updates", application.bot.username)
            try:
                await stop.wait()
            finally:
                await updater.stop()
        finally:
            await application.stop()
    finally:
        await application.shutdown()


class TokenRejected(Exception):
    """The Bot API does not know the token (the message never contains it)."""
