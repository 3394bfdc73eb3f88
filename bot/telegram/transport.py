"""Alerts to Telegram through python-telegram-bot, its errors turned into delivery outcomes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.delivery.feedback import Feedback
from bot.delivery.transports import (
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    SendError,
    TokenRevoked,
    TopicRefused,
    Transient,
)
from bot.rules import Topic
from bot.telegram.flood import retry_seconds
from bot.telegram.handlers.feedback import feedback_keyboard
from bot.telemetry.metrics import TELEGRAM_ERRORS

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_NOT_MODIFIED = "message is not modified"
_GONE_400 = ("chat not found", "user not found", "peer_id_invalid", "bot was kicked")
_TOPIC_CLOSED = "topic_closed"
_TOPIC_DELETED = ("message thread not found", "topic_deleted")
# Longer than Telegram takes to answer a sendMessage: a send given up early and retried
# would arrive twice (PTB's default is 5 s). The sender's claim lease outlasts these.
SEND_READ_TIMEOUT = 35.0
SEND_WRITE_TIMEOUT = 20.0


class TelegramTransport:
    """Sends alerts with `sendMessage` in HTML parse mode, link previews off."""

    terminal = False
    feedback_buttons = True
    reach = True  # forum topics (message_thread_id) and paid broadcasts

    def __init__(self, bot: Bot, topics: Callable[[], Mapping[str, Topic]] | None = None) -> None:
        """`topics`: the rules in force, so `Unsubscribe` buttons name a topic by its title."""
        self._bot = bot
        self._topics = topics

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        silent: bool,
        feedback: Feedback | None = None,
        thread_id: int | None = None,
        paid: bool = False,
    ) -> int | None:
        """Send one alert, with its feedback buttons, into its forum topic, paid when asked;
        raises the outcome of any refusal."""
        markup = None
        if feedback is not None:
            markup = feedback_keyboard(feedback, self._topics() if self._topics else {})
        try:
            try:
                message = await self._bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    disable_notification=silent,
                    link_preview_options=_NO_PREVIEW,
                    reply_markup=markup,
                    message_thread_id=thread_id,
                    allow_paid_broadcast=paid or None,
                    read_timeout=SEND_READ_TIMEOUT,
                    write_timeout=SEND_WRITE_TIMEOUT,
                )
            except TelegramError as error:
                TELEGRAM_ERRORS.labels(code=status_code(error)).inc()
                raise
        except InvalidToken as error:  # 401: before Forbidden, retrying cannot help
            raise TokenRevoked(self._reason(error)) from None
        except RetryAfter as error:
            raise RateLimited(self._reason(error), retry_seconds(error)) from None
        except ChatMigrated as error:
            raise ChatMoved(self._reason(error), int(error.new_chat_id)) from None
        except Forbidden as error:
            raise ChatGone(self._reason(error)) from None
        except BadRequest as error:
            reason = self._reason(error)
            if thread_id is not None and _TOPIC_CLOSED in reason.lower():
                raise TopicRefused(reason, deleted=False) from None
            if thread_id is not None and any(m in reason.lower() for m in _TOPIC_DELETED):
                raise TopicRefused(reason, deleted=True) from None
            if any(mark in reason.lower() for mark in _GONE_400):
                raise ChatGone(reason) from None
            raise Rejected(reason) from None
        except (TimedOut, NetworkError) as error:
            raise Transient(self._reason(error)) from None
        except TelegramError as error:  # InvalidToken, Conflict, ...: an operator must look
            raise Transient(self._reason(error)) from None
        return message.message_id

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, feedback: Feedback | None = None
    ) -> None:
        """Change a sent alert's text (edits never notify); raises the outcome of a refusal.

        An edit without a keyboard removes the message's: `feedback` redraws its buttons as
        they stand. "message is not modified" is success: the message already says this.
        """
        markup = None
        if feedback is not None:
            topics = self._topics() if self._topics else {}
            markup = feedback_keyboard(feedback, topics, subscribed=feedback.subscribed)
        try:
            await self._bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
                reply_markup=markup,
                read_timeout=SEND_READ_TIMEOUT,
                write_timeout=SEND_WRITE_TIMEOUT,
            )
        except BadRequest as error:
            if _NOT_MODIFIED in error.message.lower():
                return
            raise self._outcome(error) from None
        except TelegramError as error:
            raise self._outcome(error) from None

    def _outcome(self, error: TelegramError) -> SendError:
        """The delivery outcome of a Telegram error."""
        reason = self._reason(error)
        if isinstance(error, InvalidToken):
            return TokenRevoked(reason)
        if isinstance(error, RetryAfter):
            return RateLimited(reason, retry_seconds(error))
        if isinstance(error, ChatMigrated):
            return ChatMoved(reason, int(error.new_chat_id))
        if isinstance(error, Forbidden):
            return ChatGone(reason)
        if isinstance(error, BadRequest):
            if any(mark in reason.lower() for mark in _GONE_400):
                return ChatGone(reason)
            return Rejected(reason)
        # TimedOut, NetworkError; InvalidToken, Conflict...: an operator must look.
        return Transient(reason)

    def _reason(self, error: TelegramError) -> str:
        """The error text with the token taken out (some errors quote the request URL)."""
        kind, text = type(error).__name__, error.message
        if not text.lower().startswith(kind.lower()):
            text = f"{kind}: {text}"
        token = self._bot.token
        return text.replace(token, "<token>") if token else text


_STATUS_OF: dict[type[TelegramError], str] = {
    RetryAfter: "429",
    ChatMigrated: "400",
    BadRequest: "400",
    Forbidden: "403",
    InvalidToken: "401",
    Conflict: "409",
}
_STATUS_IN_TEXT = re.compile(r"\((\d{3})\)")


def status_code(error: TelegramError) -> str:
    """The HTTP status behind a Bot API error, as a metric label ("0": no answer, or unknown)."""
    for kind, status in _STATUS_OF.items():
        if isinstance(error, kind):
            return status
    found = _STATUS_IN_TEXT.search(error.message)  # PTB words other statuses `Phrase (502)`
    if found and 400 <= int(found.group(1)) < 600:
        return found.group(1)
    return "0"
