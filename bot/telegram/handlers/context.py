"""The context every handler gets: the bot's state, this update's chat, replies, admin rights."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Chat, ChatMember, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot.telegram.flood import retry_seconds
from bot.telegram.handlers.splitting import message_pieces
from bot.telegram.handlers.state import STATE_KEY, BotState

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_FLOOD_ATTEMPTS = 3  # a 429 on an answer is waited out twice, then the answer is given up
_ADMIN_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
REFUSAL = "Only this chat's admins can change its subscriptions."


def command_args(message: Message) -> list[str]:
    """The words after the command (`/subscribe@bot oil, gold` gives `oil`, `gold`)."""
    words = (message.text or "").replace(",", " ").split()
    return words[1:]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context, knowing its update: `context.reply(...)` answers in its chat."""

    def __init__(
        self,
        application: Application[ExtBot[None], BotContext, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._update: Update | None = None

    @classmethod
    def from_update(
        cls,
        update: object,
        application: Application[Any, BotContext, Any, Any, Any, Any],
    ) -> BotContext:
        """The context for one update (PTB makes one per update)."""
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    @property
    def state(self) -> BotState:
        """The bot's state, read fresh: the runtime may replace it (a new limiter)."""
        state: BotState = self.application.bot_data[STATE_KEY]
        return state

    @property
    def chat(self) -> Chat:
        """The chat of the update; every handler here answers updates that have one."""
        chat = self._update.effective_chat if self._update else None
        if chat is None:
            raise LookupError("this update belongs to no chat")
        return chat

    @property
    def words(self) -> list[str]:
        """The words after the command in the update's message."""
        message = self._update.effective_message if self._update else None
        return command_args(message) if message else []

    @property
    def thread_id(self) -> int | None:
        """The forum topic the update's message came from (None: General, or no forum)."""
        message = self._update.effective_message if self._update else None
        if message is None or not message.is_topic_message:
            return None
        return message.message_thread_id

    async def transaction(self, work: Callable[..., _T], *args: object) -> _T:
        """Run `work(connection, *args)` in one transaction, off the event loop."""
        engine = self.state.engine

        def run() -> _T:
            with engine.begin() as connection:
                return work(connection, *args)

        return await asyncio.to_thread(run)

    async def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
        """Answer in the update's chat and forum topic (see `send`); False when refused."""
        chat_id = self.chat.id
        try:
            await self.send(chat_id, text, markup, thread_id=self.thread_id)
        except Forbidden as error:  # blocked or removed since the update was sent
            log.info("no answer to chat %d: %s", chat_id, error.message)
            return False
        return True

    async def send(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        thread_id: int | None = None,
    ) -> None:
        """Send HTML `text` to a chat, within the sender's rate limits.

        Text too long for one message goes out as several (cut at line ends, tags kept
        whole); the buttons go under the last one. Every message of the bot goes this way.
        """
        pieces = message_pieces(text)
        for number, piece in enumerate(pieces, start=1):
            for attempt in range(1, _FLOOD_ATTEMPTS + 1):
                await self._wait_turn(chat_id)
                try:
                    async with self.state.sending:
                        await self.bot.send_message(
                            chat_id,
                            piece,
                            parse_mode=ParseMode.HTML,
                            link_preview_options=_NO_PREVIEW,
                            reply_markup=markup if number == len(pieces) else None,
                            message_thread_id=thread_id,
                        )
                    break
                except RetryAfter as error:  # another process spent the budget: wait, again
                    if attempt == _FLOOD_ATTEMPTS:
                        raise
                    await asyncio.sleep(retry_seconds(error))

    async def send_to_sender(self, text: str) -> bool:
        """Send to the private chat of the update's sender; False when Telegram refuses.

        Telegram refuses when the person never started a private chat with the bot.
        """
        user = self._update.effective_user if self._update else None
        if user is None:
            return False
        try:
            await self.send(user.id, text)
        except (Forbidden, BadRequest) as error:
            log.info("cannot write to user %d privately: %s", user.id, error.message)
            return False
        return True

    async def _wait_turn(self, chat_id: int) -> None:
        limiter = self.state.limiter
        if limiter is not None:
            while (wait := await limiter.try_acquire(chat_id, group=chat_id < 0)) > 0:
                await asyncio.sleep(min(wait, 5.0))

    async def refuse(self) -> None:
        """Tell a member who is no admin that the change is not theirs to make."""
        await self.reply(REFUSAL)

    def from_operator(self) -> bool:
        """Whether the update's sender is one of the bot's operators."""
        user = self._update.effective_user if self._update else None
        return user is not None and user.id in self.state.admin_ids

    async def may_change(self) -> bool:
        """Private chats always; in groups and channels only the chat's admins."""
        update, chat = self._update, self.chat
        if update is None:
            return False
        if chat.type == Chat.PRIVATE:
            return True
        message = update.effective_message
        if update.callback_query is None:
            if chat.type == Chat.CHANNEL:
                return True  # only a channel's admins can post in it
            if message is not None and message.sender_chat and message.sender_chat.id == chat.id:
                return True  # an anonymous group admin posts as the group itself
        user = update.effective_user
        if user is None:
            return False
        try:
            member = await self.bot.get_chat_member(chat.id, user.id)
        except TelegramError as error:
            log.warning("cannot check admin rights in chat %d: %s", chat.id, error)
            return False
        return member.status in _ADMIN_STATUSES
