"""The bot's python-telegram-bot Application: built here, and only here."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Engine
from telegram import Bot, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    Updater,
    filters,
)

from bot.config import Settings
from bot.delivery.limiter import Limiter
from bot.errors import NewsbotError
from bot.rules import RuleBook
from bot.telegram import handlers
from bot.telegram.handlers import STATE_KEY, TOGGLE_PREFIX, BotContext, BotHooks, BotState
from bot.telegram.handlers.dispatch import tell_skipped
from bot.telegram.lanes import ChatLanes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates (`url`) and where this process listens for them."""

    url: str
    host: str
    port: int
    path: str
    secret: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Webhook | None:
        """The webhook of the settings, or None for long polling."""
        if not settings.webhook_url or not settings.token:
            return None
        host, _, port = settings.webhook_listen.rpartition(":")
        # Every instance derives the same secret from the token, so a fleet needs no extra
        # setting, and a request without Telegram's header is refused.
        digest = hashlib.sha256(f"newsbot-webhook:{settings.token}".encode()).hexdigest()
        return cls(
            url=settings.webhook_url,
            host=host.strip("[]"),
            port=int(port),
            path=urlsplit(settings.webhook_url).path.strip("/"),
            secret=digest,
        )


def build_application(
    settings: Settings,
    engine: Engine,
    *,
    rulebook: Callable[[], RuleBook],
    hooks: BotHooks | None = None,
    limiter: Limiter | None = None,
    connection_pool_size: int = 64,
) -> Application:
    """The Application for the settings' token and Bot API address, with every handler.

    Pass the sender's `limiter` so command answers count against the same rate limits.
    Updates are handled in one lane per chat: in order within a chat, chats concurrently.
    """
    token = settings.token
    if not token:
        raise ValueError("a Telegram bot token is needed (TELEGRAM_BOT_TOKEN)")
    api = settings.telegram_api_url.rstrip("/")
    lanes = ChatLanes()
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .connection_pool_size(connection_pool_size)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(lanes)
        .build()
    )
    lanes.on_skipped = functools.partial(tell_skipped, application)
    application.bot_data[STATE_KEY] = BotState(
        engine=engine,
        rulebook=rulebook,
        hooks=hooks or BotHooks(),
        admin_ids=frozenset(settings.admin_ids),
        limiter=limiter,
        default_zone=settings.default_timezone,
        max_watches=settings.max_watches,
        max_query_length=settings.max_query_length,
        max_tickers=settings.max_tickers,
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
        CallbackQueryHandler(handlers.alert_feedback, pattern=f"^{handlers.FEEDBACK_PREFIX}")
    )
    application.add_handler(
        CallbackQueryHandler(handlers.unwatch_button, pattern=f"^{handlers.UNWATCH_PREFIX}")
    )
    application.add_handler(CallbackQueryHandler(handlers.unknown_button))  # after the known
    application.add_handler(
        ChatMemberHandler(handlers.my_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.migrated))
    application.add_handler(
        MessageHandler(filters.StatusUpdate.FORUM_TOPIC_REOPENED, handlers.topic_reopened)
    )
    # In a private chat, words that are no command: what to try instead.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
            handlers.free_text,
        )
    )
    # Last: in a private chat, a command no handler above took.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND,
            handlers.unknown_command,
        )
    )
    application.add_error_handler(handlers.on_error)
    return application


async def run_bot(
    application: Application,
    stop: asyncio.Event,
    *,
    webhook: Webhook | None = None,
    poll_timeout: float = 10.0,
) -> None:
    """Register the commands and take updates until `stop` is set.

    Updates come by long polling, or, with a `webhook`, as Telegram's POSTs to it. The
    Application stays initialized afterwards: its bot also carries the sender's alerts, so
    its owner shuts it down (`shutdown_application`) once nothing sends any more.
    """
    await initialize_bot(application)
    await handlers.register_commands(application.bot, application.bot_data[STATE_KEY].admin_ids)
    if webhook is not None:
        _check_listen(webhook)  # before setWebhook points Telegram at a port nobody serves
    await application.start()
    try:
        updater = application.updater
        assert updater is not None  # the builder always makes one unless told not to
        try:
            if webhook is None:
                await updater.start_polling(
                    timeout=dt.timedelta(seconds=poll_timeout),
                    allowed_updates=Update.ALL_TYPES,
                    drop_pending_updates=False,
                )
                log.info("Telegram bot @%s is polling for updates", application.bot.username)
                await _until_stopped_or_rejected(stop)
            else:
                await _start_webhook(updater, webhook)
                log.info(
                    "Telegram bot @%s takes updates at %s (listening on %s:%d)",
                    application.bot.username,
                    webhook.url,
                    webhook.host,
                    webhook.port,
                )
                await stop.wait()
        finally:
            if updater.running:
                with contextlib.suppress(InvalidToken):  # the polling loop's end, told above
                    await updater.stop()
    finally:
        await application.stop()


async def initialize_bot(application: Application) -> None:
    """Initialize the Application (its bot asks getMe); a refusal names the setting to fix.

    Raises TokenRejected on a 401, ApiNotFound on a 404: no Bot API at that address;
    ApiNotBotApi when an answer is not JSON (another server, a proxy's error page).
    """
    try:
        await application.initialize()
    except InvalidToken as error:
        # PTB's own message quotes the token; ours must not. PTB raises InvalidToken for a
        # 401 and a 404 alike; its cause carries the answer.
        answer = error.__cause__.message if isinstance(error.__cause__, TelegramError) else ""
        if "not found" in answer.lower() or "(404)" in answer:
            raise ApiNotFound(_api_address(application.bot)) from None
        raise TokenRejected("the Bot API rejected the bot token (TELEGRAM_BOT_TOKEN)") from None
    except NetworkError as error:
        status, parsing, _ = error.message.partition(". Parsing the server response")
        if not parsing:
            raise
        # Some other web server (or a proxy's error page) answered: say so in one line,
        # without the page; the caller retries, as a proxy may come back.
        raise ApiNotBotApi(_api_address(application.bot), status) from None


def _api_address(bot: Bot) -> str:
    """The Bot API address the bot was built with (NEWSBOT_TELEGRAM_API_URL), token left out."""
    return bot.base_url.removesuffix(f"/bot{bot.token}").replace(bot.token, "<token>")


POLLING_TASK_NAME = "Updater:start_polling:polling_task"  # PTB names its getUpdates loop


async def _until_stopped_or_rejected(stop: asyncio.Event) -> None:
    """Wait for `stop`; raise TokenRejected if PTB's polling loop ends on a 401 first.

    PTB logs "Invalid token. Aborting retry loop" and ends its loop, leaving a process that
    hears nothing: no retry brings a revoked token back, so its owner stops the process.
    """
    polling = next(
        (task for task in asyncio.all_tasks() if task.get_name() == POLLING_TASK_NAME), None
    )
    stopping: asyncio.Task[object] = asyncio.create_task(stop.wait())
    waited: set[asyncio.Task[object]] = {stopping}
    if polling is not None:
        waited.add(polling)
    try:
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    ended = polling is not None and polling.done() and not polling.cancelled()
    if ended and polling is not None and isinstance(polling.exception(), InvalidToken):
        raise TokenRejected(
            "the Bot API rejected the bot token while polling (TELEGRAM_BOT_TOKEN revoked?)"
        )


async def shutdown_application(application: Application) -> None:
    """Close the Application and its bot's connections (safe to call more than once)."""
    if application.running:
        await application.stop()
    await application.shutdown()


def _check_listen(webhook: Webhook) -> None:
    """Fail now, with the reason, when the webhook's address cannot be listened on."""
    family = socket.AF_INET6 if ":" in webhook.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((webhook.host, webhook.port))
        except OSError as error:
            raise WebhookRefused(
                f"cannot listen on {webhook.host}:{webhook.port} "
                f"(NEWSBOT_WEBHOOK_LISTEN): {error.strerror or error}"
            ) from None


async def _start_webhook(updater: Updater, webhook: Webhook) -> None:
    try:
        await updater.start_webhook(
            listen=webhook.host,
            port=webhook.port,
            url_path=re.escape(webhook.path),  # PTB routes by regex; the path is literal
            webhook_url=webhook.url,
            secret_token=webhook.secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
    except BadRequest as error:
        raise WebhookRefused(
            f"Telegram refused the webhook {webhook.url} (NEWSBOT_WEBHOOK_URL): {error.message}"
        ) from None


class TelegramSetupError(NewsbotError):
    """A setting Telegram cannot work with; retrying does not help, the operator must."""


class TokenRejected(TelegramSetupError):
    """The Bot API does not know the token (the message never contains it)."""


class ApiNotFound(TelegramSetupError):
    """No Bot API answers at the configured address: getMe got 404 Not Found."""

    def __init__(self, address: str) -> None:
        super().__init__(
            f"the Bot API address NEWSBOT_TELEGRAM_API_URL={address} answered getMe with "
            "404 Not Found: it should be the server's address, such as "
            "https://api.telegram.org, with no path after it unless a proxy serves the Bot "
            "API there (a malformed TELEGRAM_BOT_TOKEN gets a 404 too)"
        )


class ApiNotBotApi(NewsbotError):
    """Something answered at the Bot API address, but not with the Bot API's JSON."""

    def __init__(self, address: str, status: str) -> None:
        super().__init__(
            f"the Bot API address NEWSBOT_TELEGRAM_API_URL={address} answered getMe with "
            f"{status} and a page that is not the Bot API's JSON: check the address (such as "
            "https://api.telegram.org) and any proxy in front of it"
        )


class WebhookRefused(TelegramSetupError):
    """The webhook cannot be served: its port is taken, or Telegram refused its URL."""
